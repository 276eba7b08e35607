//! hedgehog enables no serde_json feature that changes how other crates read or write JSON.
//!
//! Cargo unifies features across a build, so if hedgehog (or anything it pulls in for users)
//! turned on serde_json's `arbitrary_precision`, a user's `#[serde(flatten)]` over an `f64`
//! would fail with "invalid type: map, expected f64", and a `serde_json::Value` number handed
//! to another serializer would come out as a `$serde_json::private::Number` map; with
//! `preserve_order`, a user's `serde_json::Value` objects would stop sorting their keys. This
//! test crate is built with hedgehog's features, so each check fails if hedgehog enables one.
//! (The downstream example crate proves the same from outside the workspace.)

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Inner {
    ratio: f64,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Outer {
    name: String,
    #[serde(flatten)]
    inner: Inner,
}

#[test]
fn flatten_over_an_f64_deserializes() {
    // With arbitrary_precision: "invalid type: map, expected f64".
    let o: Outer = serde_json::from_str(r#"{"name": "x", "ratio": 0.5}"#).expect("flatten f64");
    assert_eq!(o.inner.ratio, 0.5);
}

/// `v`'s members read back through a type that accepts only native numbers.
fn shape(v: &serde_json::Value) -> BTreeMap<String, f64> {
    let text = serde_json::to_string(v).expect("serializes");
    let neutral: BTreeMap<String, NeutralNumber> =
        serde_json::from_str(&text).expect("a map of numbers");
    neutral.into_iter().map(|(k, n)| (k, n.0)).collect()
}

/// Deserializes only from a native number (u64, i64 or f64 through `deserialize_any`).
struct NeutralNumber(f64);

impl<'de> Deserialize<'de> for NeutralNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NeutralNumber;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E>(self, n: u64) -> Result<NeutralNumber, E> {
                Ok(NeutralNumber(n as f64))
            }
            fn visit_i64<E>(self, n: i64) -> Result<NeutralNumber, E> {
                Ok(NeutralNumber(n as f64))
            }
            fn visit_f64<E>(self, n: f64) -> Result<NeutralNumber, E> {
                Ok(NeutralNumber(n))
            }
        }
        d.deserialize_any(V)
    }
}

#[test]
fn a_json_value_number_reaches_other_serializers_as_a_number() {
    let v = serde_json::json!({"a": 0.1, "b": 3});
    // With arbitrary_precision numbers reach `deserialize_any` as one-entry maps.
    assert_eq!(
        shape(&v),
        BTreeMap::from([("a".to_string(), 0.1), ("b".to_string(), 3.0)])
    );
    // insta's YAML snapshots (users' tests) print plain numbers, not
    // `$serde_json::private::Number` maps.
    insta::assert_yaml_snapshot!(v, @r"
    a: 0.1
    b: 3
    ");
}

#[test]
fn json_value_objects_sort_their_keys() {
    // With preserve_order they would keep insertion order.
    let v: serde_json::Value = serde_json::from_str(r#"{"z": 1, "a": 2}"#).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "z"]);
}

#[test]
fn hedgehog_values_still_keep_order_and_number_text() {
    let v = hedgehog::json::parse(r#"{"z": 1.10, "a": 0.7}"#).unwrap();
    assert_eq!(v.to_string(), r#"{"z":1.10,"a":0.7}"#);
    assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"z":1.10,"a":0.7}"#);
}
