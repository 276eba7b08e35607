//! Warnings and tolerated keys outside the two tables: D24 (keys hedgehog ignores), R84 (other
//! top-level fields), R4 (unknown keys), R27/D7, R10/D17, R12, R46, R6 and D25 edge cases.

mod config_support;

use config_support::report;
use hedgehog::config::Warning;
use hedgehog::config::{Peer, Policy, Report};

fn retry_entry(extra_policy: &str, extra_entry: &str) -> String {
    format!(
        r#"{{"methodConfig": [{{"name": [{{"service": "a.B"}}]{extra_entry}, "retryPolicy": {{"maxAttempts": 3,
        "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]{extra_policy}}}}}]}}"#
    )
}

fn only_warning(r: &Report) -> &Warning {
    assert!(r.valid, "{:?}", r.errors);
    assert_eq!(r.warnings.len(), 1, "{:#?}", r.warnings);
    &r.warnings[0]
}

fn retry_of(r: &Report) -> &hedgehog::config::RetryPolicy {
    match &r.config.as_ref().expect("valid").method_configs[0].policy {
        Policy::Retry(p) => p,
        other => panic!("expected a retry policy, got {other:?}"),
    }
}

const NO_RUNTIME_APPLIES_IT: [Peer; 4] = [Peer::Go, Peer::Java, Peer::Core, Peer::Node];

#[test]
fn per_attempt_recv_timeout_is_ignored_with_a_warning_in_strict_mode_r23_d24() {
    let r = report(
        &retry_entry(r#", "perAttemptRecvTimeout": "bad""#, ""),
        true,
    );
    let w = only_warning(&r);
    assert_eq!(w.path, "methodConfig[0].retryPolicy.perAttemptRecvTimeout");
    assert!(
        w.message.contains("ignored in strict mode"),
        "{}",
        w.message
    );
    assert_eq!(w.ignored_by, NO_RUNTIME_APPLIES_IT);
    assert_eq!(retry_of(&r).per_attempt_recv_timeout, None);
}

#[test]
fn per_attempt_recv_timeout_is_acted_on_in_lenient_mode_with_a_portability_warning_r23_d24() {
    let r = report(
        &retry_entry(r#", "perAttemptRecvTimeout": "0.25s""#, ""),
        false,
    );
    let w = only_warning(&r);
    assert_eq!(w.path, "methodConfig[0].retryPolicy.perAttemptRecvTimeout");
    assert!(w.message.contains("250ms"), "{}", w.message);
    // grpc-go and grpc-js ignore the key, C-core by default (its flag is off), and grpc-java
    // parses it without applying it.
    assert_eq!(w.ignored_by, NO_RUNTIME_APPLIES_IT);
    assert!(w.rejected_by.is_empty());
    assert_eq!(retry_of(&r).per_attempt_recv_timeout, Some(250_000_000));
    assert!(
        r.methods[0].text.contains("no response within 250ms"),
        "{}",
        r.methods[0].text
    );
    // Written back canonically, the key survives and parses to the same policy.
    let config = r.config.as_ref().expect("valid");
    let again = report(&config.to_json(), false);
    assert_eq!(again.config.as_ref(), Some(config));
    let verdicts = &r.portability;
    assert!(
        verdicts.iter().all(|(_, v)| v.as_str() == "ignores"),
        "{verdicts:?}"
    );
}

#[test]
fn per_attempt_recv_timeout_must_be_a_positive_duration_in_lenient_mode_r23() {
    for bad in [r#""bad""#, r#""0s""#, r#""-1s""#, "1"] {
        let extra = format!(r#", "perAttemptRecvTimeout": {bad}"#);
        let r = report(&retry_entry(&extra, ""), false);
        assert!(!r.valid, "{bad} accepted");
        assert_eq!(
            r.errors[0].path,
            "methodConfig[0].retryPolicy.perAttemptRecvTimeout"
        );
    }
}

#[test]
fn per_attempt_recv_timeout_allows_empty_retryable_codes_in_lenient_mode_only_r23_r19() {
    let text = r#"{"methodConfig": [{"name": [{"service": "a.B"}], "retryPolicy": {"maxAttempts": 3,
        "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
        "retryableStatusCodes": [], "perAttemptRecvTimeout": "1s"}}]}"#;
    let r = report(text, false);
    assert!(retry_of(&r).retryable_codes.is_empty());
    let r = report(text, true);
    assert!(!r.valid);
    assert_eq!(
        r.errors[0].path,
        "methodConfig[0].retryPolicy.retryableStatusCodes"
    );
}

#[test]
fn retry_throttling_inside_a_method_config_is_ignored_r3_d24() {
    let r = report(
        &retry_entry("", r#", "retryThrottling": {"maxTokens": 5000}"#),
        true,
    );
    let w = only_warning(&r);
    assert_eq!(w.path, "methodConfig[0].retryThrottling");
    assert!(w.message.contains("only valid at top level"));
    assert_eq!(r.config.expect("valid").retry_throttling, None);
}

#[test]
fn other_top_level_fields_and_unknown_keys_are_accepted_unvalidated_r84_r4() {
    let text = r#"{"loadBalancingConfig": [{"no_such_policy": 7}], "loadBalancingPolicy": 3,
        "healthCheckConfig": "x", "connectionScaling": null, "someFutureKey": {"a": [1]},
        "methodConfig": [{"name": [{"service": "a.B", "extra": 1}], "unknownField": true}]}"#;
    let r = report(text, true);
    assert!(
        r.valid && r.warnings.is_empty(),
        "{:?} {:?}",
        r.errors,
        r.warnings
    );
}

