//! [`CallLog`]: one call's record in the making, and the typed events that go with it.
//!
//! The driver says what happened to the call's attempts (sent, answered, cancelled, committed)
//! and this keeps the [`CallRecord`] and emits the matching [`Event`]s, so the driver is left
//! with orchestration only. Events are handed to the recorder only when it wants them; they are
//! plain values, so a `--summary` run allocates nothing here beyond the record itself, and not
//! even that when the world hands finished records' attempt lists back ([`recycle_attempts`]).

use std::cell::RefCell;

use super::{AttemptRecord, CallRecord, Event, Keeps, Outcome, Recorder, What};
use crate::code::Code;
use crate::time::Nanos;

/// Attempt lists of finished records, kept for the next calls on this thread: a simulated run
/// finishes a call and starts another thousands of times a second, and an allocation and a free
/// per call cost more than the record's bookkeeping. Bounded in number and in size (a call
/// with a thousand transparent retries keeps its long list to itself), so memory stays flat.
const SPARE_MAX: usize = 64;
/// The longest attempt list kept for reuse.
const SPARE_CAPACITY_MAX: usize = 64;

thread_local! {
    static SPARE: RefCell<Vec<Vec<AttemptRecord>>> = const { RefCell::new(Vec::new()) };
}

/// An empty attempt list with room for `attempts`, reused when one was handed back.
#[inline]
fn spare_attempts(attempts: usize) -> Vec<AttemptRecord> {
    let mut list = SPARE
        .try_with(|s| s.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    list.reserve(attempts);
    list
}

/// Hands a finished record's attempt list back for the next [`CallLog`] on this thread (a
/// world that drops its records after recording them calls this; nothing else need).
#[inline]
pub fn recycle_attempts(list: Vec<AttemptRecord>) {
    if list.capacity() == 0 {
        // A run that keeps no attempts (a summary) hands back a list that never allocated:
        // nothing to keep and nothing to free, so not even its drop glue is run.
        std::mem::forget(list);
        return;
    }
    keep_spare(list);
}

/// [`recycle_attempts`] for a list that allocated.
fn keep_spare(mut list: Vec<AttemptRecord>) {
    if list.capacity() > SPARE_CAPACITY_MAX {
        return;
    }
    list.clear();
    let _ = SPARE.try_with(|s| {
        let mut spare = s.borrow_mut();
        if spare.len() < SPARE_MAX {
            spare.push(list);
        }
    });
}

/// One call's record and event writer.
///
/// Attempts are addressed by *slot*: numbered from 0 in send order, one per attempt sent
/// (the engine's slots are exactly that), so slot `s` is the record's `attempts[s]`.
///
/// The [`CallRecord`] itself is made only at [`CallLog::finish`], from the few fields kept
/// here: the log lives in every call's state, so a record built at the start would be
/// written in full at every call and, once handed over at the finish, dropped again as an
/// empty shell with the call's state (together about 60 instructions per simulated call that
/// a summary run spends on nothing).
pub struct CallLog<'r, R: Recorder + ?Sized> {
    recorder: &'r R,
    events: bool,
    /// Attempts are recorded: the recorder wants events or records.
    keeps_attempts: bool,
    /// Attempts sent that `attempts` does not list (when `keeps_attempts` is false).
    unlisted: u32,
    call: u64,
    started: Nanos,
    /// The record's attempt list, by slot (empty and unallocated when not kept).
    attempts: Vec<AttemptRecord>,
}

impl<'r, R: Recorder + ?Sized> CallLog<'r, R> {
    /// A call that started at `started`, expecting about `attempts` attempts (so the record's
    /// vector does not grow in the common case).
    #[inline(always)]
    pub fn new(recorder: &'r R, call: u64, started: Nanos, attempts: usize) -> Self {
        let events = recorder.wants_events();
        let kept = events || recorder.keeps() > Keeps::Nothing;
        CallLog {
            recorder,
            events,
            keeps_attempts: kept,
            unlisted: 0,
            call,
            started,
            attempts: if kept {
                spare_attempts(attempts)
            } else {
                Vec::new()
            },
        }
    }

    /// The attempts recorded so far, in send order (none when no recorder keeps them).
    pub fn attempts(&self) -> &[AttemptRecord] {
        &self.attempts
    }

