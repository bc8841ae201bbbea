//! The extensions Node reports: subjectAltName, authorityInfoAccess, extended
//! key usage and whether the certificate is a CA.

use super::*;

pub(super) const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
pub(super) const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
pub(super) const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
pub(super) const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
pub(super) const OID_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

/// The value of the first extension with OID `oid` (`X509_get_ext_by_NID`).
pub(super) fn first_extension<'a>(cert: &X509Certificate<'a>, oid: &[u8]) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find(|e| e.oid.as_bytes() == oid)
        .map(|e| e.value)
}

/// The value of the extension with OID `oid` if it occurs exactly once;
/// OpenSSL's `X509_get_ext_d2i` ignores a repeated extension.
pub(super) fn unique_extension<'a>(cert: &X509Certificate<'a>, oid: &[u8]) -> Option<&'a [u8]> {
    let mut found = cert.extensions().iter().filter(|e| e.oid.as_bytes() == oid);
    let first = found.next()?;
    found.next().is_none().then_some(first.value)
}

/// Node's `subjectaltname` string.
pub(super) fn subject_alt_name(cert: &X509Certificate<'_>) -> Option<String> {
    let value = first_extension(cert, OID_SUBJECT_ALT_NAME)?;
    let names = expect(value, tag::SEQUENCE)?;
    let mut out = Vec::new();
    for (i, gn) in children(names.content)?.iter().enumerate() {
        if i != 0 {
            out.extend_from_slice(b", ");
        }
        print_general_name(&mut out, gn)?;
    }
    Some(v8_string(out))
}

/// OpenSSL's long name for an access method (`i2t_ASN1_OBJECT`).
pub(super) fn access_method_name(dotted: String) -> String {
    let name = match dotted.as_str() {
        "1.3.6.1.5.5.7.48.1" => "OCSP",
        "1.3.6.1.5.5.7.48.2" => "CA Issuers",
        "1.3.6.1.5.5.7.48.3" => "AD Time Stamping",
        "1.3.6.1.5.5.7.48.4" => "ad dvcs",
        "1.3.6.1.5.5.7.48.5" => "CA Repository",
        "1.3.6.1.5.5.7.48.10" => "RPKI Manifest",
        "1.3.6.1.5.5.7.48.11" => "Signed Object",
        "1.3.6.1.5.5.7.48.13" => "RPKI Notify",
        _ => return truncate(dotted, 79),
    };
    name.to_owned()
}

/// Node's `infoAccess`: C++ prints one `METHOD - NAME` line per access
/// description, then `translatePeerCertificate` splits each line at its first
/// `:` into key and value, JSON-decoding values that are quoted.
pub(super) fn info_access(cert: &X509Certificate<'_>) -> Vec<NameAttribute> {
    let print = || -> Option<String> {
        let value = first_extension(cert, OID_INFO_ACCESS)?;
        let descriptions = expect(value, tag::SEQUENCE)?;
        let mut out = Vec::new();
        for (i, ad) in children(descriptions.content)?.iter().enumerate() {
            if ad.tag != tag::SEQUENCE {
                return None;
            }
            let (method, rest) = read_tlv(ad.content)?;
            let (location, rest) = read_tlv(rest)?;
            if method.tag != tag::OID || !oid_valid(method.content) || !rest.is_empty() {
                return None;
            }
            if i != 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(access_method_name(oid_dotted(method.content)).as_bytes());
            out.extend_from_slice(b" - ");
            print_general_name(&mut out, &location)?;
        }
        Some(v8_string(out))
    };
    let Some(text) = print() else {
        return Vec::new();
    };
    text.split('\n')
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            let value = match value.starts_with('"') {
                true => json_string_literal(value)
                    .map(|(s, _)| s)
                    .unwrap_or_else(|| value.to_owned()),
                false => value.to_owned(),
            };
            Some(NameAttribute {
                key: key.to_owned(),
                value,
            })
        })
        .collect()
}

/// Decodes the JSON string literal at the start of `s` (which must start with
/// `"`), returning the text and the literal's length in bytes. `None` if it
/// is not a valid JSON string literal (ECMA-404).
pub(crate) fn json_string_literal(s: &str) -> Option<(String, usize)> {
    let mut chars = s.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    let mut out = String::new();
    // A high surrogate from `\uD8xx` waiting for its low half.
    let mut high: Option<u32> = None;
    let flush = |out: &mut String, high: &mut Option<u32>| {
        if high.take().is_some() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                flush(&mut out, &mut high);
                return Some((out, i + 1));
            }
            '\\' => {
                let unit = match chars.next()?.1 {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let mut v = 0u32;
                        for _ in 0..4 {
                            v = (v << 4) | chars.next()?.1.to_digit(16)?;
                        }
                        match (high, v) {
                            (Some(h), 0xdc00..=0xdfff) => {
                                high = None;
                                let c = 0x10000 + ((h - 0xd800) << 10) + (v - 0xdc00);
                                out.push(char::from_u32(c)?);
                            }
                            (_, 0xd800..=0xdbff) => {
                                flush(&mut out, &mut high);
                                high = Some(v);
                            }
                            _ => {
                                flush(&mut out, &mut high);
                                out.push(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER));
                            }
                        }
                        continue;
                    }
                    _ => return None,
                };
                flush(&mut out, &mut high);
                out.push(unit);
            }
            c if u32::from(c) < 0x20 => return None,
            c => {
                flush(&mut out, &mut high);
                out.push(c);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Other extensions.

/// Node's `ext_key_usage`.
pub(super) fn ext_key_usage(cert: &X509Certificate<'_>) -> Option<Vec<String>> {
    let value = unique_extension(cert, OID_EXT_KEY_USAGE)?;
    let seq = expect(value, tag::SEQUENCE)?;
    children(seq.content)?
        .iter()
        .map(|oid| (oid.tag == tag::OID && oid_valid(oid.content)).then(|| oid_dotted(oid.content)))
        .collect()
}

/// Node's `ca`: `X509_check_ca(cert) == 1`, which needs basicConstraints
/// with cA true, and no keyUsage or one with keyCertSign. (A v1 root counts
/// for `X509_check_ca`, but with another return value, so not for Node.)
pub(super) fn is_ca(cert: &X509Certificate<'_>) -> bool {
    let ca = unique_extension(cert, OID_BASIC_CONSTRAINTS)
        .and_then(|v| expect(v, tag::SEQUENCE))
        .and_then(|seq| {
            let first = match read_tlv(seq.content) {
                None if seq.content.is_empty() => return Some(false),
                None => return None,
                Some((first, _)) => first,
            };
            // OpenSSL reads any non-zero BOOLEAN octet as true.
            Some(first.tag == tag::BOOLEAN && first.content.first().is_some_and(|&b| b != 0))
        })
        .unwrap_or(false);
    if !ca {
        return false;
    }
    let key_usage = unique_extension(cert, OID_KEY_USAGE).and_then(|v| expect(v, tag::BIT_STRING));
    match key_usage {
        // Bit 5 (keyCertSign) is 0x04 of the first octet after the unused-bits octet.
        Some(bits) => bits.content.get(1).is_some_and(|b| b & 0x04 != 0),
        None => true,
    }
}
