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
use std::ops::{Index, IndexMut};

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::Map;

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

/// A JSON number kept as its text (`0.7`, `1e+2`, `12345678901234567890123`).
///
/// Read numbers are normalised the way serde_json writes exponents (`1E5` becomes `1e+5`);
/// the digits are never touched, so a decimal is never rounded through a float.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// Wraps number text that follows the JSON number grammar; exponents are normalised to
    /// `e+N`/`e-N`. The caller guarantees the grammar (the parser does).
    pub(crate) fn from_json_text(text: &str) -> Number {
        match text.find(['e', 'E']) {
            None => Number(text.to_string()),
            Some(i) => {
                let (mantissa, exponent) = (&text[..i], &text[i + 1..]);
                let sign = if exponent.starts_with(['+', '-']) {
                    ""
                } else {
                    "+"
                };
                Number(format!("{mantissa}e{sign}{exponent}"))
            }
        }
    }

    /// A finite float as serde_json prints it (shortest round trip: `1.0`, `0.1`, `1e-7`);
    /// `None` for NaN and infinities, which JSON cannot hold.
    pub fn from_f64(f: f64) -> Option<Number> {
        f.is_finite()
            .then(|| Number(serde_json::to_string(&f).unwrap_or_default()))
    }

    /// The number's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value if the text is an integer in `u64`'s range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The value if the text is an integer in `i64`'s range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The nearest float, if finite.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// Whether the text is exactly what serde_json prints for the same integer or float, so
    /// any serializer can be handed the number instead of its text.
    fn native(&self) -> Option<Native> {
        if let Some(u) = self.as_u64().filter(|u| u.to_string() == self.0) {
            return Some(Native::U64(u));
        }
        if let Some(i) = self.as_i64().filter(|i| i.to_string() == self.0) {
            return Some(Native::I64(i));
        }
        self.as_f64()
            .filter(|f| Number::from_f64(*f).is_some_and(|n| n.0 == self.0))
            .map(Native::F64)
    }
}

enum Native {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Number {
    /// Integers and floats in serde_json's own spelling go out as numbers, so every
    /// serializer (YAML, insta) sees a number; any other text (`1.10`, `1e+0`, digits beyond
    /// `u64`) goes out verbatim through serde_json's `RawValue`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.native() {
            Some(Native::U64(u)) => s.serialize_u64(u),
            Some(Native::I64(i)) => s.serialize_i64(i),
            Some(Native::F64(f)) => s.serialize_f64(f),
            None => serde_json::value::RawValue::from_string(self.0.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}

static NULL: Value = Value::Null;

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

/// What can index a [`Value`]: a key (`&str`, `String`) or an array position (`usize`).
pub trait JsonIndex {
    /// The member or element, if present.
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
    /// Mutable [`JsonIndex::index_into`].
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value>;
    /// For `value[index] = …`: the slot, created in an object (or in `null`, which becomes
    /// an object) when missing. Panics like serde_json's for an array index out of range or
    /// a key on a non-object.
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value;
}

impl JsonIndex for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_array().and_then(|items| items.get(*self))
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_array_mut().and_then(|items| items.get_mut(*self))
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        let len = v.as_array().map_or(0, Vec::len);
        match v.as_array_mut().and_then(|items| items.get_mut(*self)) {
            Some(slot) => slot,
            None => panic!("cannot index a JSON value of length {len} with {self}"),
        }
    }
}

impl JsonIndex for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_object().and_then(|map| map.get(self))
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_object_mut().and_then(|map| map.get_mut(self))
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        if v.is_null() {
            *v = Value::Object(Map::new());
        }
        match v {
            Value::Object(map) => map.entry_or_null(self),
            _ => panic!("cannot index a non-object JSON value with {self:?}"),
        }
    }
}

impl JsonIndex for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        self.as_str().index_into_mut(v)
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        self.as_str().index_or_insert(v)
    }
}

impl<T: JsonIndex + ?Sized> JsonIndex for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        (**self).index_into_mut(v)
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        (**self).index_or_insert(v)
    }
}

impl<I: JsonIndex> Index<I> for Value {
    type Output = Value;
    /// The member or element, or `null` when absent (as serde_json does).
    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NULL)
    }
}

impl<I: JsonIndex> IndexMut<I> for Value {
    fn index_mut(&mut self, index: I) -> &mut Value {
        index.index_or_insert(self)
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

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Number(Number(n.to_string()))
            }
        }
        impl PartialEq<$t> for Value {
            fn eq(&self, other: &$t) -> bool {
                self.as_number().is_some_and(|n| n.as_str() == other.to_string())
            }
        }
    )*};
}

from_integer!(u8, u16, u32, u64, usize, i8, i16, i32, i64);

impl From<f64> for Value {
    /// A finite float as serde_json prints it; NaN and infinities become `null`, as in
    /// serde_json's `json!`.
    fn from(f: f64) -> Value {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl PartialEq<f64> for Value {
    fn eq(&self, other: &f64) -> bool {
        self.as_f64() == Some(*other)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl PartialEq<bool> for Value {
    fn eq(&self, other: &bool) -> bool {
        self.as_bool() == Some(*other)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Value {
        Value::Object(map)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Value>> From<&[T]> for Value {
    fn from(items: &[T]) -> Value {
        Value::Array(items.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Value>> From<&Vec<T>> for Value {
    fn from(items: &Vec<T>) -> Value {
        Value::from(items.as_slice())
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Value {
        Value::Array(iter.into_iter().map(Into::into).collect())
    }
}

impl From<serde_json::Value> for Value {
    /// A serde_json value, numbers as serde_json prints them. Without serde_json's
    /// `preserve_order` feature its objects are sorted by key, and so is the result.
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(Number::from_json_text(&n.to_string())),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => items.into_iter().collect(),
            serde_json::Value::Object(map) => Value::Object(map.into_iter().collect()),
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
