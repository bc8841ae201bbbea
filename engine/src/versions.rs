//! Node's `minVersion` / `maxVersion` as the protocol versions rustls is
//! given.

use rustls::SupportedProtocolVersion;
use rustls::version::{TLS12, TLS13};

use crate::error::{Error, ErrorCode};

/// What tlsbox speaks, oldest first, under Node's names.
const SPOKEN: [(&str, &SupportedProtocolVersion); 2] = [("TLSv1.2", &TLS12), ("TLSv1.3", &TLS13)];

/// The versions from `min` to `max` (Node's names; `None` is the end of
/// what tlsbox speaks, as Node's defaults `TLSv1.2` and `TLSv1.3`).
/// A name Node knows but rustls does not speak (`TLSv1`, `TLSv1.1`),
/// any other name, or a `min` above `max` is an error that says what is
/// allowed.
pub fn select(
    min: Option<&str>,
    max: Option<&str>,
) -> Result<Vec<&'static SupportedProtocolVersion>, Error> {
    let low = position(min, "minimum")?.unwrap_or(0);
    let high = position(max, "maximum")?.unwrap_or(SPOKEN.len() - 1);
    if low > high {
        return Err(Error::new(
            ErrorCode::ErrTlsInvalidProtocolVersion,
            format!(
                "minVersion {} is above maxVersion {}: no protocol version is left",
                SPOKEN[low].0, SPOKEN[high].0
            ),
        ));
    }
    Ok(SPOKEN[low..=high].iter().map(|(_, v)| *v).collect())
}

fn position(name: Option<&str>, which: &str) -> Result<Option<usize>, Error> {
    let Some(name) = name else {
        return Ok(None);
    };
    if let Some(i) = SPOKEN.iter().position(|(spoken, _)| *spoken == name) {
        return Ok(Some(i));
    }
    let message = match name {
        "TLSv1" | "TLSv1.1" => format!(
            "\"{name}\" is older than tlsbox speaks (rustls has no TLS before 1.2): \
             the {which} TLS protocol version is TLSv1.2 or TLSv1.3"
        ),
        _ => format!("\"{name}\" is not a valid {which} TLS protocol version: TLSv1.2 or TLSv1.3"),
    };
    Err(Error::new(ErrorCode::ErrTlsInvalidProtocolVersion, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(versions: &[&SupportedProtocolVersion]) -> Vec<&'static str> {
        versions
            .iter()
            .map(|v| crate::cipher::protocol_name(v.version))
            .collect()
    }

    #[test]
    fn a_range_of_versions_is_what_rustls_is_given() {
        assert_eq!(names(&select(None, None).unwrap()), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(names(&select(Some("TLSv1.3"), None).unwrap()), ["TLSv1.3"]);
        assert_eq!(names(&select(None, Some("TLSv1.2")).unwrap()), ["TLSv1.2"]);
    }

    #[test]
    fn names_outside_the_range_say_what_is_allowed() {
        for (min, max) in [
            (Some("TLSv1.4"), None),
            (Some("TLSv1.1"), None),
            (None, Some("tls1.3")),
            (Some("TLSv1.3"), Some("TLSv1.2")),
        ] {
            let error = select(min, max).unwrap_err();
            assert_eq!(error.code, ErrorCode::ErrTlsInvalidProtocolVersion);
            assert!(error.message.contains("TLSv1.2"), "{}", error.message);
        }
    }
}
