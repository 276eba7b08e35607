//! `RUST_LOG` turns the CLI's spans on (stderr), and changes nothing on stdout; without it
//! nothing is printed besides the usual output.
#![cfg(feature = "cli")]

use std::process::{Command, Output};

fn sim(rust_log: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hedgehog"));
    command.args(["sim", "sims/seed-demo.json", "--seed", "1"]);
    match rust_log {
        Some(filter) => command.env("RUST_LOG", filter),
        None => command.env_remove("RUST_LOG"),
    };
    command.output().expect("hedgehog runs")
}

#[test]
fn rust_log_shows_the_calls_span_and_decisions_on_stderr_only() {
    let plain = sim(None);
    let logged = sim(Some("hedgehog=debug"));
    assert!(plain.status.success() && logged.status.success());
    assert_eq!(
        plain.stdout, logged.stdout,
        "stdout is the trace, unchanged"
    );
    let (plain, logged) = (
        String::from_utf8_lossy(&plain.stderr),
        String::from_utf8_lossy(&logged.stderr),
    );
    assert!(!plain.contains("grpc.call"), "quiet by default");
    assert_eq!(logged.matches("attempt.sent").count(), 4);
    assert_eq!(logged.matches(" backoff call=0").count(), 3);
    assert!(logged.contains("status=\"OK\" attempts=4 committed_attempt=4"));
    // The filter is honoured: calls only at info.
    let info = sim(Some("hedgehog=info"));
    let info = String::from_utf8_lossy(&info.stderr);
    assert!(info.contains("grpc.call") && !info.contains("attempt.sent"));
}
