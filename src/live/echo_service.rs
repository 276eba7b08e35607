//! The failing echo server: a tonic service whose answer to every arriving attempt comes from
//! the simulator's server model ([`crate::scenario::server::ServerModel`]).
//!
//! Why a hand-written `Service` and not the generated `EchoServer` trait: the generated unary
//! handler returns `Result<Response, Status>`, which can only express "Trailers-Only error" or
//! "headers + message + OK". A6 needs a third shape, `headers_first` (response headers, then an
//! error status), to show that headers commit the call (R30, R31). gRPC frames unary and
//! server-streaming responses identically on the wire, so every method here goes through tonic's
//! streaming paths (`Grpc::server_streaming` / `Grpc::streaming`): returning `Err(Status)` from
//! the handler makes a Trailers-Only response (R32: early errors), returning `Ok(stream)` sends
//! headers at once and the stream's items later. Any other method of `echo.Echo` is answered
//! like `UnaryEcho`, so scenarios may name methods freely (per-method selection); tonic's router
//! answers UNIMPLEMENTED for other services.
//!
//! The decision (status, latency, raw pushback, headers_first) is drawn once per arriving
//! attempt, under one lock, when its headers arrive (in `Service::call`, before the body is
//! read), so attempts take steps in stream order (see [`super::server_handle`] for why that order
//! holds): the order the simulated server uses, so a seeded `fail_rate` server makes the same
//! choices live and simulated. Each attempt ends in a
//! [`ServedAttempt`] record sent to a channel, including attempts the client cancelled (the
//! handler future or response stream was dropped, which is what an HTTP/2 RST_STREAM does):
//! tests wait on these records instead of sleeping.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tonic::body::Body;
use tonic::server::{Grpc, NamedService};
use tonic::{Request, Response, Status, Streaming};

use super::pb::{EchoRequest, EchoResponse};
use super::served_attempt::{
    answer, previous_header, replies, wait_until, Attempt, ServedAttempt, Shared, StepSource,
};
use crate::code::Code;
use crate::scenario::server::Step;

/// A path the server answers OK at once, without consulting the model or recording: clients
/// use it to open and warm up a connection before measuring anything.
pub const WARMUP: &str = "/echo.Echo/HedgehogWarmup";

type Replies = super::served_attempt::Replies<EchoResponse>;

/// An attempt that has taken its step.
struct Arrived {
    attempt: Attempt,
    step: Step,
    deadline: Instant,
}

/// The echo service: `/echo.Echo/*` with answers from a [`StepSource`].
#[derive(Clone)]
pub struct EchoService {
    shared: Arc<Shared>,
}

impl EchoService {
    /// A service answering from `source`, and the channel its per-attempt records go to.
    pub fn new(source: impl StepSource) -> (Self, mpsc::UnboundedReceiver<ServedAttempt>) {
        let (records, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            source: Mutex::new((0, Box::new(source))),
            records,
        });
        (EchoService { shared }, rx)
    }

    /// Takes the model's step for an attempt whose headers just arrived. Called from
    /// `Service::call`, before the body is read: attempts reach the model in stream order.
    fn arrive(&self, path: &str, headers: &http::HeaderMap) -> Arrived {
        let (count, step) = self.shared.arrive();
        let records = self.shared.records.clone();
        let attempt = Attempt::arrive(records, count, path, previous_header(headers), step.clone());
        let deadline = attempt.arrived + std::time::Duration::from_nanos(step.latency);
        Arrived {
            attempt,
            step,
            deadline,
        }
    }
}

impl NamedService for EchoService {
    const NAME: &'static str = "echo.Echo";
}

/// Handles UnaryEcho and ServerStreamingEcho: one request message, echoed.
async fn single(
    arrived: Arrived,
    request: Request<EchoRequest>,
) -> Result<Response<Replies>, Status> {
    let Arrived {
        attempt,
        step,
        deadline,
    } = arrived;
    let message = request.into_inner().message;
    let messages = stream::iter([Ok(EchoResponse { message })]).boxed();
    answer(attempt, step, deadline, messages).await
}

/// Handles ClientStreamingEcho (one reply: the messages joined with `,`) and
/// BidirectionalStreamingEcho (one reply per message).
async fn streaming(
    arrived: Arrived,
    client_streaming: bool,
    request: Request<Streaming<EchoRequest>>,
) -> Result<Response<Replies>, Status> {
    let Arrived {
        mut attempt,
        step,
        deadline,
    } = arrived;
    let inbound = request.into_inner().map(|r| r.map(|m| m.message));
    let messages: Replies = if client_streaming {
        stream::once(async move {
            let all: Result<Vec<String>, Status> =
                inbound.collect::<Vec<_>>().await.into_iter().collect();
            all.map(|all| EchoResponse {
                message: all.join(","),
            })
        })
        .boxed()
    } else {
        inbound
            .map(|m| m.map(|message| EchoResponse { message }))
            .boxed()
    };
    if !step.headers_first {
        wait_until(deadline).await;
        if step.status != Code::Ok {
            return Err(attempt.status());
        }
    }
    let wait = stream::once(wait_until(deadline)).filter_map(|()| async { None });
    Ok(Response::new(
        wait.chain(replies(attempt, step, messages)).boxed(),
    ))
}

impl tower::Service<http::Request<Body>> for EchoService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let path = req.uri().path().to_string();
        let mut grpc = Grpc::new(tonic_prost::ProstCodec::<EchoResponse, EchoRequest>::default());
        if path == WARMUP {
            return Box::pin(async move {
                let handler = tower::service_fn(|r: Request<EchoRequest>| async move {
                    let reply = EchoResponse {
                        message: r.into_inner().message,
                    };
                    let replies: Replies = stream::iter([Ok(reply)]).boxed();
                    Ok::<_, Status>(Response::new(replies))
                });
                Ok(grpc.server_streaming(handler, req).await)
            });
        }
        // The step is taken now, in stream order, not after the body has been read.
        let mut arrived = Some(self.arrive(&path, req.headers()));
        Box::pin(async move {
            let response = match path.as_str() {
                "/echo.Echo/ClientStreamingEcho" | "/echo.Echo/BidirectionalStreamingEcho" => {
                    let client_streaming = path.ends_with("/ClientStreamingEcho");
                    let handler = tower::service_fn(move |r| {
                        let arrived = arrived.take().ok_or(());
                        async move {
                            let arrived = arrived.map_err(|()| Status::internal("called twice"))?;
                            streaming(arrived, client_streaming, r).await
                        }
                    });
                    grpc.streaming(handler, req).await
                }
                // UnaryEcho, ServerStreamingEcho, and any other echo.Echo method: scenarios may
                // name methods freely (per-method selection), and the model answers them all.
                _ => {
                    let handler = tower::service_fn(move |r| {
                        let arrived = arrived.take().ok_or(());
                        async move {
                            let arrived = arrived.map_err(|()| Status::internal("called twice"))?;
                            single(arrived, r).await
                        }
                    });
                    grpc.server_streaming(handler, req).await
                }
            };
            Ok(response)
        })
    }
}
