//! A recorder for live calls that can be read while calls run and waited on.
//!
//! Live calls finish on other tasks, after their response has already gone to the caller (the
//! driver keeps running until the committed attempt's trailers arrive). So `hedgehog call`,
//! `sim --live` and the tests need to *wait* for call records rather than read them at once;
//! [`LiveRecorder::wait_calls`] does that on a notification, not by polling or sleeping.

use std::sync::Mutex;

use tokio::sync::Notify;

use crate::trace::{CallRecord, Recorder, Trace, TraceEvent};

/// Collects events and call records; wakes waiters when a call finishes.
#[derive(Debug)]
pub struct LiveRecorder {
    events_wanted: bool,
    inner: Mutex<(Vec<CallRecord>, Vec<TraceEvent>)>,
    finished: Notify,
}

impl LiveRecorder {
    /// A recorder that keeps events too when `events` is true.
    pub fn new(events: bool) -> Self {
        LiveRecorder {
            events_wanted: events,
            inner: Mutex::new((Vec::new(), Vec::new())),
            finished: Notify::new(),
        }
    }

    /// The calls finished so far, by index.
    pub fn calls(&self) -> Vec<CallRecord> {
        let mut calls = self.lock().0.clone();
        calls.sort_by_key(|c| c.call);
        calls
    }

    /// The events so far, in the order they were recorded.
    pub fn events(&self) -> Vec<TraceEvent> {
        self.lock().1.clone()
    }

    /// Waits until at least `n` calls have finished; returns them by index.
    pub async fn wait_calls(&self, n: usize) -> Vec<CallRecord> {
        loop {
            let notified = self.finished.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.lock().0.len() >= n {
                return self.calls();
            }
            notified.await;
        }
    }

    /// Everything recorded, as a trace in the simulator's shape.
    pub fn trace(&self, scenario: &str, seed: u64) -> Trace {
        Trace {
            scenario: scenario.to_string(),
            seed,
            mode: "live".to_string(),
            calls: self.calls(),
            events: self.events(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<CallRecord>, Vec<TraceEvent>)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Recorder for LiveRecorder {
    fn wants_events(&self) -> bool {
        self.events_wanted
    }

    fn event(&self, event: TraceEvent) {
        self.lock().1.push(event);
    }

    fn call(&self, record: &CallRecord) {
        self.lock().0.push(record.clone());
        self.finished.notify_waiters();
    }
}
