//! Conversions between the WIT types and the engine's own.

use rustls::pki_types::{CertificateDer, TrustAnchor};
use tlsbox_engine::{ErrorCode, cert_info, cipher, context, pair, server};

use crate::bindings::exports::tlsbox::tls::tls;
use crate::bindings::tlsbox::tls::types;

pub(crate) fn credentials(c: types::Credentials) -> context::Credentials {
    context::Credentials {
        key: c.key,
        passphrase: c.passphrase,
        cert: c.cert,
        cert_chain: c.cert_chain.into_iter().map(CertificateDer::from).collect(),
        ca: c.ca,
        ca_certificates: c
            .ca_certificates
            .into_iter()
            .map(CertificateDer::from)
            .collect(),
        ca_anchors: c.ca_anchors.into_iter().map(trust_anchor).collect(),
        held_roots: context::HeldRoots {
            extra: c.held_roots.contains(types::HeldRoots::EXTRA),
            system: c.held_roots.contains(types::HeldRoots::SYSTEM),
        },
        crl: c.crl,
        ocsp_response: c.ocsp_response,
    }
}

/// A root's trust anchor as the host took it from the root.
fn trust_anchor(a: types::TrustAnchor) -> TrustAnchor<'static> {
    TrustAnchor {
        subject: a.subject.into(),
        subject_public_key_info: a.subject_public_key_info.into(),
        name_constraints: a.name_constraints.map(Into::into),
    }
}

/// The server's options, with the ticketer `tickets` asks for when this
/// build has it: the host's with host crypto, the keyed one in the
/// self-contained build.
pub(crate) fn server_options(o: tls::ServerOptions) -> server::ServerOptions {
    server::ServerOptions {
        request_cert: o.request_cert,
        reject_unauthorized: o.reject_unauthorized,
        alpn_protocols: o.alpn_protocols,
        sni_callback: o.sni_callback,
        alpn_callback: o.alpn_callback,
        ocsp_callback: o.ocsp_callback,
        keylog: o.keylog,
        ciphers: o.ciphers,
        min_version: o.min_version,
        max_version: o.max_version,
        ecdh_curve: o.ecdh_curve,
        sigalgs: o.sigalgs,
        session_store: crate::session_store(&o.tickets),
        ticketer: crate::ticketer(o.tickets),
    }
}

pub(crate) fn client_options(o: tls::ClientOptions) -> pair::ClientOptions {
    pair::ClientOptions {
        servername: o.servername,
        check_host: o.check_host,
        reject_unauthorized: o.reject_unauthorized,
        alpn_protocols: o.alpn_protocols,
        keylog: o.keylog,
        ciphers: o.ciphers,
        min_version: o.min_version,
        max_version: o.max_version,
        ecdh_curve: o.ecdh_curve,
        sigalgs: o.sigalgs,
        default_roots: o.default_roots,
        sessions: o.resume.then(crate::client_sessions),
        request_ocsp: o.request_ocsp,
    }
}

/// Sizes cross the boundary as u32; a pair never holds anywhere near 4 GiB.
pub(crate) fn len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(crate) fn status(s: pair::PairStatus) -> tls::PairStatus {
    tls::PairStatus {
        handshaking: s.handshaking,
        wants_encrypted: s.wants_encrypted,
        encrypted_pending: len(s.encrypted_pending),
        cleartext_pending: len(s.cleartext_pending),
        peer_closed: s.peer_closed,
        ended: s.ended,
        failed: s.failed.map(error),
        awaiting: s.awaiting.map(awaiting),
    }
}

fn awaiting(a: pair::Awaiting) -> tls::Awaiting {
    match a {
        pair::Awaiting::Context(servername) => tls::Awaiting::Context(servername),
        pair::Awaiting::Alpn(offer) => tls::Awaiting::Alpn(tls::AlpnOffer {
            servername: offer.servername,
            protocols: offer.protocols,
        }),
        pair::Awaiting::Ocsp(chain) => tls::Awaiting::Ocsp(chain),
    }
}

pub(crate) fn invalid_state(message: &str) -> types::Error {
    types::Error {
        code: ErrorCode::ErrTlsInvalidState.as_node_str().into(),
        message: message.to_string(),
    }
}

pub(crate) fn error(e: tlsbox_engine::Error) -> types::Error {
    types::Error {
        code: e.code.as_node_str().into(),
        message: e.message,
    }
}

pub(crate) fn cipher(c: cipher::Cipher) -> types::Cipher {
    types::Cipher {
        name: c.name,
        standard_name: c.standard_name,
        version: c.version,
    }
}

fn attributes(list: Vec<cert_info::NameAttribute>) -> Vec<types::NameAttribute> {
    list.into_iter()
        .map(|a| types::NameAttribute {
            key: a.key,
            value: a.value,
        })
        .collect()
}

fn public_key(key: cert_info::PublicKeyInfo) -> types::PublicKeyInfo {
    match key {
        cert_info::PublicKeyInfo::Rsa { modulus, exponent } => {
            types::PublicKeyInfo::Rsa(types::RsaKey { modulus, exponent })
        }
        cert_info::PublicKeyInfo::Ec {
            asn1_curve,
            nist_curve,
        } => types::PublicKeyInfo::Ec(types::EcKey {
            asn1_curve,
            nist_curve,
        }),
        cert_info::PublicKeyInfo::Other => types::PublicKeyInfo::Other,
    }
}

/// The engine's record as the WIT's (its issuers travel as the rest of
/// the chain's list, not linked).
pub(crate) fn peer_certificate(c: cert_info::PeerCertificate) -> types::PeerCertificate {
    tlsbox_engine::convert_peer_certificate!(c => types::PeerCertificate {
        attributes: attributes,
        key: public_key,
    })
}

/// What the handshake established, in one record.
pub(crate) fn facts(pair: &pair::SecurePair) -> tls::ConnectionFacts {
    tls::ConnectionFacts {
        authorized: pair.authorized(),
        authorization_error: pair.authorization_error().map(error),
        servername: pair.servername(),
        alpn_protocol: pair.alpn_protocol(),
        cipher: pair.cipher().map(cipher),
        protocol: pair.protocol(),
        session_reused: pair.session_reused(),
        ephemeral_key: pair.ephemeral_key_info().map(|key| tls::EphemeralKeyInfo {
            kind: key.kind,
            name: key.name,
            size: key.size,
        }),
        ocsp_response: pair.ocsp_response().map(<[u8]>::to_vec),
    }
}
