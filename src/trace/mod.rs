//! The trace: every attempt, timer and decision of a run (its JSON form: docs/trace.md).
//!
//! The driver tells a [`Recorder`] what happens as typed [`Event`]s and hands it each finished
//! [`CallRecord`], which a per-call [`CallLog`] builds. The simulator and live mode collect the
//! same records with one [`TraceRecorder`], so their traces compare field by field; a
//! `--summary` run folds them into a [`Summary`] instead. Formatting (text, YAML, JSON) lives in
//! [`render`]; this file is the trace's data.

mod call_log;
mod detail;
mod event;
mod recorder;
pub mod render;
mod start;
pub mod stats;
mod stream;
mod summary;
mod tee;

#[doc(hidden)]
pub use call_log::{recycle_attempts, CallLog};
pub use event::{Event, PushbackMeaning, What};
pub use recorder::{Discard, Keeps, Mode, Recorder, TraceRecorder, Unheard};
pub use start::CallStart;
pub use stats::LatencyStats;
pub use stream::StreamRecorder;
pub use summary::Summary;
pub(crate) use tee::EventsOnly;
pub use tee::Tee;

use std::sync::Arc;

use crate::code::Code;
use crate::time::Nanos;

/// What kind of thing happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// An attempt was sent.
    Sent,
    /// Response headers arrived.
    Headers,
    /// An attempt ended with a status.
    Closed,
    /// A backoff delay was drawn.
    Backoff,
    /// A pushback value was read.
    Pushback,
    /// The throttle's token count changed.
    Tokens,
    /// The throttle refused a retry or hedge.
    Throttled,
    /// The next hedge was scheduled.
    HedgeTimer,
    /// Hedging stopped sending.
    HedgingStopped,
    /// An attempt got no response within `perAttemptRecvTimeout`.
    RecvTimeout,
    /// A transparent retry.
    Transparent,
    /// The call committed to an attempt.
    Commit,
    /// The client cancelled an attempt.
    Cancel,
    /// The deadline passed.
    Deadline,
    /// The call ended.
    Finish,
}

impl EventKind {
    /// The name used in JSON and text: `sent`, `hedge_timer`, …
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Sent => "sent",
            EventKind::Headers => "headers",
            EventKind::Closed => "closed",
            EventKind::Backoff => "backoff",
            EventKind::Pushback => "pushback",
            EventKind::Tokens => "tokens",
            EventKind::Throttled => "throttled",
            EventKind::HedgeTimer => "hedge_timer",
            EventKind::HedgingStopped => "hedging_stopped",
            EventKind::RecvTimeout => "recv_timeout",
            EventKind::Transparent => "transparent",
            EventKind::Commit => "commit",
            EventKind::Cancel => "cancel",
            EventKind::Deadline => "deadline",
            EventKind::Finish => "finish",
        }
    }
}

/// One line of the event log, as the trace keeps it: a typed [`Event`] with its detail rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceEvent {
    /// When, on the run's clock.
    pub at: Nanos,
    /// Which call.
    pub call: u64,
    /// Which attempt (A6 number), if the event concerns one.
    pub attempt: Option<u32>,
    /// What happened.
    pub kind: EventKind,
    /// Details for people, e.g. `UNAVAILABLE` or `retry 1: nominal 10ms, drawn 9.1ms`.
    pub detail: String,
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Ended with this status.
    Status(Code),
    /// Cancelled by the client (a losing hedge, a deadline, the application).
    Cancelled,
    /// Never left the client; retried transparently.
    NotSent,
    /// Refused by the server before its application saw it; retried transparently.
    Refused,
}

impl Outcome {
    /// `"OK"`, `"UNAVAILABLE"`, `"CANCELLED"`, `"NOT_SENT"`, `"REFUSED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Status(code) => code.name(),
            Outcome::Cancelled => "CANCELLED",
            Outcome::NotSent => "NOT_SENT",
            Outcome::Refused => "REFUSED",
        }
    }
}

