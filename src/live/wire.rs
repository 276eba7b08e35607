//! gRPC-over-HTTP/2 details the transport and the layer share: the `grpc-timeout` header
//! (at most 8 digits and a unit) and the mapping of non-gRPC HTTP statuses to gRPC codes.
//! Also the header names every call reads or writes, as ready-made [`HeaderName`]s: a name
//! given as a string is parsed and validated at every lookup, which was a measurable part of
//! the layer's cost per call (`benches/live_overhead.rs`).

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::code::Code;

/// `grpc-status`'s name as a string, for matching the names of a header block as it is read.
pub const GRPC_STATUS_NAME: &str = "grpc-status";
/// `grpc-status`, in trailers or Trailers-Only headers.
pub const GRPC_STATUS: HeaderName = HeaderName::from_static(GRPC_STATUS_NAME);
/// `grpc-timeout`, the time left before the call's deadline (R77).
pub const GRPC_TIMEOUT: HeaderName = HeaderName::from_static("grpc-timeout");
/// `grpc-retry-pushback-ms` (R35), as [`super::served_attempt::PUSHBACK`] names it.
pub const PUSHBACK_HEADER: HeaderName = HeaderName::from_static(super::served_attempt::PUSHBACK);
/// `grpc-previous-rpc-attempts` (R74), as [`super::PREVIOUS_ATTEMPTS`] names it.
pub const PREVIOUS_ATTEMPTS_HEADER: HeaderName = HeaderName::from_static(super::PREVIOUS_ATTEMPTS);
use crate::time::Nanos;

/// Header maps with at most this many names are looked through rather than hashed into.
const SCAN_MAX: usize = 12;

/// The first value of `name` in `headers`, as [`HeaderMap::get`] finds it. A gRPC request,
/// response or trailer block has a handful of headers, and comparing a few names costs less
/// than hashing the one looked for (each hashed lookup was a measurable part of the layer's
/// cost per call), so small maps are looked through in order; large ones are hashed into.
pub fn first<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<&'h HeaderValue> {
    if headers.keys_len() > SCAN_MAX {
        return headers.get(name);
    }
    headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Calls `visit` with every value of `name` in `headers`, in order, as
/// [`HeaderMap::get_all`] yields them (see [`first`] for why small maps are looked through;
/// a plain loop, because an iterator serving both ways cost more than the lookup it saves).
pub fn each<'h>(headers: &'h HeaderMap, name: &HeaderName, mut visit: impl FnMut(&'h HeaderValue)) {
    if headers.keys_len() > SCAN_MAX {
        for value in headers.get_all(name) {
            visit(value);
        }
        return;
    }
    for (n, value) in headers {
        if n == name {
            visit(value);
        }
    }
}

/// The gRPC code for a response that is not gRPC, by its HTTP status (gRPC's
/// "HTTP to gRPC status code mapping"): such a response ends the attempt without committing.
pub fn code_for_http(status: http::StatusCode) -> Code {
    match status.as_u16() {
        400 => Code::Internal,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::Unimplemented,
        429 | 502 | 503 | 504 => Code::Unavailable,
        _ => Code::Unknown,
    }
}

/// `grpc-timeout` for `left` nanoseconds: at most 8 digits, in the finest unit that fits,
/// rounded up so the server's deadline is never earlier than the client's.
pub fn format_grpc_timeout(left: Nanos) -> String {
    const UNITS: [(u64, char); 6] = [
        (1, 'n'),
        (1_000, 'u'),
        (1_000_000, 'm'),
        (1_000_000_000, 'S'),
        (60_000_000_000, 'M'),
        (3_600_000_000_000, 'H'),
    ];
    for (scale, unit) in UNITS {
        let value = left.div_ceil(scale);
        if value < 100_000_000 {
            return format!("{value}{unit}");
        }
    }
    "99999999H".to_string()
}

