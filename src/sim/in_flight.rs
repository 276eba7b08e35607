//! The runtime bound on calls in flight (issue 12: nothing a file says may allocate in
//! proportion to it without a bound).
//!
//! The file caps (`crate::scenario::limits`) bound arrivals per second, but what a run holds
//! is arrivals × how long each call lives, and a server far slower than the arrivals with no
//! `client.deadline_ms` keeps every call. So each world counts the calls it has started and
//! not yet ended, and when starting one more would pass
//! [`MAX_IN_FLIGHT`](crate::scenario::limits::MAX_IN_FLIGHT) it starts no more: the calls in
//! flight run to their end and the run reports [`InFlightExceeded`], which the CLI turns into
//! exit 2. Below the bound the count is one compare per call and changes nothing.

use std::cell::Cell;

use crate::scenario::Scenario;

/// The calls of one run in flight, against a limit.
#[derive(Debug)]
pub(crate) struct InFlight {
    now: Cell<u64>,
    limit: u64,
    exceeded: Cell<bool>,
}

impl InFlight {
    /// No call in flight yet; at most `limit` together.
    pub(crate) fn new(limit: u64) -> InFlight {
        InFlight {
            now: Cell::new(0),
            limit,
            exceeded: Cell::new(false),
        }
    }

    /// Counts one more call in flight, or returns false (and remembers it) when that would
    /// pass the limit: the caller starts no more calls.
    pub(crate) fn start(&self) -> bool {
        let now = self.now.get();
        if now >= self.limit {
            self.exceeded.set(true);
            return false;
        }
        self.now.set(now + 1);
        true
    }

    /// One call ended.
    pub(crate) fn end(&self) {
        self.now.set(self.now.get().saturating_sub(1));
    }

    /// The limit, if the run met it.
    pub(crate) fn exceeded(&self) -> Option<u64> {
        self.exceeded.get().then_some(self.limit)
    }
}

/// A run stopped starting calls: more than `limit` would have been in flight together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlightExceeded {
    /// The scenario file (or its name when it has none).
    pub file: String,
    /// The bound that was met.
    pub limit: u64,
    /// Whether the calls come from `load.arrivals` (else from `client.calls`).
    pub load: bool,
}

impl InFlightExceeded {
    /// The error for `scenario` (read from `file`) meeting `limit`.
    pub fn new(file: &str, scenario: &Scenario, limit: u64) -> InFlightExceeded {
        InFlightExceeded {
            file: file.to_owned(),
            limit,
            load: scenario.load.as_ref().is_some_and(|l| l.arrivals.is_some()),
        }
    }
}

impl std::fmt::Display for InFlightExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made_by = if self.load {
            "`load.arrivals` (clients × rate_per_s × fan_out) times the server's latency"
        } else {
            "`client.calls` every `client.interval_ms` times the server's latency"
        };
        write!(
            f,
            "{}: more than {} calls in flight together (the limit): {made_by}, with no \
             `client.deadline_ms` to end them; set `client.deadline_ms` or lower the rate",
            self.file, self.limit
        )
    }
}

impl std::error::Error for InFlightExceeded {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::server::ServerModel;
    use crate::sim::run::{run_on, run_with, RunStats};
    use crate::trace::Discard;

    /// 50 calls (or arrivals) 1 ms apart against a server that answers after an hour;
    /// `client` is spliced into the client, `load` after it.
    fn slow(client: &str, load: &str) -> Scenario {
        let text = format!(
            r#"{{"name": "slow", "description": "d", "seeds": [1],
  "service_config": {{"methodConfig": [{{"name": [{{"service": "echo.Echo"}}]}}]}},
  "server": {{"schedule": {{"req_modulo": 1}}, "latency": {{"fixed_ms": 3600000}}}},
  "client": {{"method": "echo.Echo/UnaryEcho", "calls": 50, "interval_ms": 1 {client}}}
  {load}}}"#
        );
        let mut scenario =
            Scenario::from_json(&text, std::path::Path::new("."), "slow.json").unwrap();
        scenario.file = Some("slow.json".into());
        scenario
    }

    const ARRIVALS: &str = r#", "load": {"arrivals": {"process": "fixed", "rate_per_s": 1000,
  "duration_ms": 50}}"#;

    fn run_limited(scenario: &Scenario, limit: u64) -> RunStats {
        let model = ServerModel::new(&scenario.server, 1);
        run_on(scenario, 1, model, &Discard, limit).0
    }

    #[test]
    fn a_slow_server_without_a_deadline_meets_the_bound_in_both_worlds() {
        for (load, setting) in [("", "`client.calls`"), (ARRIVALS, "`load.arrivals`")] {
            let scenario = slow("", load);
            let stats = run_limited(&scenario, 10);
            assert_eq!(stats.in_flight_exceeded, Some(10), "{load}");
            let e = stats.check(&scenario).unwrap_err().to_string();
            for w in [
                "slow.json",
                "more than 10 calls in flight",
                setting,
                "deadline_ms",
            ] {
                assert!(e.contains(w), "{w:?} missing from {e}");
            }
        }
    }

    #[test]
    fn a_deadline_keeps_the_same_scenario_under_the_bound_and_unchanged() {
        for load in ["", ARRIVALS] {
            let scenario = slow(r#", "deadline_ms": 5"#, load);
            let stats = run_limited(&scenario, 10);
            assert_eq!(stats.in_flight_exceeded, None, "{load}");
            assert_eq!(stats.check(&scenario), Ok(()));
            assert_eq!(stats, run_with(&scenario, 1, &Discard), "{load}");
        }
    }

    #[test]
    fn counts_up_to_the_limit_and_remembers_passing_it() {
        let f = InFlight::new(2);
        assert!(f.start() && f.start());
        assert_eq!(f.exceeded(), None);
        assert!(!f.start());
        assert_eq!(f.exceeded(), Some(2));
        f.end();
        assert!(f.start());
    }
}
