//! A client-streaming request that outgrows the retry buffer in the middle of the call commits
//! it (R30b, R61, R66), over real HTTP/2 on 127.0.0.1.
//!
//! The server here is hand-written so it can fail *because of* the overflowing message: it
//! reports every message it receives, and answers UNAVAILABLE (a status the policy retries)
//! as soon as it receives a big one. The test sends the big message only after the server has
//! reported the first, so the overflow surely happens mid-call, not when the call starts. Every
//! wait is bounded; nothing sleeps.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::stream::{self, BoxStream};
use hedgehog::code::Code;
use hedgehog::engine::Jitter;
use hedgehog::live::pb::echo_server::{Echo, EchoServer};
use hedgehog::live::pb::{echo_client::EchoClient, EchoRequest, EchoResponse};
use hedgehog::live::{RetryLayer, PREVIOUS_ATTEMPTS};
use hedgehog::trace::{EventKind, Outcome, TraceRecorder};
use live_support::{calls, WAIT};
use serde_json::json;
use tokio::sync::mpsc;
use tonic::{Request, Response, Status, Streaming};
use tower::ServiceBuilder;

/// The per-RPC buffer limit: the first message (8 bytes framed) fits, the big one does not.
const LIMIT: usize = 64;
/// A message this long overflows the buffer, and the server fails on receiving it.
const BIG: usize = 100;

/// What the server saw of one attempt, named by its `grpc-previous-rpc-attempts` header.
#[derive(Debug, PartialEq)]
enum Seen {
    /// A message of `len` characters arrived.
    Message {
        previous: Option<String>,
        len: usize,
    },
    /// The attempt's request ended without the big message: the client went away. (A reset
    /// stream may reach the handler as an error or as a plain end, depending on timing.)
    Gone { previous: Option<String> },
}

struct Server {
    seen: mpsc::UnboundedSender<Seen>,
}

/// Reports the attempt gone unless the handler failed it on the big message.
struct Watch {
    seen: mpsc::UnboundedSender<Seen>,
    previous: Option<String>,
    answered: bool,
}

impl Drop for Watch {
    fn drop(&mut self) {
        if !self.answered {
            let previous = self.previous.take();
            let _ = self.seen.send(Seen::Gone { previous });
        }
    }
}

type Replies = BoxStream<'static, Result<EchoResponse, Status>>;

#[tonic::async_trait]
impl Echo for Server {
    async fn unary_echo(&self, _: Request<EchoRequest>) -> Result<Response<EchoResponse>, Status> {
        Err(Status::unimplemented("not used"))
    }

    type ServerStreamingEchoStream = Replies;
    async fn server_streaming_echo(
        &self,
        _: Request<EchoRequest>,
    ) -> Result<Response<Replies>, Status> {
        Err(Status::unimplemented("not used"))
    }

    async fn client_streaming_echo(
        &self,
        request: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<EchoResponse>, Status> {
        let previous = request
            .metadata()
            .get(PREVIOUS_ATTEMPTS)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut watch = Watch {
            seen: self.seen.clone(),
            previous: previous.clone(),
            answered: false,
        };
        let mut inbound = request.into_inner();
        let mut all = Vec::new();
        while let Some(m) = inbound.message().await? {
            let len = m.message.len();
            let previous = previous.clone();
            let _ = self.seen.send(Seen::Message { previous, len });
            if len >= BIG {
                watch.answered = true;
                return Err(Status::unavailable("failing after the big message"));
            }
            all.push(m.message);
        }
        Ok(Response::new(EchoResponse {
            message: all.join(","),
        }))
    }

    type BidirectionalStreamingEchoStream = Replies;
    async fn bidirectional_streaming_echo(
        &self,
        _: Request<Streaming<EchoRequest>>,
    ) -> Result<Response<Replies>, Status> {
        Err(Status::unimplemented("not used"))
    }
}

/// Serves [`Server`] on an ephemeral port; returns its address and what it sees.
async fn start() -> (SocketAddr, mpsc::UnboundedReceiver<Seen>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let (seen, rx) = mpsc::unbounded_channel();
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    let service = EchoServer::new(Server { seen });
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(incoming),
    );
    (addr, rx)
}

async fn next(seen: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(WAIT, seen.recv())
        .await
        .expect("the server reported in time")
        .expect("the server is running")
}

fn message(len: usize) -> EchoRequest {
    EchoRequest {
        message: "x".repeat(len),
    }
}