#[test]
fn initial_backoff_above_max_backoff_is_a_warning_r20_r27_d7() {
    let text =
        retry_entry("", "").replace(r#""initialBackoff": "0.1s""#, r#""initialBackoff": "5s""#);
    let w = only_warning(&report(&text, true)).clone();
    assert_eq!(w.path, "methodConfig[0].retryPolicy");
    assert!(
        w.message
            .starts_with("initialBackoff 5s exceeds maxBackoff 1s"),
        "{}",
        w.message
    );
}

#[test]
fn nameless_entry_is_skipped_and_grpc_js_rejects_it_r10_d17() {
    let r = report(r#"{"methodConfig": [{"timeout": "1s"}]}"#, true);
    let w = only_warning(&r);
    assert_eq!(
        (w.path.as_str(), w.message.as_str()),
        ("methodConfig[0]", "no name, entry skipped")
    );
    assert_eq!(w.rejected_by, [Peer::Node]);
    assert!(r.config.expect("valid").method_configs.is_empty());
    // A skipped entry is still validated (R4, D23).
    assert!(!report(r#"{"methodConfig": [{"timeout": "x"}]}"#, false).valid);
}

#[test]
fn empty_method_warns_core_and_node_r12() {
    let r = report(
        r#"{"methodConfig": [{"name": [{"service": "a.B", "method": ""}]}]}"#,
        true,
    );
    assert_eq!(only_warning(&r).rejected_by, [Peer::Core, Peer::Node]);
}

#[test]
fn token_ratio_digits_beyond_three_are_dropped_with_a_note_r46() {
    let r = report(
        r#"{"retryThrottling": {"maxTokens": 10, "tokenRatio": 1.0019}}"#,
        true,
    );
    assert!(only_warning(&r).message.starts_with("counts as 1.001"));
    let t = r
        .config
        .and_then(|c| c.retry_throttling)
        .expect("throttling");
    assert_eq!(
        t.token_ratio_milli, 1001,
        "R47: not 1000, as f64 truncation would give"
    );
    let r = report(
        r#"{"retryThrottling": {"maxTokens": 10, "tokenRatio": 0.7}}"#,
        true,
    );
    assert_eq!(
        r.config
            .and_then(|c| c.retry_throttling)
            .map(|t| t.token_ratio_milli),
        Some(700)
    );
}

#[test]
fn backoff_multiplier_is_read_from_its_text_d7() {
    for (text, ppb) in [
        ("1e0", 1_000_000_000u64),
        ("1.6", 1_600_000_000),
        ("0.5", 500_000_000),
        ("1.0000000019", 1_000_000_001),
    ] {
        let r = report(
            &retry_entry("", "").replace(
                r#""backoffMultiplier": 2"#,
                &format!(r#""backoffMultiplier": {text}"#),
            ),
            true,
        );
        let Some(Policy::Retry(p)) = r.config.map(|c| c.method_configs[0].policy.clone()) else {
            panic!("{text}")
        };
        assert_eq!(p.backoff_multiplier_ppb, ppb, "{text}");
    }
    let r = report(
        &retry_entry("", "").replace(r#""backoffMultiplier": 2"#, r#""backoffMultiplier": 1e-10"#),
        true,
    );
    assert_eq!(
        r.errors[0].message,
        "1e-10 truncates to 0 (9 decimals kept)"
    );
}

#[test]
fn durations_nine_digits_ok_ten_rejected_except_by_java_r6() {
    let nine = retry_entry("", "").replace(r#""0.1s""#, r#""0.123456789s""#);
    let r = report(&nine, true);
    let Some(Policy::Retry(p)) = r.config.map(|c| c.method_configs[0].policy.clone()) else {
        panic!()
    };
    assert_eq!(p.initial_backoff, 123_456_789);
    let ten = retry_entry("", "").replace(r#""0.1s""#, r#""0.1234567891s""#);
    let r = report(&ten, false);
    assert!(r.errors[0]
        .message
        .starts_with("not a Duration: \"0.1234567891s\""));
    let verdicts: Vec<&str> = r.portability.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(verdicts, ["rejects", "accepts", "rejects", "rejects"]);
    let bare = retry_entry("", "").replace(r#""0.1s""#, "0.1");
    let r = report(&bare, false);
    assert_eq!(
        r.errors[0].message,
        "not a Duration: 0.1 (a Duration is a string like \"0.1s\")"
    );
}

#[test]
fn message_sizes_as_strings_only_in_lenient_mode_d25() {
    let text = r#"{"methodConfig": [{"name": [{}], "maxRequestMessageBytes": "1024", "maxResponseMessageBytes": 0}]}"#;
    let r = report(text, false);
    let mc = &r.config.as_ref().expect("valid").method_configs[0];
    assert_eq!(
        (mc.max_request_message_bytes, mc.max_response_message_bytes),
        (Some(1024), Some(0))
    );
    assert_eq!(only_warning(&r).rejected_by, [Peer::Go, Peer::Node]);
    assert!(!report(text, true).valid);
}

#[test]
fn integral_numbers_written_with_a_fraction_count_as_integers_r16() {
    let r = report(
        &retry_entry("", "").replace(r#""maxAttempts": 3"#, r#""maxAttempts": 3.0"#),
        true,
    );
    assert_eq!(
        r.config.map(|c| c.method_configs[0].policy.max_attempts()),
        Some(3)
    );
}
