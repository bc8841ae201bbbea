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

use std::fmt::Write as _;

use sha2::Digest;
use x509_parser::certificate::X509Certificate;
use x509_parser::num_bigint::BigUint;
use x509_parser::prelude::FromDer;

use crate::error::{Error, ErrorCode};

/// One attribute of a distinguished name, in certificate order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameAttribute {
    /// OpenSSL's short name: `C`, `ST`, `L`, `O`, `OU`, `CN`, `emailAddress`, ...
    pub key: String,
    /// The attribute's value.
    pub value: String,
}

/// Public key facts.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    Other,
}

/// A certificate as Node describes a peer's.
#[derive(Clone, Debug, PartialEq, Eq)]
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

// ---------------------------------------------------------------------------
// A minimal DER reader. x509-parser decodes the certificate's frame, but it
// turns strings into `&str` (refusing bytes OpenSSL keeps) and hides raw tags,
// both of which Node's output depends on; so names and the extensions Node
// prints are read here, from their raw bytes.

/// Universal and context-specific tags used below.
mod tag {
    pub(super) const BOOLEAN: u8 = 0x01;
    pub(super) const INTEGER: u8 = 0x02;
    pub(super) const BIT_STRING: u8 = 0x03;
    pub(super) const OID: u8 = 0x06;
    pub(super) const UTF8_STRING: u8 = 0x0c;
    pub(super) const IA5_STRING: u8 = 0x16;
    pub(super) const SEQUENCE: u8 = 0x30;
    pub(super) const SET: u8 = 0x31;
}

/// One tag-length-value.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    /// The identifier octet (class, constructed bit and tag number < 31).
    tag: u8,
    /// The contents octets.
    content: &'a [u8],
    /// The whole encoding, identifier and length included.
    raw: &'a [u8],
}

/// Reads one TLV from the front of `input`; `None` if it is not valid DER of
/// a form used in certificates (single-octet tags, definite lengths).
fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
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
fn expect(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    read_tlv(input).and_then(|(tlv, _)| (tlv.tag == tag).then_some(tlv))
}

/// Splits `content` into its TLVs; `None` if any is malformed.
fn children(mut content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tlv, rest) = read_tlv(content)?;
        out.push(tlv);
        content = rest;
    }
    Some(out)
}

/// Encodes a DER length.
fn der_len(len: usize, out: &mut Vec<u8>) {
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
fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(content.len(), &mut out);
    out.extend_from_slice(content);
    out
}

