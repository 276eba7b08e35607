//! [`CallOptions`]: per-call control of one request through a [`super::RetryLayer`], as a
//! request extension.
//!
//! A service config says what every call of a method does; sometimes one call needs
//! something else — a write that must not be repeated, a probe that should try harder, a call
//! that should wait for the server to come up. A second layer for such calls would bring a
//! second retry buffer budget and a second throttle, so the two would no longer share what A6
//! says a channel shares (R41, R64). Instead the call carries [`CallOptions`] in its request
//! extensions (`http::Request::extensions_mut`, or tonic's `Request::extensions_mut`, which
//! becomes the same thing), and the layer reads them when the call starts:
//!
//! - [`CallOptions::no_retries`]: one attempt, as if the method had no policy (R1);
//!   transparent retries (R69, R70) and the method's `timeout` (R81) still apply;
//! - [`CallOptions::policy`] / [`CallOptions::method_config`]: this call uses another
//!   parsed retry or hedging policy instead of the one selected for its method (R15); it still
//!   shares the layer's throttle and buffer budget, and the layer's `maxAttempts` ceiling
//!   clamps it (R16, D4);
//! - [`CallOptions::wait_for_ready`]: overrides the method's `waitForReady` (R82). A
//!   wait-for-ready attempt whose connection cannot be made does not fail UNAVAILABLE through
//!   the policy (R72): it waits and picks a connection again, until the call's deadline
//!   ([`WAIT_FOR_READY_BACKOFF`]).
//!
//! A layer built with `retries(false)` keeps calls to one attempt whatever their options say:
//! that switch is the operator's.

use std::time::Duration;

use crate::config::{MethodConfig, Policy};

/// Per-call options for a [`super::RetryLayer`], read from the request's extensions.
///
/// ```
/// use hedgehog::live::CallOptions;
/// let mut request = tonic::Request::new(());
/// request.extensions_mut().insert(CallOptions::no_retries().wait_for_ready(true));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// Replaces the selected method's policy (`Some(Policy::None)`: no retries).
    pub policy: Option<Policy>,
    /// Overrides the method's `waitForReady` (R82).
    pub wait_for_ready: Option<bool>,
}

/// How long a wait-for-ready attempt waits before it picks a connection again after one
/// could not be made: the first wait, doubled each time up to the last.
pub const WAIT_FOR_READY_BACKOFF: (Duration, Duration) =
    (Duration::from_millis(10), Duration::from_secs(1));

impl CallOptions {
    /// Retries and hedging off for this call: one attempt (R1).
    pub fn no_retries() -> Self {
        CallOptions::default().with_policy(Policy::None)
    }

    /// This call runs `policy` instead of its method's.
    pub fn policy(policy: Policy) -> Self {
        CallOptions::default().with_policy(policy)
    }

    /// This call runs the policy and `waitForReady` of a parsed `methodConfig` entry. Its
    /// names are ignored, and so is its `timeout`: the call keeps its own method's (R81), and
    /// a deadline of its own is the request's `grpc-timeout`.
    pub fn method_config(entry: &MethodConfig) -> Self {
        CallOptions {
            policy: Some(entry.policy.clone()),
            wait_for_ready: entry.wait_for_ready,
        }
    }

    /// The same options with `policy` instead of the method's.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// The same options with wait-for-ready set (R82).
    pub fn wait_for_ready(mut self, wait: bool) -> Self {
        self.wait_for_ready = Some(wait);
        self
    }
}

/// The next wait of a wait-for-ready attempt after `previous` ([`WAIT_FOR_READY_BACKOFF`]).
pub(super) fn next_wait(previous: Option<Duration>) -> Duration {
    let (first, last) = WAIT_FOR_READY_BACKOFF;
    previous.map_or(first, |p| (p * 2).min(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let mut wait = None;
        let mut seen = Vec::new();
        for _ in 0..9 {
            wait = Some(next_wait(wait));
            seen.push(wait.unwrap().as_millis());
        }
        assert_eq!(seen, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    }
}
