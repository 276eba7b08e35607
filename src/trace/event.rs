//! Typed events: what the driver tells a [`super::Recorder`], with its fields, not yet text.
//!
//! Why typed: a recorder that is not a trace (a tracing subscriber, a metrics counter) wants the
//! numbers, not a sentence to parse back. Building the event costs nothing (borrowed fields, no
//! allocation), so the driver emits it unconditionally and only recorders that keep text pay
//! for [`Event::detail`]. The trace module may not import the engine, so engine enums arrive as
//! phrases the driver supplies (`&'static str`) or as the small trace-owned
//! [`PushbackMeaning`].

use super::{EventKind, Outcome, TraceEvent};
use crate::code::Code;
use crate::time::{human, Nanos};

/// What a pushback trailer asked for (R35–R37, D8), as the trace tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushbackMeaning {
    /// Retry after exactly this long.
    Delay(Nanos),
    /// Do not retry: a negative value.
    Stop,
    /// Do not retry: not a single decimal i32.
    Malformed,
}

impl PushbackMeaning {
    /// `delay 200ms`, `stop (negative)`, `stop (malformed)`.
    pub fn describe(self) -> String {
        match self {
            PushbackMeaning::Delay(d) => format!("delay {}", human(d)),
            PushbackMeaning::Stop => "stop (negative)".to_string(),
            PushbackMeaning::Malformed => "stop (malformed)".to_string(),
        }
    }
}

/// What happened, with its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum What<'a> {
    /// An attempt was sent carrying `grpc-previous-rpc-attempts` = `previous` (R74, R76).
    Sent {
        /// The header's value, `None` on the first attempt.
        previous: Option<u32>,
        /// A transparent retry (R71).
        transparent: bool,
    },
    /// Response headers arrived.
    Headers,
    /// An attempt ended.
    Closed {
        /// How.
        outcome: Outcome,
        /// The raw `grpc-retry-pushback-ms` value(s), joined with `,`.
        pushback: Option<&'a str>,
    },
    /// A backoff delay was drawn (R24–R29).
    Backoff {
        /// The retry index since the start or the last pushback.
        retry: u32,
        /// The nominal delay, capped at maxBackoff.
        nominal: Nanos,
        /// The jittered delay.
        delay: Nanos,
        /// The jitter mode (`spec`, `full`, `none`).
        jitter: &'static str,
        /// When the next attempt goes out.
        next: Nanos,
    },
    /// A pushback value was read (R35–R37).
    Pushback {
        /// The raw value(s), joined with `,`.
        raw: &'a str,
        /// What it means.
        meaning: PushbackMeaning,
        /// When the next attempt goes out, if a retry follows.
        next: Option<Nanos>,
    },
    /// The throttle counter after a qualifying failure or a success (R42, R47).
    Tokens {
        /// Milli-tokens now.
        milli: u32,
        /// Milli-tokens at most.
        max_milli: u32,
    },
    /// The throttle refused a retry or hedge (R43).
    Throttled {
        /// Milli-tokens now.
        milli: u32,
        /// Milli-tokens at most.
        max_milli: u32,
    },
    /// The next hedge is due (R53, R56, R59).
    HedgeTimer {
        /// When.
        at: Nanos,
        /// Why then: `delay`, `non-fatal status`, `pushback`.
        cause: &'static str,
    },
    /// Hedging stopped sending new attempts (R59, R60).
    HedgingStopped {
        /// Why.
        cause: &'static str,
    },
    /// An attempt got no response within `perAttemptRecvTimeout` and is given up (R23).
    RecvTimeout {
        /// The timeout.
        timeout: Nanos,
    },
    /// A transparent retry (R69–R71).
    Transparent {
        /// `not sent` or `refused`.
        cause: &'static str,
    },
    /// The call committed to an attempt (R30).
    Commit {
        /// Because the request outgrew the retry buffer (R30b), not because of headers.
        overflow: bool,
    },
    /// The client cancelled an attempt.
    Cancel,
    /// The call's deadline passed (R77).
    Deadline {
        /// The deadline, if the call had one.
        deadline: Option<Nanos>,
    },
    /// The call ended.
    Finish {
        /// The status the application gets.
        status: Code,
        /// Why, as a short phrase.
        reason: &'static str,
    },
}

