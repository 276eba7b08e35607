//! `hedgehog sim` and `sweep` against hostile numbers: nothing a file or flag says allocates or
//! spawns in proportion to it without a bound; time saturates instead of wrapping. Every
//! rejected value exits 2 naming the file, the JSON path, the value and the limit.
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

mod sim_support;

use sim_support::*;

/// A retrying scenario; `policy` and `client` are spliced into the retry policy and client.
fn scenario(policy: &str, client: &str, server: &str) -> String {
    format!(
        r#"{{"name": "t", "description": "d", "jitter": "none", "seeds": [1],
  "service_config": {{"methodConfig": [{{"name": [{{"service": "echo.Echo"}}],
    "retryPolicy": {{"maxAttempts": 3, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
      "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"] {policy}}}}}]}},
  "server": {server},
  "client": {{"method": "echo.Echo/UnaryEcho", "deadline_ms": 1000 {client}}}}}"#
    )
}

const FAIL_TWICE: &str = r#"{"schedule": {"script": [{"status": "UNAVAILABLE"},
  {"status": "UNAVAILABLE"}, {"status": "OK"}]}, "latency": {"fixed_ms": 1}}"#;

#[test]
fn max_attempts_of_u32_max_allocate_nothing_by_it_r16() {
    let text = scenario(
        ", \"maxAttempts\": 4294967295",
        ", \"max_attempts_limit\": 4294967295",
        FAIL_TWICE,
    )
    .replace("\"maxAttempts\": 3, ", "");
    let file = TempScenario::new("max-attempts", &text);
    for format in [&["--summary"][..], &["--format", "json"][..]] {
        let mut args = vec!["sim", file.path()];
        args.extend_from_slice(format);
        let o = hedgehog(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stdout(&o).contains("OK"), "{}", stdout(&o));
    }
}

const OK_SERVER: &str = r#"{"schedule": {"req_modulo": 1}, "latency": {"fixed_ms": 1}}"#;

