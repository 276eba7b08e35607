//! `google.rpc.RetryInfo` as an opt-in pushback source, and status details kept intact, over
//! real HTTP/2 against a scripted h2 server (pushback rules: R35–R37).
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::sync::Arc;

use hedgehog::code::Code;
use hedgehog::engine::Jitter;
use hedgehog::live::retry_info::{encode_details, status_with_retry_delay};
use hedgehog::live::RetryLayer;
use hedgehog::trace::{CallRecord, Outcome, TraceRecorder};
use live_support::{calls, client_to, raw_h2, request};
use prost::Message;

/// How the scripted server answers every stream.
#[derive(Clone)]
struct Reply {
    /// Extra status headers (grpc-status, details, pushback).
    status: Vec<(&'static str, String)>,
    /// Answer with response headers first and the status in trailers (a committed attempt).
    committed: bool,
}

async fn scripted_server(reply: Reply) -> String {
    raw_h2::serve(move |_request, mut respond| {
        let reply = reply.clone();
        async move {
            let status: Vec<(&str, &str)> = reply
                .status
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            if !reply.committed {
                let _ = respond.send_response(raw_h2::grpc_headers(&status), true);
                return;
            }
            let mut trailers = http::HeaderMap::new();
            for (name, value) in status {
                trailers.append(name, value.parse().expect("header value"));
            }
            if let Ok(mut stream) = respond.send_response(raw_h2::grpc_headers(&[]), false) {
                let _ = stream.send_trailers(trailers);
            }
        }
    })
    .await
}

const POLICY: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
    "retryPolicy": {"maxAttempts": 2, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
                    "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

/// One call through a layer (RetryInfo read or not) to a server answering `reply`.
async fn call(reply: Reply, retry_info: bool) -> (tonic::Status, CallRecord) {
    call_with(POLICY, reply, retry_info).await
}

async fn call_with(config: &str, reply: Reply, retry_info: bool) -> (tonic::Status, CallRecord) {
    let uri = scripted_server(reply).await;
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let layer = RetryLayer::builder()
        .service_config(config)
        .jitter(Jitter::None)
        .retry_info_pushback(retry_info)
        .recorder(recorder.clone())
        .build()
        .expect("layer");
    let mut client = client_to(&uri, layer);
    let status = client
        .unary_echo(request("hi"))
        .await
        .expect_err("the server only fails");
    let record = calls(&recorder, 1).await.remove(0);
    (status, record)
}

/// A Trailers-Only failure with `code` whose details hold a RetryInfo of `seconds` +
/// `nanos`, and the serialized details the application must get back.
fn failing(code: i32, seconds: i64, nanos: i32) -> (Vec<u8>, Reply) {
    let status = status_with_retry_delay(code, seconds, nanos);
    let reply = Reply {
        status: vec![
            ("grpc-status", code.to_string()),
            ("grpc-status-details-bin", encode_details(&status)),
        ],
        committed: false,
    };
    (status.encode_to_vec(), reply)
}

fn pushbacks(record: &CallRecord) -> Vec<Option<&str>> {
    record
        .attempts
        .iter()
        .map(|a| a.pushback.as_deref())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_info_delays_the_retry_when_enabled_r36() {
    let (bytes, reply) = failing(14, 0, 150_000_000);
    let (status, record) = call(reply, true).await;
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(
        status.details(),
        &bytes[..],
        "details reach the application intact"
    );
    assert_eq!(pushbacks(&record), [Some("150"), Some("150")]);
    let first_end = record.attempts[0].ended.expect("ended");
    let second_sent = record.attempts[1].sent;
    assert!(
        second_sent - first_end >= 150 * hedgehog::time::NANOS_PER_MS,
        "the retry waited the RetryInfo delay, not the 1 ms backoff: {} ns",
        second_sent - first_end
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_info_is_ignored_by_default() {
    let (bytes, reply) = failing(14, 30, 0);
    // With it read, this call would wait 30 s; by default the 1 ms backoff applies.
    let (status, record) = call(reply, false).await;
    assert_eq!(status.details(), &bytes[..]);
    assert_eq!(pushbacks(&record), [None, None]);
    assert_eq!(record.attempts.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_retry_pushback_ms_takes_precedence_over_retry_info_r35() {
    let (bytes, mut reply) = failing(14, 30, 0);
    reply.status.push(("grpc-retry-pushback-ms", "5".into()));
    let (status, record) = call(reply, true).await;
    assert_eq!(status.details(), &bytes[..]);
    assert_eq!(pushbacks(&record), [Some("5"), Some("5")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_survive_a_non_retryable_status_r21() {
    let (bytes, mut reply) = failing(3, 0, 1_000_000);
    reply.status.push(("grpc-message", "bad%20request".into()));
    let (status, record) = call(reply, true).await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(status.message(), "bad request");
    assert_eq!(status.details(), &bytes[..]);
    assert_eq!(record.attempts.len(), 1, "not retryable");
    assert_eq!(
        record.attempts[0].outcome,
        Some(Outcome::Status(Code::InvalidArgument))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_in_trailers_of_a_committed_attempt_survive_r30() {
    let (bytes, mut reply) = failing(14, 0, 2_000_000);
    reply.committed = true;
    let (status, record) = call(reply, true).await;
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(status.details(), &bytes[..]);
    // Committed at headers: no retry, but the trailers' RetryInfo is still read and recorded.
    assert_eq!(pushbacks(&record), [Some("2")]);
    assert!(record.attempts[0].committed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_survive_a_throttled_retry_r43() {
    // One token: the first failure leaves the bucket at 0, not above half: no retry (R42, R43).
    let config = POLICY.replacen(
        "}}]}",
        r#"}}], "retryThrottling": {"maxTokens": 1, "tokenRatio": 0.1}}"#,
        1,
    );
    let (bytes, reply) = failing(14, 0, 1_000_000);
    let (status, record) = call_with(&config, reply, true).await;
    assert_eq!(record.attempts.len(), 1, "throttled: {record:?}");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(status.details(), &bytes[..]);
}
