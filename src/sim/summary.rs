//! The `--summary` recorder: totals and a latency histogram, nothing per call.
//!
//! A full trace grows with every event; a summary must not (DESIGN.md: "memory that does not
//! grow with the number of calls beyond fixed-size histograms"). So this recorder says it wants
//! no events (the driver then builds no strings at all), and folds each finished call into
//! counters and an HDR histogram of call latency (3 significant digits: percentiles are exact to
//! 0.1 %, up to one hour; `max` is kept exactly).

use std::cell::{Cell, RefCell};

use hdrhistogram::Histogram;
use serde_json::{json, Map, Value};

use super::run::RunStats;
use crate::code::Code;
use crate::time::{to_ms, Nanos};
use crate::trace::{CallRecord, Recorder, TraceEvent};

const HOUR: u64 = 3_600_000_000_000;

/// Totals of one run; also the [`Recorder`] that collects them.
#[derive(Debug)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    calls: Cell<u64>,
    attempts: Cell<u64>,
    statuses: RefCell<[u64; 17]>,
    latency: RefCell<Option<Histogram<u64>>>,
    max: Cell<Nanos>,
    /// Calls that never finished (a broken run).
    pub unfinished: u64,
    /// Attempts the server answered.
    pub served: u64,
}

impl Summary {
    /// An empty summary.
    pub fn new(scenario: &str, seed: u64) -> Self {
        Summary {
            scenario: scenario.to_string(),
            seed,
            calls: Cell::new(0),
            attempts: Cell::new(0),
            statuses: RefCell::new([0; 17]),
            // 1ns..1h at 3 significant digits: a fixed ~270 KiB, whatever the number of calls.
            latency: RefCell::new(Histogram::new_with_bounds(1, HOUR, 3).ok()),
            max: Cell::new(0),
            unfinished: 0,
            served: 0,
        }
    }

    /// Adds the run's own figures.
    pub fn finish(mut self, stats: RunStats) -> Self {
        self.unfinished = stats.unfinished as u64;
        self.served = stats.served;
        self
    }

    /// Calls that finished.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }

    /// Attempts sent (transparent retries included).
    pub fn attempts(&self) -> u64 {
        self.attempts.get()
    }

    /// How many calls ended with `code`.
    pub fn status_count(&self, code: Code) -> u64 {
        self.statuses.borrow()[code as usize]
    }

    /// Call latency at quantile `q` (0..=1), in nanoseconds.
    pub fn latency_at(&self, q: f64) -> Nanos {
        if q >= 1.0 {
            return self.max.get();
        }
        // The histogram reports a bucket's upper edge; never above the exact maximum.
        let v = self
            .latency
            .borrow()
            .as_ref()
            .map_or(0, |h| h.value_at_quantile(q));
        v.min(self.max.get())
    }

    /// The DESIGN.md summary JSON.
    pub fn to_json(&self) -> Value {
        let statuses = statuses_json(&self.statuses.borrow());
        let ms = |q: f64| json!(to_ms(self.latency_at(q)));
        let mut v = json!({
            "scenario": self.scenario,
            "seed": self.seed,
            "mode": "sim",
            "calls": self.calls(),
            "attempts": self.attempts(),
            "statuses": statuses,
            "latency_ms": {"p50": ms(0.5), "p90": ms(0.9), "p99": ms(0.99),
                           "p999": ms(0.999), "max": ms(1.0)},
        });
        if self.unfinished > 0 {
            v["unfinished"] = json!(self.unfinished);
        }
        v
    }
}

impl Recorder for Summary {
    fn wants_events(&self) -> bool {
        false
    }

    fn event(&self, _event: TraceEvent) {}

    fn call(&self, record: &CallRecord) {
        self.calls.set(self.calls.get() + 1);
        self.attempts
            .set(self.attempts.get() + record.attempts.len() as u64);
        self.statuses.borrow_mut()[record.status as usize] += 1;
        let took = record.ended.saturating_sub(record.started);
        self.max.set(self.max.get().max(took));
        if let Some(h) = self.latency.borrow_mut().as_mut() {
            h.saturating_record(took);
        }
    }
}

/// `{"OK": n, "UNAVAILABLE": m, ...}` for the codes that occurred, in numeric order: the
/// `statuses` object of every summary JSON (plain runs and load runs alike).
pub(crate) fn statuses_json(counts: &[u64; 17]) -> Map<String, Value> {
    Code::ALL
        .into_iter()
        .filter(|code| counts[*code as usize] > 0)
        .map(|code| (code.name().to_string(), json!(counts[code as usize])))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::CallRecord;

    fn call(status: Code, took: Nanos, attempts: usize) -> CallRecord {
        let a = crate::trace::AttemptRecord {
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
            status,
            message: None,
            started: 0,
            ended: took,
            attempts: vec![a; attempts],
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
}