/// Runs one client-streaming call through a layer for `config` with a [`LIMIT`]-byte buffer:
/// one small message, then — once the server has received it on `attempts` attempts — a big
/// one. Returns the call's status code, the recorder, the server's reports so far and the
/// channel of its later ones.
async fn overflow_mid_call(
    config: serde_json::Value,
    attempts: usize,
) -> (
    tonic::Code,
    Arc<TraceRecorder>,
    Vec<Seen>,
    mpsc::UnboundedReceiver<Seen>,
) {
    let (addr, mut seen) = start().await;
    let recorder = Arc::new(TraceRecorder::new());
    let layer = RetryLayer::builder()
        .service_config(&config.to_string())
        .jitter(Jitter::None)
        .per_rpc_buffer_limit(LIMIT)
        .recorder(recorder.clone())
        .build()
        .expect("valid config");
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .expect("valid uri")
        .connect_lazy();
    let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(channel));
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(message(1)).expect("queued");
    let requests = stream::unfold(rx, |mut rx| async { rx.recv().await.map(|m| (m, rx)) });
    let call = tokio::spawn(async move { client.client_streaming_echo(requests).await });
    let mut reports = Vec::new();
    for _ in 0..attempts {
        reports.push(next(&mut seen).await);
    }
    tx.send(message(BIG)).expect("queued");
    let result = tokio::time::timeout(WAIT, call)
        .await
        .expect("the call ended in time")
        .expect("the call task");
    drop(tx);
    let code = result.err().map_or(tonic::Code::Ok, |s| s.code());
    calls(&recorder, 1).await;
    while let Ok(report) = seen.try_recv() {
        reports.push(report);
    }
    (code, recorder, reports, seen)
}

fn commits(recorder: &TraceRecorder) -> Vec<String> {
    recorder
        .events()
        .into_iter()
        .filter(|e| e.kind == EventKind::Commit)
        .map(|e| e.detail)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_stream_outgrowing_the_buffer_mid_call_is_committed_r30_r66() {
    let config = json!({"methodConfig": [{"name": [{"service": "echo.Echo"}],
        "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.001s", "maxBackoff": "0.001s",
            "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]});
    let (code, recorder, seen, _) = overflow_mid_call(config, 1).await;
    // UNAVAILABLE is retryable and attempts remain, but the call was committed when its
    // request outgrew the buffer: the failure goes to the application (R31).
    assert_eq!(code, tonic::Code::Unavailable);
    let call = &recorder.calls()[0];
    assert_eq!(call.status, Code::Unavailable);
    assert_eq!(call.attempts.len(), 1, "no attempt after the commit");
    assert!(call.attempts[0].committed);
    assert_eq!(commits(&recorder), ["buffer overflow"]);
    // The server saw one attempt, with both messages.
    assert_eq!(
        seen,
        [
            Seen::Message {
                previous: None,
                len: 1
            },
            Seen::Message {
                previous: None,
                len: BIG
            }
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hedged_stream_outgrowing_the_buffer_commits_to_one_hedge_r61_r66() {
    let config = json!({"methodConfig": [{"name": [{"service": "echo.Echo"}],
        "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0s",
            "nonFatalStatusCodes": ["UNAVAILABLE"]}}]});
    // Both hedges receive the first message before the big one is sent.
    let (code, recorder, mut seen, mut later) = overflow_mid_call(config, 2).await;
    assert_eq!(code, tonic::Code::Unavailable);
    let call = &recorder.calls()[0];
    assert_eq!(call.attempts.len(), 2, "no third hedge (R61)");
    let committed: Vec<usize> = (0..2).filter(|&i| call.attempts[i].committed).collect();
    assert_eq!(committed.len(), 1, "committed to exactly one hedge");
    let (winner, loser) = (committed[0], 1 - committed[0]);
    assert_eq!(
        call.attempts[winner].outcome,
        Some(Outcome::Status(Code::Unavailable))
    );
    assert_eq!(call.attempts[loser].outcome, Some(Outcome::Cancelled));
    assert_eq!(commits(&recorder), ["buffer overflow"]);
    // Only the committed hedge received the big message (R66: it is not buffered).
    let previous = |i: usize| call.attempts[i].previous.map(|p| p.to_string());
    let big: Vec<&Seen> = seen
        .iter()
        .filter(|s| matches!(s, Seen::Message { len, .. } if *len == BIG))
        .collect();
    assert_eq!(
        big,
        [&Seen::Message {
            previous: previous(winner),
            len: BIG
        }]
    );
    // The other one was cancelled: the server sees its stream reset (perhaps only after the
    // call has ended, so wait for it, bounded).
    let cancelled = Seen::Gone {
        previous: previous(loser),
    };
    while !seen.contains(&cancelled) {
        seen.push(next(&mut later).await);
    }
}
