//! Public keys: the modulus and exponent of RSA keys, the curve of EC keys,
//! and the bits Node reports for each.

use super::*;

pub(super) const OID_RSA_ENCRYPTION: &[u8] =
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub(super) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// Node's `bits`, `pubkey` and key facts for the SubjectPublicKeyInfo `spki`.
/// Keys OpenSSL cannot load give nothing, as in Node.
pub(super) fn public_key(spki: &[u8]) -> (u32, Vec<u8>, PublicKeyInfo) {
    let nothing = (0, Vec::new(), PublicKeyInfo::Other);
    let parts = || -> Option<(Tlv<'_>, Option<Tlv<'_>>, &[u8])> {
        let spki = expect(spki, tag::SEQUENCE)?;
        let (alg, rest) = read_tlv(spki.content)?;
        let (key, _) = read_tlv(rest)?;
        let (oid, params) = read_tlv(alg.content)?;
        let params = read_tlv(params).map(|(p, _)| p);
        // OpenSSL reads the key from the BIT STRING's octets whatever its
        // count of unused bits.
        let (_unused, key_bytes) = key.content.split_first()?;
        (alg.tag == tag::SEQUENCE && oid.tag == tag::OID && key.tag == tag::BIT_STRING)
            .then_some((oid, params, key_bytes))
    };
    let Some((oid, params, key)) = parts() else {
        return nothing;
    };
    let described = match oid.content {
        OID_RSA_ENCRYPTION => rsa_key(key),
        OID_EC_PUBLIC_KEY => params.and_then(|p| ec_key(&p, key)),
        _ => None,
    };
    described.unwrap_or(nothing)
}

/// An RSA key: OpenSSL reads the integers as unsigned magnitudes and
/// re-encodes the SPKI (`i2d_RSA_PUBKEY`) with NULL parameters.
pub(super) fn rsa_key(key: &[u8]) -> Option<(u32, Vec<u8>, PublicKeyInfo)> {
    let seq = expect(key, tag::SEQUENCE)?;
    let (n, rest) = read_tlv(seq.content)?;
    let (e, _) = read_tlv(rest)?;
    if n.tag != tag::INTEGER || e.tag != tag::INTEGER {
        return None;
    }
    let n = BigUint::from_bytes_be(n.content);
    let e = BigUint::from_bytes_be(e.content);
    let bits = u32::try_from(n.bits()).ok()?;
    // BN_print: uppercase hex without leading zero digits.
    let modulus = format!("{n:X}");
    // BN_get_word saturates to all ones when the value does not fit a word.
    let exponent = format!("0x{:x}", u64::try_from(&e).unwrap_or(u64::MAX));

    let der_uint = |v: &BigUint| {
        let mut bytes = v.to_bytes_be();
        if bytes.first().is_some_and(|b| b & 0x80 != 0) {
            bytes.insert(0, 0);
        }
        der_tlv(tag::INTEGER, &bytes)
    };
    let rsa_public_key = der_tlv(tag::SEQUENCE, &[der_uint(&n), der_uint(&e)].concat());
    let mut bit_string = vec![0u8];
    bit_string.extend_from_slice(&rsa_public_key);
    let alg = der_tlv(
        tag::SEQUENCE,
        &[der_tlv(tag::OID, OID_RSA_ENCRYPTION), vec![0x05, 0x00]].concat(),
    );
    let spki = der_tlv(
        tag::SEQUENCE,
        &[alg, der_tlv(tag::BIT_STRING, &bit_string)].concat(),
    );
    Some((bits, spki, PublicKeyInfo::Rsa { modulus, exponent }))
}

