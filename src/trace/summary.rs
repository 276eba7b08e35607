//! The `--summary` recorder: totals and a latency histogram, nothing per call.
//!
//! A full trace grows with every event; a summary must not (docs/trace.md: memory that does not
//! grow with the number of calls beyond fixed-size histograms). So this recorder says it wants
//! no events (the driver then builds no strings at all), and folds each finished call into
//! [`LatencyStats`] (percentiles exact to 0.1 %, up to one hour; `max` kept exactly).

use std::cell::{Cell, RefCell};

use crate::json::{object, Value};

use super::{CallRecord, Event, Keeps, LatencyStats, Recorder};
use crate::code::Code;
use crate::time::Nanos;

/// Totals of one run; also the [`Recorder`] that collects them.
#[derive(Debug)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    attempts: Cell<u64>,
    stats: RefCell<LatencyStats>,
    /// Calls that never finished (a broken run).
    pub unfinished: u64,
    /// Attempts the server answered.
    pub served: u64,
    /// The runtime profile the run simulated, unless `a6` (as [`crate::trace::Trace::profile`]).
    pub profile: Option<String>,
    /// Why that runtime rejected the config, if it did (as
    /// [`crate::trace::Trace::config_rejected`]).
    pub config_rejected: Option<String>,
}

impl Summary {
    /// An empty summary.
    pub fn new(scenario: &str, seed: u64) -> Self {
        Summary {
            scenario: scenario.to_string(),
            seed,
            attempts: Cell::new(0),
            stats: RefCell::new(LatencyStats::new()),
            unfinished: 0,
            served: 0,
            profile: None,
            config_rejected: None,
        }
    }

    /// Adds the run's own figures: calls that never finished and attempts the server answered.
    pub fn finish(mut self, unfinished: u64, served: u64) -> Self {
        self.unfinished = unfinished;
        self.served = served;
        self
    }

    /// Calls that finished.
    pub fn calls(&self) -> u64 {
        self.stats.borrow().count()
    }

    /// Attempts sent (transparent retries included).
    pub fn attempts(&self) -> u64 {
        self.attempts.get()
    }

    /// How many calls ended with `code`.
    pub fn status_count(&self, code: Code) -> u64 {
        self.stats.borrow().status_count(code)
    }

    /// Call latency at quantile `q` (0..=1), in nanoseconds.
    pub fn latency_at(&self, q: f64) -> Nanos {
        self.stats.borrow().latency_at(q)
    }

    /// The summary JSON documented in docs/trace.md.
    pub fn to_json(&self) -> Value {
        let stats = self.stats.borrow();
        let mut v = object! {
            "scenario": &self.scenario,
            "seed": self.seed,
            "mode": "sim",
        };
        // Only a run as another runtime than `a6` names it, as the trace's head does.
        if let Some(profile) = &self.profile {
            v["profile"] = Value::from(profile.as_str());
        }
        if let Some(why) = &self.config_rejected {
            v["config_rejected"] = Value::from(why.as_str());
        }
        v["calls"] = Value::from(stats.count());
        v["attempts"] = Value::from(self.attempts());
        v["statuses"] = Value::Object(stats.statuses_json());
        v["latency_ms"] = stats.percentiles_json();
        if self.unfinished > 0 {
            v["unfinished"] = Value::from(self.unfinished);
        }
        v
    }
}

impl Recorder for Summary {
    fn wants_events(&self) -> bool {
        false
    }

    /// Nothing: a summary counts a call's attempts, and the record counts them even when it
    /// lists none (a list per call was about 120 instructions per simulated attempt).
    fn keeps(&self) -> Keeps {
        Keeps::Nothing
    }

    fn event(&self, _event: &Event<'_>) {}

    fn call(&self, record: &CallRecord) {
        self.attempts
            .set(self.attempts.get() + record.attempts_sent());
        let took = record.ended.saturating_sub(record.started);
        self.stats.borrow_mut().record(took, record.status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::AttemptRecord;

    fn call(status: Code, took: Nanos, attempts: usize) -> CallRecord {
        let a = AttemptRecord {
            attempt: 1,
            previous: None,
            sent: 0,
            ended: Some(took),
            outcome: None,
            committed: false,
            pushback: None,
            transparent: false,
        };
        CallRecord {
            call: 0,
            method: None,
            status,
            message: None,
            started: 0,
            ended: took,
            attempts: vec![a; attempts],
            attempts_unlisted: 0,
        }
    }

    #[test]
    fn counts_statuses_attempts_and_percentiles_never_above_max() {
        let s = Summary::new("x", 1);
        for i in 0..100u64 {
            let status = if i % 4 == 0 {
                Code::Unavailable
            } else {
                Code::Ok
            };
            s.call(&call(status, 5_000_000 + i, 2));
        }
        assert_eq!((s.calls(), s.attempts()), (100, 200));
        assert_eq!(s.status_count(Code::Unavailable), 25);
        assert_eq!(s.latency_at(1.0), 5_000_099);
        for q in [0.5, 0.9, 0.99, 0.999] {
            let v = s.latency_at(q);
            assert!((4_995_000..=5_000_099).contains(&v), "q {q}: {v}");
        }
        let v = s.to_json();
        assert_eq!(v["statuses"]["OK"], 75);
        assert!(v.get("unfinished").is_none());
        assert!(!s.wants_events(), "summary runs build no event strings");
    }

    #[test]
    fn a_summary_counts_attempts_it_asked_not_to_keep() {
        let s = Summary::new("x", 1);
        let mut log = crate::trace::CallLog::new(&s, 0, 0, 3);
        log.sent(0, 1, None, false);
        log.sent(10, 2, Some(1), false);
        log.sent(20, 2, Some(1), true);
        let record = log.finish(30, Code::Ok, None, "done");
        // No list was kept, and every attempt was counted.
        assert!(record.attempts.is_empty());
        assert_eq!(record.attempts_sent(), 3);
        assert_eq!((s.calls(), s.attempts()), (1, 3));
        // A record that lists its attempts counts those.
        s.call(&call(Code::Ok, 1, 2));
        assert_eq!(s.attempts(), 5);
    }
}
