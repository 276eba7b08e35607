//! `hedgehog serve` survives its surroundings: a stdout closed or never read, Ctrl-C with calls
//! in flight, connections that never speak. Real processes on 127.0.0.1; every wait is bounded
//! by a timeout on the event (a line of output, a reply, a process exit).
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

mod serve_support;

use std::io::{BufRead, Read};
use std::process::Command;
use std::sync::mpsc;

use futures_util::StreamExt;
use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::pb::EchoRequest;

use serve_support::{Serve, BIN, WAIT};

/// `hedgehog call --target TARGET`: its exit code.
fn call(target: &str) -> Option<i32> {
    let out = Command::new(BIN)
        .args(["call", "--target", target])
        .output()
        .expect("run hedgehog call");
    out.status.code()
}

/// `n` UnaryEcho calls to `target`, `in_flight` at a time on one connection; how many got OK.
fn echo_calls(target: &str, n: usize, in_flight: usize) -> usize {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let client = EchoClient::connect(target.to_string())
            .await
            .expect("connect");
        let calls = futures_util::stream::iter(0..n).map(|i| {
            let mut client = client.clone();
            async move {
                let request = EchoRequest {
                    message: i.to_string(),
                };
                tokio::time::timeout(WAIT, client.unary_echo(request)).await
            }
        });
        calls
            .buffer_unordered(in_flight)
            .filter(|r| std::future::ready(matches!(r, Ok(Ok(_)))))
            .count()
            .await
    })
}

/// Ctrl-C, a clean exit (bounded wait), and the count of lost log lines `serve` reports on
/// stderr: (lost, offered).
fn stop_counting_lost_lines(serve: &mut Serve) -> (u64, u64) {
    serve.interrupt();
    let (status, stderr) = serve.exit();
    assert_eq!(status.code(), Some(0), "{stderr}");
    let counts = stderr
        .lines()
        .find_map(|l| l.strip_prefix("hedgehog serve: "))
        .and_then(|l| l.split_once(" log lines not written"))
        .and_then(|(counts, _)| counts.split_once(" of "))
        .map(|(lost, offered)| (lost.parse().ok(), offered.parse().ok()));
    match counts {
        Some((Some(lost), Some(offered))) => (lost, offered),
        _ => panic!("no count of lost lines on stderr: {stderr}"),
    }
}

#[test]
fn a_closed_stdout_stops_the_log_not_the_server() {
    let mut serve = Serve::start(&["--req-modulo", "1"]);
    drop(serve.stdout.take()); // `serve | head -n 1`
    let target = serve.target();
    assert_eq!(call(&target), Some(0), "first call after stdout closed");
    assert_eq!(call(&target), Some(0), "second call after stdout closed");
    assert_eq!(echo_calls(&target, 50, 8), 50);
    assert!(serve.alive(), "the server still runs");
    let (lost, offered) = stop_counting_lost_lines(&mut serve);
    assert!(lost >= 50 && lost <= offered, "{lost} of {offered}");
}

#[test]
fn a_stdout_nobody_reads_neither_grows_the_log_nor_blocks_ctrl_c() {
    let mut serve = Serve::start(&["--req-modulo", "1"]);
    // Held open and never read: a pipe (64 KiB) and the log queue (1024 lines of about 100
    // bytes) fill up well before 3,000 lines.
    let _unread = serve.stdout.take();
    assert_eq!(echo_calls(&serve.target(), 3000, 32), 3000);
    assert!(serve.alive());
    let (lost, offered) = stop_counting_lost_lines(&mut serve);
    // Every line was offered (address, 3,000 attempts, "shutting down"); the queue, bounded,
    // dropped those it could not hold.
    assert_eq!(offered, 3002);
    assert!(lost > 0, "{lost} of {offered}");
}

#[test]
fn ctrl_c_with_calls_in_flight_logs_every_answered_attempt() {
    const CALLS: usize = 40;
    let dir = std::env::temp_dir();
    let schedule = dir.join(format!("hedgehog-inflight-{}.json", std::process::id()));
    // Headers at once (so the client knows the attempt arrived), OK a second later.
    let script = r#"{"schedule": {"script": [{"status": "OK", "latency_ms": 1000, "headers_first": true}]}}"#;
    std::fs::write(&schedule, script).expect("write the schedule");
    let mut serve = Serve::start(&["--schedule", schedule.to_str().unwrap()]);
    let _ = std::fs::remove_file(&schedule);
    let stdout = serve.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(stdout.lines().map_while(Result::ok).collect::<Vec<_>>());
    });
    let target = serve.target();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let oks = runtime.block_on(async {
        let client = EchoClient::connect(target).await.expect("connect");
        // Every call's response headers have arrived: all CALLS attempts are in flight.
        let streams = futures_util::future::join_all((0..CALLS).map(|i| {
            let mut client = client.clone();
            async move {
                let request = EchoRequest {
                    message: i.to_string(),
                };
                tokio::time::timeout(WAIT, client.server_streaming_echo(request))
                    .await
                    .expect("headers in time")
                    .expect("headers")
                    .into_inner()
            }
        }))
        .await;
        serve.interrupt();
        let ends = futures_util::future::join_all(streams.into_iter().map(|mut s| async move {
            loop {
                match tokio::time::timeout(WAIT, s.message()).await {
                    Ok(Ok(Some(_))) => continue,
                    Ok(Ok(None)) => return true,
                    _ => return false,
                }
            }
        }))
        .await;
        ends.into_iter().filter(|ok| *ok).count()
    });
    let (status, stderr) = serve.exit();
    assert_eq!(status.code(), Some(0), "{stderr}");
    let lines = lines.recv_timeout(WAIT).expect("stdout ends at exit");
    let succeeded = lines
        .iter()
        .filter(|l| l.starts_with("request succeeded"))
        .count();
    assert_eq!(oks, CALLS, "graceful shutdown lets calls in flight finish");
    assert_eq!(
        succeeded,
        oks,
        "one log line per OK reply:\n{}",
        lines.join("\n")
    );
}

#[test]
fn a_connection_that_never_sends_the_preface_is_closed() {
    let serve = Serve::start(&["--req-modulo", "1", "--preface-timeout-ms", "200"]);
    let mut silent = std::net::TcpStream::connect(("127.0.0.1", serve.port)).expect("connect");
    silent.set_read_timeout(Some(WAIT)).expect("read timeout");
    // The server speaks first (its SETTINGS frame), then closes: read to the end of stream.
    let mut received = Vec::new();
    let end = silent.read_to_end(&mut received);
    let closed = match &end {
        Ok(_) => true,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    assert!(closed, "still open after {WAIT:?}: {end:?}");
    // A client that does speak is still served.
    assert_eq!(echo_calls(&serve.target(), 3, 3), 3);
}
