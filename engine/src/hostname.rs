//! Node's `tls.checkServerIdentity(hostname, cert)`.
//!
//! Node decides on the strings of the peer-certificate record, not on the
//! certificate itself: it splits the `subjectaltname` string back into names
//! and reads `subject.CN`. This module does the same, on the record built by
//! [`crate::cert_info`], so verdicts and messages are Node's:
//!
//! - DNS names from subjectAltName are used if there are any; the subject's
//!   CN only when there are none. URI names never match (CVE-2021-44531).
//! - Matching is ASCII case-insensitive and ignores one trailing dot.
//! - A `*` in the left-most label of a pattern stands for any run of
//!   characters within that one label, around an optional prefix and suffix:
//!   `b*b.a.com` matches `bxb.a.com` and `bb.a.com`, but not `b.a.com` nor
//!   `c.bxb.a.com`. Patterns with two `*`, two-label patterns (`*.com`) and
//!   A-labels (`xn--*`) never match by wildcard.
//! - A host that is an IP address (v4 or v6) matches only IP address names.

use crate::cert_info::{self, NameAttribute, PeerCertificate};
use crate::error::{Error, ErrorCode};

/// Checks that the certificate `cert_der` is valid for `host`, as Node's
/// `tls.checkServerIdentity(host, cert)` does.
///
/// On a mismatch the error has code [`ErrorCode::ErrTlsCertAltnameInvalid`]
/// and Node's message, such as `Hostname/IP does not match certificate's
/// altnames: Host: b.a.com. is not in the cert's altnames: DNS:omg.com`.
/// A certificate that does not parse gives [`ErrorCode::Unspecified`].
pub fn check_server_identity(host: &str, cert_der: &[u8]) -> Result<(), Error> {
    let identity = cert_info::identity(cert_der)?;
    check_names(host, &identity.subject, identity.subjectaltname.as_deref())
}

/// [`check_server_identity`] for an already described certificate.
pub fn check_peer_identity(host: &str, cert: &PeerCertificate) -> Result<(), Error> {
    check_names(host, &cert.subject, cert.subjectaltname.as_deref())
}

/// [`check_server_identity`] over the two fields Node reads: the subject's
/// attributes and the `subjectaltname` string (in Node's format, see
/// [`PeerCertificate::subjectaltname`]).
///
/// A `subjectaltname` with a malformed quoted name (which Node never
/// produces) gives [`ErrorCode::Unspecified`], where Node throws
/// `ERR_TLS_CERT_ALTNAME_FORMAT`.
pub fn check_names(
    host: &str,
    subject: &[NameAttribute],
    subjectaltname: Option<&str>,
) -> Result<(), Error> {
    let mut dns_names = Vec::new();
    let mut ips = Vec::new();
    // An empty string is falsy in JavaScript: no names at all.
    if let Some(alt_names) = subjectaltname.filter(|s| !s.is_empty()) {
        for name in split_alt_names(alt_names)? {
            if let Some(dns) = name.strip_prefix("DNS:") {
                dns_names.push(dns.to_owned());
            } else if let Some(ip) = name.strip_prefix("IP Address:") {
                ips.push(canonicalize_ip(ip));
            }
        }
    }

    // The trailing dot is removed for the messages too.
    let host = unfqdn(host);
    let common_names: Vec<&str> = subject
        .iter()
        .filter(|a| a.key == "CN")
        .map(|a| a.value.as_str())
        .collect();
    // `subject.CN` is a string for one CN (falsy when empty), an array for more.
    let has_cn = match common_names.as_slice() {
        [] => false,
        [one] => !one.is_empty(),
        _ => true,
    };

    let reason = if is_ip(host) {
        let canonical = canonicalize_ip(host);
        if ips.iter().any(|ip| ip.is_some() && *ip == canonical) {
            return Ok(());
        }
        // Entries that did not parse as addresses print as empty strings.
        let list: Vec<&str> = ips.iter().map(|ip| ip.as_deref().unwrap_or("")).collect();
        format!("IP: {host} is not in the cert's list: {}", list.join(", "))
    } else if !dns_names.is_empty() || has_cn {
        let host_parts = split_host(host);
        if !dns_names.is_empty() {
            if dns_names.iter().any(|p| matches_pattern(&host_parts, p)) {
                return Ok(());
            }
            format!(
                "Host: {host}. is not in the cert's altnames: {}",
                subjectaltname.unwrap_or_default()
            )
        } else {
            if common_names.iter().any(|p| matches_pattern(&host_parts, p)) {
                return Ok(());
            }
            // An array prints joined with commas.
            format!("Host: {host}. is not cert's CN: {}", common_names.join(","))
        }
    } else {
        "Cert does not contain a DNS name".to_owned()
    };
    Err(Error::new(
        ErrorCode::ErrTlsCertAltnameInvalid,
        format!("Hostname/IP does not match certificate's altnames: {reason}"),
    ))
}

