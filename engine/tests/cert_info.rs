//! `cert_info::describe` against Node's own `getPeerCertificate()`.
//!
//! For every fixture certificate (`fixtures/*-cert.pem` with a key) Node
//! serves the certificate over TLS on 127.0.0.1 and prints what its client's
//! `getPeerCertificate()` reports; for the certificates embedded below (odd
//! ones, built once with openssl and a DER script; they have no key here)
//! Node prints `new X509Certificate(pem).toLegacyObject()`, which in Node v20
//! has the same fields and shape (the test checks that on the fixtures).
//! Both sides are rendered to the same text, one field per line, and
//! compared field by field.
//!
//! Needs `node` on PATH; without it the Node comparisons are skipped, loudly.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tlsbox_engine::cert_info::{NameAttribute, PeerCertificate, PublicKeyInfo, describe};
use tlsbox_engine::error::ErrorCode;

/// Fixtures whose leaf is served over TLS (certificate file, key file).
const TLS_FIXTURES: &[&str] = &[
    "ca1", "agent1", "agent2", "agent3", "agent4", "agent6", "ec10", "urisan", "nosan", "wildcard",
    "example", "other", "expired",
];

/// Prints a peer-certificate record as the lines the Rust side renders.
/// Input on stdin: JSON `[{name, pem, key}]` (`key` null: no TLS).
const NODE_SCRIPT: &str = r#"
const tls = require('tls');
const { X509Certificate } = require('crypto');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const str = (v) => (v === undefined || v === null ? 'none' : JSON.stringify(v));
const hex = (b) => (b ? b.toString('hex') : 'none');
// A name folds repeated keys into arrays; a name Node could not convert is
// undefined, which tlsbox represents as an empty list.
const entries = (o) => (o ? JSON.stringify(Object.entries(o)) : '[]');
function canon(p) {
  return [
    'subject: ' + entries(p.subject),
    'issuer: ' + entries(p.issuer),
    'subjectaltname: ' + str(p.subjectaltname),
    'infoAccess: ' + entries(p.infoAccess),
    'ca: ' + p.ca,
    'modulus: ' + str(p.modulus),
    'bits: ' + str(p.bits),
    'exponent: ' + str(p.exponent),
    'pubkey: ' + hex(p.pubkey),
    'asn1Curve: ' + str(p.asn1Curve),
    'nistCurve: ' + str(p.nistCurve),
    'valid_from: ' + str(p.valid_from),
    'valid_to: ' + str(p.valid_to),
    'fingerprint: ' + str(p.fingerprint),
    'fingerprint256: ' + str(p.fingerprint256),
    'fingerprint512: ' + str(p.fingerprint512),
    'ext_key_usage: ' + str(p.ext_key_usage),
    'serialNumber: ' + str(p.serialNumber),
    'raw: ' + hex(p.raw),
  ].join('\n');
}
function viaTls(cert, key) {
  return new Promise((resolve, reject) => {
    const server = tls.createServer({ cert, key }, (s) => { s.on('error', () => {}); s.end(); });
    server.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ port: server.address().port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
        const peer = c.getPeerCertificate();
        c.destroy();
        server.close();
        resolve(peer);
      });
      c.on('error', (e) => { server.close(); reject(e); });
    });
  });
}
(async () => {
  for (const { name, pem, key } of input) {
    const legacy = canon(new X509Certificate(pem).toLegacyObject());
    let out = legacy;
    if (key) out = canon(await viaTls(pem, key));
    console.log(`== ${name} ${key ? 'tls' : 'legacy'} legacy-equal=${out === legacy}`);
    console.log(out);
  }
})().catch((e) => { console.error(e); process.exit(1); });
"#;
/// openssl-made: odd names, SAN of every printable kind, AIA with several methods, RSA 1025 bits, serial 0x00AB, CA:TRUE without keyCertSign.
const EDGE1: &str = include_str!("data/edge1.pem");

/// hand-built: T61/BMP/Universal strings, 30 attribute types, escaped SAN names, othernames, X400/EDI names, DirName needing RFC 2253 escapes, negative serial, RSA e=3.
const CRAFTED1: &str = include_str!("data/crafted1.pem");

/// hand-built: BIT STRING name values (Node drops subject and issuer), malformed SAN/AIA/EKU, serial 0, P-521.
const CRAFTED2: &str = include_str!("data/crafted2.pem");

/// hand-built: X.509 v1 self-issued (not `ca` for Node), 20-byte serial, validity to 9999.
const CRAFTED3: &str = include_str!("data/crafted3.pem");

