//! Node's `getEphemeralKeyInfo()` for the key exchange rustls negotiated.

use rustls::NamedGroup;

/// The ephemeral key a client agreed with its server, as Node's
/// `getEphemeralKeyInfo()` reports it (`{ type, name, size }`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EphemeralKeyInfo {
    /// `ECDH` or `DH` (Node's `type`).
    pub kind: String,
    /// OpenSSL's name of the group (`X25519`, `prime256v1`); none for
    /// finite-field groups, where Node reports no name.
    pub name: Option<String>,
    /// The key's size in bits as OpenSSL counts it (`253` for X25519).
    pub size: u32,
}

/// Describes `group` as Node does. `None` for a group Node reports
/// nothing for (its `{}`): OpenSSL's ephemeral-key query names only the
/// elliptic-curve, X25519/X448 and finite-field kinds.
pub fn describe(group: NamedGroup) -> Option<EphemeralKeyInfo> {
    let ecdh = |name: &str, size: u32| EphemeralKeyInfo {
        kind: "ECDH".into(),
        name: Some(name.into()),
        size,
    };
    let dh = |size: u32| EphemeralKeyInfo {
        kind: "DH".into(),
        name: None,
        size,
    };
    Some(match group {
        NamedGroup::X25519 => ecdh("X25519", 253),
        NamedGroup::X448 => ecdh("X448", 448),
        NamedGroup::secp256r1 => ecdh("prime256v1", 256),
        NamedGroup::secp384r1 => ecdh("secp384r1", 384),
        NamedGroup::secp521r1 => ecdh("secp521r1", 521),
        NamedGroup::FFDHE2048 => dh(2048),
        NamedGroup::FFDHE3072 => dh(3072),
        NamedGroup::FFDHE4096 => dh(4096),
        NamedGroup::FFDHE6144 => dh(6144),
        NamedGroup::FFDHE8192 => dh(8192),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_take_openssls_names_and_sizes() {
        let x25519 = describe(NamedGroup::X25519).unwrap();
        assert_eq!(
            (x25519.kind.as_str(), x25519.name.as_deref(), x25519.size),
            ("ECDH", Some("X25519"), 253)
        );
        assert_eq!(
            describe(NamedGroup::secp256r1).unwrap().name.as_deref(),
            Some("prime256v1")
        );
        assert_eq!(describe(NamedGroup::FFDHE2048).unwrap().name, None);
        assert_eq!(describe(NamedGroup::Unknown(0x1234)), None);
    }
}
