//! The client policies A6 is compared with: each *decides*, the load world *carries out*.
//!
//! A policy is a small state machine per client process, asked at the three points where any
//! client stack decides something about an RPC:
//!
//! 1. [`ClientPolicy::started`] — a user RPC begins (a budget deposits, a bucket fills, a
//!    breaker counts a call);
//! 2. [`ClientPolicy::admit`] — an attempt is about to be sent, first or retry (adaptive
//!    throttling may reject it locally, never sending it);
//! 3. [`ClientPolicy::may_retry`] — an attempt failed with a retryable status and the
//!    retryPolicy's `maxAttempts` allows another (a budget withdraws, a bucket spends a token,
//!    a breaker checks its failure ratio);
//!
//! and told every sent attempt's outcome ([`ClientPolicy::ended`]). The mechanism that asks
//! them — sending each attempt as one call through the channel with retries switched off,
//! waiting the retryPolicy's backoff, counting — is `sim::load::app_call`, the same for every
//! policy; A6 itself (`a6`, the default) never comes here: its engine runs the call as
//! always.
//!
//! Sources: the budget is Finagle's `RetryBudget` (finagle-core `service/RetryBudget.scala`,
//! deposits in `RetryFilter.apply`) and tower's `retry::budget::TpsBudget`; adaptive
//! throttling is the Google SRE book's "Handling Overload" (client-side throttling); the
//! breaker and the bucket are Brooker's `retry_sim/retry_strategy.py`
//! (github.com/mbrooker/simulator_example), the simulator of "Fixing retries with token
//! buckets and circuit breakers" (2022). docs/experiments.md cites each.

mod adaptive;
mod breaker;
mod bucket;
mod budget;
pub mod window;

use rand::RngCore;

pub use adaptive::Adaptive;
pub use breaker::Breaker;
pub use bucket::Bucket;
pub use budget::Budget;

use crate::scenario::client_policy::ClientPolicySpec;
use crate::time::Nanos;

/// What one client's policy decides. Every method sees the virtual time; only
/// [`ClientPolicy::admit`] draws, from the client's own policy stream (determinism rule 1).
pub trait ClientPolicy {
    /// Attempts an RPC may make when the retryPolicy allows `configured` (`none`: 1).
    fn max_attempts(&self, configured: u32) -> u32 {
        configured
    }

    /// A user RPC starts at `now`.
    fn started(&mut self, _now: Nanos) {}

    /// Whether an attempt may be sent at `now` (`false`: rejected locally, not sent).
    fn admit(&mut self, _now: Nanos, _rng: &mut dyn RngCore) -> bool {
        true
    }

    /// A sent attempt ended at `now`, OK or not.
    fn ended(&mut self, _now: Nanos, _ok: bool) {}

    /// Whether a failed RPC may send another attempt at `now` (asked only when the status is
    /// retryable and `maxAttempts` allows one more).
    fn may_retry(&mut self, now: Nanos) -> bool;
}

/// `none`: never retries.
#[derive(Debug, Default)]
pub struct NoRetries;

impl ClientPolicy for NoRetries {
    fn max_attempts(&self, _configured: u32) -> u32 {
        1
    }

    fn may_retry(&mut self, _now: Nanos) -> bool {
        false
    }
}

/// `naive`: retries whenever the retryPolicy allows.
#[derive(Debug, Default)]
pub struct Naive;

impl ClientPolicy for Naive {
    fn may_retry(&mut self, _now: Nanos) -> bool {
        true
    }
}

/// A fresh policy for one client, or `None` for `a6` (the engine decides).
pub fn build(spec: &ClientPolicySpec) -> Option<Box<dyn ClientPolicy>> {
    Some(match *spec {
        ClientPolicySpec::A6 => return None,
        ClientPolicySpec::None => Box::new(NoRetries),
        ClientPolicySpec::Naive => Box::new(Naive),
        ClientPolicySpec::Budget(b) => Box::new(Budget::new(b)),
        ClientPolicySpec::Adaptive(a) => Box::new(Adaptive::new(a)),
        ClientPolicySpec::Breaker(b) => Box::new(Breaker::new(b)),
        ClientPolicySpec::Bucket(b) => Box::new(Bucket::new(b)),
    })
}
