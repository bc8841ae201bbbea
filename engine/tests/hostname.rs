//! `hostname::check_server_identity` against Node's `tls.checkServerIdentity`.
//!
//! Two sets: a table of (host, subject CN, subjectaltname) cases, each checked
//! against the expected verdict and also against Node given the same record;
//! and every fixture certificate with a list of hosts, where Node gets
//! `new X509Certificate(pem).toLegacyObject()` (the same `subject` and
//! `subjectaltname` as `getPeerCertificate()`, see tests/cert_info.rs).
//!
//! Needs `node` on PATH; without it the Node comparisons are skipped, loudly.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tlsbox_engine::cert_info::NameAttribute;
use tlsbox_engine::error::ErrorCode;
use tlsbox_engine::hostname::{check_names, check_server_identity};

/// What Node says for one check: `ok`, or `CODE: message`.
type Verdict = String;

/// Expected outcome in the table: `None` for a match, else Node's reason.
struct Case {
    host: &'static str,
    cns: &'static [&'static str],
    altnames: Option<&'static str>,
    reason: Option<&'static str>,
}

const fn case(
    host: &'static str,
    cns: &'static [&'static str],
    altnames: Option<&'static str>,
    reason: Option<&'static str>,
) -> Case {
    Case {
        host,
        cns,
        altnames,
        reason,
    }
}

const OK: Option<&str> = None;

