//! What a test server is told to do, and what it saw; the answering both test servers share.
//!
//! Every arriving attempt takes one [`Step`] — from a [`StepSource`] (the echo server: the
//! simulator's [`ServerModel`], or a closure in tests), or from a behaviour's answer (the
//! behaviour server) — and becomes an `Attempt` guard that reports a [`ServedAttempt`] exactly
//! once: answered with a status, or, if the guard is dropped first (the client reset the stream
//! and hyper dropped the handler), cancelled by the client. `answer` carries a step out over
//! tonic's streaming path: headers-first, Trailers-Only errors (R32), or headers, messages, OK.

use std::fmt;
#[cfg(feature = "echo")]
use std::sync::Mutex;

use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Response, Status};

use super::PREVIOUS_ATTEMPTS;
use crate::code::Code;
use crate::scenario::server::{ServerModel, Step};

/// The trailer the server uses to ask for a retry delay (R35).
pub const PUSHBACK: &str = "grpc-retry-pushback-ms";

/// Anything that answers arriving attempts one by one: the simulator's [`ServerModel`], or a
/// closure in tests.
pub trait StepSource: Send + 'static {
    /// The answer to the next arriving attempt.
    fn next_step(&mut self) -> Step;
}

impl StepSource for ServerModel {
    fn next_step(&mut self) -> Step {
        ServerModel::next_step(self)
    }
}

impl<F: FnMut() -> Step + Send + 'static> StepSource for F {
    fn next_step(&mut self) -> Step {
        self()
    }
}

/// How an attempt ended, seen from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServedOutcome {
    /// The server answered with this status.
    Answered(Code),
    /// The client reset the stream before the server finished.
    CancelledByClient,
}

/// One attempt as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServedAttempt {
    /// 1-based arrival counter, across all calls (grpc-go's `reqCounter`).
    pub count: u64,
    /// The request path, e.g. `/echo.Echo/UnaryEcho`.
    pub path: String,
    /// The `grpc-previous-rpc-attempts` header it carried, as sent (R74).
    pub previous: Option<String>,
    /// What the model told the server to do.
    pub step: Step,
    /// How it ended.
    pub outcome: ServedOutcome,
    /// Time from arrival to the end.
    pub elapsed: std::time::Duration,
}

impl fmt::Display for ServedAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let previous = self.previous.as_deref().unwrap_or("none");
        match &self.outcome {
            ServedOutcome::Answered(Code::Ok) => {
                write!(f, "request succeeded count: {}", self.count)?
            }
            ServedOutcome::Answered(_) => write!(f, "request failed count: {}", self.count)?,
            ServedOutcome::CancelledByClient => {
                write!(f, "request cancelled by client count: {}", self.count)?
            }
        }
        write!(f, " previous: {previous} status: ")?;
        match &self.outcome {
            ServedOutcome::Answered(code) => write!(f, "{}", code.name())?,
            ServedOutcome::CancelledByClient => {
                write!(f, "CANCELLED (planned {})", self.step.status.name())?
            }
        }
        if self.step.headers_first {
            write!(f, " headers-first")?;
        }
        if let Some(p) = &self.step.pushback {
            write!(f, " pushback: {p:?}")?;
        }
        write!(
            f,
            " path: {} after: {:.3}ms",
            self.path,
            self.elapsed.as_secs_f64() * 1e3
        )
    }
}

#[cfg(feature = "echo")]
pub(super) struct Shared {
    pub(super) source: Mutex<(u64, Box<dyn StepSource>)>,
    pub(super) records: mpsc::UnboundedSender<ServedAttempt>,
}

#[cfg(feature = "echo")]
impl Shared {
    pub(super) fn arrive(&self) -> (u64, Step) {
        let mut guard = self.source.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 += 1;
        let step = guard.1.next_step();
        (guard.0, step)
    }
}

/// Reports its attempt when finished, or as cancelled if dropped first.
pub(super) struct Attempt {
    pub(super) records: mpsc::UnboundedSender<ServedAttempt>,
    pub(super) record: Option<ServedAttempt>,
    pub(super) arrived: Instant,
}

