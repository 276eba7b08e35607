//! `bucket`: Brooker's retry token bucket ("adaptive retries", `AdaptiveRetryStrategy` in
//! `retry_sim/retry_strategy.py`). The bucket starts full; every call puts `deposit` in
//! (capped at `size`) when it starts; a retry is allowed while the bucket holds *more than*
//! one token, and takes one. In milli-tokens, so 0.1 is exact.
//!
//! The post describes the deposit as made on success; the simulator that drew its charts
//! deposits on every call start, which is what this follows (docs/experiments.md notes it).
//! Compare A6's bucket (R41–R47): there every *failure* costs a token and retries stop at half
//! full, so A6 throttles on the failure rate itself, this bucket on the retry rate.

use super::ClientPolicy;
use crate::scenario::client_policy::BucketSpec;
use crate::time::Nanos;

/// One client's token bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    spec: BucketSpec,
    milli: u64,
}

impl Bucket {
    /// A full bucket.
    pub fn new(spec: BucketSpec) -> Self {
        Bucket {
            spec,
            milli: spec.size_milli,
        }
    }
}

impl ClientPolicy for Bucket {
    fn started(&mut self, _now: Nanos) {
        self.milli = (self.milli + self.spec.deposit_milli).min(self.spec.size_milli);
    }

    fn may_retry(&mut self, _now: Nanos) -> bool {
        let ok = self.milli > 1000;
        if ok {
            self.milli -= 1000;
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_more_than_one_token_buys_a_retry() {
        let mut b = Bucket::new(BucketSpec::DEFAULT);
        // 5 tokens: 5 → 4 → 3 → 2 → 1, and 1 is not more than 1.
        assert_eq!((0..10).take_while(|_| b.may_retry(0)).count(), 4);
        assert_eq!(b.milli, 1_000);
        b.started(0); // 1.1 tokens
        assert!(b.may_retry(0));
        assert_eq!(b.milli, 100);
        for _ in 0..9 {
            b.started(0);
        }
        assert_eq!(b.milli, 1_000, "ten calls refill one token");
        assert!(!b.may_retry(0));
    }

    #[test]
    fn the_bucket_never_overflows() {
        let mut b = Bucket::new(BucketSpec::DEFAULT);
        for _ in 0..100 {
            b.started(0);
        }
        assert_eq!(b.milli, 5_000);
    }
}
