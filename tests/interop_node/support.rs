//! Helpers shared by the interop modules: running a config on both
//! servers, a case list with both clients, every (server, client) pair
//! ("four ways"), checking that all runs agree, and short forms of results
//! for failure messages.

use crate::common;
use crate::common::interop::{
    Ports, node_clients_async, node_servers, tlsbox_clients, tlsbox_servers, with_ports,
};
use serde_json::{Value, json};

/// Runs `cases` with Node's and tlsbox's clients against the servers at
/// `ports`; returns (node, tlsbox) results, in case order.
pub(crate) async fn both_clients(cases: &[Value], ports: &Ports) -> (Vec<Value>, Vec<Value>) {
    let cases = with_ports(cases, ports);
    let node = node_clients_async(cases.clone()).await;
    let tlsbox = tlsbox_clients(&cases).await;
    (node, tlsbox)
}

/// Node's and tlsbox's servers for `configs`, each with its ports.
pub(crate) async fn both_servers(
    configs: &Value,
) -> (common::interop::NodeServers, common::interop::TlsboxServers) {
    let node = {
        let configs = configs.clone();
        tokio::task::spawn_blocking(move || node_servers(&configs))
            .await
            .unwrap()
    };
    let tlsbox = tlsbox_servers(configs).await;
    (node, tlsbox)
}

pub(crate) fn server(id: &str, cert: &str, key: &str) -> Value {
    json!({ "id": id, "cert": cert, "key": key })
}

/// Results of `cases` for every (server, client) pair of implementations:
/// `[(label, results)]` with labels like `tlsbox server / node client`.
pub(crate) async fn four_ways(configs: &Value, cases: &[Value]) -> Vec<(String, Vec<Value>)> {
    four_ways_keeping_servers(configs, cases).await.0
}

/// [`four_ways`], and the servers, for tests that then read their events.
pub(crate) async fn four_ways_keeping_servers(
    configs: &Value,
    cases: &[Value],
) -> (
    Vec<(String, Vec<Value>)>,
    common::interop::NodeServers,
    common::interop::TlsboxServers,
) {
    let (node_servers, tlsbox_servers) = both_servers(configs).await;
    let mut runs = Vec::new();
    for (server, ports) in [
        ("tlsbox server", &tlsbox_servers.ports),
        ("node server", &node_servers.ports),
    ] {
        let (node, tlsbox) = both_clients(cases, ports).await;
        runs.push((format!("{server} / node client"), node));
        runs.push((format!("{server} / tlsbox client"), tlsbox));
    }
    (runs, node_servers, tlsbox_servers)
}

/// Asserts that `pick` gives the same value for case `i` in every run, and
/// returns that value.
pub(crate) fn agreed(
    runs: &[(String, Vec<Value>)],
    i: usize,
    what: &str,
    pick: impl Fn(&Value) -> Value,
) -> Value {
    let first = pick(&runs[0].1[i]);
    for (label, results) in runs {
        assert_eq!(
            pick(&results[i]),
            first,
            "{what} of case {} differs for {label} vs {}:\n{}\n{}",
            results[i]["id"],
            runs[0].0,
            brief(&results[i]),
            brief(&runs[0].1[i])
        );
    }
    first
}

/// A result without certificates, for failure messages one can read.
pub(crate) fn brief(result: &Value) -> Value {
    let mut result = result.clone();
    result["peerCertificate"] = json!(cn(&result));
    if result["server"].is_object() {
        let server_cn = cn(&result["server"]);
        result["server"]["peerCertificate"] = server_cn;
    }
    result
}

pub(crate) fn cn(result: &Value) -> Value {
    result["peerCertificate"]["subject"]["CN"].clone()
}
