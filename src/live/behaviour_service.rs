//! [`BehaviourService`]: any [`Behaviour`] as a real gRPC server, for every method of every
//! service — the user's own proto included.
//!
//! Why no generated code: gRPC frames every message alike, so the service reads frames with
//! [`BytesCodec`] and never decodes a message. Every path goes through tonic's bidirectional
//! streaming path, which serves unary, server-, client- and bidi-streaming calls alike: the
//! first request message (or none, if the client half-closes first) is what the behaviour
//! sees, and an OK answer sends one reply message — the request back, nothing (the empty
//! encoding of any message type), or the behaviour's bytes.
//!
//! **Arrival order.** The behaviour must be asked in the order attempts arrived — the order
//! the simulator uses, so a seeded behaviour draws the same numbers for the same attempts. An
//! attempt takes a ticket when its headers arrive (in `Service::call`, in stream order; see
//! [`super::server_handle`]), then reads its first message, then waits for its turn: the
//! behaviour is asked for ticket `n` only after every earlier ticket was answered or dropped.
//! An attempt the client cancels before its message arrived gives up its turn and is counted
//! without asking the behaviour ([`ServerModel::skip`]), so later attempts keep their numbers.
//!
//! The time a behaviour sees is the real time from the server's start to the attempt's
//! arrival (its headers), as the simulator tells the virtual time an attempt was sent. A
//! panicking behaviour answers that attempt INTERNAL with the panic's message; the server goes
//! on.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::{self, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tonic::server::Grpc;
use tonic::{Request, Response, Status, Streaming};

use super::bytes_codec::BytesCodec;
use super::served_attempt::{answer, previous_header, Attempt, Replies, ServedAttempt};
use crate::code::Code;
use crate::scenario::behaviour::{Answer, Behaviour, Reply, Seen};
use crate::scenario::server::{ServerModel, Step};

/// The method name the server answers OK at once, on any service, without asking the
/// behaviour or recording: clients open and warm up a connection with it.
pub const WARMUP_METHOD: &str = "HedgehogWarmup";

/// Whose turn it is to ask the behaviour, and the behaviour with its state.
struct Turns {
    /// Tickets handed out so far (ticket `n` is the `n`-th arrival).
    issued: u64,
    /// The ticket whose turn it is.
    next: u64,
    /// Later tickets given up before their turn.
    given_up: BTreeSet<u64>,
    model: ServerModel,
}

impl Turns {
    /// Ends the current turn (and every given-up ticket right after it) and announces the next.
    fn advance(&mut self, turn: &watch::Sender<u64>) {
        self.next += 1;
        while self.given_up.remove(&self.next) {
            self.model.skip();
            self.next += 1;
        }
        turn.send_replace(self.next);
    }
}

