//! General names (subjectAltName and authorityInfoAccess) printed as
//! OpenSSL prints them, with Node's escaping.

use super::*;

/// Whether Node prints a name as it is (see `IsSafeAltName` in Node): no
/// quote, backslash, comma or apostrophe, and no control characters; in
/// Latin-1 strings no non-ASCII bytes either.
pub(super) fn is_safe_alt_name(name: &[u8], utf8: bool) -> bool {
    name.iter().all(|&c| match c {
        b'"' | b'\\' | b',' | b'\'' => false,
        _ if utf8 => c >= b' ' && c != 0x7f,
        _ => (b' '..=b'~').contains(&c),
    })
}

/// Appends a name as Node's `PrintAltName` does: unchanged when safe,
/// otherwise as a JSON string literal (with `prefix:` inside the quotes).
pub(super) fn print_alt_name(out: &mut Vec<u8>, name: &[u8], utf8: bool, prefix: Option<&str>) {
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
pub(super) struct ByteWriter<'a>(pub(super) &'a mut Vec<u8>);

impl std::fmt::Write for ByteWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// otherName types Node prints, with their label and whether the value is a
/// UTF8String (otherwise an IA5String).
pub(super) fn other_name_label(dotted: &str) -> Option<(&'static str, bool)> {
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
pub(super) fn print_general_name(out: &mut Vec<u8>, gn: &Tlv<'_>) -> Option<()> {
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
pub(super) fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        // Dotted OIDs and OpenSSL's names are ASCII, so any index is a boundary.
        s.truncate(max);
    }
    s
}

/// Bytes printed by Node's C++ become a JS string through V8's UTF-8 decoder,
/// which replaces invalid sequences as `from_utf8_lossy` does.
pub(super) fn v8_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
