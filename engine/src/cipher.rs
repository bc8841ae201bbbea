//! Node's `getCipher()` and `getProtocol()` for what rustls negotiated.

use rustls::{CipherSuite, ProtocolVersion, SupportedCipherSuite};

use crate::error::{Error, ErrorCode};

/// The negotiated cipher suite in Node's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cipher {
    /// OpenSSL's name (`TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`).
    pub name: String,
    /// The IANA name.
    pub standard_name: String,
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: String,
}

/// Describes `suite` as Node's `getCipher()` does.
pub fn describe(suite: SupportedCipherSuite) -> Cipher {
    let (name, standard_name) = names(suite.suite());
    Cipher {
        name: name.to_string(),
        standard_name: standard_name.to_string(),
        version: protocol_name(suite.version().version).to_string(),
    }
}

/// `TLSv1.2` / `TLSv1.3`, as Node's `getProtocol()` says it.
pub fn protocol_name(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::TLSv1_3 => "TLSv1.3",
        ProtocolVersion::TLSv1_2 => "TLSv1.2",
        ProtocolVersion::TLSv1_1 => "TLSv1.1",
        ProtocolVersion::TLSv1_0 => "TLSv1",
        _ => "unknown",
    }
}

/// The suites of `available` that Node's `ciphers` option names: a list
/// separated by `:` (OpenSSL's form; `,` and spaces also separate) of
/// OpenSSL or IANA suite names, matched without regard to case, kept in
/// `available`'s order. Names tlsbox does not know are ignored, as OpenSSL
/// ignores them; a list that selects nothing is an error (Node's
/// `no cipher match`).
pub fn select(
    list: &str,
    available: &[SupportedCipherSuite],
) -> Result<Vec<SupportedCipherSuite>, Error> {
    let wanted: Vec<&str> = list
        .split([':', ',', ' '])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    let selected: Vec<SupportedCipherSuite> = available
        .iter()
        .copied()
        .filter(|suite| {
            let (openssl, iana) = names(suite.suite());
            wanted
                .iter()
                .any(|w| w.eq_ignore_ascii_case(openssl) || w.eq_ignore_ascii_case(iana))
        })
        .collect();
    if selected.is_empty() {
        return Err(Error::new(
            ErrorCode::ErrInvalidArgValue,
            format!("no cipher match for {list:?}"),
        ));
    }
    Ok(selected)
}

/// (OpenSSL name, IANA name) for the suites rustls speaks.
fn names(suite: CipherSuite) -> (&'static str, &'static str) {
    use CipherSuite as S;
    match suite {
        S::TLS13_AES_128_GCM_SHA256 => ("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
        S::TLS13_AES_256_GCM_SHA384 => ("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"),
        S::TLS13_CHACHA20_POLY1305_SHA256 => (
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
        ),
        S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        ),
        S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => (
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        ),
        S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => (
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        ),
        S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => (
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ),
        S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => (
            "ECDHE-RSA-AES256-GCM-SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        ),
        S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => (
            "ECDHE-RSA-CHACHA20-POLY1305",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        ),
        _ => ("unknown", "unknown"),
    }
}
