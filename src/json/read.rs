//! Reading JSON text into a [`Value`] with every number's exact text.
//!
//! serde_json parses (its errors, positions and recursion limit are the ones users see), but
//! without `arbitrary_precision` it hands a visitor numbers as `u64`/`i64`/`f64`, losing the
//! text. So the text's number tokens are first listed by a small scanner (outside strings, a
//! number is a maximal run of `-+.eE0-9`), and the tree builder takes the next token's text
//! each time serde_json reports a number: both walk the document in order. A number too large
//! for an `f64` (`1e400`) would be an error in serde_json's own reading; the copy of the text
//! it reads has such a token replaced by a zero of the same length (`0e000`), so positions in
//! later errors do not move and the value keeps its original text.
//!
//! Duplicate keys (D3) are found by a second pass over valid text, as before: a serde visitor
//! that only remembers the keys of each open object, so a syntax error anywhere is reported
//! before a duplicate key, and the duplicate's position is serde_json's.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Map, Number, Value};
use crate::config::JsonError;

/// Parses a JSON document; duplicate keys in any object are an error (D3).
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let (tokens, sanitized) = number_tokens(text);
    let readable = sanitized.as_deref().unwrap_or(text);
    let mut numbers = tokens.into_iter();
    let mut de = serde_json::Deserializer::from_str(readable);
    let value = Build {
        numbers: &mut numbers,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| from_serde(&e))?;
    let mut de = serde_json::Deserializer::from_str(readable);
    NoDuplicates
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| from_serde(&e))?;
    Ok(value)
}

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

/// The text of every number token in document order, and a copy of the text in which tokens
/// beyond `f64`'s range are zeros (None when there are none).
fn number_tokens(text: &str) -> (Vec<Number>, Option<String>) {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut sanitized: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < bytes.len()
                    && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let token = &text[start..i];
                if token.parse::<f64>().is_ok_and(f64::is_infinite) {
                    let copy = sanitized.get_or_insert_with(|| bytes.to_vec());
                    copy[start] = b'0';
                    copy[start + 1] = b'e';
                    copy[start + 2..i].fill(b'0');
                }
                tokens.push(Number::from_json_text(token));
            }
            _ => i += 1,
        }
    }
    let sanitized = sanitized.map(|b| String::from_utf8(b).expect("ASCII replaced by ASCII"));
    (tokens, sanitized)
}

/// Builds the tree, taking each number's text from the scanned tokens.
struct Build<'n> {
    numbers: &'n mut std::vec::IntoIter<Number>,
}

impl<'de> DeserializeSeed<'de> for Build<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl Build<'_> {
    fn number<E: de::Error>(self) -> Result<Value, E> {
        self.numbers
            .next()
            .map(Value::Number)
            .ok_or_else(|| E::custom("number tokens out of step"))
    }
}

impl<'de> Visitor<'de> for Build<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value, E> {
        self.number()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Value, E> {
        self.number()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        self.number()
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Build {
            numbers: &mut *self.numbers,
        })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value = access.next_value_seed(Build {
                numbers: &mut *self.numbers,
            })?;
            map.push_unchecked(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// Accepts any JSON, failing on the first object that repeats a key.
struct NoDuplicates;

impl<'de> DeserializeSeed<'de> for NoDuplicates {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(NoDuplicates)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key {key:?} in one object"
                )));
            }
            map.next_value_seed(NoDuplicates)?;
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (usize, usize, String) {
        let e = parse(text).expect_err("invalid");
        (e.line, e.column, e.message)
    }

    #[test]
    fn numbers_beyond_f64_keep_their_text_r47() {
        let v = parse(r#"{"i": 1e400, "j": -1.5E-400, "k": 123456789012345678901234567890}"#)
            .expect("valid");
        assert_eq!(
            v.to_string(),
            r#"{"i":1e+400,"j":-1.5e-400,"k":123456789012345678901234567890}"#
        );
        // The zeroed copy serde_json reads leaves later error positions where they were.
        assert_eq!(err("[1e400, x]"), err("[1e000, x]"));
        assert_eq!(err("[1e400, x]").1, 9);
    }

    #[test]
    fn strings_and_keys_that_look_like_numbers_are_not_number_tokens() {
        let v = parse(r#"{"1e5": "-2.5", "a\"1": [1, "\\", 2]}"#).expect("valid");
        assert_eq!(v["1e5"], "-2.5");
        assert_eq!(v["a\"1"].to_string(), r#"[1,"\\",2]"#);
    }

    #[test]
    fn the_recursion_limit_is_serde_jsons() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse(&nested(127)).is_ok());
        assert_eq!(
            err(&nested(128)),
            (1, 128, "recursion limit exceeded".into())
        );
        assert_eq!(err(&"[".repeat(100_000)).2, "recursion limit exceeded");
    }

    #[test]
    fn a_syntax_error_is_reported_before_an_earlier_duplicate_d3() {
        assert_eq!(err(r#"{"a": 1, "a": 2, x}"#).2, "key must be a string");
        assert_eq!(
            err("{\"a\": 1,\n   \"a\" : 2}"),
            (2, 7, "duplicate key \"a\" in one object".into())
        );
    }

    #[test]
    fn string_errors_are_serde_jsons() {
        assert_eq!(
            err(r#"["\ud800\u0041"]"#),
            (1, 14, "lone leading surrogate in hex escape".into())
        );
        assert_eq!(err("[\"\\x\"]"), (1, 4, "invalid escape".into()));
    }
}