/// Whether `content` is a well-formed OID encoding, as OpenSSL checks it:
/// not empty, no unfinished subidentifier, no subidentifier with a leading
/// 0x80 octet.
fn oid_valid(content: &[u8]) -> bool {
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
fn oid_dotted(content: &[u8]) -> String {
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
fn attribute_short_name(dotted: &str) -> Option<&'static str> {
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
fn attribute_key(oid_content: &[u8]) -> String {
    let dotted = oid_dotted(oid_content);
    match attribute_short_name(&dotted) {
        Some(short) => short.to_owned(),
        None => dotted,
    }
}

// ---------------------------------------------------------------------------
// Names.

/// A distinguished name's attributes, flattened, with the RDN each came from.
struct NameEntry<'a> {
    rdn: usize,
    oid: &'a [u8],
    value: Tlv<'a>,
}

/// Parses a `Name` (SEQUENCE OF SET OF AttributeTypeAndValue).
fn name_entries(name_der: &[u8]) -> Option<Vec<NameEntry<'_>>> {
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
enum CharWidth {
    /// UTF8String.
    Utf8,
    /// One byte per character, read as Latin-1 (PrintableString, T61String, ...).
    Latin1,
    /// BMPString: UCS-2, big-endian.
    Ucs2,
    /// UniversalString: UCS-4, big-endian.
    Ucs4,
}

fn char_width(tag: u8) -> Option<CharWidth> {
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
fn decode_string(value: &Tlv<'_>) -> Option<Vec<char>> {
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
fn name_attributes(name_der: &[u8]) -> Vec<NameAttribute> {
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
fn rfc2253(name_der: &[u8]) -> Option<String> {
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

// ---------------------------------------------------------------------------
// General names (subjectAltName and authorityInfoAccess).

/// Whether Node prints a name as it is (see `IsSafeAltName` in Node): no
/// quote, backslash, comma or apostrophe, and no control characters; in
/// Latin-1 strings no non-ASCII bytes either.
fn is_safe_alt_name(name: &[u8], utf8: bool) -> bool {
    name.iter().all(|&c| match c {
        b'"' | b'\\' | b',' | b'\'' => false,
        _ if utf8 => c >= b' ' && c != 0x7f,
        _ => (b' '..=b'~').contains(&c),
    })
}

/// Appends a name as Node's `PrintAltName` does: unchanged when safe,
/// otherwise as a JSON string literal (with `prefix:` inside the quotes).
fn print_alt_name(out: &mut Vec<u8>, name: &[u8], utf8: bool, prefix: Option<&str>) {
    if is_safe_alt_name(name, utf8) {
        if let Some(prefix) = prefix {
            out.extend_from_slice(prefix.as_bytes());
            out.push(b':');
        }
        out.extend_from_slice(name);
        return;
    }
    out.push(b'"');
    if let Some(prefix) = prefix {
        out.extend_from_slice(prefix.as_bytes());
        out.push(b':');
    }
    for &c in name {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            // Commas are escaped too, so that code splitting at commas (as
            // Node itself once did) cannot be fooled.
            b' '..=b'~' if c != b',' => out.push(c),
            _ if utf8 && c & 0x80 != 0 => out.push(c),
            // Control characters and, in Latin-1 strings, non-ASCII bytes.
            _ => {
                let _ = write!(ByteWriter(out), "\\u00{c:02x}");
            }
        }
    }
    out.push(b'"');
}

/// Lets `write!` append to a byte buffer.
struct ByteWriter<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// otherName types Node prints, with their label and whether the value is a
/// UTF8String (otherwise an IA5String).
fn other_name_label(dotted: &str) -> Option<(&'static str, bool)> {
    Some(match dotted {
        "1.3.6.1.5.5.7.8.9" => ("SmtpUTF8Mailbox", true),
        "1.3.6.1.5.5.7.8.5" => ("XmppAddr", true),
        "1.3.6.1.5.5.7.8.7" => ("SRVName", false),
        "1.3.6.1.4.1.311.20.2.3" => ("UPN", true),
        "1.3.6.1.5.5.7.8.8" => ("NAIRealm", true),
        _ => return None,
    })
}

/// Appends one GeneralName as Node's `PrintGeneralName` does; `None` where
/// OpenSSL would not decode it (Node then drops the whole extension).
fn print_general_name(out: &mut Vec<u8>, gn: &Tlv<'_>) -> Option<()> {
    match gn.tag {
        // otherName: SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
        0xa0 => {
            let (type_id, rest) = read_tlv(gn.content)?;
            let (explicit, rest) = read_tlv(rest)?;
            let (value, _) = read_tlv(explicit.content)?;
            if type_id.tag != tag::OID
                || !oid_valid(type_id.content)
                || explicit.tag != 0xa0
                || !rest.is_empty()
            {
                return None;
            }
            let label = other_name_label(&oid_dotted(type_id.content));
            match label {
                Some((label, true)) if value.tag == tag::UTF8_STRING => {
                    out.extend_from_slice(b"othername:");
                    print_alt_name(out, value.content, true, Some(label));
                }
                Some((label, false)) if value.tag == tag::IA5_STRING => {
                    out.extend_from_slice(b"othername:");
                    print_alt_name(out, value.content, false, Some(label));
                }
                _ => out.extend_from_slice(b"othername:<unsupported>"),
            }
        }
        0x81 => {
            out.extend_from_slice(b"email:");
            print_alt_name(out, gn.content, false, None);
        }
        0x82 => {
            out.extend_from_slice(b"DNS:");
            print_alt_name(out, gn.content, false, None);
        }
        0xa3 => out.extend_from_slice(b"X400Name:<unsupported>"),
        // directoryName: [4] EXPLICIT Name
        0xa4 => {
            let (name, rest) = read_tlv(gn.content)?;
            if !rest.is_empty() {
                return None;
            }
            let text = rfc2253(name.raw)?;
            out.extend_from_slice(b"DirName:");
            print_alt_name(out, text.as_bytes(), true, None);
        }
        0xa5 => out.extend_from_slice(b"EdiPartyName:<unsupported>"),
        0x86 => {
            out.extend_from_slice(b"URI:");
            print_alt_name(out, gn.content, false, None);
        }
        0x87 => {
            out.extend_from_slice(b"IP Address:");
            let ip = gn.content;
            match ip.len() {
                4 => {
                    let _ = write!(ByteWriter(out), "{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]);
                }
                // Uppercase and uncompressed: `0:0:0:0:0:0:0:1`.
                16 => {
                    for (i, pair) in ip.chunks_exact(2).enumerate() {
                        let sep = if i == 0 { "" } else { ":" };
                        let word = u16::from_be_bytes([pair[0], pair[1]]);
                        let _ = write!(ByteWriter(out), "{sep}{word:X}");
                    }
                }
                n => {
                    let _ = write!(ByteWriter(out), "<invalid length={n}>");
                }
            }
        }
        0x88 if oid_valid(gn.content) => {
            // Always numeric, even for OIDs OpenSSL has a name for.
            let _ = write!(
                ByteWriter(out),
                "Registered ID:{}",
                truncate(oid_dotted(gn.content), 255)
            );
        }
        _ => return None,
    }
    Some(())
}

/// Cuts `s` to at most `max` bytes, as OpenSSL's fixed-size text buffers do.
fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        // Dotted OIDs and OpenSSL's names are ASCII, so any index is a boundary.
        s.truncate(max);
    }
    s
}

/// Bytes printed by Node's C++ become a JS string through V8's UTF-8 decoder,
/// which replaces invalid sequences as `from_utf8_lossy` does.
fn v8_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
const OID_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

/// The value of the first extension with OID `oid` (`X509_get_ext_by_NID`).
fn first_extension<'a>(cert: &X509Certificate<'a>, oid: &[u8]) -> Option<&'a [u8]> {
    cert.extensions()
        .iter()
        .find(|e| e.oid.as_bytes() == oid)
        .map(|e| e.value)
}

/// The value of the extension with OID `oid` if it occurs exactly once;
/// OpenSSL's `X509_get_ext_d2i` ignores a repeated extension.
fn unique_extension<'a>(cert: &X509Certificate<'a>, oid: &[u8]) -> Option<&'a [u8]> {
    let mut found = cert.extensions().iter().filter(|e| e.oid.as_bytes() == oid);
    let first = found.next()?;
    found.next().is_none().then_some(first.value)
}

