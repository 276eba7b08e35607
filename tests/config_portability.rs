//! One test per config quirk the runtimes disagree on: what hedgehog does in each mode, the
//! peers its warning names (D2), and the per-peer verdict `check-config` prints.

mod config_support;

use config_support::report;
use hedgehog::config::{check_value, Peer, Policy, Report, Verdict};
use hedgehog::config::{ParseOptions, Warning};

/// `retryPolicy` body with `from` replaced by `to`.
fn retry(from: &str, to: &str) -> String {
    let policy = r#"{"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}"#;
    assert!(policy.contains(from), "{from}");
    format!(
        r#"{{"methodConfig": [{{"name": [{{"service": "pkg.Svc"}}], "retryPolicy": {}}}]}}"#,
        policy.replace(from, to)
    )
}

fn hedging(body: &str) -> String {
    format!(
        r#"{{"methodConfig": [{{"name": [{{"service": "pkg.Svc"}}], "hedgingPolicy": {body}}}]}}"#
    )
}

/// The verdicts as `accepts`/`rejects`/`ignores`, in grpc-go, grpc-java, C-core, grpc-js order.
fn verdicts(r: &Report) -> Vec<&'static str> {
    assert_eq!(
        r.portability.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        Peer::ALL
    );
    r.portability.iter().map(|(_, v)| v.as_str()).collect()
}

/// The one warning whose message contains `needle`.
fn warning<'a>(r: &'a Report, needle: &str) -> &'a Warning {
    let found: Vec<&Warning> = r
        .warnings
        .iter()
        .filter(|w| w.message.contains(needle))
        .collect();
    assert_eq!(found.len(), 1, "{needle}: {:#?}", r.warnings);
    found[0]
}

fn policy(r: &Report) -> &Policy {
    &r.config.as_ref().expect("valid").method_configs[0].policy
}

use Peer::{Core, Go, Java, Node};