#[rustfmt::skip]
const CASES: &[Case] = &[
    // CN only.
    case("a.com", &["a.com"], None, OK),
    case("a.com", &["A.COM"], None, OK),
    case("A.COM", &["a.com"], None, OK),
    case("a.com", &["b.com"], None, Some("Host: a.com. is not cert's CN: b.com")),
    case("a.com.", &["a.com"], None, OK),
    case("a.com", &["a.com."], None, OK),
    case("a.com..", &["a.com"], None, OK),
    case(".a.com", &["a.com"], None, Some("Host: .a.com. is not cert's CN: a.com")),
    case("", &["a.com"], None, Some("Host: . is not cert's CN: a.com")),
    case("b.a.com", &["*.a.com"], None, OK),
    case("c.b.a.com", &["*.a.com"], None, Some("Host: c.b.a.com. is not cert's CN: *.a.com")),
    case("a.com", &["*.com"], None, Some("Host: a.com. is not cert's CN: *.com")),
    case("a.co.uk", &["*.co.uk"], None, OK),
    case("a.com", &["b.com", "a.com"], None, OK),
    case("c.com", &["b.com", "a.com"], None, Some("Host: c.com. is not cert's CN: b.com,a.com")),
    case("a.com", &[""], None, Some("Cert does not contain a DNS name")),
    case("a.com", &[], None, Some("Cert does not contain a DNS name")),
    // DNS names win over the CN.
    case("a.com", &["a.com"], Some("DNS:*.a.com"), Some("Host: a.com. is not in the cert's altnames: DNS:*.a.com")),
    case("b.a.com", &["a.com"], Some("DNS:*.a.com"), OK),
    case("B.A.COM", &[], Some("DNS:*.A.com"), OK),
    case("c.b.a.com", &[], Some("DNS:*.a.com"), Some("Host: c.b.a.com. is not in the cert's altnames: DNS:*.a.com")),
    case("b.a.com", &[], Some("DNS:a.com, DNS:b.a.com"), OK),
    case("a.com", &[], Some("DNS:a.com."), OK),
    // Wildcards: one per label, in the left-most label, with prefix or suffix.
    case("bxa.a.com", &[], Some("DNS:*a.a.com"), OK),
    case("bxb.a.com", &[], Some("DNS:b*b.a.com"), OK),
    case("bb.a.com", &[], Some("DNS:b*b.a.com"), OK),
    case("b.a.com", &[], Some("DNS:b*b.a.com"), Some("Host: b.a.com. is not in the cert's altnames: DNS:b*b.a.com")),
    case("bxc.a.com", &[], Some("DNS:b*b.a.com"), Some("Host: bxc.a.com. is not in the cert's altnames: DNS:b*b.a.com")),
    case("b.a.com", &[], Some("DNS:**.a.com"), Some("Host: b.a.com. is not in the cert's altnames: DNS:**.a.com")),
    case(".a.com", &[], Some("DNS:*.a.com"), OK),
    case("b.a.com", &[], Some("DNS:*.*.com"), Some("Host: b.a.com. is not in the cert's altnames: DNS:*.*.com")),
    case("a.com", &[], Some("DNS:*.com"), Some("Host: a.com. is not in the cert's altnames: DNS:*.com")),
    case("xn--bcher-kva.a.com", &[], Some("DNS:*.a.com"), OK),
    case("xn--bcher-kva.a.com", &[], Some("DNS:xn--*.a.com"), Some("Host: xn--bcher-kva.a.com. is not in the cert's altnames: DNS:xn--*.a.com")),
    case("a.com", &[], Some("DNS:a..com"), Some("Host: a.com. is not in the cert's altnames: DNS:a..com")),
    // Blanks, control characters and non-ASCII never match.
    case("a b.test", &[], Some("DNS:a b.test"), Some("Host: a b.test. is not in the cert's altnames: DNS:a b.test")),
    case("é.test", &[], Some("DNS:é.test"), Some("Host: é.test. is not in the cert's altnames: DNS:é.test")),
    // Quoted names (CVE-2021-44532).
    case("a,b.test", &[], Some(r#"DNS:"a\u002cb.test""#), OK),
    case("a.test", &[], Some(r#"DNS:"a\u002cb.test", DNS:a.test"#), OK),
    case("b.test", &[], Some(r#"DNS:"a\u002cb.test""#), Some(r#"Host: b.test. is not in the cert's altnames: DNS:"a\u002cb.test""#)),
    case("b.test", &[], Some(r#"email:"x\u002cy@b.test", DNS:b.test"#), OK),
    // URI names never match, but do not hide the CN either.
    case("a.com", &["a.com"], Some("URI:http://a.com/"), OK),
    case("a.com", &[], Some("URI:http://a.com/"), Some("Cert does not contain a DNS name")),
    case("a.com", &["b.com"], Some("URI:http://a.com/"), Some("Host: a.com. is not cert's CN: b.com")),
    // IP addresses match IP names only.
    case("8.8.8.8", &["8.8.8.8"], None, Some("IP: 8.8.8.8 is not in the cert's list: ")),
    case("8.8.8.8", &[], Some("IP Address:8.8.8.8"), OK),
    case("8.8.8.8", &[], Some("DNS:8.8.8.8"), Some("IP: 8.8.8.8 is not in the cert's list: ")),
    case("8.8.4.4", &[], Some("IP Address:8.8.8.8, IP Address:1.2.3.4"), Some("IP: 8.8.4.4 is not in the cert's list: 8.8.8.8, 1.2.3.4")),
    case("127.0.0.1.", &[], Some("IP Address:127.0.0.1"), OK),
    case("127.000.0.1", &["127.000.0.1"], Some("IP Address:127.0.0.1"), OK),
    case("::1", &[], Some("IP Address:0:0:0:0:0:0:0:1"), OK),
    case("0:0::1", &[], Some("IP Address:0:0:0:0:0:0:0:1"), OK),
    case("::2", &[], Some("IP Address:0:0:0:0:0:0:0:1"), Some("IP: ::2 is not in the cert's list: ::1")),
    case("::ffff:1.2.3.4", &[], Some("IP Address:0:0:0:0:0:FFFF:102:304"), OK),
    case("1.2.3.4", &[], Some("IP Address:0:0:0:0:0:FFFF:102:304"), Some("IP: 1.2.3.4 is not in the cert's list: ::ffff:1.2.3.4")),
    case("fe80::1%eth0", &[], Some("IP Address:FE80:0:0:0:0:0:0:1"), OK),
    case("1::", &[], Some("IP Address:2001:DB8:0:0:1:0:0:1, IP Address:0:0:0:0:0:0:102:304, IP Address:1:0:0:2:0:0:0:3"), Some("IP: 1:: is not in the cert's list: 2001:db8::1:0:0:1, ::1.2.3.4, 1:0:0:2::3")),
    case("1.2.3.4", &[], Some("IP Address:<invalid length=5>, IP Address:1.1.1.1"), Some("IP: 1.2.3.4 is not in the cert's list: , 1.1.1.1")),
    case("1.1.1.1", &[], Some("IP Address:<invalid length=5>, IP Address:1.1.1.1"), OK),
];

/// Hosts tried on every fixture.
const HOSTS: &[&str] = &[
    "localhost",
    "LOCALHOST.",
    "127.0.0.1",
    "127.0.0.1.",
    "::1",
    "0:0:0:0:0:0:0:1",
    "agent1.test",
    "a.example.com",
    "b.a.example.com",
    "example.com",
    "www.example.com",
    "other.test",
    "a,b.test",
    "a.test",
    "x.b.test",
    "::ffff:1.2.3.4",
    "1.2.3.4",
    "ok.test",
    "",
];

/// Runs `tls.checkServerIdentity` for each `[host, cert]` in the JSON array
/// `input`, where `cert` is either a PEM string (described by
/// `toLegacyObject()`) or `{ subject: [[key, value], ...], subjectaltname }`.
const NODE_SCRIPT: &str = r#"
const tls = require('tls');
const { X509Certificate } = require('crypto');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const record = (cert) => {
  if (typeof cert === 'string') return new X509Certificate(cert).toLegacyObject();
  const subject = { __proto__: null };
  for (const [k, v] of cert.subject) {
    if (!(k in subject)) subject[k] = v;
    else if (Array.isArray(subject[k])) subject[k].push(v);
    else subject[k] = [subject[k], v];
  }
  return { subject, subjectaltname: cert.subjectaltname === null ? undefined : cert.subjectaltname };
};
for (const [host, cert] of input) {
  const err = tls.checkServerIdentity(host, record(cert));
  console.log(JSON.stringify(err ? `${err.code}: ${err.message}` : 'ok'));
}
"#;
/// SAN with a quoted `a,b.test`, wildcard, IPv4, IPv6 and mapped IPv4 addresses, URIs and a DirName (also in tests/cert_info.rs).
const EDGE1: &str = include_str!("data/edge1.pem");

/// SAN with escaped and invalid DNS names, a 5-byte IP address and othernames; several CNs (also in tests/cert_info.rs).
const CRAFTED1: &str = include_str!("data/crafted1.pem");

fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Decodes the JSON strings Node prints, one a line (it only escapes `"`,
/// `\` and control characters in these).
fn unjson(line: &str) -> String {
    let inner = line
        .strip_prefix('"')
        .and_then(|l| l.strip_suffix('"'))
        .expect("a JSON string");
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let code: String = chars.by_ref().take(4).collect();
                let v = u32::from_str_radix(&code, 16).expect("hex");
                out.push(char::from_u32(v).expect("a character"));
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(other) => out.push(other),
            None => panic!("dangling escape"),
        }
    }
    out
}

fn node_available() -> bool {
    let found = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "\n*** `node` is not on PATH: SKIPPING the comparison with Node's checkServerIdentity() ***\n"
        );
    }
    found
}

/// Node's verdicts for `[host, cert]` JSON pairs.
fn node_verdicts(pairs: &[String]) -> Vec<Verdict> {
    let mut child = Command::new("node")
        .arg("-e")
        .arg(NODE_SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    let input = format!("[{}]", pairs.join(","));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to node");
    let out = child.wait_with_output().expect("node output");
    assert!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Verdict> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(unjson)
        .collect();
    assert_eq!(verdicts.len(), pairs.len(), "one verdict per check");
    verdicts
}

fn verdict(result: Result<(), tlsbox_engine::Error>) -> Verdict {
    match result {
        Ok(()) => "ok".to_owned(),
        Err(e) => format!("{}: {}", e.code, e.message),
    }
}

fn subject(cns: &[&str]) -> Vec<NameAttribute> {
    let mut attrs = vec![NameAttribute {
        key: "O".into(),
        value: "Org".into(),
    }];
    attrs.extend(cns.iter().map(|cn| NameAttribute {
        key: "CN".into(),
        value: (*cn).into(),
    }));
    attrs
}

#[test]
fn table() {
    for c in CASES {
        let got = check_names(c.host, &subject(c.cns), c.altnames);
        match (c.reason, got) {
            (None, Ok(())) => {}
            (Some(reason), Err(e)) => {
                assert_eq!(e.code, ErrorCode::ErrTlsCertAltnameInvalid, "{}", c.host);
                assert_eq!(
                    e.message,
                    format!("Hostname/IP does not match certificate's altnames: {reason}"),
                    "host {:?}",
                    c.host
                );
            }
            (want, got) => panic!(
                "host {:?} {:?}: want {want:?}, got {got:?}",
                c.host, c.altnames
            ),
        }
    }
}

#[test]
fn table_matches_node() {
    if !node_available() {
        return;
    }
    let pairs: Vec<String> = CASES
        .iter()
        .map(|c| {
            let subject: Vec<String> = subject(c.cns)
                .iter()
                .map(|a| format!("[{},{}]", json(&a.key), json(&a.value)))
                .collect();
            let altnames = c.altnames.map_or_else(|| "null".to_owned(), json);
            format!(
                "[{},{{\"subject\":[{}],\"subjectaltname\":{altnames}}}]",
                json(c.host),
                subject.join(",")
            )
        })
        .collect();
    for (c, node) in CASES.iter().zip(node_verdicts(&pairs)) {
        let ours = verdict(check_names(c.host, &subject(c.cns), c.altnames));
        assert_eq!(
            ours, node,
            "host {:?}, altnames {:?}: tlsbox (left), Node (right)",
            c.host, c.altnames
        );
    }
}

/// Every fixture certificate, and the odd ones above, by name and PEM.
fn certificates() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with("-cert.pem"))
        .collect();
    files.sort();
    let mut certs: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read_to_string(p).expect("readable fixture"))
        })
        .collect();
    certs.push(("edge1".into(), EDGE1.into()));
    certs.push(("crafted1".into(), CRAFTED1.into()));
    certs
}

fn leaf(pem: &str) -> Vec<u8> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .expect("a certificate")
        .expect("valid PEM")
        .to_vec()
}

