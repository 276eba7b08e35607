//! `perAttemptRecvTimeout` through the tower layer over real HTTP/2 on 127.0.0.1 (R23, D24):
//! the driver's timer gives up an attempt that has not answered in time, the server sees it
//! reset, and the retry policy carries on; an attempt that has sent its headers is never cut.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::sync::Arc;
use std::time::Duration;

use hedgehog::code::Code;
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::{RetryLayer, ServedOutcome};
use hedgehog::trace::{EventKind, Outcome, TraceRecorder};
use live_support::{calls, client, exact_layer, served, server};
use serde_json::json;

/// 50ms per attempt, 10ms backoff, UNAVAILABLE only (so a retry after the timeout comes from
/// the timeout itself, not from the code list).
const CONFIG: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
                    "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"],
                    "perAttemptRecvTimeout": "0.05s"}}]}"#;

fn layer() -> (RetryLayer, Arc<TraceRecorder>) {
    exact_layer(CONFIG)
}

fn hello() -> EchoRequest {
    EchoRequest {
        message: "hello".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_first_attempt_is_abandoned_and_the_retry_succeeds_r23() {
    let script = json!({"schedule": {"script": [
        {"status": "OK", "latency_ms": 5000}, {"status": "OK", "latency_ms": 0}], "then": "last"}});
    let mut server = server(script).await;
    let (layer, recorder) = layer();
    let reply = client(&server, layer)
        .unary_echo(hello())
        .await
        .expect("the retry answers");
    assert_eq!(reply.into_inner().message, "hello");
    let mut seen = served(&mut server, 2).await;
    seen.sort_by_key(|a| a.count);
    // The first attempt was reset by the client long before its 5s answer.
    assert_eq!(seen[0].previous, None);
    assert_eq!(seen[0].outcome, ServedOutcome::CancelledByClient);
    assert!(seen[0].elapsed < Duration::from_millis(2000), "{seen:#?}");
    assert_eq!(seen[1].previous.as_deref(), Some("1"));
    assert_eq!(seen[1].outcome, ServedOutcome::Answered(Code::Ok));
    let call = &calls(&recorder, 1).await[0];
    let outcomes: Vec<_> = call.attempts.iter().map(|a| a.outcome).collect();
    assert_eq!(
        outcomes,
        [Some(Outcome::Cancelled), Some(Outcome::Status(Code::Ok))]
    );
    // Given up at the timeout (50ms after it was sent), then 10ms of backoff.
    let first = &call.attempts[0];
    let ended = first.ended.expect("ended") - first.sent;
    assert!(ended >= 50_000_000, "given up after {ended}ns");
    assert!(call.attempts[1].sent - first.sent >= 60_000_000);
    let kinds: Vec<_> = recorder.events().iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EventKind::RecvTimeout), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_before_the_timeout_keep_the_attempt_alive_r23_r30() {
    // Headers at once, the answer after 300ms: the timer stopped at the headers.
    let script = json!({"schedule": {"script": [
        {"status": "OK", "headers_first": true, "latency_ms": 300}]}});
    let mut server = server(script).await;
    let (layer, recorder) = layer();
    let reply = client(&server, layer)
        .unary_echo(hello())
        .await
        .expect("the one attempt answers");
    assert_eq!(reply.into_inner().message, "hello");
    let seen = served(&mut server, 1).await;
    assert_eq!(seen[0].outcome, ServedOutcome::Answered(Code::Ok));
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.attempts.len(), 1, "{call:#?}");
    assert_eq!(call.status, Code::Ok);
}
