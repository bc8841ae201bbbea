//! Distinguished names: the subject's and issuer's attributes as Node lists
//! them, and their RFC 2253 form.

use super::*;

/// A distinguished name's attributes, flattened, with the RDN each came from.
pub(super) struct NameEntry<'a> {
    pub(super) rdn: usize,
    pub(super) oid: &'a [u8],
    pub(super) value: Tlv<'a>,
}

/// Parses a `Name` (SEQUENCE OF SET OF AttributeTypeAndValue).
pub(super) fn name_entries(name_der: &[u8]) -> Option<Vec<NameEntry<'_>>> {
    let name = expect(name_der, tag::SEQUENCE)?;
    let mut out = Vec::new();
    for (rdn, set) in children(name.content)?.into_iter().enumerate() {
        if set.tag != tag::SET {
            return None;
        }
        for atv in children(set.content)? {
            if atv.tag != tag::SEQUENCE {
                return None;
            }
            let (oid, rest) = read_tlv(atv.content)?;
            let (value, rest) = read_tlv(rest)?;
            if oid.tag != tag::OID || !oid_valid(oid.content) || !rest.is_empty() {
                return None;
            }
            out.push(NameEntry {
                rdn,
                oid: oid.content,
                value,
            });
        }
    }
    Some(out)
}

/// How OpenSSL reads the characters of a string type (its `tag2nbyte`).
#[derive(Clone, Copy)]
pub(super) enum CharWidth {
    /// UTF8String.
    Utf8,
    /// One byte per character, read as Latin-1 (PrintableString, T61String, ...).
    Latin1,
    /// BMPString: UCS-2, big-endian.
    Ucs2,
    /// UniversalString: UCS-4, big-endian.
    Ucs4,
}

pub(super) fn char_width(tag: u8) -> Option<CharWidth> {
    Some(match tag {
        0x0c => CharWidth::Utf8,
        // Numeric, Printable, T61, Videotex, IA5, UTCTime, GeneralizedTime,
        // Graphic, Visible, General.
        0x12..=0x1b => CharWidth::Latin1,
        0x1c => CharWidth::Ucs4,
        0x1e => CharWidth::Ucs2,
        _ => return None,
    })
}

/// The characters of a string value, as `ASN1_STRING_to_UTF8` decodes them;
/// `None` where it fails (other types, bad lengths, invalid code points).
pub(super) fn decode_string(value: &Tlv<'_>) -> Option<Vec<char>> {
    let data = value.content;
    match char_width(value.tag)? {
        CharWidth::Utf8 => std::str::from_utf8(data).ok().map(|s| s.chars().collect()),
        CharWidth::Latin1 => Some(data.iter().map(|&b| char::from(b)).collect()),
        CharWidth::Ucs2 => {
            if !data.len().is_multiple_of(2) {
                return None;
            }
            data.chunks_exact(2)
                .map(|c| char::from_u32(u32::from(u16::from_be_bytes([c[0], c[1]]))))
                .collect()
        }
        CharWidth::Ucs4 => {
            if !data.len().is_multiple_of(4) {
                return None;
            }
            data.chunks_exact(4)
                .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
    }
}

/// The attributes of the name `name_der`, as Node lists them. Node drops the
/// whole name (reports no `subject`) when one value does not convert to text,
/// which is represented here by an empty list.
pub(super) fn name_attributes(name_der: &[u8]) -> Vec<NameAttribute> {
    let convert = |entries: Vec<NameEntry<'_>>| -> Option<Vec<NameAttribute>> {
        entries
            .iter()
            .map(|e| {
                Some(NameAttribute {
                    key: attribute_key(e.oid),
                    value: decode_string(&e.value)?.into_iter().collect(),
                })
            })
            .collect()
    };
    name_entries(name_der).and_then(convert).unwrap_or_default()
}

/// Writes a name as `X509_NAME_print_ex` does with Node's flags for names in
/// subjectAltName (`XN_FLAG_RFC2253` without escaping of control characters
/// and of non-ASCII): last RDN first, `,` between RDNs, `+` within one.
/// `None` where OpenSSL fails to print the name.
pub(super) fn rfc2253(name_der: &[u8]) -> Option<String> {
    let entries = name_entries(name_der)?;
    let mut out = String::new();
    let mut prev_rdn = None;
    for e in entries.iter().rev() {
        if let Some(prev) = prev_rdn {
            out.push(if prev == e.rdn { '+' } else { ',' });
        }
        prev_rdn = Some(e.rdn);
        let dotted = oid_dotted(e.oid);
        let short = attribute_short_name(&dotted);
        out.push_str(short.unwrap_or(&dotted));
        out.push('=');
        // Values of unknown attribute types, and of types that are not
        // strings, are dumped as `#` and the hex of their DER.
        let chars = match (short, char_width(e.value.tag)) {
            (Some(_), Some(_)) => decode_string(&e.value)?,
            _ => {
                out.push('#');
                for b in e.value.raw {
                    let _ = write!(out, "{b:02X}");
                }
                continue;
            }
        };
        let last = chars.len().saturating_sub(1);
        for (i, &c) in chars.iter().enumerate() {
            let escape = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
                || (i == 0 && (c == '#' || c == ' '))
                || (i == last && c == ' ');
            if escape {
                out.push('\\');
            }
            out.push(c);
        }
    }
    Some(out)
}
