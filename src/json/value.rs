//! hedgehog's own JSON value: objects keep their key order and numbers keep their text.
//!
//! serde_json's `Value` does both only with its `preserve_order` and `arbitrary_precision`
//! features, and Cargo turns a feature on for every crate in a build: a library that enabled
//! them would change how its users' own types (de)serialize. This type gives hedgehog the
//! same guarantees without touching serde_json's: a config's `tokenRatio` is read from its
//! decimal text (R47, D7), and a document is printed with its keys in the order they were
//! written or built.
//!
//! The accessors mirror serde_json's (`get`, `as_str`, `as_u64`, indexing with `["key"]` or
//! `[0]`, `Display` as compact JSON), so code reads the same with either type.

use std::fmt;

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::{JsonIndex, Map, Number};

/// A JSON value whose objects keep key order and whose numbers keep their text.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, in key order.
    Object(Map),
}

impl Value {
    /// The member `key` of an object, or the element at an index of an array.
    pub fn get<I: JsonIndex>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    /// Mutable [`Value::get`].
    pub fn get_mut<I: JsonIndex>(&mut self, index: I) -> Option<&mut Value> {
        index.index_into_mut(self)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A number whose text is an integer in `u64`'s range.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// A number whose text is an integer in `i64`'s range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// A number as the nearest finite float.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Mutable [`Value::as_array`].
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Mutable [`Value::as_object`].
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is a boolean.
    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    /// Whether this is a number.
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Takes the value out, leaving `null`.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }
}

impl fmt::Display for Value {
    /// Compact JSON, keys in order, numbers as their text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => f.write_str(n.as_str()),
            Value::String(s) => write_str(f, s),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Object(map) => {
                f.write_str("{")?;
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_str(f, key)?;
                    write!(f, ":{item}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A JSON string literal, escaped exactly as serde_json escapes it.
fn write_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str(&serde_json::to_string(s).map_err(|_| fmt::Error)?)
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(text) => s.serialize_str(text),
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Object(map) => map.serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{object, parse};

    #[test]
    fn serialize_writes_number_text_verbatim_and_native_numbers_natively() {
        let v = parse(r#"{"z": 1.10, "a": [0.1, 3, -2, 1e+0, 18446744073709551616]}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"z":1.10,"a":[0.1,3,-2,1e+0,18446744073709551616]}"#
        );
        assert_eq!(serde_json::to_string(&v).unwrap(), v.to_string());
        // A serializer other than serde_json's text writer sees plain numbers where it can.
        let other = serde_json::to_value(&v["a"]).unwrap();
        assert_eq!(
            other,
            serde_json::json!([0.1, 3, -2, 1.0, 18446744073709551616.0])
        );
        let pretty = serde_json::to_string_pretty(&object! {"b": 1.5, "a": Value::Null}).unwrap();
        assert_eq!(pretty, "{\n  \"b\": 1.5,\n  \"a\": null\n}");
    }

    #[test]
    fn floats_are_spelled_as_serde_json_spells_them() {
        assert_eq!(Value::from(1.0).to_string(), "1.0");
        assert_eq!(Value::from(31.404).to_string(), "31.404");
        assert_eq!(Value::from(4e-7).to_string(), "4e-7");
        assert_eq!(Value::from(f64::NAN), Value::Null);
        assert_eq!(Value::from(f64::INFINITY), Value::Null);
    }

    #[test]
    fn accessors_read_like_serde_jsons() {
        let v = parse(r#"{"n": 7, "f": 1.0, "neg": -3, "s": "x", "l": [true, null]}"#).unwrap();
        assert_eq!(v["n"].as_u64(), Some(7));
        assert_eq!(v["f"].as_u64(), None, "1.0 is not an integer's text");
        assert_eq!(v["f"].as_f64(), Some(1.0));
        assert_eq!((v["neg"].as_u64(), v["neg"].as_i64()), (None, Some(-3)));
        assert_eq!(v["s"], "x");
        assert_eq!(v["l"][0], true);
        assert!(v["l"][1].is_null() && v["missing"].is_null() && v["l"][9].is_null());
        assert_eq!(v.get("l").and_then(|l| l.get(0)), Some(&Value::Bool(true)));
        assert_eq!(v["n"], 7);
        assert_ne!(v["n"], 8);
        assert_eq!(
            v.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["n", "f", "neg", "s", "l"]
        );
    }

    #[test]
    fn assigning_through_an_index_keeps_order_and_appends_new_keys() {
        let mut v = object! {"b": 1, "a": 2};
        v["b"] = Value::from("one");
        v["c"]["d"] = Value::from(3);
        assert_eq!(v.to_string(), r#"{"b":"one","a":2,"c":{"d":3}}"#);
    }

    #[test]
    fn a_serde_json_value_converts_with_its_numbers() {
        let v = Value::from(serde_json::json!({"b": [1.5, -2, 3], "a": "s"}));
        assert_eq!(v.to_string(), r#"{"a":"s","b":[1.5,-2,3]}"#);
    }
}
