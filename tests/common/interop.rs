//! The interop harness: the same server configs run as tlsbox servers (in
//! this process) and as Node servers (`tests/node/server.js`), and the same
//! client cases run through `tlsbox::connect` and through Node
//! (`tests/node/client.js`). Both sides report in one JSON shape, Node's
//! `TLSSocket` fields (see `CleartextStream::to_json`), so a test compares
//! them field by field.
//!
//! Each secure connection is sent the server's view of it as one JSON line
//! and then ended with close_notify (unless the config says `hold`), so every
//! client result also carries what the server saw (`server`) and whether the
//! close arrived as an orderly end (`ended`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tlsbox::{CleartextStream, ConnectOptions, Credentials, ServerEvent, ServerOptions};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use super::peers::Peer;
use super::pem;

/// `tests/node/<name>`.
pub fn node_script(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("tests")
        .join("node")
        .join(name)
        .display()
        .to_string()
}

/// A fixture name or a list of them, as PEM texts.
fn pem_list(value: &Value) -> Vec<String> {
    match value {
        Value::String(name) => vec![pem(name)],
        Value::Array(names) => names.iter().flat_map(pem_list).collect(),
        _ => Vec::new(),
    }
}

/// `key`/`cert`/`ca`/`crl` of a config or case, as tlsbox credentials.
pub fn credentials(config: &Value) -> Credentials {
    Credentials {
        key: config["key"].as_str().map(pem),
        cert: config["cert"].as_str().map(pem),
        ca: pem_list(&config["ca"]),
        crl: pem_list(&config["crl"]),
        ..Credentials::default()
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Ports by server id.
pub type Ports = HashMap<String, u16>;

/// Cases naming a `server` id get that server's `port`.
pub fn with_ports(cases: &[Value], ports: &Ports) -> Vec<Value> {
    cases
        .iter()
        .map(|case| {
            let mut case = case.clone();
            let id = case["server"].as_str().expect("case names its server");
            case["port"] = json!(ports[id]);
            case
        })
        .collect()
}

/// Node servers, one process for all configs.
pub struct NodeServers {
    /// The `node` process.
    pub peer: Peer,
    /// Where each config listens.
    pub ports: Ports,
}

/// Starts `tests/node/server.js` with `configs` and waits until all listen.
pub fn node_servers(configs: &Value) -> NodeServers {
    let mut peer = Peer::spawn("node", &[&node_script("server.js"), &configs.to_string()]);
    let mut ports = Ports::new();
    for config in configs.as_array().expect("a list of configs") {
        let id = config["id"].as_str().expect("config id").to_string();
        let needle = format!("\"event\":\"listening\",\"id\":\"{id}\"");
        let line: Value = serde_json::from_str(&peer.wait_for_text(&needle)).unwrap();
        ports.insert(id, line["port"].as_u64().unwrap() as u16);
    }
    NodeServers { peer, ports }
}

impl NodeServers {
    /// Waits for the `n`th (from 1) line of `event` from server `id`.
    pub fn event(&mut self, id: &str, event: &str, n: usize) -> Value {
        let needle = format!("\"event\":\"{event}\",\"id\":\"{id}\"");
        let count = std::cell::Cell::new(0);
        let line = self.peer.wait_for(&needle, |line| {
            line.contains(&needle) && {
                count.set(count.get() + 1);
                count.get() == n
            }
        });
        serde_json::from_str(&line).unwrap()
    }
}

/// Runs every case through `tests/node/client.js`; results in case order.
pub fn node_clients(cases: &[Value]) -> Vec<Value> {
    let mut peer = Peer::spawn(
        "node",
        &[
            &node_script("client.js"),
            &Value::from(cases.to_vec()).to_string(),
        ],
    );
    assert_eq!(peer.wait_exit(), Some(0), "{}", peer.seen.join("\n"));
    let results: Vec<Value> = peer
        .seen
        .iter()
        .filter(|line| line.starts_with("{\"id\""))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(results.len(), cases.len(), "{}", peer.seen.join("\n"));
    results
}

/// tlsbox servers in this process, from the same configs as Node's.
pub struct TlsboxServers {
    /// The servers, kept alive.
    pub servers: HashMap<String, Arc<tlsbox::Server>>,
    /// Where each listens.
    pub ports: Ports,
    /// Every event so far, in Node's shape (`secureConnection`, `tlsClientError`).
    pub events: Arc<Mutex<Vec<Value>>>,
}

impl TlsboxServers {
    /// The events of server `id` named `event`.
    pub fn events_of(&self, id: &str, event: &str) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["id"] == id && e["event"] == event)
            .cloned()
            .collect()
    }
}

