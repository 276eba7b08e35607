//! Small path-aware readers for scenario JSON.
//!
//! Every scenario error must say *where* (a JSON path such as `server.schedule.script[2].status`)
//! and *what was expected*; these helpers carry the path along so each field check is one line
//! and no message can forget it. Unknown keys are errors too (a typo like `latncy` would
//! otherwise silently fall back to a default and produce a believable but wrong trace).

use crate::json::{Map, Value};

use crate::json::path::ROOT;
use crate::time::Nanos;

/// `parent[i]`.
pub use crate::json::path::index;
/// `parent.key` (or `key` at the root): the crate's one path builder, so scenario paths read
/// exactly like service-config paths.
pub use crate::json::path::key as join;

/// A problem at one JSON path; prints as `path: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
#[non_exhaustive]
pub struct FieldError {
    /// `server.schedule.script[2].status`, or `<root>`.
    pub path: String,
    /// What was expected, and what was found.
    pub message: String,
}

impl FieldError {
    /// An error at `path`.
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        let path = if path.is_empty() {
            ROOT.to_string()
        } else {
            path.to_string()
        };
        FieldError {
            path,
            message: message.into(),
        }
    }
}

/// A short description of a JSON value's type, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `value` as an object whose keys are all in `allowed`.
pub fn object<'a>(value: &'a Value, path: &str, allowed: &[&str]) -> Result<&'a Map, FieldError> {
    let map = value
        .as_object()
        .ok_or_else(|| FieldError::new(path, format!("expected an object, got {}", kind(value))))?;
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(FieldError::new(
                &join(path, key),
                format!("unknown key; expected one of: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(map)
}

/// A required key.
pub fn required<'a>(map: &'a Map, path: &str, key: &str) -> Result<&'a Value, FieldError> {
    map.get(key)
        .ok_or_else(|| FieldError::new(&join(path, key), "missing required key"))
}

/// A string.
pub fn string<'a>(value: &'a Value, path: &str) -> Result<&'a str, FieldError> {
    value
        .as_str()
        .ok_or_else(|| FieldError::new(path, format!("expected a string, got {}", kind(value))))
}

/// A boolean.
pub fn boolean(value: &Value, path: &str) -> Result<bool, FieldError> {
    value.as_bool().ok_or_else(|| {
        FieldError::new(path, format!("expected true or false, got {}", kind(value)))
    })
}

/// A non-negative integer.
pub fn uint(value: &Value, path: &str) -> Result<u64, FieldError> {
    value.as_u64().ok_or_else(|| {
        FieldError::new(
            path,
            format!("expected a non-negative integer, got {}", show(value)),
        )
    })
}

/// A finite number ≥ 0.
pub fn non_negative(value: &Value, path: &str) -> Result<f64, FieldError> {
    match value.as_f64() {
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(FieldError::new(
            path,
            format!("expected a number >= 0, got {}", show(value)),
        )),
    }
}

/// A finite number.
pub fn finite(value: &Value, path: &str) -> Result<f64, FieldError> {
    match value.as_f64() {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err(FieldError::new(
            path,
            format!("expected a number, got {}", show(value)),
        )),
    }
}

/// Milliseconds (a number ≥ 0, fractions allowed) as integer nanoseconds, rounded once.
pub fn millis(value: &Value, path: &str) -> Result<Nanos, FieldError> {
    let ms = non_negative(value, path)?;
    ms_to_nanos(ms).ok_or_else(|| FieldError::new(path, "too large (more than 584 years)"))
}

/// `ms` as nanoseconds rounded to the nearest integer (halves away from zero, as
/// [`f64::round`]); `None` if it does not fit.
///
/// Every simulated attempt's latency goes through here, and `f64::round` is a library call
/// on baseline x86-64: the rounding is done by hand instead, with the very same results
/// (tested against `f64::round`).
#[inline]
pub fn ms_to_nanos(ms: f64) -> Option<Nanos> {
    round_nanos(ms * 1e6)
}

