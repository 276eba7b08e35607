//! Where the driver writes: the [`Recorder`] trait, the null recorder and the collecting one.
//!
//! One collecting recorder serves the simulator, live mode and tests: they keep the same data
//! and build the same [`Trace`]. Live calls finish on other tasks, after their response has
//! already gone to the caller (the driver runs on until the committed attempt's trailers
//! arrive), so live users *wait* for call records with [`TraceRecorder::wait_calls`], woken by a
//! [`Notify`] rather than by polling or sleeping.

use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

use super::{CallRecord, CallStart, Event, Trace, TraceEvent};

/// Where the driver writes what happens. `&self` with interior mutability, so one recorder can
/// serve many concurrent calls.
pub trait Recorder {
    /// A call began: what its events do not repeat (its method, target and policy). The world
    /// that starts the call says so before the call's first event, whether or not events are
    /// wanted. By default ignored: the trace and the summary need none of it.
    fn started(&self, start: &CallStart<'_>) {
        let _ = start;
    }
    /// Whether events are wanted. When false the driver hands over none (only finished calls),
    /// so a `--summary` run does no per-event work at all. Events are typed and cost nothing to
    /// build; only a recorder that keeps text (the collecting [`TraceRecorder`]) renders them.
    fn wants_events(&self) -> bool;
    /// How much of each finished call is wanted ([`Keeps`]). By default everything; a
    /// recorder that only counts (the summary, [`Discard`]) keeps records without the reply
    /// message, so a world need not copy the reply into the record; one that keeps nothing
    /// ([`Unheard`]) lets the driver keep no per-attempt record at all.
    fn keeps(&self) -> Keeps {
        Keeps::RecordsAndMessages
    }
    /// One typed event; called only when [`Recorder::wants_events`] is true.
    fn event(&self, event: &Event<'_>);
    /// One finished call.
    fn call(&self, record: &CallRecord);
}

/// How much of a finished call a recorder keeps. Ordered, so recorders installed together
/// keep the larger of their levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Keeps {
    /// No call records (and, with no events wanted, no per-attempt record in the driver);
    /// [`Recorder::call`] gets the call without its attempts (the record still counts them).
    Nothing,
    /// Call records, without the reply message the application received.
    Records,
    /// Call records with the reply message.
    RecordsAndMessages,
}

/// Asks for no events, so the driver builds no strings, and drops the call records it is
/// handed (with their attempt lists): for a run whose records are read from what the driver
/// returns.
#[derive(Clone, Copy, Debug, Default)]
pub struct Discard;

impl Recorder for Discard {
    fn wants_events(&self) -> bool {
        false
    }
    fn keeps(&self) -> Keeps {
        Keeps::Records
    }
    fn event(&self, _event: &Event<'_>) {}
    fn call(&self, _record: &CallRecord) {}
}

/// Wants neither events nor call records, so the driver keeps no per-attempt record at all:
/// the recorder of a live layer nobody listens to, and of the load world's sweeps, whose
/// tally counts attempts as they are sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unheard;

impl Recorder for Unheard {
    fn wants_events(&self) -> bool {
        false
    }
    fn keeps(&self) -> Keeps {
        Keeps::Nothing
    }
    fn event(&self, _event: &Event<'_>) {}
    fn call(&self, _record: &CallRecord) {}
}

/// Which world a trace comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Virtual time.
    Sim,
    /// Real HTTP/2 and a real clock.
    Live,
}

impl Mode {
    /// `sim` or `live`, as the trace's `mode` field says.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Sim => "sim",
            Mode::Live => "live",
        }
    }
}

#[derive(Debug, Default)]
struct Collected {
    calls: Vec<CallRecord>,
    events: Vec<TraceEvent>,
}

/// Collects call records (and, if wanted, events as trace lines) into memory; can be read while
/// calls run and waited on.
#[derive(Debug)]
pub struct TraceRecorder {
    events_wanted: bool,
    inner: Mutex<Collected>,
    // Present always: a notification nobody waits for is one atomic read, and a recorder that
    // could not be waited on would make `wait_calls` hang instead of fail.
    finished: Notify,
}

