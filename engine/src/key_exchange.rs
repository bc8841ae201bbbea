//! Key exchange in Node's terms: `getEphemeralKeyInfo()` for the group
//! rustls negotiated, and the `ecdhCurve` option that chooses the groups.

use rustls::NamedGroup;
use rustls::crypto::SupportedKxGroup;

use crate::error::{Error, ErrorCode};

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
        // Node 20's OpenSSL has no ML-KEM, so there is no Node answer to
        // match: named as OpenSSL 3.5 names the group, with ML-KEM-768's
        // parameter set as its size.
        NamedGroup::X25519MLKEM768 => EphemeralKeyInfo {
            kind: "KEM".into(),
            name: Some("X25519MLKEM768".into()),
            size: 768,
        },
        _ => return None,
    })
}

/// OpenSSL's names for the groups tlsbox can know, as `ecdhCurve` takes
/// them (matched without regard to case).
const NAMES: [(&str, NamedGroup); 10] = [
    ("X25519MLKEM768", NamedGroup::X25519MLKEM768),
    ("X25519", NamedGroup::X25519),
    ("X448", NamedGroup::X448),
    ("P-256", NamedGroup::secp256r1),
    ("prime256v1", NamedGroup::secp256r1),
    ("secp256r1", NamedGroup::secp256r1),
    ("P-384", NamedGroup::secp384r1),
    ("secp384r1", NamedGroup::secp384r1),
    ("P-521", NamedGroup::secp521r1),
    ("secp521r1", NamedGroup::secp521r1),
];

/// The groups of `available` that Node's `ecdhCurve` names, in the list's
/// order (its preference): names separated by `:`, or `auto` for
/// `available` as it is. A name OpenSSL would not know is an error, as in
/// Node (`Failed to set ECDH curve`); a known group this build does not
/// offer (P-521, X448) is passed over, and a list that leaves none is an
/// error naming the groups there are.
pub fn select(
    list: &str,
    available: &[&'static dyn SupportedKxGroup],
) -> Result<Vec<&'static dyn SupportedKxGroup>, Error> {
    if list.trim().eq_ignore_ascii_case("auto") {
        return Ok(available.to_vec());
    }
    let offered = || {
        available
            .iter()
            .filter_map(|g| NAMES.iter().find(|(_, n)| *n == g.name()))
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(":")
    };
    let mut selected: Vec<&'static dyn SupportedKxGroup> = Vec::new();
    for name in list.split(':').map(str::trim).filter(|n| !n.is_empty()) {
        let Some((_, group)) = NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
        else {
            return Err(Error::new(
                ErrorCode::ErrCryptoOperationFailed,
                format!(
                    "Failed to set ECDH curve: unknown curve {name:?} (tlsbox offers {})",
                    offered()
                ),
            ));
        };
        let chosen = available.iter().find(|g| g.name() == *group);
        if let Some(chosen) = chosen
            && !selected.iter().any(|g| g.name() == *group)
        {
            selected.push(*chosen);
        }
    }
    if selected.is_empty() {
        return Err(Error::new(
            ErrorCode::ErrCryptoOperationFailed,
            format!(
                "Failed to set ECDH curve: {list:?} names no group tlsbox offers ({})",
                offered()
            ),
        ));
    }
    Ok(selected)
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

    #[cfg(feature = "ring")]
    #[test]
    fn ecdh_curve_chooses_groups_in_its_order() {
        let available = rustls::crypto::ring::default_provider().kx_groups;
        let names = |list: &str| -> Vec<NamedGroup> {
            select(list, &available)
                .unwrap()
                .iter()
                .map(|g| g.name())
                .collect()
        };
        assert_eq!(
            names("P-384:x25519"),
            [NamedGroup::secp384r1, NamedGroup::X25519]
        );
        assert_eq!(names("prime256v1:P-521"), [NamedGroup::secp256r1]);
        assert_eq!(names("auto").len(), available.len());
        for bad in ["P-999", "P-521", "X25519:brainpoolP256r1"] {
            let error = select(bad, &available).unwrap_err();
            assert_eq!(error.code, ErrorCode::ErrCryptoOperationFailed, "{bad}");
            assert!(
                error.message.contains("X25519:P-256:P-384"),
                "{}",
                error.message
            );
        }
    }
}
