//! [`TracingRecorder`]: a `tracing` span per call, an event per decision.
//!
//! Everything is emitted under the tracing target `hedgehog`, so `RUST_LOG=hedgehog=debug`
//! shows calls and decisions, `hedgehog=trace` adds headers and token counts, and
//! `hedgehog=info` the calls alone. The names below are a contract: dashboards and log queries
//! are written against them.
//!
//! **The span** `grpc.call` (level INFO), opened when the call starts and closed when its
//! record arrives:
//!
//! | field | value |
//! |---|---|
//! | `call` | the call's index in the run (or the layer) |
//! | `method` | the method path, `/echo.Echo/UnaryEcho` |
//! | `target` | the channel's target |
//! | `policy` | `retry`, `hedging` or `none` |
//! | `status` | at the end: the status the application got, `UNAVAILABLE` |
//! | `attempts` | at the end: attempts sent, transparent retries included |
//! | `committed_attempt` | at the end: the A6 number of the committed attempt, if any |
//! | `duration_ns` | at the end: the call's length on the run's clock |
//!
//! **The events**, children of the span, each with `call` and `at_ns` (the time on the run's
//! clock: virtual in the simulator, since the layer's epoch live); the message is the event's
//! name:
//!
//! | message | level | fields |
//! |---|---|---|
//! | `attempt.sent` | DEBUG | `attempt`, `previous` (absent on the first), `kind`: `original`, `retry`, `hedge` or `transparent` |
//! | `attempt.headers` | TRACE | `attempt` |
//! | `attempt.closed` | DEBUG | `attempt`, `outcome` (`OK`, `UNAVAILABLE`, `NOT_SENT`, `REFUSED`, …), `pushback` (raw, if any) |
//! | `attempt.cancelled` | DEBUG | `attempt` (a losing hedge, a deadline, the application, a `perAttemptRecvTimeout`) |
//! | `backoff` | DEBUG | `retry`, `nominal_ns`, `delay_ns`, `jitter`, `next_ns` |
//! | `pushback` | DEBUG | `raw`, `meaning` (`delay 200ms`, `stop (negative)`, `stop (malformed)`), `next_ns` |
//! | `throttle.tokens` | TRACE | `milli`, `max_milli` |
//! | `throttle.refused` | DEBUG | `milli`, `max_milli` |
//! | `hedge.scheduled` | DEBUG | `due_ns`, `cause` |
//! | `hedging.stopped` | DEBUG | `cause` |
//! | `attempt.recv_timeout` | DEBUG | `timeout_ns` (`perAttemptRecvTimeout`, R23; the attempt's `attempt.cancelled` follows) |
//! | `transparent_retry` | DEBUG | `cause` (`not sent`, `refused`) |
//! | `commit` | DEBUG | `attempt`, `overflow` |
//! | `deadline` | DEBUG | `deadline_ns` |
//! | `finish` | DEBUG | `attempt` (the deciding one, if any), `status`, `reason` |
//!
//! A span nobody listens to is not kept: with no subscriber interested, [`TracingRecorder`]
//! holds nothing and asks for no events.

use tracing::field::Empty;
use tracing::{event, info_span, Level, Span};

use super::calls::Calls;
use crate::trace::{CallRecord, CallStart, Event, Recorder, What};

/// The tracing target every span and event is emitted under.
const TARGET: &str = "hedgehog";

/// A span per call and an event per decision, under the tracing target `hedgehog` (module
/// docs list the names and fields).
#[derive(Debug, Default)]
pub struct TracingRecorder {
    calls: Calls<CallSpan>,
}

#[derive(Debug)]
struct CallSpan {
    span: Span,
    hedging: bool,
}

impl TracingRecorder {
    /// A recorder that emits into whatever subscriber is current where calls start.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Recorder for TracingRecorder {
    fn started(&self, start: &CallStart<'_>) {
        let span = info_span!(
            target: TARGET,
            "grpc.call",
            call = start.call,
            method = start.method,
            target = start.target,
            policy = start.policy_kind(),
            status = Empty,
            attempts = Empty,
            committed_attempt = Empty,
            duration_ns = Empty,
        );
        if span.is_disabled() {
            return;
        }
        let hedging = start.policy_kind() == "hedging";
        self.calls.open(start.call, CallSpan { span, hedging });
    }

    fn wants_events(&self) -> bool {
        tracing::enabled!(target: TARGET, Level::DEBUG)
    }

    fn event(&self, e: &Event<'_>) {
        let Some((span, hedging)) = self.calls.with(e.call, |c| (c.span.clone(), c.hedging)) else {
            return;
        };
        emit(&span, hedging, e);
    }

    fn call(&self, record: &CallRecord) {
        let Some(CallSpan { span, .. }) = self.calls.close(record.call) else {
            return;
        };
        span.record("status", record.status.name());
        span.record("attempts", record.attempts.len());
        if let Some(a) = record.attempts.iter().find(|a| a.committed) {
            span.record("committed_attempt", a.attempt);
        }
        span.record("duration_ns", record.ended.saturating_sub(record.started));
    }
}

/// What kind of attempt an `attempt.sent` is.
fn sent_kind(attempt: Option<u32>, transparent: bool, hedging: bool) -> &'static str {
    match (transparent, attempt, hedging) {
        (true, _, _) => "transparent",
        (false, Some(1) | None, _) => "original",
        (false, _, true) => "hedge",
        (false, _, false) => "retry",
    }
}

/// One event as a tracing event under `span`.
fn emit(span: &Span, hedging: bool, e: &Event<'_>) {
    let (call, at_ns, attempt) = (e.call, e.at, e.attempt);
    match e.what {
        What::Sent {
            previous,
            transparent,
        } => {
            let kind = sent_kind(attempt, transparent, hedging);
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, attempt, previous, kind, "attempt.sent");
        }
        What::Headers => {
            event!(target: TARGET, parent: span, Level::TRACE, call, at_ns, attempt, "attempt.headers");
        }
        What::Closed { outcome, pushback } => {
            let outcome = outcome.as_str();
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, attempt, outcome, pushback, "attempt.closed");
        }
        What::Cancel => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, attempt, "attempt.cancelled");
        }
        What::Backoff {
            retry,
            nominal,
            delay,
            jitter,
            next,
        } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, retry, nominal_ns = nominal, delay_ns = delay, jitter, next_ns = next, "backoff");
        }
        What::Pushback { raw, meaning, next } => {
            let meaning = meaning.describe();
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, raw, meaning, next_ns = next, "pushback");
        }
        What::Tokens { milli, max_milli } => {
            event!(target: TARGET, parent: span, Level::TRACE, call, at_ns, milli, max_milli, "throttle.tokens");
        }
        What::Throttled { milli, max_milli } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, milli, max_milli, "throttle.refused");
        }
        What::HedgeTimer { at, cause } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, due_ns = at, cause, "hedge.scheduled");
        }
        What::HedgingStopped { cause } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, cause, "hedging.stopped");
        }
        What::RecvTimeout { timeout } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, timeout_ns = timeout, "attempt.recv_timeout");
        }
        What::Transparent { cause } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, cause, "transparent_retry");
        }
        What::Commit { overflow } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, attempt, overflow, "commit");
        }
        What::Deadline { deadline } => {
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, deadline_ns = deadline, "deadline");
        }
        What::Finish { status, reason } => {
            let status = status.name();
            event!(target: TARGET, parent: span, Level::DEBUG, call, at_ns, attempt, status, reason, "finish");
        }
    }
}
