//! Simple fields: dates as `ASN1_TIME_print` writes them, the serial as
//! `BN_bn2hex` does, and fingerprints.

use super::*;

pub(super) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `ASN1_TIME_print`: `Mon DD HH:MM:SS[.fff] YYYY GMT`, the day padded with a
/// space, fractional seconds (GeneralizedTime only) as given.
pub(super) fn asn1_time_print(t: &x509_parser::time::ASN1Time) -> String {
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
pub(super) fn serial_hex(raw: &[u8]) -> String {
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

pub(super) fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[skip..]
}

pub(super) fn hex_upper(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// A certificate's digest as `AA:BB:...`.
pub(super) fn fingerprint(digest: &[u8]) -> String {
    let mut s = String::with_capacity(digest.len() * 3);
    for (i, b) in digest.iter().enumerate() {
        if i != 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}
