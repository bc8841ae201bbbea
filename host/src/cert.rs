//! The peer certificate crosses the WIT boundary as `peer-certificate`
//! (wit/types.wit); here it becomes the engine's record again, the one
//! shape of it in tlsbox ([`PeerCertificate`]). This is the only
//! conversion on the host's side.

pub use tlsbox_engine::cert_info::{NameAttribute, PeerCertificate, PublicKeyInfo};

use crate::bindings::tlsbox::tls::types;

/// The leaf of a chain reported by the guest (leaf first, then each
/// issuer), its issuers linked through `issuer_certificate`.
pub(crate) fn from_wit_chain(chain: Vec<types::PeerCertificate>) -> Option<PeerCertificate> {
    PeerCertificate::from_chain(chain.into_iter().map(from_wit).collect())
}

fn from_wit(c: types::PeerCertificate) -> PeerCertificate {
    let attributes = |list: Vec<types::NameAttribute>| {
        list.into_iter()
            .map(|a| NameAttribute {
                key: a.key,
                value: a.value,
            })
            .collect()
    };
    let key = match c.key {
        types::PublicKeyInfo::Rsa(k) => PublicKeyInfo::Rsa {
            modulus: k.modulus,
            exponent: k.exponent,
        },
        types::PublicKeyInfo::Ec(k) => PublicKeyInfo::Ec {
            asn1_curve: k.asn1_curve,
            nist_curve: k.nist_curve,
        },
        types::PublicKeyInfo::Other => PublicKeyInfo::Other,
    };
    PeerCertificate {
        subject: attributes(c.subject),
        issuer: attributes(c.issuer),
        subjectaltname: c.subjectaltname,
        valid_from: c.valid_from,
        valid_to: c.valid_to,
        serial_number: c.serial_number,
        fingerprint: c.fingerprint,
        fingerprint256: c.fingerprint256,
        fingerprint512: c.fingerprint512,
        bits: c.bits,
        pubkey: c.pubkey,
        key,
        ext_key_usage: c.ext_key_usage,
        ca: c.ca,
        info_access: attributes(c.info_access),
        raw: c.raw,
        issuer_certificate: None,
    }
}
