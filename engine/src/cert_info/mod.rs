//! The peer certificate in the shape of Node's `getPeerCertificate()`.
//!
//! [`describe`] turns a DER certificate into the fields Node reports, spelled
//! the way Node v20 (with OpenSSL 3.0) spells them: OpenSSL's short names for
//! name attributes, `ASN1_TIME_print` dates, `BN_bn2hex` serials, Node's own
//! escaping of subject alternative names (CVE-2021-44532), and so on. Where
//! Node's output depends on a quirk, the code says which one.
//!
//! Nothing here validates the certificate: it is a description, used for
//! trusted and untrusted peers alike. Parsing is careful, though, since the
//! bytes come from the peer: malformed parts are reported the way Node reports
//! them (a missing field) rather than as errors, and only a certificate that
//! cannot be parsed at all is an error.
//!
//! `der` reads the raw bytes x509-parser does not expose; `names`
//! prints distinguished names, `alt_names` general names,
//! `extensions` the extensions Node reports, `fields` dates, serials
//! and fingerprints, and `public_key` the key's fields.

use std::fmt::Write as _;

use sha2::Digest;
use x509_parser::certificate::X509Certificate;
use x509_parser::num_bigint::BigUint;
use x509_parser::prelude::FromDer;

use crate::error::{Error, ErrorCode};

mod alt_names;
mod der;
mod extensions;
mod fields;
mod names;
mod public_key;

use alt_names::*;
use der::*;
use extensions::*;
use fields::*;
use names::*;
use public_key::*;

pub(crate) use extensions::json_string_literal;

/// One attribute of a distinguished name, in certificate order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAttribute {
    /// OpenSSL's short name: `C`, `ST`, `L`, `O`, `OU`, `CN`, `emailAddress`, ...
    pub key: String,
    /// The attribute's value.
    pub value: String,
}

/// Public key facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PublicKeyInfo {
    /// RSA: `modulus` in uppercase hex, `exponent` as `0x10001`.
    Rsa {
        /// The modulus as OpenSSL's `BN_print` writes it: uppercase hex with no
        /// leading zero digits (so it may have an odd number of digits).
        modulus: String,
        /// The public exponent in lowercase hex with a `0x` prefix (`0x10001`).
        exponent: String,
    },
    /// EC: OpenSSL's curve name (`prime256v1`) and NIST's (`P-256`).
    Ec {
        /// OpenSSL's short name of the named curve (Node's `asn1Curve`).
        asn1_curve: Option<String>,
        /// The NIST name of the curve (Node's `nistCurve`); `None` for curves
        /// NIST does not name, such as `secp256k1`.
        nist_curve: Option<String>,
    },
    /// Anything else.
    #[default]
    Other,
}

/// A certificate as Node describes a peer's: the one shape of the record
/// in tlsbox. The guest sends it across the WIT boundary as
/// `peer-certificate` (wit/types.wit) and the host turns it back into this;
/// the library, the CLIs' JSON (`tlsbox-node-shapes`) and the command
/// component all read this type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerCertificate {
    /// The subject's attributes in certificate order. Node folds them into an
    /// object (a repeated key becomes an array). Empty when a value cannot be
    /// converted to text (Node then omits `subject`).
    pub subject: Vec<NameAttribute>,
    /// The issuer's attributes, as for `subject`.
    pub issuer: Vec<NameAttribute>,
    /// Node's `subjectaltname`: `DNS:a.test, IP Address:127.0.0.1, ...`, with
    /// unsafe names JSON-quoted. `None` without a subjectAltName extension
    /// (and when it does not parse, where Node reports `null`).
    pub subjectaltname: Option<String>,
    /// Start of validity, as `ASN1_TIME_print` writes it: `Nov  6 12:52:07 2026 GMT`.
    pub valid_from: String,
    /// End of validity, in the same form as `valid_from`.
    pub valid_to: String,
    /// Node's `serialNumber`: uppercase hex as `BN_bn2hex` writes it (whole
    /// bytes, `-` for a negative serial, `0` for zero).
    pub serial_number: String,
    /// SHA-1 of the DER, uppercase hex pairs joined by `:`.
    pub fingerprint: String,
    /// SHA-256 of the DER, in the same form.
    pub fingerprint256: String,
    /// SHA-512 of the DER, in the same form.
    pub fingerprint512: String,
    /// Key size in bits: the RSA modulus length, or the EC group order length.
    /// 0 where Node reports none (keys other than RSA and EC).
    pub bits: u32,
    /// Node's `pubkey`: for RSA the SubjectPublicKeyInfo DER (as OpenSSL
    /// re-encodes it); for EC the uncompressed public point (`04 || X || Y`),
    /// not the SPKI. Empty where Node reports none.
    pub pubkey: Vec<u8>,
    /// Algorithm-specific key facts.
    pub key: PublicKeyInfo,
    /// Extended key usage OIDs in dotted form; `None` without the extension
    /// (or when it is repeated or malformed, as OpenSSL then ignores it).
    pub ext_key_usage: Option<Vec<String>>,
    /// Whether OpenSSL's `X509_check_ca` says "CA" outright: basicConstraints
    /// with cA set, and a keyUsage, if any, that allows certificate signing.
    pub ca: bool,
    /// Node's `infoAccess` as (key, value) pairs in certificate order:
    /// `("OCSP - URI", "http://...")`, `("CA Issuers - URI", "http://...")`.
    /// Node groups the values of a repeated key into one array.
    pub info_access: Vec<NameAttribute>,
    /// The certificate's DER.
    pub raw: Vec<u8>,
    /// The issuer's certificate, when known (Node's
    /// `getPeerCertificate(true)`); a self-signed root has none here (Node
    /// points it at itself). [`describe`] describes one certificate and
    /// leaves this `None`; [`PeerCertificate::from_chain`] links a chain.
    pub issuer_certificate: Option<Box<PeerCertificate>>,
}

