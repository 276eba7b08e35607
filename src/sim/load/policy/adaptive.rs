//! `adaptive`: client-side adaptive throttling from the Google SRE book ("Handling
//! Overload"). Each client counts, over the last `window` (two minutes in the book),
//! `requests` — attempts the application tried to send, including those this throttle
//! rejected and retries — and `accepts` — attempts the backend accepted. Before each attempt
//! it rejects locally, without sending, with probability
//!
//! ```text
//! max(0, (requests − K × accepts) / (requests + 1))
//! ```
//!
//! (K = 2 in the book). While the backend accepts at least 1 / K of what is sent nothing is
//! rejected; once it does not, the client sends about K × accepts and drops the rest itself.
//!
//! Accepted here means answered OK: the simulated servers reject only by failing a request
//! (UNAVAILABLE from an outage, the front end's timeout or a `fail_rate`), and answer OK
//! otherwise. In integers: the draw is uniform in `[0, (requests + 1) × 1000)` and rejects
//! when below `requests × 1000 − K_milli × accepts`, so the probability is exact.

use rand::{Rng, RngCore};

use super::window::Window;
use super::ClientPolicy;
use crate::scenario::client_policy::AdaptiveSpec;
use crate::time::Nanos;

/// One client's throttle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adaptive {
    k_milli: u64,
    requests: Window,
    accepts: Window,
}

impl Adaptive {
    /// A throttle that has seen nothing (rejects nothing).
    pub fn new(spec: AdaptiveSpec) -> Self {
        Adaptive {
            k_milli: spec.k_milli,
            requests: Window::new(spec.window),
            accepts: Window::new(spec.window),
        }
    }

    /// The rejection probability at `now` as `(numerator, denominator)`, both exact.
    pub fn rejection(&self, now: Nanos) -> (u64, u64) {
        let requests = u64::try_from(self.requests.sum(now)).unwrap_or(0);
        let accepts = u64::try_from(self.accepts.sum(now)).unwrap_or(0);
        let over = (requests * 1000).saturating_sub(self.k_milli.saturating_mul(accepts));
        (over, (requests + 1) * 1000)
    }
}

impl ClientPolicy for Adaptive {
    fn admit(&mut self, now: Nanos, rng: &mut dyn RngCore) -> bool {
        let (over, of) = self.rejection(now);
        self.requests.add(now, 1);
        over == 0 || rng.random_range(0..of) >= over
    }

    fn ended(&mut self, now: Nanos, ok: bool) {
        if ok {
            self.accepts.add(now, 1);
        }
    }

    fn may_retry(&mut self, _now: Nanos) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::rng::{stream, Purpose};

    #[test]
    fn the_books_formula_in_exact_thousandths() {
        let mut a = Adaptive::new(AdaptiveSpec::DEFAULT);
        let mut rng = stream(1, Purpose::ClientPolicy, 0);
        assert_eq!(a.rejection(0), (0, 1000), "nothing seen: never reject");
        assert!(a.admit(0, &mut rng));
        // One request and no accept yet (its answer is still on its way): 1/2 already.
        assert_eq!(a.rejection(0), (1_000, 2_000));
        // 10 requests (rejected ones count too), 4 accepted: (10 − 2 × 4) / 11 = 2/11.
        for _ in 0..9 {
            a.admit(0, &mut rng);
        }
        for _ in 0..4 {
            a.ended(0, true);
        }
        assert_eq!(a.rejection(0), (2_000, 11_000));
        // 5 accepted of 10: 10 − 10 = 0, below the max(0, ·).
        a.ended(0, true);
        assert_eq!(a.rejection(0), (0, 11_000));
    }

    #[test]
    fn k_one_point_one_and_the_window() {
        let mut a = Adaptive::new(AdaptiveSpec {
            k_milli: 1_100,
            window: 120_000_000_000,
        });
        let mut rng = stream(1, Purpose::ClientPolicy, 0);
        for _ in 0..10 {
            a.admit(0, &mut rng);
        }
        a.ended(0, true);
        // (10 − 1.1) / 11 = 8.9 / 11.
        assert_eq!(a.rejection(0), (8_900, 11_000));
        assert_eq!(
            a.rejection(120_000_000_000),
            (0, 1000),
            "two minutes on: forgotten"
        );
    }

    #[test]
    fn a_backend_that_accepts_nothing_is_sent_almost_nothing() {
        let mut a = Adaptive::new(AdaptiveSpec::DEFAULT);
        let mut rng = stream(7, Purpose::ClientPolicy, 0);
        let sent = (0..10_000).filter(|_| a.admit(0, &mut rng)).count();
        // p = r / (r + 1) for the r-th request: about ln(10,000) ≈ 9.8 get through.
        assert!((2..=20).contains(&sent), "{sent}");
    }
}
