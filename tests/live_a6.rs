//! A6 behaviour over real HTTP/2: pushback, commit at headers, deadline, hedging with the loser
//! reset, streaming methods retried before headers and not after. Real time on 127.0.0.1; every
//! wait is bounded and waits on an event (server record, call record), never a fixed sleep.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use hedgehog::clock::Clock;
use hedgehog::code::Code;
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::ServedOutcome;
use hedgehog::time::NANOS_PER_MS;
use hedgehog::trace::Outcome;
use live_support::*;
use serde_json::json;

fn retry_config(max_attempts: u32, backoff: &str) -> String {
    json!({"methodConfig": [{"name": [{"service": "echo.Echo"}],
        "retryPolicy": {"maxAttempts": max_attempts, "initialBackoff": backoff,
            "maxBackoff": backoff, "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]})
    .to_string()
}

fn hello() -> EchoRequest {
    EchoRequest {
        message: "hello".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushback_sets_the_gap_instead_of_backoff_r36() {
    let script = json!({"schedule": {"script": [
        {"status": "UNAVAILABLE", "pushback_ms": "150"}, {"status": "OK"}], "then": "last"}});
    let mut server = server(script).await;
    let (layer, recorder) = exact_layer(&retry_config(3, "0.01s"));
    let reply = client(&server, layer)
        .unary_echo(hello())
        .await
        .expect("2nd attempt succeeds");
    assert_eq!(reply.into_inner().message, "hello");
    assert_eq!(previous(&served(&mut server, 2).await), [None, Some("1")]);
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.attempts[0].pushback.as_deref(), Some("150"));
    let gap = call.attempts[1].sent - call.attempts[0].ended.expect("ended");
    // 150ms, not the 10ms backoff; timers may fire up to a tick late, never early.
    assert!(gap >= 150 * NANOS_PER_MS, "gap {gap}ns");
    assert!(gap < 1_000 * NANOS_PER_MS, "gap {gap}ns");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_commit_so_a_later_failure_is_not_retried_r30_r31() {
    let script = json!({"schedule": {"script": [
        {"status": "UNAVAILABLE", "headers_first": true, "latency_ms": 20}, {"status": "OK"}],
        "then": "last"}});
    let mut server = server(script).await;
    let (layer, recorder) = exact_layer(&retry_config(4, "0.01s"));
    let status = client(&server, layer)
        .unary_echo(hello())
        .await
        .expect_err("committed failure");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.attempts.len(), 1, "{call:#?}");
    assert!(call.attempts[0].committed);
    assert_eq!(call.status, Code::Unavailable);
    // The call is over, so nothing more can reach the server: it saw exactly one attempt.
    assert_eq!(
        served(&mut server, 1).await[0].outcome,
        ServedOutcome::Answered(Code::Unavailable)
    );
    assert!(server.attempts.try_recv().is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_ends_the_call_during_backoff_r77_d18() {
    let mut server = server(json!({"schedule": {"req_modulo": 1000}})).await;
    let (layer, recorder) = exact_layer(&retry_config(5, "0.1s"));
    let t0 = layer.clock().now();
    let mut request = tonic::Request::new(hello());
    request.set_timeout(std::time::Duration::from_millis(150));
    let status = client(&server, layer)
        .unary_echo(request)
        .await
        .expect_err("deadline");
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded);
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.status, Code::DeadlineExceeded);
    // The deadline counts from the application's call (after t0), never ends early.
    let took = call.ended - t0;
    assert!(took >= 150 * NANOS_PER_MS, "ended early: {took}ns");
    // Without the deadline the call would run to its 5th attempt, past 400ms.
    assert!(took < 250 * NANOS_PER_MS, "ended late: {took}ns");
    // Attempts at 0 and 100ms; the deadline falls in the second backoff, no 3rd attempt.
    assert_eq!(call.attempts.len(), 2, "{call:#?}");
    assert_eq!(previous(&served(&mut server, 2).await), [None, Some("1")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hedge_wins_and_the_server_sees_the_loser_cancelled_r53_r55() {
    let script = json!({"schedule": {"script": [
        {"status": "OK", "latency_ms": 2000}, {"status": "OK", "latency_ms": 0}], "then": "last"}});
    let mut server = server(script).await;
    let config = json!({"methodConfig": [{"name": [{"service": "echo.Echo"}],
        "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0.05s"}}]})
    .to_string();
    let (layer, recorder) = exact_layer(&config);
    let reply = client(&server, layer)
        .unary_echo(hello())
        .await
        .expect("the hedge answers");
    assert_eq!(reply.into_inner().message, "hello");
    let seen = served(&mut server, 2).await;
    // The hedge (2nd arrival, previous 1: R76) answers first; then the original is reset.
    assert_eq!((seen[0].count, seen[0].previous.as_deref()), (2, Some("1")));
    assert_eq!(seen[0].outcome, ServedOutcome::Answered(Code::Ok));
    assert_eq!((seen[1].count, seen[1].previous.as_deref()), (1, None));
    assert_eq!(seen[1].outcome, ServedOutcome::CancelledByClient);
    assert!(seen[1].elapsed < std::time::Duration::from_millis(2000));
    let call = &calls(&recorder, 1).await[0];
    let outcomes: Vec<_> = call.attempts.iter().map(|a| a.outcome).collect();
    assert_eq!(
        outcomes,
        [Some(Outcome::Cancelled), Some(Outcome::Status(Code::Ok))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_streaming_is_retried_before_headers_r65() {
    let script = json!({"schedule": {"script": [{"status": "UNAVAILABLE"}, {"status": "OK"}],
        "then": "last"}});
    let mut server = server(script).await;
    let (layer, _) = exact_layer(&retry_config(3, "0.01s"));
    let mut client = client(&server, layer);
    let mut stream = client
        .server_streaming_echo(hello())
        .await
        .expect("headers")
        .into_inner();
    let first = stream.message().await.expect("a reply");
    assert_eq!(first.map(|r| r.message).as_deref(), Some("hello"));
    assert_eq!(previous(&served(&mut server, 2).await), [None, Some("1")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_streaming_is_not_retried_after_headers_r31() {
    let script = json!({"schedule": {"script": [
        {"status": "UNAVAILABLE", "headers_first": true, "latency_ms": 10}, {"status": "OK"}],
        "then": "last"}});
    let mut server = server(script).await;
    let (layer, recorder) = exact_layer(&retry_config(3, "0.01s"));
    let mut client = client(&server, layer);
    let mut stream = client
        .server_streaming_echo(hello())
        .await
        .expect("headers")
        .into_inner();
    let error = stream
        .message()
        .await
        .expect_err("the committed attempt's status");
    assert_eq!(error.code(), tonic::Code::Unavailable);
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.attempts.len(), 1);
    assert!(call.attempts[0].committed);
    assert_eq!(previous(&served(&mut server, 1).await), [None]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_streaming_replays_every_message_sent_so_far_r65() {
    let script = json!({"schedule": {"script": [{"status": "UNAVAILABLE"}, {"status": "OK"}],
        "then": "last"}});
    let mut server = server(script).await;
    let (layer, _) = exact_layer(&retry_config(3, "0.01s"));
    let mut client = client(&server, layer);
    let messages = ["a", "b", "c"].map(|m| EchoRequest { message: m.into() });
    let reply = client
        .client_streaming_echo(futures_util::stream::iter(messages))
        .await
        .expect("2nd attempt succeeds");
    // The server joins what it received: all three messages reached the second attempt.
    assert_eq!(reply.into_inner().message, "a,b,c");
    assert_eq!(previous(&served(&mut server, 2).await), [None, Some("1")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_giving_up_resets_the_attempt_r33() {
    let script = json!({"schedule": {"script": [{"status": "OK", "latency_ms": 5000}]}});
    let mut server = server(script).await;
    let (layer, recorder) = exact_layer(&retry_config(3, "0.01s"));
    let mut client = client(&server, layer);
    // The application stops waiting (drops the call) long before the server would answer.
    let gave_up = tokio::time::timeout(
        std::time::Duration::from_millis(100),
        client.unary_echo(hello()),
    )
    .await;
    assert!(gave_up.is_err());
    let seen = served(&mut server, 1).await;
    assert_eq!(seen[0].outcome, ServedOutcome::CancelledByClient);
    assert!(seen[0].elapsed < std::time::Duration::from_millis(5000));
    // The call is still recorded, ended CANCELLED by the application.
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.status, Code::Cancelled);
    assert_eq!(call.attempts[0].outcome, Some(Outcome::Cancelled));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_still_ends_a_committed_stream_r77() {
    let script = json!({"schedule": {"script": [
        {"status": "OK", "headers_first": true, "latency_ms": 5000}]}});
    let mut server = server(script).await;
    let (layer, recorder) = exact_layer(&retry_config(3, "0.01s"));
    let mut client = client(&server, layer);
    let mut request = tonic::Request::new(hello());
    request.set_timeout(std::time::Duration::from_millis(150));
    let mut stream = client
        .server_streaming_echo(request)
        .await
        .expect("headers")
        .into_inner();
    let status = stream
        .message()
        .await
        .expect_err("the deadline passes mid-stream");
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded);
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.status, Code::DeadlineExceeded);
    assert!(call.attempts[0].committed);
    let seen = served(&mut server, 1).await;
    assert_eq!(seen[0].outcome, ServedOutcome::CancelledByClient);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_committed_stream_cancels_the_call_r33() {
    let script = json!({"schedule": {"script": [
        {"status": "OK", "headers_first": true, "latency_ms": 5000}]}});
    let mut server = server(script).await;
    let (layer, recorder) = exact_layer(&retry_config(3, "0.01s"));
    let mut client = client(&server, layer);
    let stream = client
        .server_streaming_echo(hello())
        .await
        .expect("headers");
    drop(stream);
    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.status, Code::Cancelled);
    assert!(call.attempts[0].committed);
    let seen = served(&mut server, 1).await;
    assert_eq!(seen[0].outcome, ServedOutcome::CancelledByClient);
}
