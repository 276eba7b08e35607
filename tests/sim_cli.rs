//! `hedgehog sim` as users run it: output, exit codes (0 ok, 2 bad input with the
//! file, JSON path and what was expected).
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

mod sim_support;

use std::path::Path;

use sim_support::*;

/// Runs `hedgehog sim FILE`, expects exit code 2 (input error), returns stderr.
fn input_error(file: &str) -> String {
    let o = hedgehog(&["sim", file]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    stderr(&o)
}

const GOOD_PREFIX: &str = r#"{"name": "t", "description": "d", "service_config": {},
  "client": {"method": "echo.Echo/UnaryEcho"}, "#;

#[test]
fn demo_prints_four_attempts_and_ok() {
    let o = hedgehog(&["sim", "sims/seed-demo.json", "--seed", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    for prev in ["previous none", "previous 1", "previous 2", "previous 3"] {
        assert!(out.contains(prev), "{out}");
    }
    assert!(out.contains("call 0: OK \"Try and Success\""), "{out}");
    // The grpc-go demo config is lenient-only: its portability warnings go to stderr.
    assert!(stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn json_is_one_document_per_seed_in_the_design_shape() {
    let o = hedgehog(&["sim", "sims/seed-demo.json", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let docs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(docs.len(), 3, "seeds 1, 2, 3");
    for (doc, seed) in docs.iter().zip([1, 2, 3]) {
        assert_eq!(doc["seed"], seed);
        assert_eq!(doc["mode"], "sim");
        let attempts = doc["calls"][0]["attempts"].as_array().expect("attempts");
        assert_eq!(attempts.len(), 4);
        assert_eq!(attempts[0]["previous"], serde_json::Value::Null);
        assert_eq!(attempts[3]["previous"], 3);
    }
}

#[test]
fn summary_json_has_the_design_keys() {
    let o = hedgehog(&[
        "sim",
        "sims/throttling-20-failing-calls.json",
        "--summary",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v = hedgehog::json::parse(stdout(&o).trim()).expect("JSON");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "scenario",
            "seed",
            "mode",
            "calls",
            "attempts",
            "statuses",
            "latency_ms"
        ]
    );
    assert_eq!(v["calls"], 20);
    assert_eq!(v["statuses"]["UNAVAILABLE"], 20);
    for q in ["p50", "p90", "p99", "p999", "max"] {
        assert!(v["latency_ms"][q].is_number(), "{q}");
    }
}

#[test]
fn yaml_output_matches_for_a_chosen_seed() {
    let a = hedgehog(&[
        "sim",
        "sims/jitter-spec.json",
        "--seed",
        "2",
        "--format",
        "yaml",
    ]);
    let b = hedgehog(&[
        "sim",
        "sims/jitter-spec.json",
        "--seed",
        "2",
        "--format",
        "yaml",
    ]);
    assert_eq!(a.status.code(), Some(0));
    assert!(stdout(&a).starts_with("scenario: \"jitter-spec\"\nseed: 2\n"));
    assert_eq!(a.stdout, b.stdout, "rule 6: same file and seed, same bytes");
}

#[test]
fn missing_file_exits_2_naming_it() {
    let err = input_error("sims/no-such-scenario.json");
    assert!(err.contains("sims/no-such-scenario.json"), "{err}");
}

#[test]
fn unknown_schedule_kind_exits_2_with_path_and_valid_kinds() {
    let f = TempScenario::new(
        "kind",
        &format!("{GOOD_PREFIX}\"server\": {{\"schedule\": {{\"round_robin\": 3}}}}}}"),
    );
    let err = input_error(f.path());
    assert!(err.contains(f.path()), "{err}");
    assert!(err.contains("server.schedule:"), "{err}");
    assert!(err.contains("req_modulo, script, fail_rate"), "{err}");
}

#[test]
fn bad_script_status_names_the_step() {
    let f = TempScenario::new("status", &format!(
        "{GOOD_PREFIX}\"server\": {{\"schedule\": {{\"script\": [{{\"status\": \"OK\"}}, {{\"status\": \"OK\"}}, {{\"status\": \"FOO\"}}]}}}}}}"
    ));
    let err = input_error(f.path());
    assert!(
        err.contains("server.schedule.script[2].status: unknown status \"FOO\""),
        "{err}"
    );
}

#[test]
fn invalid_service_config_exits_2_with_the_config_path() {
    let f = TempScenario::new(
        "config",
        r#"{"name": "t", "description": "d",
      "service_config": {"methodConfig": [{"name": [{"service": "a.B"}],
        "retryPolicy": {"maxAttempts": 1, "initialBackoff": "1s", "maxBackoff": "1s",
        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]},
      "server": {"schedule": {"req_modulo": 1}}, "client": {"method": "a.B/C"}}"#,
    );
    let o = hedgehog(&["sim", f.path()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("service_config.methodConfig[0].retryPolicy.maxAttempts"),
        "{err}"
    );
}

#[test]
fn malformed_json_exits_2_with_line_and_column() {
    let f = TempScenario::new("json", "{\"name\": \"t\",\n  \"name\": \"u\"}");
    let err = input_error(f.path());
    assert!(
        err.contains("line 2"),
        "duplicate key on line 2 (D3): {err}"
    );
}

#[test]
fn service_config_may_be_a_path_relative_to_the_scenario() {
    let f = TempScenario::new(
        "relpath",
        &format!("{GOOD_PREFIX}\"server\": {{\"schedule\": {{\"req_modulo\": 1}}}}}}")
            .replace("\"service_config\": {}", "\"service_config\": \"cfg.json\""),
    );
    let dir = Path::new(f.path()).parent().expect("dir").to_path_buf();
    let err = input_error(f.path()); // cfg.json does not exist yet
    assert!(err.contains("cfg.json"), "{err}");
    std::fs::write(dir.join("cfg.json"), "{}").expect("write config");
    let o = hedgehog(&["sim", f.path(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn help_explains_the_command() {
    let o = hedgehog(&["sim", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("--seed") && out.contains("--summary") && out.contains("Exit codes"),
        "{out}"
    );
}

#[test]
fn an_in_memory_scenario_written_out_replays_with_the_cli() {
    use hedgehog::scenario::Scenario;
    let config = r#"{"methodConfig": [{"name": [{"service": "demo.Demo"}],
        "retryPolicy": {"MaxAttempts": 4, "InitialBackoff": ".01s", "MaxBackoff": ".05s",
        "BackoffMultiplier": 2.0, "RetryableStatusCodes": ["UNAVAILABLE"]}}]}"#;
    let scenario = Scenario::builder("in-memory")
        .service_config_text(config)
        .schedule(hedgehog::scenario::schedule::Schedule::FailRate {
            p: 0.5,
            status: hedgehog::code::Code::Unavailable,
        })
        .method("demo.Demo/Call")
        .calls(4)
        .build()
        .expect("valid");
    // The hint of a scenario with no file is the JSON to save and the command to run on it.
    let hint = scenario.replay_command(3);
    let (command, json) = hint.split_once(":\n").expect("command, then JSON");
    assert!(
        command.contains("hedgehog sim in-memory.json --seed 3"),
        "{command}"
    );
    let file = TempScenario::new("in-memory", json);
    let o = hedgehog(&["sim", file.path(), "--seed", "3", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = hedgehog::trace::render::to_yaml(&hedgehog::sim::run::trace(&scenario, 3));
    assert_eq!(stdout(&o), expected);
}

fn load(file: &str) -> hedgehog::scenario::Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = hedgehog::scenario::Scenario::load(&root.join(file)).expect("valid");
    s.file = None;
    s
}

#[test]
fn svg_draws_the_seed_asked_for_on_stdout() {
    let o = hedgehog(&[
        "sim",
        "sims/seed-demo.json",
        "--seed",
        "2",
        "--format",
        "svg",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let picture = hedgehog::sim::picture::svg(&load("sims/seed-demo.json"), 2);
    assert_eq!(stdout(&o), picture);
    assert!(picture.contains("seed-demo · seed 2 · sim"));
    assert!(!stderr(&o).contains("draws one seed"), "{}", stderr(&o));
}

#[test]
fn svg_of_a_file_with_several_seeds_draws_the_first_and_says_so() {
    let o = hedgehog(&["sim", "sims/seed-demo.json", "--format", "svg"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = hedgehog::sim::picture::svg(&load("sims/seed-demo.json"), 1);
    assert_eq!(stdout(&o), first, "one picture, of seed 1");
    let err = stderr(&o);
    assert!(
        err.contains("draws one seed: seed 1, the first of the 3"),
        "{err}"
    );
}

#[test]
fn svg_with_summary_or_live_is_a_usage_error() {
    for flag in ["--summary", "--live"] {
        let o = hedgehog(&["sim", "sims/hedging-basic.json", "--format", "svg", flag]);
        assert_eq!(o.status.code(), Some(2), "{flag}");
        assert!(stdout(&o).is_empty());
        assert!(
            stderr(&o).contains(&format!("cannot be used with {flag}")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn as_a_runtime_the_trace_names_the_profile_and_a_rejection_r5_r63() {
    let o = hedgehog(&[
        "sim",
        "sims/runtimes/hedging-ignored.json",
        "--as",
        "c-core",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("scenario hedging-ignored · seed 1 · sim · as c-core\n"),
        "{out}"
    );
    assert!(
        out.contains("1 attempt)") && out.contains("(hedgingPolicy ignored by this runtime)"),
        "C-core never hedges: {out}"
    );
    let o = hedgehog(&["sim", "sims/runtimes/hedging-ignored.json"]);
    assert!(!stdout(&o).contains(" · as "), "a6 names no profile");
    let o = hedgehog(&[
        "sim",
        "sims/runtimes/config-rejected.json",
        "--as",
        "grpc-js",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "  config rejected: grpc-js rejects the service config: the client constructor throws"
        ),
        "{out}"
    );
    let o = hedgehog(&[
        "sim",
        "sims/runtimes/config-rejected.json",
        "--as",
        "grpc-java",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("JSON");
    assert_eq!(doc["profile"], "grpc-java");
    assert!(doc["config_rejected"].as_str().unwrap().contains("UNKNOWN"));
    assert_eq!(doc["calls"][0]["status"], "UNKNOWN");
}

#[test]
fn an_unknown_profile_or_a_profile_with_live_is_an_input_error() {
    let o = hedgehog(&["sim", "sims/seed-demo.json", "--as", "grpc-rust"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).trim_end(),
        "hedgehog sim: --as: unknown profile \"grpc-rust\"; expected one of: a6, grpc-go, \
         grpc-go@1.33, grpc-java, c-core, grpc-js, gax-go, gax-java, python-api-core"
    );
    let o = hedgehog(&["sim", "sims/seed-demo.json", "--live", "--as", "grpc-java"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--live runs hedgehog's own A6 client only"),
        "{}",
        stderr(&o)
    );
    let file = TempScenario::new(
        "bad-profile",
        &format!("{GOOD_PREFIX}\"profile\": \"grpc\", \"server\": {{\"schedule\": {{\"req_modulo\": 1}}}}}}"),
    );
    let err = input_error(file.path());
    assert!(
        err.contains(": profile: unknown profile \"grpc\"; expected one of: a6,"),
        "{err}"
    );
}