#[test]
fn pascal_case_keys_inside_a_policy_r8_d1() {
    let text = retry(r#""maxAttempts""#, r#""MaxAttempts""#);
    let r = report(&text, false);
    assert!(r.valid);
    assert_eq!(policy(&r).max_attempts(), 3);
    assert_eq!(
        warning(&r, "\"MaxAttempts\"").rejected_by,
        [Java, Core, Node]
    );
    assert_eq!(verdicts(&r), ["accepts", "rejects", "rejects", "rejects"]);
    let s = report(&text, true);
    assert!(!s.valid);
    assert_eq!(s.errors[0].path, "methodConfig[0].retryPolicy.maxAttempts");
    assert_eq!(
        verdicts(&s),
        ["accepts", "rejects", "rejects", "rejects"],
        "same verdict in strict mode"
    );
}

#[test]
fn pascal_case_policy_key_r8_d1() {
    let text = retry("", "").replace("\"retryPolicy\"", "\"RetryPolicy\"");
    let r = report(&text, false);
    assert!(matches!(policy(&r), Policy::Retry(_)), "lenient reads it");
    assert_eq!(
        warning(&r, "\"RetryPolicy\"").ignored_by,
        [Java, Core, Node]
    );
    assert_eq!(verdicts(&r), ["accepts", "ignores", "ignores", "ignores"]);
    let s = report(&text, true);
    assert!(s.valid);
    assert_eq!(
        policy(&s),
        &Policy::None,
        "strict ignores it, as A6's unknown key"
    );
    assert_eq!(
        warning(&s, "\"RetryPolicy\"").ignored_by,
        [Java, Core, Node]
    );
}

#[test]
fn snake_case_keys_in_both_modes_r8_d1() {
    for strict in [false, true] {
        let r = report(&retry(r#""maxAttempts""#, r#""max_attempts""#), strict);
        assert!(!r.valid);
        assert_eq!(r.errors[0].path, "methodConfig[0].retryPolicy.maxAttempts");
        assert!(
            r.errors[0].message.contains("found \"max_attempts\""),
            "{:?}",
            r.errors
        );
        assert_eq!(verdicts(&r), ["rejects"; 4]);

        let r = report(
            &retry("", "").replace("\"retryPolicy\"", "\"retry_policy\""),
            strict,
        );
        assert!(r.valid);
        assert_eq!(policy(&r), &Policy::None);
        assert_eq!(warning(&r, "\"retry_policy\"").ignored_by, Peer::ALL);
        assert_eq!(verdicts(&r), ["ignores"; 4]);
    }
}

#[test]
fn leading_dot_duration_r6() {
    let text = retry(r#""0.1s""#, r#"".1s""#);
    let r = report(&text, false);
    assert!(r.valid);
    assert_eq!(warning(&r, "\".1s\"").rejected_by, [Java, Core, Node]);
    assert_eq!(verdicts(&r), ["accepts", "rejects", "rejects", "rejects"]);
    assert!(!report(&text, true).valid);
}

#[test]
fn trailing_dot_duration_r6() {
    let text = retry(r#""1s""#, r#""1.s""#);
    let r = report(&text, false);
    assert!(r.valid);
    assert_eq!(warning(&r, "\"1.s\"").rejected_by, [Core, Node]);
    assert_eq!(verdicts(&r), ["accepts", "accepts", "rejects", "rejects"]);
    let s = report(&text, true);
    assert_eq!(s.errors[0].path, "methodConfig[0].retryPolicy.maxBackoff");
}

#[test]
fn zero_backoff_is_rejected_except_by_grpc_js_r17_d15() {
    for strict in [false, true] {
        let r = report(&retry(r#""0.1s""#, r#""0s""#), strict);
        assert!(!r.valid);
        assert_eq!(verdicts(&r), ["rejects", "rejects", "rejects", "accepts"]);
    }
}

#[test]
fn integer_status_codes_r7() {
    let r = report(&retry(r#"["UNAVAILABLE"]"#, "[14]"), true);
    assert!(r.valid);
    assert_eq!(warning(&r, "14").rejected_by, [Core]);
    assert_eq!(verdicts(&r), ["accepts", "accepts", "rejects", "accepts"]);
}

#[test]
fn lower_case_status_names_r7() {
    let r = report(&retry(r#"["UNAVAILABLE"]"#, r#"["unavailable"]"#), true);
    assert!(r.valid);
    assert_eq!(warning(&r, "\"unavailable\"").rejected_by, [Go, Java, Core]);
    assert_eq!(verdicts(&r), ["rejects", "rejects", "rejects", "accepts"]);
}

#[test]
fn ok_in_retryable_codes_r21_d16() {
    let r = report(
        &retry(r#"["UNAVAILABLE"]"#, r#"["UNAVAILABLE", "OK"]"#),
        true,
    );
    assert!(r.valid);
    assert_eq!(warning(&r, "OK").rejected_by, [Java]);
    assert_eq!(verdicts(&r), ["accepts", "rejects", "accepts", "accepts"]);
}

#[test]
fn max_attempts_above_the_limit_is_clamped_r16_d4() {
    let text = retry(r#""maxAttempts": 3"#, r#""maxAttempts": 7"#);
    let r = report(&text, true);
    let Policy::Retry(p) = policy(&r) else {
        panic!("retry")
    };
    assert_eq!((p.max_attempts, p.configured_max_attempts), (5, 7));
    let w = warning(&r, "clamped to 5");
    assert!(w.rejected_by.is_empty() && w.ignored_by.is_empty());
    assert_eq!(verdicts(&r), ["accepts"; 4]);
    let value = hedgehog::json::parse(&text).expect("json");
    let options = ParseOptions::default()
        .with_max_attempts_limit(7)
        .expect("limit");
    let r = check_value(&value, &options);
    assert_eq!(policy(&r).max_attempts(), 7);
    assert!(r.warnings.is_empty());
    assert!(
        ParseOptions::default().with_max_attempts_limit(1).is_err(),
        "D4: a limit below 2 is refused"
    );
}

#[test]
fn both_policies_d5() {
    let text = r#"{"methodConfig": [{"name": [{"service": "pkg.Svc"}],
        "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]},
        "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.1s"}}]}"#;
    let r = report(text, true);
    assert!(!r.valid);
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    // Go and Core use the retry policy (Core also ignores hedging, a warning), Java and Node fail.
    assert_eq!(verdicts(&r), ["ignores", "rejects", "ignores", "rejects"]);
}

#[test]
fn hedging_policy_at_all_r63() {
    let r = report(
        &hedging(r#"{"maxAttempts": 3, "hedgingDelay": "0.1s", "nonFatalStatusCodes": []}"#),
        true,
    );
    assert!(r.valid);
    assert_eq!(warning(&r, "hedging").ignored_by, [Go, Core]);
    assert_eq!(
        r.warnings.len(),
        1,
        "an empty nonFatalStatusCodes is fine (R52)"
    );
    assert_eq!(verdicts(&r), ["ignores", "accepts", "ignores", "accepts"]);
    let Policy::Hedging(h) = policy(&r) else {
        panic!("hedging")
    };
    assert!(h.non_fatal_codes.is_empty());
}

#[test]
fn duplicate_names_r14() {
    let r = report(
        r#"{"methodConfig": [{"name": [{"service": "a.B"}]}, {"name": [{"service": "a.B"}]}]}"#,
        false,
    );
    assert!(!r.valid);
    assert_eq!(verdicts(&r), ["rejects"; 4]);
}

#[test]
fn missing_hedging_delay_d14() {
    let r = report(&hedging(r#"{"maxAttempts": 2}"#), true);
    let Policy::Hedging(h) = policy(&r) else {
        panic!("hedging")
    };
    assert_eq!(h.hedging_delay, 0);
    assert_eq!(warning(&r, "0s").rejected_by, [Java]);
    assert_eq!(verdicts(&r), ["ignores", "rejects", "ignores", "accepts"]);
}

#[test]
fn numbers_written_as_strings_r9() {
    let text = retry(r#""maxAttempts": 3"#, r#""maxAttempts": "3""#)
        .replace(r#""backoffMultiplier": 2"#, r#""backoffMultiplier": "1.6""#);
    let r = report(&text, false);
    let Policy::Retry(p) = policy(&r) else {
        panic!("retry")
    };
    assert_eq!(
        (p.max_attempts, p.backoff_multiplier_ppb),
        (3, 1_600_000_000)
    );
    assert!(r.warnings.iter().all(|w| w.rejected_by == [Go, Node]));
    assert_eq!(r.warnings.len(), 2);
    assert_eq!(verdicts(&r), ["rejects", "accepts", "accepts", "rejects"]);
    let s = report(&text, true);
    assert_eq!(s.errors.len(), 2, "{:?}", s.errors);
}

#[test]
fn max_tokens_1001_r46_d13() {
    for strict in [false, true] {
        let r = report(
            r#"{"retryThrottling": {"maxTokens": 1001, "tokenRatio": 1}}"#,
            strict,
        );
        assert!(!r.valid);
        assert_eq!(verdicts(&r), ["rejects", "accepts", "accepts", "rejects"]);
    }
}

#[test]
fn fractional_max_tokens_r46_r50() {
    let text = r#"{"retryThrottling": {"maxTokens": 10.5, "tokenRatio": 0.5466}}"#;
    let r = report(text, false);
    let t = r
        .config
        .as_ref()
        .and_then(|c| c.retry_throttling)
        .expect("throttling");
    assert_eq!(
        (t.max_tokens_milli, t.token_ratio_milli),
        (10_500, 546),
        "R46: truncated, not rounded"
    );
    assert_eq!(warning(&r, "10.5").rejected_by, [Core]);
    assert_eq!(verdicts(&r), ["accepts", "accepts", "rejects", "accepts"]);
    let s = report(text, true);
    assert_eq!(s.errors[0].message, "expected an integer, got 10.5");
}

#[test]
fn null_service_r12() {
    let r = report(r#"{"methodConfig": [{"name": [{"service": null}]}]}"#, true);
    assert!(r.valid);
    assert_eq!(warning(&r, "null").rejected_by, [Java, Node]);
    assert_eq!(verdicts(&r), ["accepts", "rejects", "accepts", "rejects"]);
    assert_eq!(
        r.config.expect("valid").method_configs[0].names[0].service,
        None
    );
}

#[test]
fn verdict_details_name_the_paths() {
    let r = report(&retry(r#"["UNAVAILABLE"]"#, "[14]"), false);
    let Verdict::Rejects(why) = &r.portability[2].1 else {
        panic!("core rejects")
    };
    assert!(
        why[0].starts_with("methodConfig[0].retryPolicy.retryableStatusCodes[0]: "),
        "{why:?}"
    );
}
