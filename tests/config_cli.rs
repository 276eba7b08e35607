//! `hedgehog check-config`: exit codes 0/1/2 and the key lines of its text and JSON output.
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

use std::path::PathBuf;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgehog"))
        .args(args)
        .output()
        .expect("runs")
}

fn config(name: &str) -> String {
    format!("{}/sims/configs/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A scratch file under the target dir, unique per test.
fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write scratch file");
    path
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn demo_lenient_is_valid_explained_with_portability_table() {
    let out = run(&["check-config", &config("grpc-go-demo.json")]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("grpc-go-demo.json: valid (lenient mode"),
        "{text}"
    );
    assert!(text.contains(
        "echo.Echo/UnaryEcho: retry, up to 4 attempts on UNAVAILABLE; backoff 10ms ×1.0, capped at 10ms; \
         with A6 jitter each delay is 8–12ms; worst-case added latency ≈ 36ms"
    ), "{text}");
    assert!(text.contains("warnings (7):"), "{text}");
    for line in [
        "grpc-go          accepts",
        "grpc-java        rejects: ",
        "C-core (grpcio)  rejects: ",
        "grpc-js          rejects: ",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
}

#[test]
fn demo_strict_is_invalid_exit_1() {
    let out = run(&["check-config", "--strict", &config("grpc-go-demo.json")]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("INVALID (strict mode"), "{text}");
    assert!(
        text.contains("methodConfig[0].retryPolicy.maxAttempts: required (found \"MaxAttempts\""),
        "{text}"
    );
}

#[test]
fn json_format_has_the_documented_keys() {
    let out = run(&[
        "check-config",
        "--format",
        "json",
        &config("a6-hedging.json"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["valid"], true);
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        v["warnings"][0]["ignored_by"],
        serde_json::json!(["grpc-go", "C-core (grpcio)"])
    );
    assert_eq!(v["methods"][0]["policy"], "hedging");
    assert!(v["throttling"]
        .as_str()
        .is_some_and(|t| t.contains("≈5 net failures")));
    assert_eq!(v["portability"]["grpc-go"], "ignores");
    assert_eq!(v["portability"]["grpc-java"], "accepts");
    assert_eq!(v["portability"]["C-core (grpcio)"], "ignores");
    assert_eq!(v["portability"]["grpc-js"], "accepts");
    assert_eq!(v["file"], config("a6-hedging.json"), "the file is named");
}

#[test]
fn invalid_config_lists_every_error_with_its_path_exit_1() {
    let path = scratch(
        "cli-invalid.json",
        r#"{"methodConfig": [{"name": [{"service": "a.B"}],
        "retryPolicy": {"maxAttempts": 1, "initialBackoff": "0s", "maxBackoff": "1s",
                        "backoffMultiplier": 2, "retryableStatusCodes": []}}]}"#,
    );
    let out = run(&[
        "check-config",
        "--format",
        "json",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<&str> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "methodConfig[0].retryPolicy.initialBackoff",
            "methodConfig[0].retryPolicy.maxAttempts",
            "methodConfig[0].retryPolicy.retryableStatusCodes",
        ]
    );
    assert_eq!(v["valid"], false);
}

#[test]
fn not_json_exits_2_naming_file_line_and_column() {
    let path = scratch(
        "cli-not-json.json",
        "{\n  \"methodConfig\": [{\n    \"timeout\": 1000ms\n  }]\n}\n",
    );
    let out = run(&["check-config", path.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cli-not-json.json:3:"), "{err}");
    assert!(err.contains("not valid JSON"), "{err}");
}

#[test]
fn unreadable_file_and_bad_limit_exit_2() {
    let out = run(&["check-config", "/nonexistent/hedgehog.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/hedgehog.json"));
    let out = run(&[
        "check-config",
        "--client-max-attempts",
        "1",
        &config("grpc-go-demo.json"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "D4: a limit below 2 is a usage error"
    );
}

#[test]
fn client_max_attempts_changes_the_clamp_r16_d4() {
    let path = scratch(
        "cli-seven.json",
        r#"{"methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 7,
        "initialBackoff": "0.01s", "maxBackoff": "0.01s", "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
    );
    let p = path.to_str().expect("utf-8 path");
    assert!(stdout(&run(&["check-config", p])).contains("up to 5 attempts (7 configured"));
    let text = stdout(&run(&["check-config", "--client-max-attempts", "7", p]));
    assert!(
        text.contains("*: retry, up to 7 attempts on UNAVAILABLE"),
        "{text}"
    );
}

#[test]
fn help_teaches_modes_and_exit_codes() {
    let out = run(&["check-config", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for needle in [
        "LENIENT",
        "--strict",
        "Exit codes: 0",
        "--client-max-attempts",
        "snake_case",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

/// The whole text output for the shipped configs, committed under `snapshots/` so a reviewer
/// reads exactly what users see and any change to it shows up in a diff.
#[test]
fn text_output_snapshots() {
    for (name, args) in [
        (
            "check_config_demo_lenient",
            &["sims/configs/grpc-go-demo.json"][..],
        ),
        (
            "check_config_demo_strict",
            &["--strict", "sims/configs/grpc-go-demo.json"][..],
        ),
        (
            "check_config_retry_throttling",
            &["sims/configs/a6-retry-throttling.json"][..],
        ),
        (
            "check_config_hedging",
            &["sims/configs/a6-hedging.json"][..],
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_hedgehog"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("check-config")
            .args(args)
            .output()
            .expect("runs");
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, stdout(&out));
        });
    }
}

#[test]
fn sixteen_thousand_duplicate_names_are_all_reported_r14() {
    // Once quadratic in the number of error paths (seconds for this file); now linear.
    let entry = r#"{"name":[{"service":"s","method":"m"}]}"#;
    let entries = vec![entry; 16_000].join(",");
    let path = scratch(
        "sixteen-thousand-duplicates.json",
        &format!(r#"{{"methodConfig":[{entries}]}}"#),
    );
    let out = run(&["check-config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let duplicates = text.matches("duplicate name s/m").count();
    assert_eq!(
        duplicates, 15_999,
        "every repeat after the first is an error"
    );
    assert!(
        text.contains("methodConfig[1].name[0], methodConfig[2].name[0], methodConfig[3].name[0] and 15996 more"),
        "{}",
        &text[text.len().saturating_sub(600)..]
    );
    let out = run(&["check-config", "--format", "json", path.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(15_999));
}