/// One attempt of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// A6 attempt number, 1-based.
    pub attempt: u32,
    /// The `grpc-previous-rpc-attempts` it carried.
    pub previous: Option<u32>,
    /// When it was sent.
    pub sent: Nanos,
    /// When it ended (None only if the run stopped first).
    pub ended: Option<Nanos>,
    /// How it ended (None only if the run stopped first).
    pub outcome: Option<Outcome>,
    /// The call committed to it (it received headers, or a buffer overflow chose it).
    pub committed: bool,
    /// Raw `grpc-retry-pushback-ms` value(s), joined with `,`.
    pub pushback: Option<String>,
    /// A transparent retry (R71).
    pub transparent: bool,
}

impl Trace {
    /// The run's identity, as a document's head shows it.
    pub fn head(&self) -> render::Head<'_> {
        render::Head {
            scenario: &self.scenario,
            seed: self.seed,
            mode: &self.mode,
            profile: self.profile.as_deref(),
            config_rejected: self.config_rejected.as_deref(),
        }
    }
}

impl AttemptRecord {
    /// Attempt `attempt` (1-based), sent at `sent` after `previous` earlier attempts; not yet
    /// ended, uncommitted, no pushback. The record is `#[non_exhaustive]`: set the other public
    /// fields after this (e.g. in a test of a [`Recorder`]).
    pub fn new(attempt: u32, previous: Option<u32>, sent: Nanos) -> AttemptRecord {
        AttemptRecord {
            attempt,
            previous,
            sent,
            ended: None,
            outcome: None,
            committed: false,
            pushback: None,
            transparent: false,
        }
    }
}

impl CallRecord {
    /// How many attempts the call sent (transparent retries included): those in
    /// [`CallRecord::attempts`] and those a run that keeps no records ([`Keeps::Nothing`])
    /// only counted.
    pub fn attempts_sent(&self) -> u64 {
        self.attempts.len() as u64 + u64::from(self.attempts_unlisted)
    }

    /// Call `call`, which ended with `status`, running from `started` to `ended`; no method,
    /// no message, no attempts. The record is `#[non_exhaustive]`: set the other public fields
    /// after this.
    pub fn new(call: u64, status: Code, started: Nanos, ended: Nanos) -> CallRecord {
        CallRecord {
            call,
            method: None,
            status,
            message: None,
            started,
            ended,
            attempts: Vec::new(),
            attempts_unlisted: 0,
        }
    }
}

/// One call of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// Index in the run.
    pub call: u64,
    /// The method's path, e.g. `/echo.Echo/UnaryEcho`, as the world that started the call
    /// named it; `None` in a record built by hand. Not part of the rendered trace (whose
    /// contract it would change); recorders read it.
    pub method: Option<Arc<str>>,
    /// The status the application got.
    pub status: Code,
    /// The reply message on success.
    pub message: Option<String>,
    /// When the call started.
    pub started: Nanos,
    /// When it ended.
    pub ended: Nanos,
    /// Its attempts, in send order.
    pub attempts: Vec<AttemptRecord>,
    /// Attempts sent that `attempts` does not list, because no recorder of the run keeps them
    /// ([`Keeps::Nothing`]): counted all the same, so a summary needs no list to count them.
    pub(crate) attempts_unlisted: u32,
}

/// A whole run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Trace {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// `sim` or `live`.
    pub mode: String,
    /// The runtime profile the run simulated (`grpc-go`, …); `None` for hedgehog's own A6
    /// reading (`a6`), so an `a6` trace names no profile.
    pub profile: Option<String>,
    /// Why the profile's runtime made no call, or failed every call, or dropped the config's
    /// policies: the runtime rejected the service config (R5); `None` when it accepted it.
    pub config_rejected: Option<String>,
    /// Calls, ordered by index.
    pub calls: Vec<CallRecord>,
    /// Events, in the order they happened.
    pub events: Vec<TraceEvent>,
}
