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

fn attributes(list: Vec<types::NameAttribute>) -> Vec<NameAttribute> {
    list.into_iter()
        .map(|a| NameAttribute {
            key: a.key,
            value: a.value,
        })
        .collect()
}

fn public_key(key: types::PublicKeyInfo) -> PublicKeyInfo {
    match key {
        types::PublicKeyInfo::Rsa(k) => PublicKeyInfo::Rsa {
            modulus: k.modulus,
            exponent: k.exponent,
        },
        types::PublicKeyInfo::Ec(k) => PublicKeyInfo::Ec {
            asn1_curve: k.asn1_curve,
            nist_curve: k.nist_curve,
        },
        types::PublicKeyInfo::Other => PublicKeyInfo::Other,
    }
}

/// One certificate reported by the guest, its issuers not linked.
pub(crate) fn from_wit(c: types::PeerCertificate) -> PeerCertificate {
    tlsbox_engine::convert_peer_certificate!(c => PeerCertificate {
        attributes: attributes,
        key: public_key,
        issuer_certificate: None,
    })
}

/// `cert` as the object Node gives for it, `raw` and `pubkey` as hex:
/// `getPeerCertificate(detailed)` for a peer's (issuers nested when
/// `detailed`), `getCertificate()` for one's own with `detailed` false.
/// `{}` for none, as Node.
pub fn certificate_json(cert: Option<&PeerCertificate>, detailed: bool) -> serde_json::Value {
    tlsbox_node_shapes::json::certificate(cert, detailed)
}
