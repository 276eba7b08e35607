//! One test row per validated field and failure (R4, D3): each bad field is reported
//! at its JSON path with its message, and the config is rejected as a whole.

use hedgehog::config::{parse_str, ParseError, ParseOptions};

/// A valid config with one retry entry and throttling; rows replace one piece of it.
const VALID: &str = r#"{
  "methodConfig": [{
    "name": [{"service": "pkg.Svc", "method": "Foo"}],
    "timeout": "1s",
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                    "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
  }],
  "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
}"#;

/// `VALID` with `from` replaced by `to` (exactly once).
fn with(from: &str, to: &str) -> String {
    assert_eq!(VALID.matches(from).count(), 1, "{from}");
    VALID.replace(from, to)
}

const RETRY: &str = r#""retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                    "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}"#;

fn retry_with(from: &str, to: &str) -> String {
    with(RETRY, &RETRY.replace(from, to))
}

fn errors(text: &str, strict: bool) -> Vec<(String, String)> {
    let options = if strict {
        ParseOptions::strict()
    } else {
        ParseOptions::lenient()
    };
    match parse_str(text, &options) {
        Ok(_) => Vec::new(),
        Err(ParseError::Json(e)) => panic!("not JSON: {e}"),
        Err(ParseError::Invalid(inv)) => inv
            .errors
            .into_iter()
            .map(|e| (e.path, e.message))
            .collect(),
    }
}

/// Asserts an error at `path` whose message starts with `message`.
fn assert_error(rule: &str, text: &str, strict: bool, path: &str, message: &str) {
    let errs = errors(text, strict);
    assert!(
        errs.iter()
            .any(|(p, m)| p == path && m.starts_with(message)),
        "{rule}: expected `{path}: {message}…`, got {errs:#?}"
    );
}

#[test]
fn the_base_config_is_valid() {
    assert_eq!(errors(VALID, true), Vec::<(String, String)>::new());
}