/// Removes one trailing dot.
fn unfqdn(host: &str) -> &str {
    host.strip_suffix('.').unwrap_or(host)
}

/// Lowercases ASCII letters only (Node avoids locale-sensitive lowercasing)
/// and splits into labels, after removing one trailing dot.
fn split_host(host: &str) -> Vec<String> {
    unfqdn(host)
        .split('.')
        .map(|label| label.to_ascii_lowercase())
        .collect()
}

/// Node's `check(hostParts, pattern, wildcards = true)`.
fn matches_pattern(host_parts: &[String], pattern: &str) -> bool {
    if pattern.is_empty() {
        return false;
    }
    let pattern_parts = split_host(pattern);
    if pattern_parts.len() != host_parts.len() || pattern_parts.iter().any(String::is_empty) {
        return false;
    }
    // Unicode (IDNA U-labels), blanks and control characters are refused
    // rather than guessed at.
    let bad = |label: &String| label.chars().any(|c| !('\u{21}'..='\u{7f}').contains(&c));
    if pattern_parts.iter().any(bad) {
        return false;
    }
    if host_parts[1..] != pattern_parts[1..] {
        return false;
    }

    let host_label = &host_parts[0];
    let pattern_label = &pattern_parts[0];
    let pieces: Vec<&str> = pattern_label.split('*').collect();
    // No wildcard, or an A-label (RFC 6125 forbids wildcards in those).
    if pieces.len() == 1 || pattern_label.contains("xn--") {
        return host_label == pattern_label;
    }
    // More than one wildcard, or a wildcard for a whole registrable domain.
    if pieces.len() > 2 || pattern_parts.len() <= 2 {
        return false;
    }
    let (prefix, suffix) = (pieces[0], pieces[1]);
    // Lengths in UTF-16 units, as JavaScript counts them.
    prefix.len() + suffix.len() <= host_label.encode_utf16().count()
        && host_label.starts_with(prefix)
        && host_label.ends_with(suffix)
}

/// Splits Node's `subjectaltname` string into names, decoding quoted ones
/// (Node's `splitEscapedAltNames`).
fn split_alt_names(alt_names: &str) -> Result<Vec<String>, Error> {
    if !alt_names.contains('"') {
        return Ok(alt_names.split(", ").map(str::to_owned).collect());
    }
    let mut names = Vec::new();
    let mut current = String::new();
    let mut rest = alt_names;
    while !rest.is_empty() {
        let next_sep = rest.find(',');
        let next_quote = rest.find('"');
        match (next_quote, next_sep) {
            (Some(quote), sep) if sep.is_none_or(|sep| quote < sep) => {
                current.push_str(&rest[..quote]);
                let (text, len) =
                    cert_info::json_string_literal(&rest[quote..]).ok_or_else(|| {
                        Error::new(
                            ErrorCode::Unspecified,
                            "Invalid subject alternative name string",
                        )
                    })?;
                current.push_str(&text);
                rest = &rest[quote + len..];
            }
            (_, Some(sep)) => {
                current.push_str(&rest[..sep]);
                names.push(std::mem::take(&mut current));
                // Skips the separator ", " (Node skips two characters).
                let mut after = rest[sep + 1..].chars();
                after.next();
                rest = after.as_str();
            }
            (_, None) => {
                current.push_str(rest);
                rest = "";
            }
        }
    }
    names.push(current);
    Ok(names)
}

/// Node's `net.isIP(s) != 0`.
fn is_ip(s: &str) -> bool {
    is_ipv4(s) || is_ipv6(s)
}

/// A dotted quad of decimal numbers 0-255 without leading zeros.
fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|v| v <= 255)
        })
}

/// Node's IPv6 pattern: hex groups of one to four digits, at most one `::`
/// standing for at least one group, an optional dotted quad at the end
/// counting as two groups, eight groups in all; then an optional zone
/// (`%` and letters, digits, `-`, `.`, `:`).
fn is_ipv6(s: &str) -> bool {
    let (addr, zone) = match s.split_once('%') {
        Some((addr, zone)) => (addr, Some(zone)),
        None => (s, None),
    };
    let zone_ok = zone.is_none_or(|z| {
        !z.is_empty()
            && z.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b':'))
    });
    zone_ok && ipv6_groups(addr).is_some()
}