impl Attempt {
    /// The guard of attempt number `count` on `path`, arriving now with the
    /// `grpc-previous-rpc-attempts` header `previous`, planned as `step`.
    pub(super) fn arrive(
        records: mpsc::UnboundedSender<ServedAttempt>,
        count: u64,
        path: &str,
        previous: Option<String>,
        step: Step,
    ) -> Attempt {
        let record = ServedAttempt {
            count,
            path: path.to_string(),
            previous,
            step,
            outcome: ServedOutcome::CancelledByClient,
            elapsed: std::time::Duration::ZERO,
        };
        Attempt {
            records,
            record: Some(record),
            arrived: Instant::now(),
        }
    }

    /// The request path.
    pub(super) fn path(&self) -> &str {
        self.record.as_ref().map_or("", |r| r.path.as_str())
    }

    /// Records what the server decided to do, once it has.
    pub(super) fn plan(&mut self, step: Step) {
        if let Some(record) = &mut self.record {
            record.step = step;
        }
    }

    pub(super) fn finish(&mut self, code: Code) {
        if let Some(mut record) = self.record.take() {
            record.outcome = ServedOutcome::Answered(code);
            record.elapsed = self.arrived.elapsed();
            let _ = self.records.send(record);
        }
    }

    pub(super) fn status(&mut self) -> Status {
        let step = self.record.as_ref().map(|r| r.step.clone());
        let step = step.unwrap_or(Step {
            status: Code::Internal,
            latency: 0,
            pushback: None,
            headers_first: false,
        });
        self.finish(step.status);
        failure(&step)
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let Some(mut record) = self.record.take() {
            record.elapsed = self.arrived.elapsed();
            let _ = self.records.send(record);
        }
    }
}

/// The status for a failing step, with its raw pushback trailer (R35).
pub(super) fn failure(step: &Step) -> Status {
    let mut metadata = MetadataMap::new();
    if let Some(raw) = &step.pushback {
        // Only visible ASCII can travel in a header; anything else cannot be scripted live.
        if let Ok(value) = MetadataValue::try_from(raw.as_str()) {
            metadata.insert(PUSHBACK, value);
        }
    }
    Status::with_metadata(step.status.into(), "maybeFailRequest: failing it", metadata)
}

/// The `grpc-previous-rpc-attempts` header (R74) as sent, if any (not-UTF-8 bytes shown
/// escaped).
pub(super) fn previous_header(headers: &http::HeaderMap) -> Option<String> {
    headers.get(PREVIOUS_ATTEMPTS).map(|v| {
        v.to_str()
            .map(str::to_string)
            .unwrap_or_else(|_| format!("{v:?}"))
    })
}

/// Sleeps until `deadline`, but not at all when it has passed: tokio's timer has millisecond
/// ticks, and a zero-latency step must not cost one.
pub(super) async fn wait_until(deadline: Instant) {
    if deadline > Instant::now() {
        tokio::time::sleep_until(deadline).await;
    }
}

/// A response's messages, as a handler of tonic's streaming paths returns them.
pub(super) type Replies<M> = BoxStream<'static, Result<M, Status>>;

/// The replies after the wait: the messages then the end (marking the attempt answered), or
/// the failing status.
pub(super) fn replies<M: Send + 'static>(
    mut attempt: Attempt,
    step: Step,
    messages: Replies<M>,
) -> Replies<M> {
    if step.status != Code::Ok {
        return stream::once(async move { Err(attempt.status()) }).boxed();
    }
    let end = stream::once(async move {
        attempt.finish(Code::Ok);
        None
    });
    messages
        .map(Some)
        .chain(end)
        .filter_map(futures_util::future::ready)
        .boxed()
}

/// Answers one attempt as `step` says, `deadline` being its arrival plus the step's latency:
/// with `headers_first`, headers at once and the rest at the deadline; otherwise nothing until
/// the deadline, then a Trailers-Only error (R32) or headers, `messages` and OK.
pub(super) async fn answer<M: Send + 'static>(
    mut attempt: Attempt,
    step: Step,
    deadline: Instant,
    messages: Replies<M>,
) -> Result<Response<Replies<M>>, Status> {
    if step.headers_first {
        let wait = stream::once(wait_until(deadline)).filter_map(|()| async { None });
        return Ok(Response::new(
            wait.chain(replies(attempt, step, messages)).boxed(),
        ));
    }
    wait_until(deadline).await;
    if step.status != Code::Ok {
        return Err(attempt.status());
    }
    Ok(Response::new(replies(attempt, step, messages)))
}
