//! `breaker`: Brooker's retry circuit breaker (`CircuitBreakerRetryStrategy` in
//! `retry_sim/retry_strategy.py`), the variant the 2022 post examines: first tries always go
//! out; a failed attempt may be retried only while the client's failures are at most
//! `max_failure_percent` of its calls. Both counts run from the client's start, as in the
//! simulator (no window): every call start counts a call, every failed attempt — first try or
//! retry — counts a failure, and the ratio is checked after counting it.

use super::ClientPolicy;
use crate::scenario::client_policy::BreakerSpec;
use crate::time::Nanos;

/// One client's breaker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breaker {
    spec: BreakerSpec,
    calls: u64,
    failures: u64,
}

impl Breaker {
    /// A closed breaker with nothing counted.
    pub fn new(spec: BreakerSpec) -> Self {
        Breaker {
            spec,
            calls: 0,
            failures: 0,
        }
    }

    /// Open: failures / calls > the threshold (exact: both sides times 100,000).
    pub fn is_open(&self) -> bool {
        u128::from(self.failures) * 100_000
            > u128::from(self.spec.max_failure_percent_milli) * u128::from(self.calls)
    }
}

impl ClientPolicy for Breaker {
    fn started(&mut self, _now: Nanos) {
        self.calls += 1;
    }

    fn ended(&mut self, _now: Nanos, ok: bool) {
        if !ok {
            self.failures += 1;
        }
    }

    fn may_retry(&mut self, _now: Nanos) -> bool {
        !self.is_open()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_stop_above_ten_percent_failures_and_resume_below() {
        let mut b = Breaker::new(BreakerSpec::DEFAULT);
        for _ in 0..20 {
            b.started(0);
        }
        b.ended(0, false);
        b.ended(0, false);
        assert!(b.may_retry(0), "2 / 20 = 10 % is not above 10 %");
        b.ended(0, false);
        assert!(!b.may_retry(0), "3 / 20 = 15 %");
        b.ended(0, true);
        assert!(!b.may_retry(0), "successes do not reduce the count");
        for _ in 0..10 {
            b.started(0);
        }
        assert!(b.may_retry(0), "3 / 30 = 10 %: closed again");
    }
}
