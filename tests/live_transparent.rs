//! Transparent retry over real HTTP/2 (R70, R71): a raw h2 server refuses the first stream with
//! RST_STREAM(REFUSED_STREAM); the client replays it at once, outside the policy, with the same
//! attempt number and no `grpc-previous-rpc-attempts`, even without any retry policy.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::sync::Arc;

use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::RetryLayer;
use hedgehog::trace::{Outcome, TraceRecorder};
use live_support::{calls, WAIT};
use tokio::sync::mpsc;
use tower::ServiceBuilder;

/// Refuses stream 1, answers every later stream Trailers-Only UNAVAILABLE; reports each
/// stream's `grpc-previous-rpc-attempts`.
async fn refusing_server() -> (String, mpsc::UnboundedReceiver<Option<String>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let Ok((socket, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut conn) = h2::server::handshake(socket).await else {
            return;
        };
        let mut n = 0;
        while let Some(Ok((request, mut respond))) = conn.accept().await {
            n += 1;
            let previous = request
                .headers()
                .get("grpc-previous-rpc-attempts")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let _ = tx.send(previous);
            if n == 1 {
                respond.send_reset(h2::Reason::REFUSED_STREAM);
                continue;
            }
            let response = http::Response::builder()
                .status(200)
                .header("content-type", "application/grpc")
                .header("grpc-status", "14")
                .body(())
                .expect("response");
            let _ = respond.send_response(response, true);
        }
    });
    (format!("http://{addr}"), rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_stream_is_replayed_once_outside_the_policy_r70_r71() {
    let (uri, mut seen) = refusing_server().await;
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let layer = RetryLayer::builder()
        .recorder(recorder.clone())
        .build()
        .expect("layer");
    let channel = tonic::transport::Channel::from_shared(uri)
        .expect("uri")
        .connect_lazy();
    let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(channel));
    let status = client
        .unary_echo(EchoRequest {
            message: "hi".into(),
        })
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