/// hand-built: empty subject, BMPString issuer, fractional GeneralizedTime validity.
const CRAFTED4: &str = include_str!("data/crafted4.pem");

/// P-384 key with a compressed point (Node reports it uncompressed).
const KEY_P384_COMPRESSED: &str = include_str!("data/key_p384_compressed.pem");

/// secp256k1 key (no NIST name).
const KEY_SECP256K1: &str = include_str!("data/key_secp256k1.pem");

/// Ed25519 key (no key fields in Node).
const KEY_ED25519: &str = include_str!("data/key_ed25519.pem");

/// RSA-PSS key (no key fields in Node).
const KEY_RSA_PSS: &str = include_str!("data/key_rsa_pss.pem");

/// brainpoolP256r1 key.
const KEY_BRAINPOOL: &str = include_str!("data/key_brainpool.pem");

/// P-521 key.
const KEY_P521: &str = include_str!("data/key_p521.pem");

const EMBEDDED: &[(&str, &str)] = &[
    ("edge1", EDGE1),
    ("crafted1", CRAFTED1),
    ("crafted2", CRAFTED2),
    ("crafted3", CRAFTED3),
    ("crafted4", CRAFTED4),
    ("key_p384_compressed", KEY_P384_COMPRESSED),
    ("key_secp256k1", KEY_SECP256K1),
    ("key_ed25519", KEY_ED25519),
    ("key_rsa_pss", KEY_RSA_PSS),
    ("key_brainpool", KEY_BRAINPOOL),
    ("key_p521", KEY_P521),
];

// ---------------------------------------------------------------------------

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The first certificate of a PEM text.
fn leaf(pem: &str) -> Vec<u8> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .expect("a certificate")
        .expect("valid PEM")
        .to_vec()
}

/// JSON string literal as `JSON.stringify` writes it.
fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_array(items: &[String]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| json(s)).collect::<Vec<_>>().join(",")
    )
}

/// `JSON.stringify(Object.entries(obj))` for the object Node builds from
/// attributes: keys in order of first appearance, a repeated key as an array
/// (or every key as an array with `always_array`, as in `infoAccess`).
fn entries(attrs: &[NameAttribute], always_array: bool) -> String {
    let mut keys: Vec<(&str, Vec<String>)> = Vec::new();
    for a in attrs {
        match keys.iter_mut().find(|(k, _)| *k == a.key) {
            Some((_, values)) => values.push(a.value.clone()),
            None => keys.push((&a.key, vec![a.value.clone()])),
        }
    }
    let items: Vec<String> = keys
        .iter()
        .map(|(k, values)| {
            let v = match (always_array, values.as_slice()) {
                (false, [one]) => json(one),
                _ => json_array(values),
            };
            format!("[{},{v}]", json(k))
        })
        .collect();
    format!("[{}]", items.join(","))
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "none".to_owned();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "none".to_owned(), json)
}

/// Our record in the lines the Node script prints.
fn canon(p: &PeerCertificate) -> String {
    let (modulus, exponent) = match &p.key {
        PublicKeyInfo::Rsa { modulus, exponent } => {
            (Some(modulus.as_str()), Some(exponent.as_str()))
        }
        _ => (None, None),
    };
    let (asn1_curve, nist_curve) = match &p.key {
        PublicKeyInfo::Ec {
            asn1_curve,
            nist_curve,
        } => (asn1_curve.as_deref(), nist_curve.as_deref()),
        _ => (None, None),
    };
    let bits = match p.key {
        PublicKeyInfo::Other => "none".to_owned(),
        _ => p.bits.to_string(),
    };
    [
        format!("subject: {}", entries(&p.subject, false)),
        format!("issuer: {}", entries(&p.issuer, false)),
        format!("subjectaltname: {}", opt(p.subjectaltname.as_deref())),
        format!("infoAccess: {}", entries(&p.info_access, true)),
        format!("ca: {}", p.ca),
        format!("modulus: {}", opt(modulus)),
        format!("bits: {bits}"),
        format!("exponent: {}", opt(exponent)),
        format!("pubkey: {}", hex(&p.pubkey)),
        format!("asn1Curve: {}", opt(asn1_curve)),
        format!("nistCurve: {}", opt(nist_curve)),
        format!("valid_from: {}", json(&p.valid_from)),
        format!("valid_to: {}", json(&p.valid_to)),
        format!("fingerprint: {}", json(&p.fingerprint)),
        format!("fingerprint256: {}", json(&p.fingerprint256)),
        format!("fingerprint512: {}", json(&p.fingerprint512)),
        format!(
            "ext_key_usage: {}",
            p.ext_key_usage
                .as_ref()
                .map_or_else(|| "none".to_owned(), |v| json_array(v))
        ),
        format!("serialNumber: {}", json(&p.serial_number)),
        format!("raw: {}", hex(&p.raw)),
    ]
    .join("\n")
}

