//! Reading JSON documents (configs and scenario files).
//!
//! `parse` returns a `serde_json::Value` whose objects keep insertion order (`preserve_order`)
//! and whose numbers keep their exact text (`arbitrary_precision`), so `tokenRatio` and
//! `backoffMultiplier` can later be read from their decimal text without a float in between
//! (R47, D7). Malformed JSON becomes a [`JsonError`] with 1-based line and column.
//!
//! Duplicate keys (D3): JSON parsers disagree about which copy of a repeated key wins, so a
//! config with one means different things to different runtimes. `serde_json::Value` silently
//! keeps the last copy, so after a successful parse a second pass walks the same text with a
//! tiny serde visitor that only remembers the keys of each open object. The second pass is only
//! reached for valid JSON, it allocates nothing but the key sets, and serde_json's recursion
//! limit bounds its depth exactly as it bounds the first pass. With `arbitrary_precision` a
//! number reaches a visitor as a one-entry map, which the duplicate check handles like any other.

pub mod path;
pub mod write;

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

pub use crate::config::JsonError;

/// Parses a JSON document; duplicate keys in any object are an error (D3).
pub fn parse(text: &str) -> Result<serde_json::Value, JsonError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| from_serde(&e))?;
    let mut de = serde_json::Deserializer::from_str(text);
    NoDuplicates::deserialize(&mut de).map_err(|e| from_serde(&e))?;
    Ok(value)
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for JsonError {}

/// serde_json's error without its " at line L column C" suffix, which we carry as fields.
fn from_serde(error: &serde_json::Error) -> JsonError {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    JsonError {
        line: error.line().max(1),
        column: error.column().max(1),
        message,
    }
}

/// Accepts any JSON, failing on the first object that repeats a key.
struct NoDuplicates;

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E: de::Error>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_none<E: de::Error>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<NoDuplicates, D::Error> {
        NoDuplicates::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?} in one object"
                )));
            }
            map.next_value::<NoDuplicates>()?;
            seen.insert(key);
        }
        Ok(NoDuplicates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text() {
        let v = parse(r#"{"a": 0.5466, "b": 1e0, "c": 1.10}"#).expect("valid");
        assert_eq!(v["a"].to_string(), "0.5466");
        // serde_json writes the exponent's sign; the digits are untouched.
        assert_eq!(v["b"].to_string(), "1e+0");
        assert_eq!(v["c"].to_string(), "1.10");
    }

    #[test]
    fn objects_keep_insertion_order() {
        let v = parse(r#"{"z": 1, "a": 2}"#).expect("valid");
        let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["z", "a"]);
    }

    #[test]
    fn a6_text_timeout_1000ms_is_a_clear_error_with_position() {
        let text = "{\n  \"methodConfig\": [{\n    \"timeout\": 1000ms\n  }]\n}";
        let err = parse(text).expect_err("not JSON");
        assert_eq!(err.line, 3);
        assert!(err.column >= 16, "{err}");
        assert!(!err.message.contains("at line"), "{err}");
        assert!(err.to_string().starts_with("line 3, column "), "{err}");
    }

    #[test]
    fn duplicate_keys_are_an_error_d3() {
        let err = parse("{\"a\": 1,\n \"b\": {\"x\": 1, \"x\": 2}}").expect_err("duplicate");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("duplicate key \"x\""), "{err}");
        // Escapes spell the same key.
        assert!(parse(r#"{"a": 1, "\u0061": 2}"#).is_err());
        // The same key in sibling objects is fine, and so are numbers (one-entry maps inside).
        assert!(parse(r#"[{"a": 1.5}, {"a": 2}]"#).is_ok());
    }

    #[test]
    fn empty_and_trailing_input_are_errors() {
        assert!(parse("").is_err());
        assert!(parse("{} {}").is_err());
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_err());
    }
}