    /// Whether the log holds no memory of its own: its attempt list handed on with the record
    /// (or never allocated), so forgetting the log leaks nothing.
    #[inline(always)]
    pub fn holds_nothing(&self) -> bool {
        self.attempts.capacity() == 0
    }

    /// The A6 attempt number of `slot`, if it was sent (and recorded).
    pub fn attempt_no(&self, slot: u32) -> Option<u32> {
        self.slot(slot).map(|a| a.attempt)
    }

    /// The next attempt (the next slot) went out at `at`.
    #[inline]
    pub fn sent(&mut self, at: Nanos, attempt: u32, previous: Option<u32>, transparent: bool) {
        if !self.keeps_attempts {
            // Nobody wants events (so the event below is not made) nor the record: only the
            // count is kept.
            self.unlisted += 1;
            return;
        }
        self.attempts.push(AttemptRecord {
            attempt,
            previous,
            sent: at,
            ended: None,
            outcome: None,
            committed: false,
            pushback: None,
            transparent,
        });
        let what = What::Sent {
            previous,
            transparent,
        };
        self.emit(at, Some(attempt), what);
    }

    /// `slot` received response headers.
    pub fn headers(&self, at: Nanos, slot: u32) {
        self.emit(at, self.attempt_no(slot), What::Headers);
    }

    /// `slot` ended with `outcome`, carrying the raw pushback value(s) `pushback`.
    #[inline(always)]
    pub fn closed(&mut self, at: Nanos, slot: u32, outcome: Outcome, pushback: Option<String>) {
        // Always inlined, so a run that keeps no attempts (no events either: they imply kept
        // attempts) pays one test here rather than a call.
        if self.keeps_attempts {
            self.close(at, slot, outcome, pushback);
        }
    }

    /// [`CallLog::closed`] when attempts are kept.
    fn close(&mut self, at: Nanos, slot: u32, outcome: Outcome, pushback: Option<String>) {
        let what = What::Closed {
            outcome,
            pushback: pushback.as_deref(),
        };
        self.emit(at, self.attempt_no(slot), what);
        if let Some(a) = self.slot_mut(slot) {
            a.pushback = pushback;
        }
        self.end(slot, at, outcome);
    }

    /// The client cancelled `slot`.
    #[inline(always)]
    pub fn cancelled(&mut self, at: Nanos, slot: u32) {
        if !self.keeps_attempts {
            return;
        }
        self.end(slot, at, Outcome::Cancelled);
        self.emit(at, self.attempt_no(slot), What::Cancel);
    }

    /// The call committed to `slot`; `overflow` when the retry buffer forced it (R30b).
    #[inline(always)]
    pub fn committed(&mut self, at: Nanos, slot: u32, overflow: bool) {
        if !self.keeps_attempts {
            return;
        }
        if let Some(a) = self.slot_mut(slot) {
            a.committed = true;
        }
        self.emit(at, self.attempt_no(slot), What::Commit { overflow });
    }

    /// A decision about the call as a whole (backoff, pushback, throttle, hedging, …).
    #[inline]
    pub fn decided(&self, at: Nanos, what: What<'_>) {
        self.emit(at, None, what);
    }

    /// The call ends with `status` (the result of `slot`, if any) because of `reason`; hands
    /// the finished record to the recorder and returns it.
    ///
    /// By reference, so the call's state that holds the log is not moved to finish it (a
    /// copy of a few hundred bytes per call); the log keeps no attempts after.
    #[inline]
    pub fn finish(
        &mut self,
        at: Nanos,
        status: Code,
        slot: Option<u32>,
        reason: &'static str,
    ) -> CallRecord {
        if self.events {
            let attempt = slot.and_then(|s| self.attempt_no(s));
            self.emit(at, attempt, What::Finish { status, reason });
        }
        let record = CallRecord {
            call: self.call,
            method: None,
            status,
            message: None,
            started: self.started,
            ended: at,
            attempts: std::mem::take(&mut self.attempts),
            attempts_unlisted: self.unlisted,
        };
        self.recorder.call(&record);
        record
    }

