//! Engine notes as the trace's typed events.
//!
//! The trace may not import the engine, so its events carry trace-owned values; this is the one
//! place that maps one onto the other. It builds no string, so it runs for every note, whether
//! or not the recorder wants events.

use crate::engine::{Jitter, Note, Pushback};
use crate::trace::{AttemptRecord, PushbackMeaning, What};

/// The event a note stands for; `jitter` is the call's jitter mode (backoff notes name it).
/// A pushback note names its attempt, whose raw values the call's record `attempts` holds
/// (recorded at the attempt's end, a step before the note); the text is needed only for
/// events, and a log that writes events keeps every attempt.
pub(super) fn what<'a>(note: &Note, jitter: Jitter, attempts: &'a [AttemptRecord]) -> What<'a> {
    match *note {
        Note::Backoff {
            retry,
            nominal,
            delay,
            until,
        } => What::Backoff {
            retry,
            nominal,
            delay,
            jitter: jitter.as_str(),
            next: until,
        },
        Note::Pushback {
            slot,
            meaning,
            until,
        } => What::Pushback {
            raw: attempts
                .get(slot as usize)
                .and_then(|a| a.pushback.as_deref())
                .unwrap_or(""),
            meaning: match meaning {
                Pushback::Delay(d) => PushbackMeaning::Delay(d),
                Pushback::Stop => PushbackMeaning::Stop,
                Pushback::Malformed => PushbackMeaning::Malformed,
            },
            next: until,
        },
        Note::Tokens { milli, max_milli } => What::Tokens { milli, max_milli },
        Note::Throttled { milli, max_milli } => What::Throttled { milli, max_milli },
        Note::HedgeTimer { at, cause } => What::HedgeTimer { at, cause },
        Note::HedgingStopped { cause } => What::HedgingStopped { cause },
        Note::RecvTimeout { timeout, .. } => What::RecvTimeout { timeout },
        Note::Transparent { cause, .. } => What::Transparent { cause },
    }
}