impl Default for TraceRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceRecorder {
    /// An empty recorder that keeps events and calls: a full trace.
    pub fn new() -> Self {
        Self::with_events(true)
    }

    /// An empty recorder that keeps events only when `events` is true (call records always).
    pub fn with_events(events: bool) -> Self {
        TraceRecorder {
            events_wanted: events,
            inner: Mutex::new(Collected::default()),
            finished: Notify::new(),
        }
    }

    /// The calls finished so far, by index.
    pub fn calls(&self) -> Vec<CallRecord> {
        let mut calls = self.lock().calls.clone();
        calls.sort_by_key(|c| c.call);
        calls
    }

    /// The events so far, in the order they were recorded.
    pub fn events(&self) -> Vec<TraceEvent> {
        self.lock().events.clone()
    }

    /// Waits until at least `n` calls have finished; returns them by index.
    pub async fn wait_calls(&self, n: usize) -> Vec<CallRecord> {
        loop {
            // Registered before the count is read, so a call finishing in between still wakes us.
            let notified = self.finished.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().calls.len() >= n {
                return self.calls();
            }
            notified.await;
        }
    }

    /// Everything recorded so far, as a trace.
    pub fn trace(&self, scenario: &str, seed: u64, mode: Mode) -> Trace {
        let collected = self.lock();
        let (calls, events) = (collected.calls.clone(), collected.events.clone());
        make_trace(scenario, seed, mode, calls, events)
    }

    /// Everything recorded, as a trace, without copying.
    pub fn into_trace(self, scenario: &str, seed: u64, mode: Mode) -> Trace {
        let Collected { calls, events } =
            self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        make_trace(scenario, seed, mode, calls, events)
    }

    fn lock(&self) -> MutexGuard<'_, Collected> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn make_trace(
    scenario: &str,
    seed: u64,
    mode: Mode,
    mut calls: Vec<CallRecord>,
    events: Vec<TraceEvent>,
) -> Trace {
    calls.sort_by_key(|c| c.call);
    Trace {
        scenario: scenario.to_string(),
        seed,
        mode: mode.as_str().to_string(),
        profile: None,
        config_rejected: None,
        calls,
        events,
    }
}

impl Recorder for TraceRecorder {
    fn wants_events(&self) -> bool {
        self.events_wanted
    }

    fn event(&self, event: &Event<'_>) {
        // Rendered here, outside the lock, so concurrent calls contend only for the push.
        let line = event.to_trace_event();
        self.lock().events.push(line);
    }

    fn call(&self, record: &CallRecord) {
        self.lock().calls.push(record.clone());
        self.finished.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::trace::What;

    fn record(call: u64) -> CallRecord {
        CallRecord {
            call,
            method: None,
            status: Code::Ok,
            message: None,
            started: 0,
            ended: 1,
            attempts: vec![],
            attempts_unlisted: 0,
        }
    }

    #[test]
    fn collects_calls_by_index_and_events_as_trace_lines() {
        let r = TraceRecorder::new();
        r.event(&Event {
            at: 1_000_000,
            call: 1,
            attempt: Some(1),
            what: What::Headers,
        });
        r.call(&record(1));
        r.call(&record(0));
        let t = r.trace("s", 7, Mode::Live);
        assert_eq!(
            (t.mode.as_str(), t.calls[0].call, t.events.len()),
            ("live", 0, 1)
        );
        assert_eq!(r.into_trace("s", 7, Mode::Sim).mode, "sim");
        assert!(!TraceRecorder::with_events(false).wants_events());
    }

    #[test]
    fn wait_calls_wakes_on_the_nth_call() {
        let r = TraceRecorder::with_events(false);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let calls = rt.block_on(async {
            let finish = async {
                r.call(&record(1));
                tokio::task::yield_now().await;
                r.call(&record(0));
            };
            tokio::join!(r.wait_calls(2), finish).0
        });
        assert_eq!(calls.iter().map(|c| c.call).collect::<Vec<_>>(), [0, 1]);
    }
}