    #[inline]
    fn emit(&self, at: Nanos, attempt: Option<u32>, what: What<'_>) {
        if self.events {
            self.recorder.event(&Event {
                at,
                call: self.call,
                attempt,
                what,
            });
        }
    }

    fn slot(&self, slot: u32) -> Option<&AttemptRecord> {
        self.attempts.get(slot as usize)
    }

    fn slot_mut(&mut self, slot: u32) -> Option<&mut AttemptRecord> {
        self.attempts.get_mut(slot as usize)
    }

    /// The first end of an attempt counts; a later one (say a close after a cancel) changes
    /// nothing.
    #[inline]
    fn end(&mut self, slot: u32, at: Nanos, outcome: Outcome) {
        if let Some(a) = self.slot_mut(slot) {
            if a.outcome.is_none() {
                a.ended = Some(at);
                a.outcome = Some(outcome);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{EventKind, TraceRecorder};

    #[test]
    fn keeps_the_record_and_emits_the_matching_events() {
        let r = TraceRecorder::new();
        let mut log = CallLog::new(&r, 3, 0, 2);
        log.sent(0, 1, None, false);
        log.closed(5, 0, Outcome::Status(Code::Unavailable), Some("10".into()));
        log.sent(15, 2, Some(1), false);
        log.headers(20, 1);
        log.committed(20, 1, false);
        log.closed(25, 1, Outcome::Status(Code::Ok), None);
        log.cancelled(26, 1); // after the close: changes nothing in the record
        let record = log.finish(25, Code::Ok, Some(1), "ok");
        let a = &record.attempts;
        assert_eq!(a[0].pushback.as_deref(), Some("10"));
        assert_eq!((a[1].ended, a[1].committed), (Some(25), true));
        assert_eq!(a[1].outcome, Some(Outcome::Status(Code::Ok)));
        assert_eq!((record.status, record.ended), (Code::Ok, 25));
        let t = r.into_trace("x", 1, crate::trace::Mode::Sim);
        let kinds: Vec<EventKind> = t.events.iter().map(|e| e.kind).collect();
        use EventKind::*;
        assert_eq!(
            kinds,
            [Sent, Closed, Sent, Headers, Commit, Closed, Cancel, Finish]
        );
        assert_eq!(t.events[1].detail, "UNAVAILABLE pushback=\"10\"");
        assert_eq!(t.calls, [record]);
    }

    #[test]
    fn holds_nothing_once_the_record_has_its_attempt_list() {
        // The driver forgets a finished call's state instead of dropping it only when this
        // says so: a log still holding its list would leak it.
        let r = TraceRecorder::new();
        let mut log = CallLog::new(&r, 3, 0, 2);
        assert!(!log.holds_nothing(), "sized for two attempts");
        log.sent(0, 1, None, false);
        let record = log.finish(5, Code::Ok, Some(0), "ok");
        assert_eq!(record.attempts.len(), 1);
        assert!(log.holds_nothing());
    }

    #[test]
    fn a_recycled_attempt_list_serves_the_next_call_empty() {
        let r = TraceRecorder::new();
        let mut log = CallLog::new(&r, 0, 0, 3);
        log.sent(0, 1, None, false);
        let record = log.finish(1, Code::Ok, Some(0), "ok");
        let list = record.attempts;
        let address = list.as_ptr();
        recycle_attempts(list);
        let next = CallLog::new(&r, 1, 2, 3);
        assert!(next.attempts().is_empty(), "no attempt carried over");
        assert_eq!(next.attempts().as_ptr(), address, "the same memory");
        assert!(next.attempts.capacity() >= 3);
    }

    #[test]
    fn keeps_no_attempts_when_nobody_wants_them_but_still_ends_the_call() {
        let mut log = CallLog::new(&crate::trace::Unheard, 7, 0, 4);
        log.sent(0, 1, None, false);
        log.headers(3, 0);
        log.committed(3, 0, false);
        log.closed(5, 0, Outcome::Status(Code::Ok), None);
        let record = log.finish(5, Code::Ok, Some(0), "ok");
        assert!(record.attempts.is_empty());
        assert_eq!(record.attempts.capacity(), 0, "nothing allocated");
        assert_eq!((record.call, record.status, record.ended), (7, Code::Ok, 5));
    }
}
