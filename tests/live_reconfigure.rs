//! Replacing a running layer's service config (A21's rule: R5, D3) under concurrent calls,
//! over real HTTP/2. A gated h2 server holds every stream until the test opens the gate, so
//! calls are provably in flight across each update: retry → hedging → an invalid update →
//! retry again → hedging, then the server answers. Calls keep the plan they started with; new calls take the new one.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::sync::Arc;

use hedgehog::code::Code;
use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::{RetryLayer, RetryService};
use hedgehog::trace::TraceRecorder;
use live_support::{calls, client_to, raw_h2, request, WAIT};
use tokio::sync::{mpsc, watch};
use tonic::transport::Channel;

/// Holds every stream until `gate` opens, then answers Trailers-Only UNAVAILABLE; reports
/// each stream's arrival.
async fn gated_server(gate: watch::Receiver<bool>) -> (String, mpsc::UnboundedReceiver<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let uri = raw_h2::serve(move |_request, mut respond| {
        let (mut gate, tx) = (gate.clone(), tx.clone());
        async move {
            let _ = tx.send(());
            let _ = gate.wait_for(|open| *open).await;
            let response = raw_h2::grpc_headers(&[("grpc-status", "14")]);
            let _ = respond.send_response(response, true);
        }
    })
    .await;
    (uri, rx)
}

const RETRY: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
    "retryPolicy": {"maxAttempts": 2, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
                    "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

const HEDGING: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
    "hedgingPolicy": {"maxAttempts": 4, "hedgingDelay": "0s",
                      "nonFatalStatusCodes": ["UNAVAILABLE"]}}]}"#;

/// `maxAttempts` below 2 and an unknown status code: two errors, the whole config refused.
const INVALID: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
    "retryPolicy": {"maxAttempts": 1, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
                    "backoffMultiplier": 1, "retryableStatusCodes": ["NOT_A_CODE"]}}]}"#;

/// Calls per group.
const N: usize = 6;

type Client = EchoClient<RetryService<Channel>>;

/// Starts `N` calls and waits until the server holds `streams` new streams from them.
async fn start_group(
    client: &Client,
    arrivals: &mut mpsc::UnboundedReceiver<()>,
    streams: usize,
    running: &mut Vec<tokio::task::JoinHandle<tonic::Code>>,
) {
    for _ in 0..N {
        let mut client = client.clone();
        running.push(tokio::spawn(async move {
            match client.unary_echo(request("x")).await {
                Ok(_) => tonic::Code::Ok,
                Err(status) => status.code(),
            }
        }));
    }
    for i in 0..streams {
        let arrived = tokio::time::timeout(WAIT, arrivals.recv()).await;
        assert!(
            matches!(arrived, Ok(Some(()))),
            "only {i} of {streams} streams arrived"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_retry_to_hedging_and_back_under_concurrent_calls_r5_d3() {
    let (open, gate) = watch::channel(false);
    let (uri, mut arrivals) = gated_server(gate).await;
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let layer = RetryLayer::builder()
        .service_config(RETRY)
        .recorder(recorder.clone())
        .seed(1)
        .build()
        .expect("valid");
    let handle = layer.config_handle();
    let client = client_to(&uri, layer);
    let mut running = Vec::new();

    // Calls 0..N: retry, first attempts held by the server.
    start_group(&client, &mut arrivals, N, &mut running).await;
    // Calls N..2N: hedging, all four attempts at once.
    handle.update(HEDGING).expect("valid");
    start_group(&client, &mut arrivals, 4 * N, &mut running).await;
    // An invalid update: every error back, hedging still in force for calls 2N..3N.
    let Err(hedgehog::config::ParseError::Invalid(invalid)) = handle.update(INVALID) else {
        panic!("the invalid config is refused");
    };
    let paths: Vec<_> = invalid.errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths.len(), 2, "both errors reported: {paths:?}");
    start_group(&client, &mut arrivals, 4 * N, &mut running).await;
    // Calls 3N..4N: retry again.
    handle.update(RETRY).expect("valid");
    start_group(&client, &mut arrivals, N, &mut running).await;

    // Hedging in force again while every call so far is in flight: the retry calls still
    // retry once (their plan), they do not take four attempts.
    handle.update(HEDGING).expect("valid");
    // Now let the server answer.
    open.send(true).expect("server alive");
    for call in running {
        let code = tokio::time::timeout(WAIT, call).await.expect("in time");
        assert_eq!(code.expect("call task"), tonic::Code::Unavailable);
    }
    let records = calls(&recorder, 4 * N).await;
    let mut attempts: Vec<(u64, Vec<Option<u32>>)> = records
        .iter()
        .map(|c| {
            assert_eq!(c.status, Code::Unavailable);
            (c.call, c.attempts.iter().map(|a| a.previous).collect())
        })
        .collect();
    attempts.sort();
    let retry = vec![None, Some(1)];
    let hedged = vec![None, Some(1), Some(2), Some(3)];
    for (call, previous) in attempts {
        let group = usize::try_from(call).expect("small") / N;
        let expected = if group == 1 || group == 2 {
            &hedged
        } else {
            &retry
        };
        assert_eq!(&previous, expected, "call {call} (group {group})");
    }
}
