//! Transparent retry over real HTTP/2 (R70, R71): a raw h2 server refuses the first stream with
//! RST_STREAM(REFUSED_STREAM); the client replays it at once, outside the policy, with the same
//! attempt number and no `grpc-previous-rpc-attempts`, even without any retry policy.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hedgehog::live::RetryLayer;
use hedgehog::trace::{Outcome, TraceRecorder};
use live_support::{calls, client_to, raw_h2, request, WAIT};
use tokio::sync::mpsc;

/// Refuses stream 1, answers every later stream Trailers-Only UNAVAILABLE; reports each
/// stream's `grpc-previous-rpc-attempts`.
async fn refusing_server() -> (String, mpsc::UnboundedReceiver<Option<String>>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let streams = Arc::new(AtomicUsize::new(0));
    let uri = raw_h2::serve(move |request, mut respond| {
        let (tx, streams) = (tx.clone(), Arc::clone(&streams));
        async move {
            let _ = tx.send(raw_h2::previous(&request));
            if streams.fetch_add(1, Ordering::SeqCst) == 0 {
                respond.send_reset(h2::Reason::REFUSED_STREAM);
            } else {
                let response = raw_h2::grpc_headers(&[("grpc-status", "14")]);
                let _ = respond.send_response(response, true);
            }
        }
    })
    .await;
    (uri, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_stream_is_replayed_once_outside_the_policy_r70_r71() {
    let (uri, mut seen) = refusing_server().await;
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let layer = RetryLayer::builder()
        .recorder(recorder.clone())
        .build()
        .expect("layer");
    let mut client = client_to(&uri, layer);
    let status = client
        .unary_echo(request("hi"))
        .await
        .expect_err("the replay fails UNAVAILABLE");
    assert_eq!(status.code(), tonic::Code::Unavailable);

    let call = &calls(&recorder, 1).await[0];
    let attempts: Vec<_> = call
        .attempts
        .iter()
        .map(|a| (a.attempt, a.previous, a.outcome, a.transparent))
        .collect();
    assert_eq!(
        attempts,
        [
            (1, None, Some(Outcome::Refused), false),
            (
                1,
                None,
                Some(Outcome::Status(hedgehog::code::Code::Unavailable)),
                true
            ),
        ]
    );
    for _ in 0..2 {
        let previous = tokio::time::timeout(WAIT, seen.recv())
            .await
            .expect("in time");
        assert_eq!(
            previous,
            Some(None),
            "no grpc-previous-rpc-attempts on either stream"
        );
    }
}
