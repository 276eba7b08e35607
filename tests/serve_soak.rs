//! A bounded soak of the live path: thousands of calls with dozens in flight through
//! `hedgehog call` (the A6 retry layer) against `hedgehog serve` failing half its attempts at
//! random. What the reliability campaign checked by hand, kept by the suite: every attempt the
//! client made reached the server once and was logged once (attempt counts, the
//! `grpc-previous-rpc-attempts` values (R74) and the answered statuses agree between the two
//! sides), no attempt was logged twice, and every call ended exactly once. Every wait is
//! bounded by a timeout on the event (a line, a process exit), never a sleep.
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

mod serve_support;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use serde_json::Value;
use serve_support::{Serve, BIN, WAIT};

const CALLS: usize = 2_000;
const IN_FLIGHT: &str = "48";

/// Retries with short backoffs, so the soak is about many attempts, not about waiting.
const RETRY: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
  "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.001s", "maxBackoff": "0.004s",
                  "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

/// Half the attempts fail UNAVAILABLE at random, each after 0–1 ms.
const FLAKY: &str = r#"{"schedule": {"fail_rate": 0.5, "status": "UNAVAILABLE"},
  "latency": {"uniform_ms": [0, 1]}}"#;

/// One served attempt from `serve`'s log line: (counter, previous attempts, status).
fn served(line: &str) -> Option<(u64, String, String)> {
    let rest = line.strip_prefix("request ")?;
    let (_, rest) = rest.split_once("count: ")?;
    let (count, rest) = rest.split_once(" previous: ")?;
    let (previous, rest) = rest.split_once(" status: ")?;
    let status = rest.split_whitespace().next()?;
    Some((
        count.parse().ok()?,
        previous.to_string(),
        status.to_string(),
    ))
}

fn tally<K: Ord>(keys: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut counts = BTreeMap::new();
    for k in keys {
        *counts.entry(k).or_insert(0) += 1;
    }
    counts
}

#[test]
fn thousands_of_calls_against_a_flaky_server_each_attempt_logged_once_each_call_ends_once() {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let (config, schedule) = (
        dir.join(format!("hedgehog-soak-config-{id}.json")),
        dir.join(format!("hedgehog-soak-server-{id}.json")),
    );
    std::fs::write(&config, RETRY).expect("write the config");
    std::fs::write(&schedule, FLAKY).expect("write the schedule");
    let mut serve = Serve::start(&["--schedule", schedule.to_str().unwrap(), "--seed", "7"]);
    let stdout = serve.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    // Read the log as it comes (so none is dropped) until `serve` exits.
    std::thread::spawn(move || {
        let _ = tx.send(stdout.lines().map_while(Result::ok).collect::<Vec<_>>());
    });

    let count = CALLS.to_string();
    let mut client = Command::new(BIN)
        .args(["call", "--target", &serve.target(), "--service-config"])
        .arg(&config)
        .args(["--count", &count, "--concurrency", IN_FLIGHT, "--seed", "3"])
        .args(["--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hedgehog call");
    let (done_tx, done) = mpsc::channel();
    let client_out = client.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        let _ = done_tx.send(std::io::read_to_string(client_out));
    });
    let text = match done.recv_timeout(WAIT * 6) {
        Ok(text) => text.expect("client output"),
        Err(_) => {
            let _ = client.kill();
            panic!(
                "hedgehog call did not finish {CALLS} calls in {:?}",
                WAIT * 6
            );
        }
    };
    let status = client.wait().expect("wait for hedgehog call");
    let _ = std::fs::remove_file(&config);
    let _ = std::fs::remove_file(&schedule);
    // 0 when every call succeeded, 1 when one ran out of attempts (1 in 32 do): no other.
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?}");

    serve.interrupt();
    let (exit, stderr) = serve.exit();
    assert_eq!(exit.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("not written"), "log lines lost: {stderr}");
    let log = lines.recv_timeout(WAIT).expect("stdout ends at exit");

    let trace: Value = serde_json::from_str(&text).expect("the JSON trace");
    let calls = trace["calls"].as_array().expect("calls");
    // Every call ended exactly once: each index once, and the summary counts them all.
    let indices = tally(calls.iter().map(|c| c["call"].as_u64().expect("index")));
    assert_eq!(indices.len(), CALLS, "distinct calls");
    assert!(indices.values().all(|&n| n == 1), "a call printed twice");
    assert_eq!(indices.keys().copied().max(), Some(CALLS as u64 - 1));
    assert_eq!(trace["summary"]["calls"], CALLS);
    assert_eq!(trace["summary"]["interrupted"], false);

    // What the client sent, attempt by attempt, and what the server logged.
    let attempts: Vec<&Value> = calls
        .iter()
        .flat_map(|c| c["attempts"].as_array().expect("attempts"))
        .collect();
    let client_previous = tally(attempts.iter().map(|a| match a["attempt"].as_u64() {
        Some(1) => "none".to_string(),
        Some(n) => (n - 1).to_string(),
        None => panic!("attempt number"),
    }));
    let client_outcomes = tally(
        attempts
            .iter()
            .map(|a| a["outcome"].as_str().unwrap().to_string()),
    );
    let served: Vec<_> = log.iter().filter_map(|l| served(l)).collect();
    let counters = tally(served.iter().map(|s| s.0));
    assert!(
        counters.values().all(|&n| n == 1),
        "an attempt logged twice"
    );
    assert_eq!(
        served.len(),
        attempts.len(),
        "client attempts = server log lines"
    );
    assert_eq!(tally(served.iter().map(|s| s.1.clone())), client_previous);
    assert_eq!(tally(served.iter().map(|s| s.2.clone())), client_outcomes);
    // The server really failed about half (the soak exercised retries) and the client retried.
    let failed = served.iter().filter(|s| s.2 == "UNAVAILABLE").count();
    assert!(
        failed * 3 > served.len() && failed * 3 < served.len() * 2,
        "{failed}"
    );
    assert!(
        client_previous.contains_key("4"),
        "some call used all 5 attempts"
    );
}