/// Node's `subjectaltname` string.
fn subject_alt_name(cert: &X509Certificate<'_>) -> Option<String> {
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
fn access_method_name(dotted: String) -> String {
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
fn info_access(cert: &X509Certificate<'_>) -> Vec<NameAttribute> {
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
fn ext_key_usage(cert: &X509Certificate<'_>) -> Option<Vec<String>> {
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
fn is_ca(cert: &X509Certificate<'_>) -> bool {
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

// ---------------------------------------------------------------------------
// Simple fields.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ASN1_TIME_print`: `Mon DD HH:MM:SS[.fff] YYYY GMT`, the day padded with a
/// space, fractional seconds (GeneralizedTime only) as given.
fn asn1_time_print(t: &x509_parser::time::ASN1Time) -> String {
    let dt = t.to_datetime();
    let month = MONTHS[usize::from(u8::from(dt.month()) - 1)];
    let mut fraction = String::new();
    if dt.nanosecond() != 0 {
        // DER forbids trailing zeros, so the shortest form is the original.
        fraction = format!(".{:09}", dt.nanosecond());
        while fraction.ends_with('0') {
            fraction.pop();
        }
    }
    format!(
        "{month} {:2} {:02}:{:02}:{:02}{fraction} {} GMT",
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.year()
    )
}

/// `BN_bn2hex` of the serial: whole bytes in uppercase hex without leading
/// zero bytes, `-` before a negative serial's magnitude, `0` for zero.
fn serial_hex(raw: &[u8]) -> String {
    let negative = raw.first().is_some_and(|b| b & 0x80 != 0);
    let magnitude: Vec<u8> = if negative {
        // Two's complement: invert and add one.
        let mut m: Vec<u8> = raw.iter().map(|b| !b).collect();
        for b in m.iter_mut().rev() {
            let (sum, carry) = b.overflowing_add(1);
            *b = sum;
            if !carry {
                break;
            }
        }
        m
    } else {
        raw.to_vec()
    };
    let digits = hex_upper(strip_zeros(&magnitude));
    match (negative, digits.is_empty()) {
        (_, true) => "0".to_owned(),
        (true, false) => format!("-{digits}"),
        (false, false) => digits,
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[skip..]
}

fn hex_upper(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// A certificate's digest as `AA:BB:...`.
fn fingerprint(digest: &[u8]) -> String {
    let mut s = String::with_capacity(digest.len() * 3);
    for (i, b) in digest.iter().enumerate() {
        if i != 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

// ---------------------------------------------------------------------------
// Public keys.

const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// Node's `bits`, `pubkey` and key facts for the SubjectPublicKeyInfo `spki`.
/// Keys OpenSSL cannot load give nothing, as in Node.
fn public_key(spki: &[u8]) -> (u32, Vec<u8>, PublicKeyInfo) {
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
fn rsa_key(key: &[u8]) -> Option<(u32, Vec<u8>, PublicKeyInfo)> {
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
struct Curve {
    oid: &'static [u8],
    asn1_name: &'static str,
    nist_name: Option<&'static str>,
    /// Bit length of the group order (Node's `bits`).
    bits: u32,
    /// Field prime, `a` and `b` in hex, for the curves whose points are checked
    /// and decompressed here. Points on the other curves are taken as given
    /// when uncompressed.
    equation: Option<(&'static str, &'static str, &'static str)>,
}

const P256_P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const P384_P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff";
const P521_P: &str = "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

const CURVES: &[Curve] = &[
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
fn ec_key(params: &Tlv<'_>, point: &[u8]) -> Option<(u32, Vec<u8>, PublicKeyInfo)> {
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
fn on_curve_point(
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
