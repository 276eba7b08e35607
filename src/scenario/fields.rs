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

/// `ms` as nanoseconds rounded to the nearest integer; `None` if it does not fit.
pub fn ms_to_nanos(ms: f64) -> Option<Nanos> {
    let ns = (ms * 1e6).round();
    if (0.0..18_446_744_073_709_551_615.0).contains(&ns) {
        Some(ns as Nanos)
    } else {
        None
    }
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
    fn root_path_is_spelled_out() {
        assert_eq!(FieldError::new("", "m").path, "<root>");
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", "b"), "a.b");
    }
}
