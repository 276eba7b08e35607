//! Depending on hedgehog changes nothing about this crate's own serde behaviour. Cargo unifies
//! features across a build, so a dependency that turned on serde_json's `arbitrary_precision`
//! or `preserve_order` would change how *this* crate reads and prints JSON. Each test below is
//! ordinary serde usage that such a feature breaks.

use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Reading {
    sensor: String,
    #[serde(flatten)]
    value: Celsius,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Celsius {
    celsius: f64,
}

/// With `arbitrary_precision`, a number buffered by `flatten` arrives as a private map and this
/// fails with "invalid type: map, expected f64".
#[test]
fn a_flattened_f64_round_trips() {
    let text = r#"{"sensor":"shelf-3","celsius":21.5}"#;
    let reading: Reading = serde_json::from_str(text).expect("a flattened f64 deserializes");
    assert_eq!(
        reading,
        Reading {
            sensor: "shelf-3".into(),
            value: Celsius { celsius: 21.5 },
        }
    );
    assert_eq!(serde_json::to_string(&reading).expect("serializes"), text);
}

/// With `arbitrary_precision`, a JSON number reaches insta's serializer as a
/// `$serde_json::private::Number` struct instead of a number.
#[test]
fn a_json_number_snapshots_as_a_number() {
    let value: serde_json::Value =
        serde_json::from_str(r#"{"in_stock": 7, "price": 12.5}"#).unwrap();
    insta::assert_yaml_snapshot!(value);
}

/// Without `preserve_order`, serde_json's map is sorted by key, as its documentation says; with
/// it, insertion order leaks into every `Value` this crate prints.
#[test]
fn a_json_object_prints_its_keys_sorted() {
    let value: serde_json::Value = serde_json::from_str(r#"{"b": 1, "a": 2}"#).unwrap();
    assert_eq!(value.to_string(), r#"{"a":2,"b":1}"#);
}
