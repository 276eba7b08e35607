//! Where a timeout sits decides what it means (see the layer's module docs): a timeout
//! *below* the layer — tower's `timeout` or tonic's `Endpoint::timeout` — ends one attempt, which
//! the layer reports as UNAVAILABLE, so a policy that retries UNAVAILABLE retries it (R21).
//! (tonic's `Request::set_timeout` is the whole call's deadline: `tests/live_a6.rs`,
//! `deadline_ends_the_call_during_backoff_r77_d18`.)
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::sync::Arc;
use std::time::Duration;

use hedgehog::code::Code;
use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::RetryLayer;
use hedgehog::trace::{CallRecord, Outcome, TraceRecorder};
use live_support::{calls, raw_h2, request, WAIT};
use tokio::sync::mpsc;
use tonic::transport::Channel;
use tower::ServiceBuilder;

/// Accepts every stream and never answers; reports each stream's `grpc-previous-rpc-attempts`.
async fn silent_server() -> (String, mpsc::UnboundedReceiver<Option<String>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let uri = raw_h2::serve(move |request, respond| {
        let _ = tx.send(raw_h2::previous(&request));
        async move {
            let _held = respond;
            std::future::pending::<()>().await;
        }
    })
    .await;
    (uri, rx)
}

const RETRY_UNAVAILABLE: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
    "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
                    "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

fn layer() -> (RetryLayer, Arc<TraceRecorder>) {
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let layer = RetryLayer::builder()
        .service_config(RETRY_UNAVAILABLE)
        .recorder(recorder.clone())
        .build()
        .expect("valid");
    (layer, recorder)
}

async fn check(
    status: tonic::Status,
    recorder: &TraceRecorder,
    seen: &mut mpsc::UnboundedReceiver<Option<String>>,
    says: &str,
) -> CallRecord {
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert!(status.message().contains(says), "{status:?}");
    let call = calls(recorder, 1).await.remove(0);
    let outcomes: Vec<_> = call.attempts.iter().map(|a| a.outcome).collect();
    assert_eq!(
        outcomes,
        [Some(Outcome::Status(Code::Unavailable)); 3],
        "each timed-out attempt is an UNAVAILABLE the policy retries"
    );
    for expected in [None, Some("1"), Some("2")] {
        let previous = tokio::time::timeout(WAIT, seen.recv())
            .await
            .expect("in time");
        assert_eq!(previous, Some(expected.map(str::to_string)));
    }
    call
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tower_timeout_below_the_layer_is_a_per_attempt_timeout_r21() {
    let (uri, mut seen) = silent_server().await;
    let (layer, recorder) = layer();
    let channel = Channel::from_shared(uri).expect("uri").connect_lazy();
    let service = ServiceBuilder::new()
        .layer(layer)
        .timeout(Duration::from_millis(30))
        .service(channel);
    let status = EchoClient::new(service)
        .unary_echo(request("x"))
        .await
        .expect_err("the server never answers");
    check(status, &recorder, &mut seen, "request timed out").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tonics_endpoint_timeout_is_a_per_attempt_timeout_r21() {
    let (uri, mut seen) = silent_server().await;
    let (layer, recorder) = layer();
    let channel = Channel::from_shared(uri)
        .expect("uri")
        .timeout(Duration::from_millis(30))
        .connect_lazy();
    let service = ServiceBuilder::new().layer(layer).service(channel);
    let status = EchoClient::new(service)
        .unary_echo(request("x"))
        .await
        .expect_err("the server never answers");
    check(status, &recorder, &mut seen, "imeout expired").await;
}
