//! Client-side limits over real HTTP/2: the retry buffer (R64–R66, D22) and retry throttling
//! shared per target (R41, D12).
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::sync::Arc;

use hedgehog::engine::{Jitter, ThrottleRegistry};
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::RetryLayer;
use hedgehog::trace::TraceRecorder;
use live_support::*;
use serde_json::json;

/// "hello" encodes as a 5-byte gRPC frame header + 7 bytes of protobuf.
const HELLO_BYTES: usize = 12;

fn config(throttle: Option<serde_json::Value>) -> String {
    let mut c = json!({"methodConfig": [{"name": [{"service": "echo.Echo"}],
        "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
            "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]});
    if let Some(t) = throttle {
        c["retryThrottling"] = t;
    }
    c.to_string()
}

async fn attempts_of_one_call(
    server: &hedgehog::live::RunningServer,
    layer: RetryLayer,
    recorder: &TraceRecorder,
    nth: usize,
) -> (tonic::Code, usize) {
    let result = client(server, layer)
        .unary_echo(EchoRequest {
            message: "hello".into(),
        })
        .await;
    let code = result.err().map_or(tonic::Code::Ok, |s| s.code());
    let calls = calls(recorder, nth).await;
    (code, calls[nth - 1].attempts.len())
}

fn buffered_layer(limit: usize) -> (RetryLayer, Arc<TraceRecorder>) {
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let layer = RetryLayer::builder()
        .service_config(&config(None))
        .jitter(Jitter::None)
        .per_rpc_buffer_limit(limit)
        .recorder(recorder.clone())
        .build()
        .expect("valid config");
    (layer, recorder)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_the_buffer_limit_is_sent_once_r66() {
    let script = json!({"schedule": {"script": [{"status": "UNAVAILABLE"}, {"status": "OK"}]}});
    let server = server(script).await;
    let (layer, recorder) = buffered_layer(HELLO_BYTES - 1);
    let (code, attempts) = attempts_of_one_call(&server, layer, &recorder, 1).await;
    assert_eq!((code, attempts), (tonic::Code::Unavailable, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_exactly_at_the_limit_still_fits_d22() {
    let script = json!({"schedule": {"script": [{"status": "UNAVAILABLE"}, {"status": "OK"}]}});
    let server = server(script).await;
    let (layer, recorder) = buffered_layer(HELLO_BYTES);
    let (code, attempts) = attempts_of_one_call(&server, layer, &recorder, 1).await;
    assert_eq!((code, attempts), (tonic::Code::Ok, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layers_naming_one_target_share_its_throttle_r41_d12() {
    let server = server(json!({"schedule": {"req_modulo": 1000}})).await;
    let registry = Arc::new(ThrottleRegistry::new());
    let throttled = config(Some(json!({"maxTokens": 3, "tokenRatio": 0.1})));
    let layer_for = |target: &str, recorder: &Arc<TraceRecorder>| {
        RetryLayer::builder()
            .service_config(&throttled)
            .jitter(Jitter::None)
            .target(target)
            .throttle_registry(registry.clone())
            .recorder(recorder.clone())
            .build()
            .expect("valid config")
    };
    // 3 tokens; retries need more than half (1.5): fail → 2 (retry), fail → 1 (stop).
    let a = Arc::new(TraceRecorder::with_events(false));
    let first = attempts_of_one_call(&server, layer_for("svc-1", &a), &a, 1).await;
    assert_eq!(first, (tonic::Code::Unavailable, 2));
    // Another layer, same target: 1 token left, its first failure leaves 0, no retry.
    let b = Arc::new(TraceRecorder::with_events(false));
    let second = attempts_of_one_call(&server, layer_for("svc-1", &b), &b, 1).await;
    assert_eq!(second, (tonic::Code::Unavailable, 1));
    // Another target has a full throttle of its own.
    let c = Arc::new(TraceRecorder::with_events(false));
    let third = attempts_of_one_call(&server, layer_for("svc-2", &c), &c, 1).await;
    assert_eq!(third, (tonic::Code::Unavailable, 2));
}

/// A client ceiling and `maxAttempts` of `u32::MAX` (R16, D4) size nothing by that number: the
/// call retries through a failure and succeeds instead of aborting on a huge allocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_limit_of_u32_max_allocates_nothing_by_it_r16() {
    let script = json!({"schedule": {"script": [{"status": "UNAVAILABLE"}, {"status": "OK"}]}});
    let server = server(script).await;
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let huge = config(None).replace("\"maxAttempts\":5", "\"maxAttempts\":4294967295");
    assert!(huge.contains("4294967295"), "{huge}");
    let layer = RetryLayer::builder()
        .service_config(&huge)
        .max_attempts_limit(u32::MAX)
        .jitter(Jitter::None)
        .recorder(recorder.clone())
        .build()
        .expect("valid config");
    let (code, attempts) = attempts_of_one_call(&server, layer, &recorder, 1).await;
    assert_eq!((code, attempts), (tonic::Code::Ok, 2));
}