fn node_available() -> bool {
    let found = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "\n*** `node` is not on PATH: SKIPPING the comparison with Node's getPeerCertificate() ***\n"
        );
    }
    found
}

/// One certificate for Node: its name, PEM and, for TLS, its key's PEM.
struct Case {
    name: String,
    pem: String,
    key: Option<String>,
}

/// Runs the Node script on `cases`; returns, per case, whether TLS and
/// toLegacyObject agreed and Node's lines.
fn node_views(cases: &[Case]) -> Vec<(String, bool, String)> {
    let input = format!(
        "[{}]",
        cases
            .iter()
            .map(|c| format!(
                "{{\"name\":{},\"pem\":{},\"key\":{}}}",
                json(&c.name),
                json(&c.pem),
                c.key.as_deref().map_or_else(|| "null".to_owned(), json)
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut child = Command::new("node")
        .arg("-e")
        .arg(NODE_SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
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
    let text = String::from_utf8(out.stdout).expect("UTF-8 from node");
    // Values are JSON or hex, so a line starting with "== " is a header.
    let mut views: Vec<(String, bool, String)> = Vec::new();
    for line in text.lines() {
        if let Some(header) = line.strip_prefix("== ") {
            let name = header.split(' ').next().unwrap_or_default().to_owned();
            views.push((name, header.ends_with("legacy-equal=true"), String::new()));
        } else if let Some((_, _, body)) = views.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    views
}

/// Compares line by line, so a failure names the field.
fn assert_same(name: &str, ours: &str, node: &str) {
    let ours: Vec<&str> = ours.lines().collect();
    let node: Vec<&str> = node.lines().collect();
    assert_eq!(ours.len(), node.len(), "{name}: field count");
    for (o, n) in ours.iter().zip(&node) {
        assert_eq!(o, n, "{name}: tlsbox (left) and Node (right) differ");
    }
}

fn compare(cases: Vec<Case>) -> usize {
    let views = node_views(&cases);
    assert_eq!(views.len(), cases.len(), "one Node view per certificate");
    for (case, (name, legacy_equal, node)) in cases.iter().zip(&views) {
        assert_eq!(&case.name, name);
        if case.key.is_some() {
            assert!(
                legacy_equal,
                "{name}: toLegacyObject() differs from getPeerCertificate()"
            );
        }
        let ours = describe(&leaf(&case.pem)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same(name, &canon(&ours), node);
    }
    cases.len()
}

#[test]
fn fixtures_match_node_get_peer_certificate() {
    if !node_available() {
        return;
    }
    let dir = fixtures_dir();
    let cases: Vec<Case> = TLS_FIXTURES
        .iter()
        .map(|name| {
            let read = |file: String| {
                std::fs::read_to_string(dir.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"))
            };
            Case {
                name: (*name).to_owned(),
                pem: read(format!("{name}-cert.pem")),
                key: Some(read(format!("{name}-key.pem"))),
            }
        })
        .collect();
    assert_eq!(compare(cases), TLS_FIXTURES.len());
}

#[test]
fn odd_certificates_match_node() {
    if !node_available() {
        return;
    }
    let cases = EMBEDDED
        .iter()
        .map(|(name, pem)| Case {
            name: (*name).to_owned(),
            pem: (*pem).to_owned(),
            key: None,
        })
        .collect();
    compare(cases);
}

/// Facts checked against Node once, kept here so they hold without Node.
#[test]
fn known_node_outputs() {
    let edge1 = describe(&leaf(EDGE1)).expect("edge1");
    assert_eq!(
        edge1.subjectaltname.as_deref(),
        Some(concat!(
            r#"DNS:a.test, DNS:*.b.test, DNS:"a\u002cb.test", DNS:quote.test, DNS:its.test, "#,
            r#"DNS:"back\\slash.test", IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, "#,
            r#"IP Address:2001:DB8:0:0:0:FF00:42:8329, IP Address:0:0:0:0:0:FFFF:102:304, "#,
            r#"IP Address:1:0:0:2:0:0:0:3, email:x@y.test, email:"a\u002cb@y.test", URI:http://x/, "#,
            r#"URI:"http://x/a\u002cb", Registered ID:1.2.3.4, Registered ID:2.5.29.17, "#,
            r#"othername:UPN:user@example.com, othername:"UPN:us\u002cer@example.com", "#,
            r#"othername:<unsupported>, DirName:"CN=Dir Name\u002cO=My\\\u002c Organization\u002cC=UK""#,
        ))
    );
    assert_eq!(edge1.serial_number, "AB");
    assert_eq!(edge1.bits, 1025);
    assert!(!edge1.ca, "CA:TRUE but keyUsage without keyCertSign");
    assert_eq!(edge1.valid_to, "Mar  8 13:28:10 2027 GMT");
    match &edge1.key {
        PublicKeyInfo::Rsa { modulus, exponent } => {
            assert!(
                modulus.starts_with("1504EF"),
                "BN_print drops the leading zero digit"
            );
            assert_eq!(exponent, "0x10001");
        }
        other => panic!("{other:?}"),
    }
    let pairs: Vec<(&str, &str)> = edge1
        .info_access
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("OCSP - URI", "http://ocsp1.test/"),
            ("CA Issuers - URI", "http://ca.test/ca.pem"),
            ("OCSP - URI", "http://ocsp2.test/a,b"),
            ("OCSP - DNS", "ocsp.dns.test"),
            ("1.2.3.4 - URI", "http://other.test/"),
        ]
    );

    let crafted1 = describe(&leaf(CRAFTED1)).expect("crafted1");
    assert_eq!(crafted1.serial_number, "-FF");
    assert!(crafted1.ca);
    assert_eq!(crafted1.valid_from, "Mar  5 01:02:03 2026 GMT");
    let subject: Vec<(&str, &str)> = crafted1
        .subject
        .iter()
        .take(6)
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        subject,
        [
            ("C", "NZ"),
            ("O", "Café ©"),
            ("OU", "Zoë 漢"),
            ("OU", "😀x"),
            ("CN", "Ünï, \"q\""),
            ("1.2.3.4.5", "unknown"),
        ]
    );

    let crafted2 = describe(&leaf(CRAFTED2)).expect("crafted2");
    assert!(crafted2.subject.is_empty() && crafted2.issuer.is_empty());
    assert_eq!(crafted2.subjectaltname, None);
    assert_eq!(crafted2.ext_key_usage, None);
    assert_eq!(crafted2.serial_number, "0");
    assert_eq!(crafted2.valid_to, "Jan  1 00:00:00 1950 GMT");

    let crafted4 = describe(&leaf(CRAFTED4)).expect("crafted4");
    assert_eq!(crafted4.valid_to, "Jun  7 08:09:10.123 2051 GMT");

    let p384 = describe(&leaf(KEY_P384_COMPRESSED)).expect("p384");
    assert_eq!(p384.bits, 384);
    assert_eq!(p384.pubkey.len(), 97);
    assert_eq!(p384.pubkey[0], 4);
}

#[test]
fn ec_fixture_pubkey_is_the_point_not_the_spki() {
    let pem = std::fs::read_to_string(fixtures_dir().join("ec10-cert.pem")).expect("ec10");
    let cert = describe(&leaf(&pem)).expect("ec10");
    assert_eq!(cert.bits, 256);
    assert_eq!(cert.pubkey.len(), 65);
    assert_eq!(
        cert.key,
        PublicKeyInfo::Ec {
            asn1_curve: Some("prime256v1".into()),
            nist_curve: Some("P-256".into())
        }
    );
}

#[test]
fn garbage_is_unspecified() {
    for bad in [&b""[..], b"\x30\x03\x02\x01\x01", b"not a certificate"] {
        assert_eq!(describe(bad).unwrap_err().code, ErrorCode::Unspecified);
    }
    let mut trailing = leaf(EDGE1);
    trailing.push(0);
    assert_eq!(
        describe(&trailing).unwrap_err().code,
        ErrorCode::Unspecified
    );
}

/// Damaged certificates give an error or a description, never a panic.
#[test]
fn damaged_certificates_do_not_panic() {
    let mut described = 0;
    for (_, pem) in EMBEDDED {
        let der = leaf(pem);
        for i in (0..der.len()).step_by(4) {
            for damage in [0xff, 0x80, 0x01] {
                let mut bad = der.clone();
                bad[i] ^= damage;
                if describe(&bad).is_ok() {
                    described += 1;
                }
                let _ = tlsbox_engine::hostname::check_server_identity("a.test", &bad);
            }
            let _ = describe(&der[..i]);
        }
    }
    // Most damage lands in names, keys and signatures, which still parse.
    assert!(described > 0);
}