/// Counts the groups of an IPv6 address in Node's grammar; `None` if invalid.
fn ipv6_groups(addr: &str) -> Option<usize> {
    let (head, tail, compressed) = match addr.split_once("::") {
        Some((head, tail)) => (head, tail, true),
        None => (addr, "", false),
    };
    let count = |part: &str, may_end_in_v4: bool| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let groups: Vec<&str> = part.split(':').collect();
        let mut n = 0;
        for (i, g) in groups.iter().enumerate() {
            if i + 1 == groups.len() && may_end_in_v4 && g.contains('.') {
                if !is_ipv4(g) {
                    return None;
                }
                n += 2;
            } else if (1..=4).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_hexdigit()) {
                n += 1;
            } else {
                return None;
            }
        }
        Some(n)
    };
    let total = if compressed {
        count(head, false)? + count(tail, true)?
    } else {
        count(head, true)?
    };
    let ok = if compressed { total <= 7 } else { total == 8 };
    ok.then_some(total)
}

/// Node's `canonicalizeIP`: libuv's `inet_pton` then `inet_ntop`; `None`
/// where it does not parse.
fn canonicalize_ip(s: &str) -> Option<String> {
    if let Some(v4) = pton4(s) {
        return Some(format!("{}.{}.{}.{}", v4[0], v4[1], v4[2], v4[3]));
    }
    // A zone is ignored.
    let addr = s.split_once('%').map_or(s, |(addr, _)| addr);
    pton6(addr).map(|v6| ntop6(&v6))
}

/// libuv's `inet_pton4`: four decimal numbers, no leading zeros.
fn pton4(s: &str) -> Option<[u8; 4]> {
    is_ipv4(s).then_some(())?;
    let mut out = [0u8; 4];
    for (o, p) in out.iter_mut().zip(s.split('.')) {
        *o = p.parse().ok()?;
    }
    Some(out)
}

/// libuv's `inet_pton6` (a zone already removed).
fn pton6(s: &str) -> Option<[u8; 16]> {
    let (head, tail) = match s.split_once("::") {
        Some((head, tail)) => (head, Some(tail)),
        None => (s, None),
    };
    // A second `::` is invalid.
    if tail.is_some_and(|t| t.contains("::")) {
        return None;
    }
    let words = |part: &str, may_end_in_v4: bool| -> Option<Vec<u16>> {
        if part.is_empty() {
            return Some(Vec::new());
        }
        let groups: Vec<&str> = part.split(':').collect();
        let mut out = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            if i + 1 == groups.len() && may_end_in_v4 && g.contains('.') {
                let v4 = pton4(g)?;
                out.push(u16::from_be_bytes([v4[0], v4[1]]));
                out.push(u16::from_be_bytes([v4[2], v4[3]]));
            } else if (1..=4).contains(&g.len()) {
                out.push(u16::from_str_radix(g, 16).ok()?);
            } else {
                return None;
            }
        }
        Some(out)
    };
    let mut all = Vec::with_capacity(8);
    match tail {
        None => {
            all = words(head, true)?;
            if all.len() != 8 {
                return None;
            }
        }
        Some(tail) => {
            let head = words(head, false)?;
            let tail = words(tail, true)?;
            if head.len() + tail.len() > 7 {
                return None;
            }
            all.extend_from_slice(&head);
            all.resize(8 - tail.len(), 0);
            all.extend_from_slice(&tail);
        }
    }
    let mut out = [0u8; 16];
    for (chunk, w) in out.chunks_exact_mut(2).zip(&all) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    Some(out)
}

/// libuv's `inet_ntop6`: lowercase hex, the first longest run of two or more
/// zero groups as `::`, and an embedded IPv4 address for `::a.b.c.d` and
/// `::ffff:a.b.c.d`.
fn ntop6(addr: &[u8; 16]) -> String {
    let mut words = [0u16; 8];
    for (w, chunk) in words.iter_mut().zip(addr.chunks_exact(2)) {
        *w = u16::from_be_bytes([chunk[0], chunk[1]]);
    }
    // The first longest run of zero words, as (start, length).
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < 8 {
        let len = words[i..].iter().take_while(|&&w| w == 0).count();
        if len > best.map_or(0, |(_, l)| l) {
            best = Some((i, len));
        }
        i += len.max(1);
    }
    let best = best.filter(|&(_, len)| len >= 2);

    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if let Some((base, len)) = best.filter(|&(base, len)| (base..base + len).contains(&i)) {
            if i == base {
                out.push(':');
            }
            i += len;
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        // `::a.b.c.d` and `::ffff:a.b.c.d`. (libuv also tests a run of seven
        // zeros, but such a run is skipped as a whole before word 6.)
        let embedded_v4 = i == 6
            && best.is_some_and(|(base, len)| {
                base == 0 && (len == 6 || (len == 5 && words[5] == 0xffff))
            });
        if embedded_v4 {
            out.push_str(&format!(
                "{}.{}.{}.{}",
                addr[12], addr[13], addr[14], addr[15]
            ));
            return out;
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    if best.is_some_and(|(base, len)| base + len == 8) {
        out.push(':');
    }
    out
}