/// `ns` rounded to the nearest integer (halves away from zero, as [`f64::round`]); `None` if
/// it does not fit: the rounding of [`ms_to_nanos`], for a count already in nanoseconds (a
/// load client's Poisson gap, drawn once per user request).
#[inline]
pub fn round_nanos(ns: f64) -> Option<Nanos> {
    // 2^64: the first value that does not fit (and the bound `round` was checked against).
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    if !(ns > -0.5 && ns < LIMIT) {
        return None; // rounds below zero, does not fit, or NaN
    }
    if ns <= 0.0 {
        return Some(0); // (-0.5, 0] rounds to (minus) zero
    }
    // From 2^53 on every double is a whole number: nothing to round. (The bound is checked
    // first so that the usual case converts through `i64`, one instruction each way on
    // x86-64, where `u64` conversions are a dozen.)
    const WHOLE: f64 = 9_007_199_254_740_992.0;
    if ns >= WHOLE {
        return Some(ns as u64);
    }
    // `whole` and `ns - whole` are exact below 2^53 (the two are within a factor of two, or
    // `whole` is 0).
    let whole = ns as i64;
    let frac = ns - whole as f64;
    Some(whole as u64 + u64::from(frac >= 0.5))
}

/// The value as it appears in the file, shortened for messages.
pub fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;

    #[test]
    fn unknown_keys_name_the_path_and_the_valid_keys() {
        let v = json!({"fixed_ms": 1, "latncy": 2});
        let err = object(&v, "server.latency", &["fixed_ms"]).unwrap_err();
        assert_eq!(err.path, "server.latency.latncy");
        assert!(err.message.contains("fixed_ms"), "{}", err.message);
    }

    #[test]
    fn millis_round_to_whole_nanoseconds() {
        assert_eq!(millis(&json!(1.5), "x"), Ok(1_500_000));
        assert_eq!(millis(&json!(0.0000004), "x"), Ok(0));
        assert_eq!(millis(&json!(0.0000006), "x"), Ok(1));
        assert!(millis(&json!(-1), "x").is_err());
        assert!(millis(&json!("1"), "x").is_err());
    }

    #[test]
    fn ms_to_nanos_rounds_exactly_as_f64_round_does() {
        // What `ms_to_nanos` and `round_nanos` computed with `f64::round`.
        let round = |ns: f64| {
            let r = ns.round();
            (0.0..18_446_744_073_709_551_615.0)
                .contains(&r)
                .then_some(r as Nanos)
        };
        let reference = |ms: f64| round(ms * 1e6);
        let mut cases = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -4e-7,
            -5e-7,
            -6e-7,
            4.999_999_999_999_999e-7,
            5e-7,
            1.5e-6,
            2.5e-6,
            0.5f64.next_down() / 1e6,
            // Around 2^52, 2^53 and 2^64 nanoseconds.
            4_503_599_627.370_496,
            9_007_199_254.740_992,
            18_446_744_073_709.55,
            18_446_744_073_709_551_616.0f64.next_down() / 1e6,
            18_446_744_073_709_551_616.0 / 1e6,
            18_446_744_073_709.56,
            1e300,
            // Around 2^53 nanoseconds, where the rounding stops, and 2^63, past `i64`.
            9_007_199_254.740_991,
            9_007_199_254.740_993,
            9_007_199_254.740_992f64.next_down(),
            (1u64 << 63) as f64 / 1e6,
            ((1u64 << 63) as f64 / 1e6).next_down(),
            ((1u64 << 63) as f64 / 1e6).next_up(),
        ];
        // Every bit pattern class: random doubles over the whole range, and random
        // milliseconds with fractions (xorshift, so the test needs no RNG crate).
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            cases.push(f64::from_bits(next()));
            cases.push((next() >> 11) as f64 / (1u64 << (next() % 60)) as f64);
            cases.push((next() % 4_000_000) as f64 / 2e6 / 1e6);
        }
        for ms in cases.iter().copied() {
            assert_eq!(ms_to_nanos(ms), reference(ms), "{ms:e}");
        }
        // The same rounding of nanoseconds as given (a Poisson gap): every case taken as a
        // count of nanoseconds, and more in the range of gaps, halves included.
        cases.extend((0..200_000).map(|_| (next() >> 11) as f64 / (1u64 << (next() % 40)) as f64));
        cases.extend((0..1000).map(|i| f64::from(i) + 0.5));
        for ns in cases {
            assert_eq!(round_nanos(ns), round(ns), "{ns:e}");
        }
    }

    #[test]
    fn root_path_is_spelled_out() {
        assert_eq!(FieldError::new("", "m").path, "<root>");
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", "b"), "a.b");
    }
}
