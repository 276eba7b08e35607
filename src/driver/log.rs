//! The call's trace writer: turns engine notes and transport events into [`TraceEvent`]s.
//!
//! Strings are built only when the recorder wants events, so a `--summary` run of a million
//! calls allocates no text at all.

use super::{attempt_no, CallResult};
use crate::engine::{Finish, FinishReason, Jitter, Note, SendAttempt};
use crate::time::{human, to_ms, Nanos};
use crate::trace::{CallRecord, EventKind, Recorder, TraceEvent};

/// Writes the call's events; builds detail strings only when the recorder wants events.
pub(super) struct Log<'a, R: Recorder + ?Sized> {
    pub(super) recorder: &'a R,
    pub(super) call: u64,
    pub(super) events: bool,
}

impl<R: Recorder + ?Sized> Log<'_, R> {
    pub(super) fn event(
        &self,
        at: Nanos,
        attempt: Option<u32>,
        kind: EventKind,
        detail: impl FnOnce() -> String,
    ) {
        if self.events {
            let detail = detail();
            self.recorder.event(TraceEvent {
                at,
                call: self.call,
                attempt,
                kind,
                detail,
            });
        }
    }

    pub(super) fn sent(&self, at: Nanos, send: &SendAttempt) {
        self.event(at, Some(send.attempt), EventKind::Sent, || {
            let previous = send.previous.map_or("none".to_string(), |p| p.to_string());
            let transparent = if send.transparent {
                ", transparent retry"
            } else {
                ""
            };
            format!("previous={previous}{transparent}")
        });
    }

    pub(super) fn note(&self, at: Nanos, note: &Note, jitter: Jitter) {
        if !self.events {
            return;
        }
        let (kind, detail) = match note {
            Note::Backoff {
                retry,
                nominal,
                delay,
                until,
            } => (
                EventKind::Backoff,
                format!(
                    "retry {retry}: nominal {}, drawn {} ({} jitter), next attempt at {}",
                    human(*nominal),
                    human(*delay),
                    jitter.as_str(),
                    at_ms(*until)
                ),
            ),
            Note::Pushback {
                raw,
                meaning,
                until,
            } => {
                let next =
                    until.map_or(String::new(), |u| format!(", next attempt at {}", at_ms(u)));
                (
                    EventKind::Pushback,
                    format!("{raw:?}: {}{next}", meaning.describe()),
                )
            }
            Note::Tokens { milli, max_milli } => (
                EventKind::Tokens,
                format!("{} of {} tokens", tokens(*milli), tokens(*max_milli)),
            ),
            Note::Throttled { milli, max_milli } => (
                EventKind::Throttled,
                format!(
                    "{} of {} tokens, not above half",
                    tokens(*milli),
                    tokens(*max_milli)
                ),
            ),
            Note::HedgeTimer { at, cause } => (
                EventKind::HedgeTimer,
                format!("next hedge at {} ({cause})", at_ms(*at)),
            ),
            Note::HedgingStopped { cause } => (
                EventKind::HedgingStopped,
                format!("no more hedges: {cause}"),
            ),
            Note::Transparent { cause, .. } => {
                (EventKind::Transparent, format!("attempt {cause}, replayed"))
            }
        };
        self.event(at, None, kind, || detail);
    }

    pub(super) fn finish(
        &self,
        at: Nanos,
        finish: Finish,
        mut record: CallRecord,
        deadline: Option<Nanos>,
    ) -> CallResult {
        if finish.reason == FinishReason::Deadline {
            self.event(at, None, EventKind::Deadline, || {
                deadline.map_or(String::new(), |d| format!("deadline {}", at_ms(d)))
            });
        }
        let attempt = finish.slot.and_then(|s| attempt_no(&record, s));
        self.event(at, attempt, EventKind::Finish, || {
            format!("{} ({})", finish.status, finish.reason.describe())
        });
        record.status = finish.status;
        record.ended = at;
        self.recorder.call(&record);
        CallResult {
            status: finish.status,
            reason: finish.reason,
            record,
        }
    }
}

fn at_ms(ns: Nanos) -> String {
    format!("{:.3}ms", to_ms(ns))
}

fn tokens(milli: u32) -> String {
    format!("{}.{:03}", milli / 1000, milli % 1000)
}