/// Runs `hedgehog sim FILE --summary` on `text`, expects exit 2; returns (file path, stderr).
fn rejected(tag: &str, text: &str) -> (String, String) {
    let file = TempScenario::new(tag, text);
    let o = hedgehog(&["sim", file.path(), "--summary"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    (file.path().to_string(), stderr(&o))
}

fn assert_names(err: &str, words: &[&str]) {
    for w in words {
        assert!(err.contains(w), "{w:?} missing from: {err}");
    }
}

#[test]
fn a_billion_calls_at_once_are_refused_with_the_limit() {
    let text = scenario("", r#", "calls": 1000000000, "interval_ms": 0"#, OK_SERVER);
    let (file, err) = rejected("calls", &text);
    assert_names(&err, &[&file, "client.calls", "1000000000", "100000"]);
}

#[test]
fn a_fan_out_of_a_million_is_refused_with_the_limit() {
    let text = scenario("", r#", "calls": 1, "interval_ms": 1"#, OK_SERVER)
        .replace(r#""client":"#, r#""load": {"fan_out": 1000000}, "client":"#);
    let (file, err) = rejected("fan-out", &text);
    assert_names(&err, &[&file, "load.fan_out", "1000000", "10000"]);
}

#[test]
fn an_arrival_rate_of_a_billion_per_second_is_refused_with_the_limit() {
    let load =
        r#""load": {"arrivals": {"rate_per_s": 1000000000, "duration_ms": 1000}}, "client":"#;
    let text = scenario("", "", OK_SERVER).replace(r#""client":"#, load);
    let (file, err) = rejected("rate", &text);
    assert_names(&err, &[&file, "load.arrivals.rate_per_s", "10000000"]);
}

#[test]
fn a_huge_capacity_is_refused_in_the_words_it_was_written() {
    let load = r#""load": {"server": {"capacity_per_s": 1e300}}, "client":"#;
    let text = scenario("", "", OK_SERVER).replace(r#""client":"#, load);
    let (file, err) = rejected("capacity", &text);
    assert_names(&err, &[&file, "load.server.capacity_per_s", "1e+300"]);
    assert!(!err.contains("00000000000000000000"), "{err}");
}

#[test]
fn sweep_jobs_beyond_the_runs_finish_at_once() {
    let o = hedgehog(&[
        "sweep",
        "sims/retry-max-attempts-clamped.json",
        "--seeds",
        "1..4",
        "--jobs",
        "10000",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A backoff beyond the nanosecond horizon (a valid Duration, R6) never makes time run
/// backwards: the retry is not before the deadline, so the call ends DEADLINE_EXCEEDED at it.
#[test]
fn a_backoff_beyond_the_horizon_waits_past_the_deadline_r17() {
    let text = scenario("", "", FAIL_TWICE)
        .replace(
            "\"initialBackoff\": \"0.001s\"",
            "\"initialBackoff\": \"20000000000s\"",
        )
        .replace(
            "\"maxBackoff\": \"0.001s\"",
            "\"maxBackoff\": \"20000000000s\"",
        );
    let file = TempScenario::new("horizon-backoff", &text);
    let o = hedgehog(&["sim", file.path(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON trace");
    let call = &v["calls"][0];
    assert_eq!(call["status"], "DEADLINE_EXCEEDED", "{call}");
    assert_eq!(call["attempts"].as_array().map(Vec::len), Some(1), "{call}");
    assert_eq!(call["ended_ms"], 1000.0, "{call}");
}

/// A lognormal latency whose draw overflows saturates: the attempt ends no earlier than it
/// started (here: at the deadline, which comes first).
#[test]
fn a_latency_beyond_the_horizon_ends_at_the_deadline() {
    let server = r#"{"schedule": {"req_modulo": 1},
        "latency": {"lognormal": {"offset_ms": 1, "mu": 1000, "sigma": 1}}}"#;
    let file = TempScenario::new("horizon-latency", &scenario("", "", server));
    let o = hedgehog(&["sim", file.path(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON trace");
    let call = &v["calls"][0];
    assert_eq!(call["status"], "DEADLINE_EXCEEDED", "{call}");
    assert_eq!(call["ended_ms"], 1000.0, "{call}");
}

#[test]
fn check_config_says_when_a_duration_is_capped() {
    let text = r#"{"methodConfig": [{"name": [{"service": "s"}], "retryPolicy": {
        "maxAttempts": 2, "initialBackoff": "20000000000s", "maxBackoff": "20000000000s",
        "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;
    let file = TempScenario::new("capped-duration", text);
    let o = hedgehog(&["check-config", file.path(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON object");
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("methodConfig[0].retryPolicy.initialBackoff"),
        "{warnings}"
    );
    assert!(warnings.contains("capped"), "{warnings}");
    assert_eq!(v["file"], file.path());
}

#[test]
fn an_unreadable_config_path_names_the_scenario_and_its_key() {
    for rel in ["1ms", ""] {
        let text = scenario("", "", OK_SERVER);
        let start = text.find("\"service_config\"").unwrap();
        let end = text.find("\"server\"").unwrap();
        let text = format!(
            "{}\"service_config\": {rel:?}, {}",
            &text[..start],
            &text[end..]
        );
        let (file, err) = rejected("config-path", &text);
        assert_names(&err, &[&format!("{file}: service_config: ")]);
    }
}

/// A server that answers after an hour, no `client.deadline_ms`, and a call every
/// millisecond: every call stays in flight, so the run meets the in-flight bound (100,000)
/// after 100 s of virtual time. `extra` is spliced in after the client.
fn hour_latency(calls: u64, extra: &str) -> String {
    format!(
        r#"{{"name": "slow", "description": "d", "seeds": [1],
  "service_config": {{"methodConfig": [{{"name": [{{"service": "echo.Echo"}}]}}]}},
  "server": {{"schedule": {{"req_modulo": 1}}, "latency": {{"fixed_ms": 3600000}}}},
  "client": {{"method": "echo.Echo/UnaryEcho", "calls": {calls}, "interval_ms": 1}} {extra}}}"#
    )
}

#[test]
fn calls_piling_up_behind_a_slow_server_without_a_deadline_are_refused_with_the_limit() {
    let file = TempScenario::new("in-flight", &hour_latency(100_001, ""));
    // The summary and the picture of that run are refused alike, printing nothing.
    for format in [&["--summary"][..], &["--format", "svg"][..]] {
        let mut args = vec!["sim", file.path()];
        args.extend_from_slice(format);
        let o = hedgehog(&args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(o.stdout.is_empty(), "{format:?}");
        let words = [
            "100000 calls in flight",
            "`client.calls`",
            "`client.deadline_ms`",
        ];
        assert_names(&stderr(&o), &[&[file.path()][..], &words[..]].concat());
    }
    // Just under the bound, the same server runs.
    let ok = TempScenario::new("in-flight-ok", &hour_latency(100_000, ""));
    let o = hedgehog(&["sim", ok.path(), "--summary"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn sweep_of_arrivals_piling_up_without_a_deadline_exits_2_with_the_limit() {
    let load = r#", "load": {"arrivals": {"process": "fixed", "rate_per_s": 10000,
  "duration_ms": 20000}}"#;
    let file = TempScenario::new("in-flight-sweep", &hour_latency(1, load));
    let o = hedgehog(&["sweep", file.path(), "--jobs", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_names(
        &stderr(&o),
        &[
            file.path(),
            "100000 calls in flight",
            "`load.arrivals`",
            "deadline_ms",
        ],
    );
}
