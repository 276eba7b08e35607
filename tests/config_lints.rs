//! `hedgehog check-config` as a linter: every lint code fires on its example config and stays
//! quiet on the fixed one, through the CLI, in JSON; `--deny` turns findings into exit 1;
//! `docs/lints.md` documents every code.
//!
//! The example configs live in `tests/lint_configs/CODE.fires.json` and `CODE.clean.json`, so
//! `docs/lints.md` can point at files a reader can run.
#![cfg(feature = "cli")] // needs the `cli` feature (runs the binary)

use std::process::{Command, Output};

use hedgehog::config::LintCode;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgehog"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check-config")
        .args(args)
        .output()
        .expect("runs")
}

fn example(code: &str, kind: &str) -> String {
    format!("tests/lint_configs/{code}.{kind}.json")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

fn codes(report: &Value) -> Vec<String> {
    let lints = report["lints"].as_array().expect("lints array");
    lints
        .iter()
        .map(|l| l["code"].as_str().expect("code").to_string())
        .collect()
}

#[test]
fn every_code_fires_on_its_example_and_not_on_the_fixed_config() {
    for code in LintCode::ALL.map(LintCode::as_str) {
        let fires = example(code, "fires");
        let out = run(&["--format", "json", "--deny", code, &fires]);
        assert_eq!(out.status.code(), Some(1), "{fires}: --deny {code} fails");
        let report = json(&out);
        assert_eq!(codes(&report), [code], "{fires}");
        let lint = &report["lints"][0];
        assert!(
            lint["path"].as_str().is_some_and(|p| !p.is_empty()),
            "{lint}"
        );
        assert!(
            lint["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{lint}"
        );
        assert!(
            lint["fix"].as_str().is_some_and(|f| !f.is_empty()),
            "{lint}"
        );
        assert_eq!(report["denied"], serde_json::json!([format!("{code} ×1")]));

        let clean = example(code, "clean");
        let out = run(&["--format", "json", "--deny", code, &clean]);
        assert_eq!(out.status.code(), Some(0), "{clean}");
        let report = json(&out);
        assert_eq!(report["valid"], true, "{clean}");
        assert!(codes(&report).is_empty(), "{clean}: {}", report["lints"]);
    }
}

#[test]
fn lints_are_warnings_unless_denied() {
    let file = example("no-deadline", "fires");
    assert_eq!(run(&[&file]).status.code(), Some(0));
    assert_eq!(run(&["--deny", "lints", &file]).status.code(), Some(1));
    assert_eq!(run(&["--deny", "warnings", &file]).status.code(), Some(1));
    // No portability warning in this file, and another code is not this one.
    assert_eq!(
        run(&["--deny", "portability", &file]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&["--deny", "name-pattern", &file]).status.code(),
        Some(0)
    );
    let text = String::from_utf8_lossy(&run(&["--deny", "lints", &file]).stdout).into_owned();
    assert!(
        text.contains("\ndenied (--deny): no-deadline ×1\n"),
        "{text}"
    );
}

#[test]
fn portability_is_denied_separately_from_lints() {
    // grpc-go's demo: keys in any case and ".01s" (portability), and no timeout (a lint).
    let demo = "sims/configs/grpc-go-demo.json";
    let out = run(&["--format", "json", "--deny", "portability", demo]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["denied"], serde_json::json!(["portability ×7"]));
    let out = run(&["--format", "json", "--deny", "warnings", demo]);
    assert_eq!(
        json(&out)["denied"],
        serde_json::json!(["no-deadline ×1", "portability ×7"])
    );
    // A hedging config is fine as lints go, but grpc-go and C-core ignore hedging.
    let hedging = example("risky-hedging", "clean");
    assert_eq!(run(&["--deny", "lints", &hedging]).status.code(), Some(0));
    assert_eq!(
        run(&["--deny", "portability", &hedging]).status.code(),
        Some(1)
    );
}

#[test]
fn unknown_deny_value_is_a_usage_error_with_a_suggestion() {
    let out = run(&["--deny", "unknwn-key", &example("unknown-key", "clean")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean \"unknown-key\"?"), "{err}");
}

#[test]
fn misspelt_required_key_gets_its_did_you_mean_in_an_invalid_config_r4() {
    let out = run(&[&example("unknown-key", "fires")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "invalid: initialBackoff is required"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("methodConfig[0].retryPolicy.initialBackoff: required"),
        "{text}"
    );
    assert!(
        text.contains("methodConfig[0].retryPolicy.InitialBakckoff: unknown key \"InitialBakckoff\" in retryPolicy"),
        "{text}"
    );
    assert!(
        text.contains("      fix: did you mean \"initialBackoff\"?\n"),
        "{text}"
    );
}

#[test]
fn caller_deadline_takes_part_r81() {
    let clean = example("no-deadline", "clean");
    let out = run(&["--format", "json", "--deadline-ms", "50", &clean]);
    let report = json(&out);
    assert_eq!(codes(&report), ["timeout-before-first-retry"]);
    let message = report["lints"][0]["message"].as_str().expect("message");
    assert!(message.contains("the caller's 50ms deadline"), "{message}");
    // A deadline on every call is a bound: no-deadline goes quiet.
    let fires = example("no-deadline", "fires");
    let out = run(&["--format", "json", "--deadline-ms", "2000", &fires]);
    assert!(codes(&json(&out)).is_empty());
}

#[test]
fn throttling_recovery_depends_on_rate_and_horizon_r42_r43() {
    // 100 tokens at 0.01 per success: 5001 successes to recover.
    let file = example("throttling-slow-recovery", "fires");
    let lints = |args: &[&str]| {
        codes(&json(&run(
            &[&["--format", "json"], args, &[&file]].concat()
        )))
        .len()
    };
    assert_eq!(lints(&[]), 1, "5001s at 1 call/s");
    assert_eq!(
        lints(&["--calls-per-second", "100"]),
        0,
        "50s at 100 calls/s"
    );
    assert_eq!(
        lints(&["--calls-per-second", "50"]),
        1,
        "100s at 50 calls/s"
    );
    assert_eq!(lints(&["--recovery-horizon-s", "6000"]), 0);
    assert_eq!(
        run(&["--calls-per-second", "0", &file]).status.code(),
        Some(2)
    );
}

#[test]
fn docs_list_every_code_with_its_example() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lints.md"))
        .expect("docs/lints.md");
    for code in LintCode::ALL.map(LintCode::as_str) {
        assert!(
            docs.contains(&format!("### `{code}`")),
            "{code} has a section"
        );
        assert!(
            docs.contains(&example(code, "fires")),
            "{code} names its example"
        );
    }
}