struct Shared {
    turns: Mutex<Turns>,
    turn: watch::Sender<u64>,
    records: mpsc::UnboundedSender<ServedAttempt>,
    started: Instant,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Turns> {
        self.turns.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An attempt's place in the arrival order; gives its turn up if dropped before using it.
struct Ticket {
    shared: Arc<Shared>,
    n: u64,
    used: bool,
}

impl Ticket {
    /// Waits for this ticket's turn, then asks the behaviour.
    async fn decide(mut self, seen: Seen<'_>) -> Result<Answer, Status> {
        let mut turn = self.shared.turn.subscribe();
        let n = self.n;
        let _ = turn.wait_for(|next| *next >= n).await;
        let mut turns = self.shared.lock();
        let result = turns.model.try_answer(seen);
        self.used = true;
        turns.advance(&self.shared.turn);
        result.map_err(|panic| Status::internal(panic.to_string()))
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.used {
            return;
        }
        let mut turns = self.shared.lock();
        if turns.next == self.n {
            turns.model.skip();
            turns.advance(&self.shared.turn);
        } else {
            turns.given_up.insert(self.n);
        }
    }
}

/// A tower service answering every gRPC path from a [`Behaviour`]; see the module docs.
#[derive(Clone)]
pub struct BehaviourService {
    shared: Arc<Shared>,
}

impl BehaviourService {
    /// A service answering with `behaviour`, drawing from the server streams of `seed`, and the
    /// channel its per-attempt records go to.
    pub fn new(
        behaviour: Arc<dyn Behaviour>,
        seed: u64,
    ) -> (Self, mpsc::UnboundedReceiver<ServedAttempt>) {
        let (records, rx) = mpsc::unbounded_channel();
        let (turn, _) = watch::channel(1);
        let turns = Turns {
            issued: 0,
            next: 1,
            given_up: BTreeSet::new(),
            model: ServerModel::with_behaviour(behaviour, seed, 0),
        };
        let shared = Arc::new(Shared {
            turns: Mutex::new(turns),
            turn,
            records,
            started: Instant::now(),
        });
        (BehaviourService { shared }, rx)
    }

    fn ticket(&self) -> Ticket {
        let n = {
            let mut turns = self.shared.lock();
            turns.issued += 1;
            turns.issued
        };
        Ticket {
            shared: Arc::clone(&self.shared),
            n,
            used: false,
        }
    }
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What an attempt carries from its arrival to its handler.
struct Arrived {
    ticket: Ticket,
    attempt: Attempt,
    previous: Option<u32>,
}

/// Reads the first message, waits for the turn, asks the behaviour, answers.
async fn respond(
    arrived: Arrived,
    request: Request<Streaming<Bytes>>,
) -> Result<Response<Replies<Bytes>>, Status> {
    let Arrived {
        ticket,
        mut attempt,
        previous,
    } = arrived;
    let message = request.into_inner().message().await?.unwrap_or_default();
    let shared = Arc::clone(&ticket.shared);
    let path = attempt.path().to_string();
    let seen = Seen {
        method: path.strip_prefix('/').unwrap_or(&path),
        previous,
        now: nanos(attempt.arrived.saturating_duration_since(shared.started)),
        request: &message,
    };
    let decided = match ticket.decide(seen).await {
        Ok(decided) => decided,
        Err(status) => {
            attempt.plan(Step::from(Answer::fail(Code::Internal)));
            attempt.finish(Code::Internal);
            return Err(status);
        }
    };
    let reply = match &decided.reply {
        Reply::Echo => message,
        Reply::Bytes(bytes) => bytes.clone(),
        _ => Bytes::new(),
    };
    let step = Step::from(decided);
    let deadline = attempt.arrived + std::time::Duration::from_nanos(step.latency);
    attempt.plan(step.clone());
    answer(attempt, step, deadline, stream::iter([Ok(reply)]).boxed()).await
}

impl<B> tower::Service<http::Request<B>> for BehaviourService
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let path = req.uri().path().to_string();
        let mut grpc = Grpc::new(BytesCodec);
        if path.rsplit('/').next() == Some(WARMUP_METHOD) {
            return Box::pin(async move {
                let handler = tower::service_fn(|r: Request<Streaming<Bytes>>| async move {
                    let message = r.into_inner().message().await?.unwrap_or_default();
                    let replies: Replies<Bytes> = stream::iter([Ok(message)]).boxed();
                    Ok::<_, Status>(Response::new(replies))
                });
                Ok(grpc.streaming(handler, req).await)
            });
        }
        // The ticket is taken now, in stream order, not after the body has been read.
        let ticket = self.ticket();
        let raw_previous = previous_header(req.headers());
        let previous = raw_previous.as_deref().and_then(|p| p.parse().ok());
        let unplanned = Step::from(Answer::fail(Code::Cancelled));
        let records = self.shared.records.clone();
        let attempt = Attempt::arrive(records, ticket.n, &path, raw_previous, unplanned);
        let mut arrived = Some(Arrived {
            ticket,
            attempt,
            previous,
        });
        Box::pin(async move {
            let handler = tower::service_fn(move |r| {
                let arrived = arrived.take();
                async move {
                    let arrived = arrived.ok_or_else(|| Status::internal("called twice"))?;
                    respond(arrived, r).await
                }
            });
            Ok(grpc.streaming(handler, req).await)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::behaviour::Arrival;

    const SEEN: Seen<'static> = Seen {
        method: "a.S/M",
        previous: None,
        now: 0,
        request: &[],
    };

    #[tokio::test]
    async fn tickets_are_answered_in_arrival_order_and_a_given_up_turn_keeps_the_numbers() {
        let numbered: Arc<dyn Behaviour> =
            Arc::new(|a: &mut Arrival<'_>| Answer::ok().after(a.count));
        let (service, _records) = BehaviourService::new(numbered, 1);
        let (first, second, third) = (service.ticket(), service.ticket(), service.ticket());
        // The third attempt's message came first: it waits for the two before it.
        let third = tokio::spawn(third.decide(SEEN));
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        // The second is cancelled before its message arrived: it gives its turn up.
        drop(second);
        assert_eq!(first.decide(SEEN).await.map(|a| a.latency).ok(), Some(1));
        let third = third.await.expect("task");
        assert_eq!(third.map(|a| a.latency).ok(), Some(3), "the third arrival");
        assert_eq!(service.ticket().n, 4);
    }
}