impl PeerCertificate {
    /// The leaf of `chain` (the peer's certificate first, then each
    /// issuer), each certificate linked to the next through
    /// `issuer_certificate`; `None` for an empty chain.
    pub fn from_chain(chain: Vec<PeerCertificate>) -> Option<Self> {
        chain.into_iter().rev().fold(None, |issuer, mut cert| {
            cert.issuer_certificate = issuer.map(Box::new);
            Some(cert)
        })
    }

    /// The subject's common name (`CN`), if any.
    pub fn common_name(&self) -> Option<&str> {
        self.subject
            .iter()
            .find(|attribute| attribute.key == "CN")
            .map(|attribute| attribute.value.as_str())
    }
}

/// Moves a peer-certificate record into `$target`, field by field: the one
/// list of the fields that [`PeerCertificate`] and the WIT's
/// `peer-certificate` (wit/types.wit) share. The guest converts the
/// engine's record to the WIT's with it and the host converts it back, so a
/// field added to one side and not the other fails to compile on both.
/// `attributes` converts a list of name attributes, `key` the public key
/// facts; `$field: $value` pairs fill what only the target has.
///
/// ```text
/// convert_peer_certificate!(cert => types::PeerCertificate {
///     attributes: attributes,
///     key: public_key,
/// })
/// ```
#[macro_export]
macro_rules! convert_peer_certificate {
    ($source:expr => $target:path {
        attributes: $attributes:expr,
        key: $key:expr
        $(, $field:ident: $value:expr)* $(,)?
    }) => {{
        let source = $source;
        $target {
            subject: $attributes(source.subject),
            issuer: $attributes(source.issuer),
            subjectaltname: source.subjectaltname,
            valid_from: source.valid_from,
            valid_to: source.valid_to,
            serial_number: source.serial_number,
            fingerprint: source.fingerprint,
            fingerprint256: source.fingerprint256,
            fingerprint512: source.fingerprint512,
            bits: source.bits,
            pubkey: source.pubkey,
            key: $key(source.key),
            ext_key_usage: source.ext_key_usage,
            ca: source.ca,
            info_access: $attributes(source.info_access),
            raw: source.raw,
            $($field: $value,)*
        }
    }};
}

/// Describes `der` the way Node's `getPeerCertificate()` does.
///
/// Fails with [`ErrorCode::Unspecified`] only when `der` is not one whole
/// X.509 certificate; odd contents (unknown attributes, malformed extensions,
/// unusual keys) are described, not refused.
pub fn describe(der: &[u8]) -> Result<PeerCertificate, Error> {
    let cert = parse(der)?;
    let tbs = &cert.tbs_certificate;
    let (bits, pubkey, key) = public_key(tbs.subject_pki.raw);
    Ok(PeerCertificate {
        subject: name_attributes(tbs.subject.as_raw()),
        issuer: name_attributes(tbs.issuer.as_raw()),
        subjectaltname: subject_alt_name(&cert),
        valid_from: asn1_time_print(&tbs.validity.not_before),
        valid_to: asn1_time_print(&tbs.validity.not_after),
        serial_number: serial_hex(cert.raw_serial()),
        fingerprint: fingerprint(&sha1::Sha1::digest(der)),
        fingerprint256: fingerprint(&sha2::Sha256::digest(der)),
        fingerprint512: fingerprint(&sha2::Sha512::digest(der)),
        bits,
        pubkey,
        key,
        ext_key_usage: ext_key_usage(&cert),
        ca: is_ca(&cert),
        info_access: info_access(&cert),
        raw: der.to_vec(),
        issuer_certificate: None,
    })
}

/// What the hostname check needs from a certificate: its subject and its
/// `subjectaltname` string. Cheaper than [`describe`] (no digests).
pub(crate) struct Identity {
    pub(crate) subject: Vec<NameAttribute>,
    pub(crate) subjectaltname: Option<String>,
}

/// The [`Identity`] of the certificate `der`.
pub(crate) fn identity(der: &[u8]) -> Result<Identity, Error> {
    let cert = parse(der)?;
    Ok(Identity {
        subject: name_attributes(cert.tbs_certificate.subject.as_raw()),
        subjectaltname: subject_alt_name(&cert),
    })
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>, Error> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(Error::new(
            ErrorCode::Unspecified,
            "certificate has trailing data",
        )),
        Err(e) => Err(Error::new(
            ErrorCode::Unspecified,
            format!("unable to parse certificate: {e}"),
        )),
    }
}
