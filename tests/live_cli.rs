//! The demo as two terminals run it: `hedgehog serve --port 0 --req-modulo 4`, then
//! `hedgehog call --service-config <demo config>` (R19–R22, R74). Real processes on 127.0.0.1;
//! every wait is bounded by a timeout on the event (a line of output, a process exit).
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_hedgehog");
const WAIT: Duration = Duration::from_secs(20);

/// A `hedgehog serve` child whose stdout lines arrive on a channel; killed on drop.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    port: u16,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .arg("serve")
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn hedgehog serve");
        let stdout: ChildStdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(WAIT).expect("serve prints its address");
        let port = first
            .strip_prefix("listen on address 127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        Server { child, lines, port }
    }

    fn line(&self) -> String {
        self.lines.recv_timeout(WAIT).expect("a log line in time")
    }

    fn target(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes the demo config to a temp file unique to this process and `tag` (tests run in
/// parallel).
fn demo_config_file(tag: &str) -> PathBuf {
    let name = format!("hedgehog-demo-{}-{tag}.json", std::process::id());
    let path = std::env::temp_dir().join(name);
    let demo = r#"{"methodConfig":[{"name":[{"service":"echo.Echo","method":"UnaryEcho"}],"retryPolicy":{"MaxAttempts":4,"InitialBackoff":".01s","MaxBackoff":".01s","BackoffMultiplier":1.0,"RetryableStatusCodes":["UNAVAILABLE"]}}]}"#;
    std::fs::write(&path, demo).expect("write the demo config");
    path
}

fn call(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("call")
        .args(args)
        .output()
        .expect("run hedgehog call")
}

#[test]
fn demo_in_two_terminals_r19_r74() {
    let server = Server::start(&["--req-modulo", "4"]);
    let config = demo_config_file("two-terminals");
    let target = server.target();
    let out = call(&[
        "--target",
        &target,
        "--service-config",
        config.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&config);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("call 0: OK \"Try and Success\""),
        "{stdout}"
    );
    assert!(stdout.contains("4 attempts"), "{stdout}");
    // The demo config's PascalCase keys work, with portability warnings on stderr (D1, D2).
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
    let log: Vec<String> = (0..4).map(|_| server.line()).collect();
    for (i, line) in log.iter().enumerate() {
        let previous = if i == 0 {
            "none".to_string()
        } else {
            i.to_string()
        };
        let verdict = if i == 3 { "succeeded" } else { "failed" };
        let prefix = format!(
            "request {verdict} count: {} previous: {previous} status: ",
            i + 1
        );
        assert!(line.starts_with(&prefix), "line {i}: {line:?}");
    }
}

#[test]
fn call_without_config_fails_on_the_first_attempt_and_exits_1_r1() {
    let server = Server::start(&["--req-modulo", "4"]);
    let out = call(&["--target", &server.target(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let attempts = &trace["calls"][0]["attempts"];
    assert_eq!(attempts.as_array().map(Vec::len), Some(1));
    assert_eq!(attempts[0]["outcome"], "UNAVAILABLE");
    assert_eq!(attempts[0]["previous"], serde_json::Value::Null);
    assert!(server
        .line()
        .starts_with("request failed count: 1 previous: none"));
}

#[test]
fn bad_input_exits_2() {
    let out = call(&["--method", "no-slash"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--method"));
    let out = call(&["--service-config", "/nonexistent/hedgehog.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/hedgehog.json"));
    let bad = std::env::temp_dir().join(format!("hedgehog-bad-{}.json", std::process::id()));
    std::fs::write(&bad, r#"{"server": 1}"#).expect("write");
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--schedule", bad.to_str().unwrap()])
        .output()
        .expect("run hedgehog serve");
    let _ = std::fs::remove_file(&bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hedgehog-bad-"));
}

#[test]
fn serve_stops_gracefully_on_ctrl_c() {
    let mut server = Server::start(&["--req-modulo", "4"]);
    let pid = server.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("run kill");
    assert!(sent.success());
    assert_eq!(server.line(), "shutting down");
    let mut child = std::mem::replace(&mut server.child, Command::new("true").spawn().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = rx.recv_timeout(WAIT).expect("exits in time").expect("wait");
    assert_eq!(status.code(), Some(0));
}

#[test]
fn nothing_listening_fails_unavailable_through_the_policy_r72() {
    // Bind then drop a listener: the port is (almost certainly) closed now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("http://127.0.0.1:{port}");
    let out = call(&["--target", &target, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(trace["calls"][0]["status"], "UNAVAILABLE");
    assert_eq!(
        trace["calls"][0]["attempts"].as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn a_schedule_file_scripts_raw_pushback_r35_d8() {
    let file = std::env::temp_dir().join(format!("hedgehog-sched-{}.json", std::process::id()));
    let script = r#"{"schedule": {"script": [{"status": "UNAVAILABLE", "pushback_ms": "abc"}]}}"#;
    std::fs::write(&file, script).expect("write schedule");
    let server = Server::start(&["--schedule", file.to_str().unwrap()]);
    let config = demo_config_file("schedule");
    let target = server.target();
    let out = call(&[
        "--target",
        &target,
        "--service-config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&config);
    assert_eq!(out.status.code(), Some(1));
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let attempts = &trace["calls"][0]["attempts"];
    // A malformed pushback means "do not retry" (R37, D8), despite 4 allowed attempts.
    assert_eq!(attempts.as_array().map(Vec::len), Some(1));
    assert_eq!(attempts[0]["pushback_ms"], "abc");
    assert!(server.line().contains("pushback: \"abc\""));
}

#[test]
fn sim_live_agrees_on_the_demo_and_says_when_it_cannot_judge() {
    let sims = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sims");
    let run = |file: &str| {
        Command::new(BIN)
            .args([
                "sim",
                sims.join(file).to_str().unwrap(),
                "--live",
                "--seed",
                "1",
            ])
            .output()
            .expect("run hedgehog sim --live")
    };
    let out = run("seed-demo.json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("scenario seed-demo · seed 1 · live"),
        "{stdout}"
    );
    assert!(stdout.contains("  agree: "), "{stdout}");
    // The same scenario without the mark: the output says it cannot judge, and exits 0.
    let text = std::fs::read_to_string(sims.join("seed-demo.json")).expect("read");
    let mut scenario: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    scenario
        .as_object_mut()
        .expect("object")
        .remove("live_comparable");
    let name = format!("hedgehog-unmarked-{}.json", std::process::id());
    let file = std::env::temp_dir().join(name);
    std::fs::write(&file, scenario.to_string()).expect("write");
    let out = Command::new(BIN)
        .args(["sim", file.to_str().unwrap(), "--live", "--seed", "1"])
        .output()
        .expect("run hedgehog sim --live");
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let note = "not marked \"live_comparable\"";
    assert!(stdout.contains(note), "{stdout}");
}

/// Config whose retries back off by a drawn 1..100 ms (R47: jitter is random), so backoff
/// events show the client's draws.
fn jitter_config_file(tag: &str) -> PathBuf {
    let name = format!("hedgehog-jitter-{}-{tag}.json", std::process::id());
    let path = std::env::temp_dir().join(name);
    let config = r#"{"methodConfig":[{"name":[{"service":"echo.Echo"}],"retryPolicy":{"maxAttempts":4,"initialBackoff":"0.1s","maxBackoff":"0.1s","backoffMultiplier":1,"retryableStatusCodes":["UNAVAILABLE"]}}]}"#;
    std::fs::write(&path, config).expect("write the jitter config");
    path
}

/// The printed seed and the drawn backoffs (`drawn X` of each backoff event) of a JSON run.
fn seed_and_draws(out: &std::process::Output) -> (u64, Vec<String>) {
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let draws = trace["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "backoff")
        .map(|e| {
            let detail = e["detail"].as_str().expect("detail");
            let drawn = detail.split("drawn ").nth(1).expect("drawn value");
            drawn.split(' ').next().unwrap_or_default().to_string()
        })
        .collect();
    (trace["seed"].as_u64().expect("seed"), draws)
}

#[test]
fn call_prints_the_seed_it_drew_and_that_seed_replays_the_jitter_r47() {
    let server = Server::start(&["--req-modulo", "4"]);
    let config = jitter_config_file("seed");
    let target = server.target();
    let run = |seed: Option<&str>| {
        let mut args = vec![
            "--target",
            &target,
            "--service-config",
            config.to_str().unwrap(),
            "--count",
            "2",
            "--format",
            "json",
        ];
        if let Some(seed) = seed {
            args.extend(["--seed", seed]);
        }
        let out = call(&args);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        seed_and_draws(&out)
    };
    let (a, drawn_a) = run(None);
    let (b, _) = run(None);
    // Each call retries three times, so three draws per call.
    assert_eq!(drawn_a.len(), 6, "{drawn_a:?}");
    assert_ne!(a, b, "two runs without --seed printed the same seed {a}");
    let (replayed, drawn_replayed) = run(Some(&a.to_string()));
    let _ = std::fs::remove_file(&config);
    assert_eq!(replayed, a);
    assert_eq!(
        drawn_replayed, drawn_a,
        "--seed {a} did not replay the draws"
    );
}

/// The `call N: ...` header lines of a text run, by call index.
fn call_lines(stdout: &str) -> Vec<u64> {
    let mut calls: Vec<u64> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("call ")?.split_once(": ")?.0.parse().ok())
        .collect();
    calls.sort_unstable();
    calls
}

#[test]
fn call_count_with_concurrency_makes_exactly_n_calls_and_summarises_them() {
    let server = Server::start(&["--req-modulo", "4"]);
    let target = server.target();
    let out = call(&["--target", &target, "--count", "40", "--concurrency", "8"]);
    // Without a config every fourth call succeeds and the others fail: exit 1.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // One block per call, each call once; `call N failed:` lines are not blocks.
    let blocks: Vec<u64> = call_lines(&stdout.replace(" failed: ", " failed "));
    assert_eq!(blocks, (0..40).collect::<Vec<_>>(), "{stdout}");
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("summary: "))
        .unwrap_or_else(|| panic!("no summary in {stdout}"));
    assert!(
        summary.starts_with("summary: 40 of 40 calls: OK 10, UNAVAILABLE 30;"),
        "{summary}"
    );
    // The server saw exactly 40 requests (no retry policy: one attempt per call).
    let log: Vec<String> = (0..40).map(|_| server.line()).collect();
    assert!(log.iter().all(|l| l.starts_with("request ")), "{log:?}");

    // JSON: one line per call, the document parses, and its summary counts them.
    let out = call(&[
        "--target",
        &target,
        "--count",
        "12",
        "--concurrency",
        "4",
        "--format",
        "json",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines = stdout
        .lines()
        .filter(|l| l.starts_with("{\"call\":"))
        .count();
    assert_eq!(lines, 12, "{stdout}");
    let trace: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(trace["calls"].as_array().map(Vec::len), Some(12));
    assert_eq!(trace["summary"]["calls"], 12);
    assert_eq!(trace["summary"]["statuses"]["OK"], 3);
    assert_eq!(trace["summary"]["statuses"]["UNAVAILABLE"], 9);
}

/// A server whose every reply is OK after `ms` milliseconds.
fn slow_server(tag: &str, ms: u64) -> Server {
    let name = format!("hedgehog-slow-{}-{tag}.json", std::process::id());
    let file = std::env::temp_dir().join(name);
    let schedule = format!(
        r#"{{"latency": {{"fixed_ms": {ms}}}, "schedule": {{"script": [{{"status": "OK"}}], "then": "last"}}}}"#
    );
    std::fs::write(&file, schedule).expect("write schedule");
    let server = Server::start(&["--schedule", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    server
}

#[test]
fn call_rate_measures_latency_from_the_intended_start_not_the_send() {
    // Every reply takes 50 ms; one call in flight at a time, but ten wanted 10 ms apart: call
    // 9 was due at 90 ms and cannot end before 10 × 50 ms, so it waited at least 410 ms. A
    // client measuring from the send (coordinated omission) would report about 50 ms.
    let server = slow_server("rate", 50);
    let target = server.target();
    let out = call(&[
        "--target",
        &target,
        "--count",
        "10",
        "--rate",
        "100",
        "--concurrency",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let trace: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let calls = trace["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 10);
    // Service time, as the trace measures it from the send: the 50 ms the server waits.
    let service: Vec<f64> = calls
        .iter()
        .map(|c| c["ended_ms"].as_f64().unwrap() - c["started_ms"].as_f64().unwrap())
        .collect();
    assert!(service.iter().all(|s| *s >= 50.0), "{service:?}");
    let max = trace["summary"]["latency_ms"]["max"].as_f64().expect("max");
    assert!(
        max >= 410.0,
        "max latency {max} ms, service times {service:?}"
    );
    let slowest_service = service.iter().copied().fold(0.0, f64::max);
    assert!(
        max > 2.0 * slowest_service,
        "max {max} vs service {service:?}"
    );
}

#[test]
fn call_prints_its_summary_when_terminated() {
    // Replies take 200 ms, so a thousand calls two at a time are far from done when SIGTERM
    // arrives after the first call has been printed.
    let server = slow_server("term", 200);
    let target = server.target();
    let mut child = Command::new(BIN)
        .args(["call", "--target", &target, "--count", "1000"])
        .args(["--concurrency", "2", "--format", "json"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn hedgehog call");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut text = String::new();
    loop {
        let line = lines.recv_timeout(WAIT).expect("a call line in time");
        text.push_str(&line);
        text.push('\n');
        if line.starts_with("{\"call\":") {
            break;
        }
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    // The output ends when the process closes stdout.
    while let Ok(line) = lines.recv_timeout(WAIT) {
        text.push_str(&line);
        text.push('\n');
    }
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130), "{text}");
    let trace: serde_json::Value = serde_json::from_str(&text).expect("a whole JSON document");
    let printed = trace["calls"].as_array().map_or(0, Vec::len) as u64;
    assert!((1..1000).contains(&printed), "{printed} calls printed");
    assert_eq!(trace["summary"]["interrupted"], true);
    assert_eq!(trace["summary"]["calls"], printed);
    assert_eq!(trace["summary"]["of"], 1000);
}