#[test]
fn validation_table_rows() {
    let mc = "methodConfig[0]";
    let rp = "methodConfig[0].retryPolicy";
    let rows: Vec<(&str, String, bool, String, &str)> = vec![
        ("root object", "[1]".into(), false, "<root>".into(), "expected an object"),
        ("methodConfig array", r#"{"methodConfig": {}}"#.into(), false, "methodConfig".into(), "expected an array"),
        ("methodConfig[i] object", r#"{"methodConfig": [{"name": []}, {"name": []}, 3]}"#.into(), false, "methodConfig[2]".into(), "expected an object"),
        ("name array (R10)", with(r#""name": [{"service": "pkg.Svc", "method": "Foo"}]"#, r#""name": {"service": "pkg.Svc"}"#), false, format!("{mc}.name"), "expected an array"),
        ("name[k] object (R10)", with(r#"{"service": "pkg.Svc", "method": "Foo"}"#, r#"{"service": "pkg.Svc", "method": "Foo"}, "x""#), false, format!("{mc}.name[1]"), "expected an object"),
        ("service string or null (R12)", with(r#"{"service": "pkg.Svc", "method": "Foo"}"#, r#"{"service": "pkg.Svc", "method": "Foo"}, {"service": 5}"#), false, format!("{mc}.name[1].service"), "expected a string or null"),
        ("method string or null (R12)", with(r#""method": "Foo""#, r#""method": ["Foo"]"#), false, format!("{mc}.name[0].method"), "expected a string or null"),
        ("method needs a service (R13, D17)", with(r#""service": "pkg.Svc", "method": "Foo""#, r#""service": "", "method": "Foo""#), false, format!("{mc}.name[0]"), "method \"Foo\" set without a service"),
        ("duplicate name (R14)", r#"{"methodConfig": [{"name": [{"service": "a.B"}]}, {"name": [{"service": "pkg.Svc", "method": "Foo"}]}, {"name": []}, {"name": [{"service": "pkg.Svc", "method": "Foo"}]}]}"#.into(), false, "methodConfig[3].name[0]".into(), "duplicate name pkg.Svc/Foo (first at methodConfig[1].name[0])"),
        ("duplicate global default (R14)", r#"{"methodConfig": [{"name": [{}]}, {"name": [{"service": null}]}]}"#.into(), false, "methodConfig[1].name[0]".into(), "duplicate global default (first at methodConfig[0].name[0])"),
        ("both policies (D5)", with(r#""timeout": "1s","#, r#""timeout": "1s", "hedgingPolicy": {"maxAttempts": 2},"#), false, mc.into(), "retryPolicy and hedgingPolicy cannot both be set"),
        ("retryPolicy object", with(RETRY, r#""retryPolicy": [1]"#), false, rp.into(), "expected an object"),
        ("maxAttempts required (R16)", retry_with(r#""maxAttempts": 3, "#, ""), false, format!("{rp}.maxAttempts"), "required"),
        ("maxAttempts >= 2 (R16)", retry_with(r#""maxAttempts": 3"#, r#""maxAttempts": 1"#), false, format!("{rp}.maxAttempts"), "expected an integer >= 2, got 1"),
        ("maxAttempts integer (R16)", retry_with(r#""maxAttempts": 3"#, r#""maxAttempts": 2.5"#), false, format!("{rp}.maxAttempts"), "expected an integer, got 2.5"),
        ("initialBackoff required (R17)", retry_with(r#""initialBackoff": "0.1s", "#, ""), false, format!("{rp}.initialBackoff"), "required"),
        ("maxBackoff Duration (R6, R17)", retry_with(r#""maxBackoff": "1s""#, r#""maxBackoff": ".01s""#), true, format!("{rp}.maxBackoff"), "not a Duration: \".01s\""),
        ("backoff > 0 (R17, D15)", retry_with(r#""initialBackoff": "0.1s""#, r#""initialBackoff": "0s""#), false, format!("{rp}.initialBackoff"), "must be greater than 0s"),
        ("backoffMultiplier required (R18)", retry_with(r#""backoffMultiplier": 2, "#, ""), false, format!("{rp}.backoffMultiplier"), "required"),
        ("backoffMultiplier > 0 (R18)", retry_with(r#""backoffMultiplier": 2"#, r#""backoffMultiplier": 0"#), false, format!("{rp}.backoffMultiplier"), "must be greater than 0, got 0"),
        ("retryableStatusCodes required (R19)", retry_with(r#", "retryableStatusCodes": ["UNAVAILABLE"]"#, ""), false, format!("{rp}.retryableStatusCodes"), "required"),
        ("retryableStatusCodes array (R19)", retry_with(r#"["UNAVAILABLE"]"#, r#""UNAVAILABLE""#), false, format!("{rp}.retryableStatusCodes"), "expected an array"),
        ("retryableStatusCodes non-empty (R19)", retry_with(r#"["UNAVAILABLE"]"#, "[]"), false, format!("{rp}.retryableStatusCodes"), "must not be empty"),
        ("code name (R7)", retry_with(r#"["UNAVAILABLE"]"#, r#"["UNAVAILABLE", "CANCELED"]"#), false, format!("{rp}.retryableStatusCodes[1]"), "unknown status code name \"CANCELED\""),
        ("code range (R7)", retry_with(r#"["UNAVAILABLE"]"#, r#"["UNAVAILABLE", 17]"#), false, format!("{rp}.retryableStatusCodes[1]"), "status code 17 outside 0..=16"),
        ("code type (R7)", retry_with(r#"["UNAVAILABLE"]"#, r#"["UNAVAILABLE", true]"#), false, format!("{rp}.retryableStatusCodes[1]"), "expected a string or integer"),
        ("hedging maxAttempts (R52)", with(RETRY, r#""hedgingPolicy": {"maxAttempts": 1}"#), false, format!("{mc}.hedgingPolicy.maxAttempts"), "expected an integer >= 2, got 1"),
        ("hedgingDelay Duration (R52)", with(RETRY, r#""hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "abc"}"#), false, format!("{mc}.hedgingPolicy.hedgingDelay"), "not a Duration: \"abc\""),
        ("hedgingDelay >= 0 (R52)", with(RETRY, r#""hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "-1s"}"#), false, format!("{mc}.hedgingPolicy.hedgingDelay"), "must not be negative"),
        ("nonFatalStatusCodes array (R52)", with(RETRY, r#""hedgingPolicy": {"maxAttempts": 2, "nonFatalStatusCodes": "UNAVAILABLE"}"#), false, format!("{mc}.hedgingPolicy.nonFatalStatusCodes"), "expected an array"),
        ("nonFatalStatusCodes codes (R7)", with(RETRY, r#""hedgingPolicy": {"maxAttempts": 2, "nonFatalStatusCodes": ["NOPE"]}"#), false, format!("{mc}.hedgingPolicy.nonFatalStatusCodes[0]"), "unknown status code name \"NOPE\""),
        ("timeout Duration (R81)", with(r#""timeout": "1s""#, r#""timeout": "5""#), false, format!("{mc}.timeout"), "not a Duration: \"5\""),
        ("timeout >= 0 (D25)", with(r#""timeout": "1s""#, r#""timeout": "-1s""#), false, format!("{mc}.timeout"), "must not be negative"),
        ("waitForReady boolean (R82)", with(r#""timeout": "1s""#, r#""waitForReady": "yes""#), false, format!("{mc}.waitForReady"), "expected a boolean"),
        ("maxRequestMessageBytes u32 (R83)", with(r#""timeout": "1s""#, r#""maxRequestMessageBytes": 4294967296"#), false, format!("{mc}.maxRequestMessageBytes"), "expected an integer in 0..=4294967295"),
        ("maxResponseMessageBytes u32 (R83)", with(r#""timeout": "1s""#, r#""maxResponseMessageBytes": -1"#), false, format!("{mc}.maxResponseMessageBytes"), "expected an integer in 0..=4294967295"),
        ("retryThrottling object (R40)", with(r#"{"maxTokens": 10, "tokenRatio": 0.1}"#, "true"), false, "retryThrottling".into(), "expected an object"),
        ("maxTokens required (R46)", with(r#""maxTokens": 10, "#, ""), false, "retryThrottling.maxTokens".into(), "required"),
        ("maxTokens <= 1000 (R46, D13)", with(r#""maxTokens": 10"#, r#""maxTokens": 1001"#), false, "retryThrottling.maxTokens".into(), "must be in (0, 1000], got 1001"),
        ("maxTokens > 0 (R46)", with(r#""maxTokens": 10"#, r#""maxTokens": 0"#), false, "retryThrottling.maxTokens".into(), "must be in (0, 1000], got 0"),
        ("maxTokens integer, strict (R46, D1)", with(r#""maxTokens": 10"#, r#""maxTokens": 10.5"#), true, "retryThrottling.maxTokens".into(), "expected an integer, got 10.5"),
        ("tokenRatio required (R46)", with(r#", "tokenRatio": 0.1"#, ""), false, "retryThrottling.tokenRatio".into(), "required"),
        ("tokenRatio > 0 (R46)", with(r#""tokenRatio": 0.1"#, r#""tokenRatio": 0"#), false, "retryThrottling.tokenRatio".into(), "must be greater than 0"),
        ("tokenRatio truncates to 0 (R46, D13)", with(r#""tokenRatio": 0.1"#, r#""tokenRatio": 0.0004"#), false, "retryThrottling.tokenRatio".into(), "0.0004 truncates to 0 (3 decimals kept)"),
    ];
    for (rule, text, strict, path, message) in &rows {
        assert_error(rule, text, *strict, path, message);
    }
}

#[test]
fn every_error_is_collected_and_sorted_by_path_r4_d3() {
    let text = r#"{"methodConfig": [
        {"name": [{"service": "a.B"}], "timeout": "x"},
        {"name": [{"service": "c.D"}], "retryPolicy": {"maxAttempts": 1}},
        {}, {}, {}, {}, {}, {}, {},
        {"name": [{"service": "e.F"}], "waitForReady": 1}
      ],
      "retryThrottling": {"maxTokens": 0, "tokenRatio": -1}}"#;
    let errs = errors(text, false);
    let paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "methodConfig[0].timeout",
            "methodConfig[1].retryPolicy.backoffMultiplier",
            "methodConfig[1].retryPolicy.initialBackoff",
            "methodConfig[1].retryPolicy.maxAttempts",
            "methodConfig[1].retryPolicy.maxBackoff",
            "methodConfig[1].retryPolicy.retryableStatusCodes",
            "methodConfig[9].waitForReady",
            "retryThrottling.maxTokens",
            "retryThrottling.tokenRatio",
        ]
    );
}

#[test]
fn a6_text_timeout_1000ms_is_a_json_error_with_position_r2() {
    let text = "{\"methodConfig\": [{\n  \"name\": [{}],\n  \"timeout\": 1000ms\n}]}";
    match parse_str(text, &ParseOptions::default()) {
        Err(ParseError::Json(e)) => assert_eq!(e.line, 3, "{e}"),
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[test]
fn duplicate_json_keys_are_rejected_d3() {
    let text = with(
        r#""maxAttempts": 3"#,
        r#""maxAttempts": 3, "maxAttempts": 4"#,
    );
    assert!(matches!(
        parse_str(&text, &ParseOptions::default()),
        Err(ParseError::Json(_))
    ));
}
