//! `hedgehog sim` and `sweep` against hostile numbers: nothing a file or flag says allocates or
//! spawns in proportion to it without a bound; time saturates instead of wrapping. Every
//! rejected value exits 2 naming the file, the JSON path, the value and the limit.
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

use std::path::PathBuf;
use std::process::{Command, Output};

fn hedgehog(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgehog"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("hedgehog runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scenario file in a fresh temp directory, removed on drop.
struct TempScenario(PathBuf);

impl TempScenario {
    fn new(tag: &str, text: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("hedgehog-sim-limits-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("scenario.json");
        std::fs::write(&file, text).expect("write scenario");
        TempScenario(file)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempScenario {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

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