/// A config's string option, if given.
fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

/// The library options for one server config.
pub fn server_options(config: &Value) -> ServerOptions {
    let mut options = ServerOptions::new(credentials(config));
    options.request_cert = config["requestCert"].as_bool().unwrap_or(false);
    options.reject_unauthorized = config["rejectUnauthorized"].as_bool().unwrap_or(false);
    options.alpn_protocols = strings(&config["ALPNProtocols"]);
    options.max_connections = config["maxConnections"].as_u64().map(|n| n as usize);
    options.min_version = text(&config["minVersion"]);
    options.max_version = text(&config["maxVersion"]);
    options.ecdh_curve = text(&config["ecdhCurve"]);
    options.sigalgs = text(&config["sigalgs"]);
    for pair in config["contexts"].as_array().into_iter().flatten() {
        let pattern = pair[0].as_str().expect("pattern").to_string();
        options.contexts.push((pattern, credentials(&pair[1])));
    }
    if let Some(table) = config["sni"].as_object() {
        let table = table.clone();
        options = options.sni_callback(move |name: String| {
            let answer = table.get(&name).cloned();
            async move {
                // An await point, as a real lookup would have.
                tokio::task::yield_now().await;
                match answer {
                    Some(Value::String(e)) if e == "error" => {
                        Err(format!("no context for {name}").into())
                    }
                    Some(creds) => Ok(Some(credentials(&creds))),
                    None => Ok(None),
                }
            }
        });
    }
    options
}

/// What a tlsbox end reports, as `tests/node/common.js` `reportJson` does
/// for Node's: the socket's state, and its own certificate
/// (`getCertificate()`).
fn report<IO>(stream: &mut tlsbox::CleartextStream<IO>) -> Value
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut state = stream.to_json();
    state["certificate"] = tlsbox::certificate_json(stream.certificate(), false);
    state
}

/// Starts one tlsbox server per config on a free loopback port.
pub async fn tlsbox_servers(configs: &Value) -> TlsboxServers {
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut servers = HashMap::new();
    let mut ports = Ports::new();
    for config in configs.as_array().expect("a list of configs") {
        let id = config["id"].as_str().expect("config id").to_string();
        let server = Arc::new(tlsbox::create_server(server_options(config)).expect("options"));
        let port = server.listen("127.0.0.1:0").await.expect("listen").port();
        let hold = config["hold"].as_bool().unwrap_or(false);
        let (serving, events, sid) = (server.clone(), events.clone(), id.clone());
        tokio::spawn(async move {
            while let Some(event) = serving.next_event().await {
                match event {
                    ServerEvent::SecureConnection(mut stream) => {
                        let state = report(&mut stream);
                        let mut line = state.clone();
                        line["event"] = json!("secureConnection");
                        line["id"] = json!(sid);
                        events.lock().unwrap().push(line);
                        tokio::spawn(send_state(*stream, state, hold));
                    }
                    ServerEvent::ClientError { error, .. } => {
                        events.lock().unwrap().push(json!({
                            "event": "tlsClientError", "id": sid,
                            "code": error.code(), "message": error.to_string(),
                        }));
                    }
                }
            }
        });
        servers.insert(id.clone(), server);
        ports.insert(id, port);
    }
    TlsboxServers {
        servers,
        ports,
        events,
    }
}