#[test]
fn fixtures_match_node() {
    if !node_available() {
        return;
    }
    let certs = certificates();
    assert!(certs.len() > 10, "fixtures are missing");
    let mut pairs = Vec::new();
    let mut ours = Vec::new();
    for (name, pem) in &certs {
        let der = leaf(pem);
        for host in HOSTS {
            pairs.push(format!("[{},{}]", json(host), json(pem)));
            ours.push((name, host, verdict(check_server_identity(host, &der))));
        }
    }
    let node = node_verdicts(&pairs);
    for ((name, host, ours), node) in ours.iter().zip(&node) {
        assert_eq!(
            ours, node,
            "{name}, host {host:?}: tlsbox (left), Node (right)"
        );
    }
}

#[test]
fn known_verdicts() {
    let edge1 = leaf(EDGE1);
    assert_eq!(check_server_identity("a,b.test", &edge1), Ok(()));
    assert_eq!(check_server_identity("x.B.test.", &edge1), Ok(()));
    assert_eq!(check_server_identity("::ffff:1.2.3.4", &edge1), Ok(()));
    assert_eq!(check_server_identity("1:0:0:2::3", &edge1), Ok(()));
    let err = check_server_identity("1.2.3.4", &edge1).unwrap_err();
    assert_eq!(err.code, ErrorCode::ErrTlsCertAltnameInvalid);
    assert_eq!(
        err.message,
        "Hostname/IP does not match certificate's altnames: IP: 1.2.3.4 is not in the cert's list: \
         127.0.0.1, ::1, 2001:db8::ff00:42:8329, ::ffff:1.2.3.4, 1:0:0:2::3"
    );
    assert_eq!(
        check_server_identity("a.test", b"junk").unwrap_err().code,
        ErrorCode::Unspecified
    );
}