/// The first `grpc-timeout` in `headers`, parsed (R77); `None` if there is none or it does
/// not parse.
pub fn grpc_timeout(headers: &HeaderMap) -> Option<Nanos> {
    first(headers, &GRPC_TIMEOUT)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_grpc_timeout)
}

/// Parses a `grpc-timeout` value (1–8 digits and a unit) into nanoseconds.
pub fn parse_grpc_timeout(value: &str) -> Option<Nanos> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let scale: u64 = match unit {
        "n" => 1,
        "u" => 1_000,
        "m" => 1_000_000,
        "S" => 1_000_000_000,
        "M" => 60_000_000_000,
        "H" => 3_600_000_000_000,
        _ => return None,
    };
    Some(n.saturating_mul(scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_uses_finest_unit_within_eight_digits_r77() {
        assert_eq!(format_grpc_timeout(0), "0n");
        assert_eq!(format_grpc_timeout(99_999_999), "99999999n");
        assert_eq!(format_grpc_timeout(100_000_000), "100000u");
        assert_eq!(format_grpc_timeout(1_500_000_001), "1500001u");
        assert_eq!(format_grpc_timeout(200_000_000_000), "200000m");
    }

    #[test]
    fn grpc_timeout_round_trips_up_to_rounding() {
        for ns in [0, 1, 999, 1_000_001, 123_456_789_012, 7_200_000_000_000] {
            let back = parse_grpc_timeout(&format_grpc_timeout(ns));
            assert!(back.is_some_and(|b| b >= ns), "{ns}");
        }
    }

    #[test]
    fn grpc_timeout_rejects_malformed_values() {
        for bad in ["", "m", "5", "123456789m", "5x", "-5m", "5 m"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad:?}");
        }
        assert_eq!(parse_grpc_timeout("20m"), Some(20_000_000));
    }

    #[test]
    fn http_errors_map_to_grpc_codes() {
        let code = |n| code_for_http(http::StatusCode::from_u16(n).unwrap());
        assert_eq!(code(503), Code::Unavailable);
        assert_eq!(code(429), Code::Unavailable);
        assert_eq!(code(404), Code::Unimplemented);
        assert_eq!(code(401), Code::Unauthenticated);
        assert_eq!(code(500), Code::Unknown);
    }
}

#[cfg(test)]
mod header_name_tests {
    use super::*;

    fn map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(*n, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn looking_through_finds_what_hashing_finds_at_any_size() {
        let mut pairs = vec![
            ("grpc-retry-pushback-ms", "1"),
            ("grpc-status", "14"),
            ("grpc-retry-pushback-ms", "2"),
            ("grpc-status", "0"),
        ];
        let fillers: Vec<String> = (0..2 * SCAN_MAX).map(|i| format!("x-filler-{i}")).collect();
        for size in [0, SCAN_MAX - 2, SCAN_MAX + 3] {
            let mut h = map(&pairs);
            for name in &fillers[..size] {
                h.append(
                    HeaderName::from_bytes(name.as_bytes()).expect("name"),
                    HeaderValue::from_static("v"),
                );
            }
            assert_eq!(first(&h, &GRPC_STATUS), h.get(GRPC_STATUS), "{size}");
            assert_eq!(first(&h, &GRPC_TIMEOUT), None, "{size}");
            let mut seen = Vec::new();
            each(&h, &PUSHBACK_HEADER, |v| seen.push(v));
            let hashed: Vec<_> = h.get_all(PUSHBACK_HEADER).iter().collect();
            assert_eq!(seen, hashed, "{size}");
            assert_eq!(seen.len(), 2);
        }
        pairs.clear();
        assert_eq!(first(&map(&pairs), &GRPC_STATUS), None);
    }

    #[test]
    fn header_names_match_the_string_constants() {
        assert_eq!(
            PUSHBACK_HEADER.as_str(),
            super::super::served_attempt::PUSHBACK
        );
        assert_eq!(
            PREVIOUS_ATTEMPTS_HEADER.as_str(),
            super::super::PREVIOUS_ATTEMPTS
        );
    }
}
