//! The classic grpc-go retry demo config, verbatim (issue 2; R8, R6, D1), and the explanations.

use hedgehog::config::{check_value, parse_str, ParseError, ParseOptions, Policy};
use hedgehog::engine::{Backoff, Jitter};
use hedgehog::time::ms;

const DEMO: &str = include_str!("../sims/configs/grpc-go-demo.json");

#[test]
fn the_shipped_file_is_the_demo_verbatim() {
    assert_eq!(
        DEMO.trim_end(),
        r#"{"methodConfig":[{"name":[{"service":"echo.Echo","method":"UnaryEcho"}],"retryPolicy":{"MaxAttempts":4,"InitialBackoff":".01s","MaxBackoff":".01s","BackoffMultiplier":1.0,"RetryableStatusCodes":["UNAVAILABLE"]}}]}"#
    );
}

#[test]
fn lenient_accepts_the_demo_with_warnings_d1() {
    let parsed = parse_str(DEMO, &ParseOptions::default()).expect("lenient accepts the demo");
    let Policy::Retry(p) = parsed.config.select_path("/echo.Echo/UnaryEcho") else {
        panic!("retry")
    };
    assert_eq!(p.max_attempts, 4);
    assert_eq!((p.initial_backoff, p.max_backoff), (ms(10), ms(10)));
    assert_eq!(p.backoff_multiplier_ppb, 1_000_000_000);
    assert_eq!(p.retryable_codes.to_string(), "UNAVAILABLE");
    // Five PascalCase keys and two ".01s" durations: seven liberties, each warned about.
    assert_eq!(parsed.warnings.len(), 7, "{:#?}", parsed.warnings);
    assert!(parsed.warnings.iter().all(|w| !w.rejected_by.is_empty()));
}

#[test]
fn strict_rejects_the_demo_naming_each_pascal_case_key_d1() {
    let Err(ParseError::Invalid(inv)) = parse_str(DEMO, &ParseOptions::strict()) else {
        panic!("strict rejects")
    };
    let got: Vec<(&str, &str)> = inv
        .errors
        .iter()
        .map(|e| (e.path.as_str(), e.message.as_str()))
        .collect();
    let p = "methodConfig[0].retryPolicy";
    for (key, found) in [
        ("backoffMultiplier", "BackoffMultiplier"),
        ("initialBackoff", "InitialBackoff"),
        ("maxAttempts", "MaxAttempts"),
        ("maxBackoff", "MaxBackoff"),
        ("retryableStatusCodes", "RetryableStatusCodes"),
    ] {
        let message = format!("required (found {found:?}: keys are lowerCamelCase)");
        assert!(
            got.contains(&(format!("{p}.{key}").as_str(), message.as_str())),
            "{key}: {got:#?}"
        );
    }
}

#[test]
fn strict_rejects_the_leading_dot_durations_on_their_own_r6() {
    let canonical = DEMO
        .replace("MaxAttempts", "maxAttempts")
        .replace("InitialBackoff", "initialBackoff")
        .replace("MaxBackoff", "maxBackoff")
        .replace("BackoffMultiplier", "backoffMultiplier")
        .replace("RetryableStatusCodes", "retryableStatusCodes");
    let Err(ParseError::Invalid(inv)) = parse_str(&canonical, &ParseOptions::strict()) else {
        panic!("strict rejects")
    };
    let paths: Vec<&str> = inv.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "methodConfig[0].retryPolicy.initialBackoff",
            "methodConfig[0].retryPolicy.maxBackoff"
        ]
    );
    assert!(inv.errors[0]
        .message
        .starts_with("not a Duration: \".01s\""));
    let fixed = canonical.replace("\".01s\"", "\"0.01s\"");
    assert!(parse_str(&fixed, &ParseOptions::strict()).is_ok());
}

#[test]
fn the_demo_explained_with_the_engines_numbers() {
    let value = hedgehog::json::parse(DEMO).expect("json");
    let report = check_value(&value, &ParseOptions::default());
    assert_eq!(report.methods.len(), 1);
    let m = &report.methods[0];
    // Derive the expected numbers from the engine: three retries of a 10ms nominal delay.
    let Policy::Retry(p) = &report.config.as_ref().expect("valid").method_configs[0].policy else {
        panic!()
    };
    let mut ladder = Backoff::new(p);
    let worst: u64 = (1..p.max_attempts)
        .map(|_| Jitter::Spec.bounds(ladder.next_nominal().1).1)
        .sum();
    assert_eq!(m.worst_case_backoff, Some(worst));
    assert_eq!(worst, ms(36));
    assert_eq!(
        m.line(),
        "echo.Echo/UnaryEcho: retry, up to 4 attempts on UNAVAILABLE; backoff 10ms ×1.0, capped at 10ms; \
         with A6 jitter each delay is 8–12ms; worst-case added latency ≈ 36ms"
    );
}

#[test]
fn growing_ladder_and_clamp_are_explained() {
    let text = r#"{"methodConfig": [{"name": [{"service": "a.B"}], "retryPolicy": {"maxAttempts": 9,
        "initialBackoff": "0.1s", "maxBackoff": "0.3s", "backoffMultiplier": 2, "retryableStatusCodes": [14, "ABORTED"]}}]}"#;
    let report = check_value(
        &hedgehog::json::parse(text).expect("json"),
        &ParseOptions::default(),
    );
    let line = report.methods[0].line();
    // Nominal 100, 200, 300, 300 ms (4 retries after the clamp to 5 attempts): upper bounds
    // 120 + 240 + 360 + 360 = 1080 ms.
    assert!(
        line.starts_with("a.B/*: retry, up to 5 attempts (9 configured, clamped"),
        "{line}"
    );
    assert!(line.contains("on ABORTED, UNAVAILABLE"), "{line}");
    assert!(line.contains("each delay is 80–360ms"), "{line}");
    assert!(line.ends_with("worst-case added latency ≈ 1.08s"), "{line}");
}

#[test]
fn throttling_words_match_the_engines_bucket_r43_r47() {
    use hedgehog::engine::Throttle;
    for (max, ratio) in [
        ("10", "0.1"),
        ("3", "2"),
        ("1", "0.5"),
        ("7.5", "0.001"),
        ("1000", "1"),
    ] {
        let text =
            format!(r#"{{"retryThrottling": {{"maxTokens": {max}, "tokenRatio": {ratio}}}}}"#);
        let report = check_value(
            &hedgehog::json::parse(&text).expect("json"),
            &ParseOptions::default(),
        );
        let t = report
            .config
            .as_ref()
            .and_then(|c| c.retry_throttling)
            .expect("throttling");
        let mut bucket = Throttle::new(t);
        let mut failures = 0;
        while bucket.allows_retry() {
            bucket.on_failure();
            failures += 1;
        }
        let words = report.throttling.expect("explained");
        assert!(
            words.contains(&format!("stop after ≈{failures} net failures")),
            "{max}/{ratio}: {words}"
        );
        assert!(
            words.contains(&format!("each success earns back {ratio} token")),
            "{words}"
        );
    }
}
