//! Property tests: no input makes the config layer panic, and every outcome is either a config
//! or a list of errors that each name a path (R4, D3).

use hedgehog::config::{check_value, parse_str, ParseError, ParseOptions};
use hedgehog::json::Value;
use proptest::prelude::*;

const VALID: &[&str] = &[
    include_str!("../sims/configs/grpc-go-demo.json"),
    include_str!("../sims/configs/a6-retry-throttling.json"),
    include_str!("../sims/configs/a6-hedging.json"),
];

fn check_outcome(text: &str) {
    for options in [ParseOptions::default(), ParseOptions::strict()] {
        match parse_str(text, &options) {
            Ok(parsed) => assert!(parsed.warnings.iter().all(|w| !w.path.is_empty())),
            Err(ParseError::Json(e)) => {
                assert!(e.line >= 1 && e.column >= 1 && !e.message.is_empty())
            }
            Err(ParseError::Invalid(inv)) => {
                assert!(!inv.errors.is_empty());
                assert!(
                    inv.errors
                        .iter()
                        .all(|e| !e.path.is_empty() && !e.message.is_empty()),
                    "{inv:?}"
                );
            }
        }
        if let Ok(value) = hedgehog::json::parse(text) {
            let report = check_value(&value, &options);
            assert_eq!(report.valid, report.errors.is_empty());
            for m in &report.methods {
                let _ = m.line();
            }
        }
    }
}

/// Arbitrary JSON values, biased toward the shapes and keys a config has.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("methodConfig".to_string()),
        Just("name".to_string()),
        Just("service".to_string()),
        Just("method".to_string()),
        Just("retryPolicy".to_string()),
        Just("hedgingPolicy".to_string()),
        Just("maxAttempts".to_string()),
        Just("initialBackoff".to_string()),
        Just("maxBackoff".to_string()),
        Just("backoffMultiplier".to_string()),
        Just("retryableStatusCodes".to_string()),
        Just("hedgingDelay".to_string()),
        Just("nonFatalStatusCodes".to_string()),
        Just("timeout".to_string()),
        Just("retryThrottling".to_string()),
        Just("maxTokens".to_string()),
        Just("tokenRatio".to_string()),
        Just("MaxAttempts".to_string()),
        Just("max_attempts".to_string()),
        "[a-zA-Z_]{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        "-?[0-9]{1,4}(\\.[0-9]{1,12})?([eE][+-]?[0-9]{1,3})?"
            .prop_map(|t| hedgehog::json::parse(&t).unwrap_or(Value::Null)),
        "-?[0-9.]{0,6}s?".prop_map(Value::String),
        prop_oneof![
            Just("UNAVAILABLE"),
            Just("unavailable"),
            Just("CANCELED"),
            Just("OK"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Replaces the value at the `n`-th node (pre-order) of `v` with `new`.
fn mutate(v: &mut Value, n: &mut usize, new: &Value) -> bool {
    if *n == 0 {
        *v = new.clone();
        return true;
    }
    *n -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|i| mutate(i, n, new)),
        Value::Object(map) => map.values_mut().any(|i| mutate(i, n, new)),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check_outcome(&text);
    }

    #[test]
    fn json_like_text_never_panics(text in "[\\[\\]{}:,\" 0-9a-zA-Z.\\-eE_]{0,120}") {
        check_outcome(&text);
    }

    #[test]
    fn arbitrary_json_values_never_panic(value in json_value()) {
        check_outcome(&value.to_string());
        check_outcome(&format!(r#"{{"methodConfig": [{value}]}}"#));
    }

    #[test]
    fn mutations_of_valid_configs_never_panic(which in 0..VALID.len(), at in 0usize..40, new in json_value()) {
        let mut value = hedgehog::json::parse(VALID[which]).expect("shipped configs are JSON");
        let mut n = at;
        mutate(&mut value, &mut n, &new);
        check_outcome(&value.to_string());
    }

    #[test]
    fn byte_level_mutations_never_panic(which in 0..VALID.len(), at in 0usize..400, byte in any::<u8>()) {
        let mut bytes = VALID[which].as_bytes().to_vec();
        let i = at % bytes.len();
        bytes[i] = byte;
        check_outcome(&String::from_utf8_lossy(&bytes));
    }
}