/// A named curve OpenSSL knows.
pub(super) struct Curve {
    pub(super) oid: &'static [u8],
    pub(super) asn1_name: &'static str,
    pub(super) nist_name: Option<&'static str>,
    /// Bit length of the group order (Node's `bits`).
    pub(super) bits: u32,
    /// Field prime, `a` and `b` in hex, for the curves whose points are checked
    /// and decompressed here. Points on the other curves are taken as given
    /// when uncompressed.
    pub(super) equation: Option<(&'static str, &'static str, &'static str)>,
}

pub(super) const P256_P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
pub(super) const P384_P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff";
pub(super) const P521_P: &str = "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

pub(super) const CURVES: &[Curve] = &[
    Curve {
        oid: &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        asn1_name: "prime256v1",
        nist_name: Some("P-256"),
        bits: 256,
        equation: Some((
            P256_P,
            "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
            "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
        )),
    },
    Curve {
        oid: &[0x2b, 0x81, 0x04, 0x00, 0x22],
        asn1_name: "secp384r1",
        nist_name: Some("P-384"),
        bits: 384,
        equation: Some((
            P384_P,
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
            "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
        )),
    },
    Curve {
        oid: &[0x2b, 0x81, 0x04, 0x00, 0x23],
        asn1_name: "secp521r1",
        nist_name: Some("P-521"),
        bits: 521,
        equation: Some((
            P521_P,
            "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc",
            "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
        )),
    },
    Curve {
        oid: &[0x2b, 0x81, 0x04, 0x00, 0x0a],
        asn1_name: "secp256k1",
        nist_name: None,
        bits: 256,
        equation: Some((
            "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
            "0",
            "7",
        )),
    },
    Curve {
        oid: &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01],
        asn1_name: "prime192v1",
        nist_name: Some("P-192"),
        bits: 192,
        equation: None,
    },
    Curve {
        oid: &[0x2b, 0x81, 0x04, 0x00, 0x21],
        asn1_name: "secp224r1",
        nist_name: Some("P-224"),
        bits: 224,
        equation: None,
    },
    Curve {
        oid: &[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07],
        asn1_name: "brainpoolP256r1",
        nist_name: None,
        bits: 256,
        equation: None,
    },
    Curve {
        oid: &[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0b],
        asn1_name: "brainpoolP384r1",
        nist_name: None,
        bits: 384,
        equation: None,
    },
    Curve {
        oid: &[0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0d],
        asn1_name: "brainpoolP512r1",
        nist_name: None,
        bits: 512,
        equation: None,
    },
];

/// An EC key on a named curve. Node reports the point uncompressed whatever
/// form the certificate uses (OpenSSL 3 exports the key with its default
/// form), and nothing for a point that is not on the curve.
pub(super) fn ec_key(params: &Tlv<'_>, point: &[u8]) -> Option<(u32, Vec<u8>, PublicKeyInfo)> {
    if params.tag != tag::OID {
        // Explicit curve parameters are not described.
        return None;
    }
    let curve = CURVES.iter().find(|c| c.oid == params.content)?;
    let field_len = usize::try_from(curve.bits.div_ceil(8)).ok()?;
    let uncompressed = match curve.equation {
        Some(equation) => on_curve_point(equation, field_len, point)?,
        None => {
            let ok = point.first() == Some(&4) && point.len() == 1 + 2 * field_len;
            ok.then(|| point.to_vec())?
        }
    };
    Some((
        curve.bits,
        uncompressed,
        PublicKeyInfo::Ec {
            asn1_curve: Some(curve.asn1_name.to_owned()),
            nist_curve: curve.nist_name.map(str::to_owned),
        },
    ))
}

/// Decodes `point` (uncompressed, compressed or hybrid) on the curve
/// y² = x³ + ax + b over the prime field, checks it, and returns it
/// uncompressed. The primes used here are all 3 mod 4, so a square root is a
/// single exponentiation.
pub(super) fn on_curve_point(
    (p, a, b): (&str, &str, &str),
    field_len: usize,
    point: &[u8],
) -> Option<Vec<u8>> {
    let hex = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16);
    let (p, a, b) = (hex(p)?, hex(a)?, hex(b)?);
    let (&form, coords) = point.split_first()?;
    let x_bytes = coords.get(..field_len)?;
    let x = BigUint::from_bytes_be(x_bytes);
    if x >= p {
        return None;
    }
    // x³ by two multiplications: `modpow` sets up Montgomery arithmetic,
    // which costs far more than this in wasm (it showed in every client
    // handshake's profile).
    let rhs = ((&x * &x % &p) * &x + &a * &x + &b) % &p;
    let y = match form {
        2 | 3 if coords.len() == field_len => {
            let root = rhs.modpow(&((&p + 1u8) >> 2u8), &p);
            if (&root * &root) % &p != rhs {
                return None;
            }
            let odd = form & 1 == 1;
            if root == BigUint::default() && odd {
                return None;
            }
            if root.bit(0) == odd { root } else { &p - root }
        }
        4 | 6 | 7 if coords.len() == 2 * field_len => {
            let y = BigUint::from_bytes_be(&coords[field_len..]);
            if y >= p || (&y * &y) % &p != rhs || (form != 4 && y.bit(0) != (form & 1 == 1)) {
                return None;
            }
            y
        }
        _ => return None,
    };
    let mut out = Vec::with_capacity(1 + 2 * field_len);
    out.push(4);
    out.extend_from_slice(x_bytes);
    let y = y.to_bytes_be();
    out.resize(1 + 2 * field_len - y.len(), 0);
    out.extend_from_slice(&y);
    Some(out)
}