/// One typed event of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event<'a> {
    /// When, on the run's clock.
    pub at: Nanos,
    /// Which call.
    pub call: u64,
    /// Which attempt (A6 number), if the event concerns one.
    pub attempt: Option<u32>,
    /// What happened.
    pub what: What<'a>,
}

impl What<'_> {
    /// The event's kind, as the trace names it.
    pub fn kind(&self) -> EventKind {
        match self {
            What::Sent { .. } => EventKind::Sent,
            What::Headers => EventKind::Headers,
            What::Closed { .. } => EventKind::Closed,
            What::Backoff { .. } => EventKind::Backoff,
            What::Pushback { .. } => EventKind::Pushback,
            What::Tokens { .. } => EventKind::Tokens,
            What::Throttled { .. } => EventKind::Throttled,
            What::HedgeTimer { .. } => EventKind::HedgeTimer,
            What::HedgingStopped { .. } => EventKind::HedgingStopped,
            What::RecvTimeout { .. } => EventKind::RecvTimeout,
            What::Transparent { .. } => EventKind::Transparent,
            What::Commit { .. } => EventKind::Commit,
            What::Cancel => EventKind::Cancel,
            What::Deadline { .. } => EventKind::Deadline,
            What::Finish { .. } => EventKind::Finish,
        }
    }

    /// The same event with its one borrowed text (a pushback value, if any) replaced by
    /// `text(old)`: how a recorder keeps events beyond the driver's borrow without copying
    /// each into owned fields (the streaming recorder moves the text to an arena).
    pub fn with_text<'b>(self, text: impl FnOnce(&str) -> &'b str) -> What<'b> {
        match self {
            What::Closed { outcome, pushback } => What::Closed {
                outcome,
                pushback: pushback.map(text),
            },
            What::Pushback { raw, meaning, next } => What::Pushback {
                raw: text(raw),
                meaning,
                next,
            },
            What::Sent {
                previous,
                transparent,
            } => What::Sent {
                previous,
                transparent,
            },
            What::Headers => What::Headers,
            What::Backoff {
                retry,
                nominal,
                delay,
                jitter,
                next,
            } => What::Backoff {
                retry,
                nominal,
                delay,
                jitter,
                next,
            },
            What::Tokens { milli, max_milli } => What::Tokens { milli, max_milli },
            What::Throttled { milli, max_milli } => What::Throttled { milli, max_milli },
            What::HedgeTimer { at, cause } => What::HedgeTimer { at, cause },
            What::HedgingStopped { cause } => What::HedgingStopped { cause },
            What::RecvTimeout { timeout } => What::RecvTimeout { timeout },
            What::Transparent { cause } => What::Transparent { cause },
            What::Commit { overflow } => What::Commit { overflow },
            What::Cancel => What::Cancel,
            What::Deadline { deadline } => What::Deadline { deadline },
            What::Finish { status, reason } => What::Finish { status, reason },
        }
    }

    /// The trace's detail text (the [`std::fmt::Display`] form, written in `detail.rs`).
    pub fn detail(&self) -> String {
        self.to_string()
    }
}

impl<'a> Event<'a> {
    /// `what` happened at `at` in call `call` (to attempt `attempt`, if it concerns one). The
    /// event is `#[non_exhaustive]`, so recorders outside the crate (and their tests) build it
    /// here.
    pub fn new(at: Nanos, call: u64, attempt: Option<u32>, what: What<'a>) -> Event<'a> {
        Event {
            at,
            call,
            attempt,
            what,
        }
    }
}

impl Event<'_> {
    /// The event as a trace line: its kind and its detail text rendered.
    pub fn to_trace_event(&self) -> TraceEvent {
        TraceEvent {
            at: self.at,
            call: self.call,
            attempt: self.attempt,
            kind: self.what.kind(),
            detail: self.what.detail(),
        }
    }
}