/// What a server does with each secure connection: sends its view as a
/// JSON line, ends (unless holding), and reads until the client is gone.
async fn send_state(mut stream: CleartextStream, state: Value, hold: bool) {
    let line = format!("{state}\n");
    if stream.write_all(line.as_bytes()).await.is_err() || stream.flush().await.is_err() {
        return;
    }
    if !hold {
        let _ = stream.shutdown().await;
    }
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest).await;
}

/// Node's `{code, message, reason}` for a tlsbox error.
fn error_json(error: &tlsbox::Error) -> Value {
    let message = error
        .tls()
        .map_or_else(|| error.to_string(), |e| e.message.clone());
    let reason = message
        .strip_prefix("Hostname/IP does not match certificate's altnames: ")
        .map(str::to_string);
    json!({ "code": error.code(), "message": message, "reason": reason })
}

fn io_error_json(error: &std::io::Error) -> Value {
    if let Some(inner) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<tlsbox::Error>())
    {
        return error_json(inner);
    }
    let code = match error.kind() {
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof => "ECONNRESET",
        _ => "EIO",
    };
    json!({ "code": code, "message": error.to_string(), "reason": null })
}

/// One case through `tlsbox::connect`, reported as `client.js` reports it.
/// A `hold` case's stream is returned to keep it open.
pub async fn tlsbox_client(case: &Value) -> (Value, Option<BufReader<CleartextStream>>) {
    let mut result = json!({
        "id": case["id"], "secureConnect": false, "server": null, "ended": false, "error": null,
    });
    let options = ConnectOptions {
        credentials: credentials(case),
        servername: case["servername"].as_str().map(str::to_string),
        reject_unauthorized: case["rejectUnauthorized"].as_bool().unwrap_or(true),
        alpn_protocols: strings(&case["ALPNProtocols"]),
        min_version: text(&case["minVersion"]),
        max_version: text(&case["maxVersion"]),
        ecdh_curve: text(&case["ecdhCurve"]),
        sigalgs: text(&case["sigalgs"]),
        ..ConnectOptions::default()
    };
    let host = case["host"].as_str().unwrap_or("127.0.0.1");
    let port = case["port"].as_u64().expect("case port") as u16;
    let mut stream = match tlsbox::connect(host, port, options).await {
        Ok(stream) => stream,
        Err(error) => {
            result["error"] = error_json(&error);
            return (result, None);
        }
    };
    result["secureConnect"] = json!(true);
    for (key, value) in report(&mut stream).as_object().unwrap() {
        result[key] = value.clone();
    }
    if case["noReply"].as_bool().unwrap_or(false) {
        return (result, None);
    }
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    match reader.read_line(&mut line).await {
        Ok(n) if n > 0 => {
            let line = line.trim_end_matches('\n');
            result["server"] = serde_json::from_str(line).unwrap_or_else(|_| json!(line));
        }
        Ok(_) => {}
        Err(error) => {
            result["error"] = io_error_json(&error);
            return (result, None);
        }
    }
    if case["hold"].as_bool().unwrap_or(false) {
        return (result, Some(reader));
    }
    let mut rest = Vec::new();
    match reader.read_to_end(&mut rest).await {
        Ok(_) => result["ended"] = json!(true),
        Err(error) => result["error"] = io_error_json(&error),
    }
    (result, None)
}

/// Every case through `tlsbox::connect`, in order; held streams stay open
/// until all are done.
pub async fn tlsbox_clients(cases: &[Value]) -> Vec<Value> {
    let mut held = Vec::new();
    let mut results = Vec::new();
    for case in cases {
        let (result, stream) = tlsbox_client(case).await;
        held.extend(stream);
        results.push(result);
    }
    results
}

/// Node's clients for `cases`, from async code.
pub async fn node_clients_async(cases: Vec<Value>) -> Vec<Value> {
    tokio::task::spawn_blocking(move || node_clients(&cases))
        .await
        .expect("node clients")
}

/// The error code of a client result, or null.
pub fn error_code(result: &Value) -> Value {
    result["error"]["code"].clone()
}
