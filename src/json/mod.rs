//! JSON for hedgehog: reading documents (configs, scenario files, sweep results) and the
//! value type they are read into.
//!
//! [`parse`] returns hedgehog's own [`Value`], whose objects keep their key order and whose
//! numbers keep their exact text, so `tokenRatio` and `backoffMultiplier` can later be read
//! from their decimal text without a float in between (R47, D7), and a document built in code
//! prints its keys in the order they were given. serde_json does the parsing, with none of the
//! features (`preserve_order`, `arbitrary_precision`) that would change how every other crate
//! in a user's build reads and writes JSON. Malformed JSON becomes a [`JsonError`] with 1-based
//! line and column; a key repeated in one object is an error too (D3), because JSON parsers
//! disagree about which copy wins.
//!
//! Building values: `Value::from` for scalars, options and vectors; [`Map`] (or the
//! crate-internal `object!` macro, the ordered stand-in for serde_json's `json!({...})`) for
//! objects; [`to_value`] for anything `Serialize`.

mod convert;
mod index;
mod map;
mod number;
pub mod path;
mod read;
mod value;
pub mod write;

use std::fmt;

use serde::Serialize;

pub use crate::config::JsonError;
pub use index::JsonIndex;
pub use map::Map;
pub use number::{NotANumber, Number};
pub use read::parse;
pub use value::Value;

/// Builds an ordered JSON object in place of serde_json's `json!({...})`:
/// `object! { "call": c.call, "status": name, "attempts": list }`. Each value is anything
/// with `Into<Value>` (numbers, strings, bools, options, vectors, values, maps).
macro_rules! object {
    ($($key:literal : $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut map = $crate::json::Map::new();
        $( map.insert($key, $crate::json::Value::from($value)); )*
        $crate::json::Value::Object(map)
    }};
}
pub(crate) use object;

/// Any `Serialize` value as a [`Value`], keys in the order it serializes them and numbers in
/// serde_json's spelling (what `serde_json::to_string` prints).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, serde_json::Error> {
    let text = serde_json::to_string(value)?;
    parse(&text).map_err(<serde_json::Error as serde::ser::Error>::custom)
}

/// For unit tests: serde_json's `json!` read back as a [`Value`]. serde_json sorts object
/// keys, so a test whose outcome depends on key order writes its JSON as text instead.
#[cfg(test)]
macro_rules! test_json {
    ($($json:tt)+) => {
        $crate::json::parse(&serde_json::json!($($json)+).to_string()).expect("valid JSON")
    };
}
#[cfg(test)]
pub(crate) use test_json;

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
