//! A minimal DER reader, and OIDs: x509-parser decodes the certificate's frame,
//! but it turns strings into `&str` (refusing bytes OpenSSL keeps) and hides
//! raw tags, both of which Node's output depends on; so names and the
//! extensions Node prints are read here, from their raw bytes.

use super::*;

/// Universal and context-specific tags used below.
pub(super) mod tag {
    pub(crate) const BOOLEAN: u8 = 0x01;
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const IA5_STRING: u8 = 0x16;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
}

/// One tag-length-value.
#[derive(Clone, Copy)]
pub(super) struct Tlv<'a> {
    /// The identifier octet (class, constructed bit and tag number < 31).
    pub(super) tag: u8,
    /// The contents octets.
    pub(super) content: &'a [u8],
    /// The whole encoding, identifier and length included.
    pub(super) raw: &'a [u8],
}

/// Reads one TLV from the front of `input`; `None` if it is not valid DER of
/// a form used in certificates (single-octet tags, definite lengths).
pub(super) fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = match first {
        0..=0x7f => usize::from(first),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            if rest.len() < n {
                return None;
            }
            let (len_bytes, after) = rest.split_at(n);
            rest = after;
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        }
        _ => return None,
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    let (content, after) = rest.split_at(len);
    Some((
        Tlv {
            tag,
            content,
            raw: &input[..header + len],
        },
        after,
    ))
}

/// Reads exactly one TLV with identifier `tag` (trailing bytes allowed, as
/// OpenSSL's `d2i` functions allow them).
pub(super) fn expect(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    read_tlv(input).and_then(|(tlv, _)| (tlv.tag == tag).then_some(tlv))
}

/// Splits `content` into its TLVs; `None` if any is malformed.
pub(super) fn children(mut content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tlv, rest) = read_tlv(content)?;
        out.push(tlv);
        content = rest;
    }
    Some(out)
}

/// Encodes a DER length.
pub(super) fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Encodes one TLV.
pub(super) fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// Whether `content` is a well-formed OID encoding, as OpenSSL checks it:
/// not empty, no unfinished subidentifier, no subidentifier with a leading
/// 0x80 octet.
pub(super) fn oid_valid(content: &[u8]) -> bool {
    let mut at_start = true;
    for &b in content {
        if at_start && b == 0x80 {
            return false;
        }
        at_start = b & 0x80 == 0;
    }
    !content.is_empty() && at_start
}

/// A valid OID's content octets in dotted form, as `OBJ_obj2txt(.., 1)`
/// writes it.
pub(super) fn oid_dotted(content: &[u8]) -> String {
    let mut out = String::new();
    let mut arc = BigUint::default();
    let mut first = true;
    for &b in content {
        arc = (arc << 7u8) | BigUint::from(b & 0x7f);
        if b & 0x80 != 0 {
            continue;
        }
        if first {
            // The first subidentifier packs two arcs: 40 * X + Y.
            let (x, y) = if arc < BigUint::from(80u8) {
                let v = u8::try_from(&arc).unwrap_or(0);
                (v / 40, BigUint::from(v % 40))
            } else {
                (2, &arc - BigUint::from(80u8))
            };
            let _ = write!(out, "{x}.{y}");
            first = false;
        } else {
            let _ = write!(out, ".{arc}");
        }
        arc = BigUint::default();
    }
    out
}

/// OpenSSL's short name for a known attribute type, as used for name keys and
/// in RFC 2253 output. Unknown types are written as dotted OIDs instead.
pub(super) fn attribute_short_name(dotted: &str) -> Option<&'static str> {
    // OpenSSL's object table is large; this is the part that can appear in a
    // distinguished name. Names taken from Node's output for each OID.
    Some(match dotted {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.14" => "searchGuide",
        "2.5.4.15" => "businessCategory",
        "2.5.4.16" => "postalAddress",
        "2.5.4.17" => "postalCode",
        "2.5.4.18" => "postOfficeBox",
        "2.5.4.19" => "physicalDeliveryOfficeName",
        "2.5.4.20" => "telephoneNumber",
        "2.5.4.21" => "telexNumber",
        "2.5.4.22" => "teletexTerminalIdentifier",
        "2.5.4.23" => "facsimileTelephoneNumber",
        "2.5.4.24" => "x121Address",
        "2.5.4.25" => "internationaliSDNNumber",
        "2.5.4.26" => "registeredAddress",
        "2.5.4.27" => "destinationIndicator",
        "2.5.4.28" => "preferredDeliveryMethod",
        "2.5.4.29" => "presentationAddress",
        "2.5.4.30" => "supportedApplicationContext",
        "2.5.4.31" => "member",
        "2.5.4.32" => "owner",
        "2.5.4.33" => "roleOccupant",
        "2.5.4.34" => "seeAlso",
        "2.5.4.35" => "userPassword",
        "2.5.4.36" => "userCertificate",
        "2.5.4.37" => "cACertificate",
        "2.5.4.38" => "authorityRevocationList",
        "2.5.4.39" => "certificateRevocationList",
        "2.5.4.40" => "crossCertificatePair",
        "2.5.4.41" => "name",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.45" => "x500UniqueIdentifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.47" => "enhancedSearchGuide",
        "2.5.4.48" => "protocolInformation",
        "2.5.4.49" => "distinguishedName",
        "2.5.4.50" => "uniqueMember",
        "2.5.4.51" => "houseIdentifier",
        "2.5.4.52" => "supportedAlgorithms",
        "2.5.4.53" => "deltaRevocationList",
        "2.5.4.54" => "dmdName",
        "2.5.4.65" => "pseudonym",
        "2.5.4.72" => "role",
        "2.5.4.97" => "organizationIdentifier",
        "2.5.4.98" => "c3",
        "2.5.4.99" => "n3",
        "2.5.4.100" => "dnsName",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "1.2.840.113549.1.9.7" => "challengePassword",
        "1.2.840.113549.1.9.8" => "unstructuredAddress",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.3" => "mail",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.44" => "uid",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        "1.3.6.1.5.5.7.9.1" => "id-pda-dateOfBirth",
        "1.3.6.1.5.5.7.9.2" => "id-pda-placeOfBirth",
        "1.3.6.1.5.5.7.9.3" => "id-pda-gender",
        "1.3.6.1.5.5.7.9.4" => "id-pda-countryOfCitizenship",
        "1.3.6.1.5.5.7.9.5" => "id-pda-countryOfResidence",
        _ => return None,
    })
}

/// The key Node uses for an attribute type: the short name, or the dotted OID.
pub(super) fn attribute_key(oid_content: &[u8]) -> String {
    let dotted = oid_dotted(oid_content);
    match attribute_short_name(&dotted) {
        Some(short) => short.to_owned(),
        None => dotted,
    }
}
