//! Retry throttling: one token bucket per server name, in exact milli-tokens (R40–R47, D10–D13).
//!
//! Why a bucket and not just `maxAttempts`: `maxAttempts` bounds the load one call can add,
//! but during an outage every call retries, multiplying the load on a server that is already
//! failing. The bucket ties retries to the *recent success rate* of the whole target: failures
//! drain it, successes refill it slowly, and below half full no call retries or hedges at all.
//!
//! Why integers: `tokenRatio` has at most three decimals that count, so thousandths are exact;
//! floats are not (f32 0.7 × 1000 truncates to 699, R47).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::call::CallEngine;
use super::{Env, Note, Output, Outputs};
use crate::code::Code;
use crate::config::{Policy, ThrottleConfig};
use crate::profile::choices::ThrottleCheck;
use crate::profile::Profile;

/// The token counter of one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throttle {
    config: ThrottleConfig,
    milli: u32,
}

impl Throttle {
    /// A full bucket (R41).
    pub fn new(config: ThrottleConfig) -> Self {
        Throttle {
            config,
            milli: config.max_tokens_milli,
        }
    }

    /// A full bucket as `profile`'s runtime keeps it: `tokenRatio` through its precision
    /// (R50; grpc-java's f32 earns 0.699 for 0.7).
    pub fn for_profile(config: ThrottleConfig, profile: &Profile) -> Self {
        let precision = profile.throttle.precision;
        Throttle::new(ThrottleConfig {
            token_ratio_milli: precision.ratio_milli(config.token_ratio_milli),
            ..config
        })
    }

    /// A qualifying failure: one token off, stopping at 0 (R42, R44).
    pub fn on_failure(&mut self) {
        self.milli = self.milli.saturating_sub(1000);
    }

    /// A successful RPC: `tokenRatio` back, stopping at `maxTokens` (R42, D10).
    pub fn on_success(&mut self) {
        self.milli = (self.milli.saturating_add(self.config.token_ratio_milli))
            .min(self.config.max_tokens_milli);
    }

    /// Whether a retry or a hedge after the first attempt may go out: strictly more than half
    /// full (R43, R47).
    pub fn allows_retry(&self) -> bool {
        2 * u64::from(self.milli) > u64::from(self.config.max_tokens_milli)
    }

    /// Milli-tokens now.
    pub fn milli(&self) -> u32 {
        self.milli
    }

    /// Milli-tokens at most.
    pub fn max_milli(&self) -> u32 {
        self.config.max_tokens_milli
    }

    /// The parameters.
    pub fn config(&self) -> ThrottleConfig {
        self.config
    }

    /// New parameters, keeping the fill fraction rounded down to whole milli-tokens (D12).
    pub fn reconfigure(&mut self, config: ThrottleConfig) {
        if config == self.config {
            return;
        }
        let fraction = u64::from(self.milli) * u64::from(config.max_tokens_milli)
            / u64::from(self.config.max_tokens_milli.max(1));
        self.milli = u32::try_from(fraction)
            .unwrap_or(u32::MAX)
            .min(config.max_tokens_milli);
        self.config = config;
    }
}

/// One [`Throttle`] per server name, shared by every channel and call to it (R41, D12).
#[derive(Debug, Default)]
pub struct ThrottleRegistry {
    by_target: Mutex<BTreeMap<String, Arc<Mutex<Throttle>>>>,
}

impl ThrottleRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The counter for `target`, made full on first use, reconfigured (D12) if `config` differs.
    pub fn get(&self, target: &str, config: ThrottleConfig) -> Arc<Mutex<Throttle>> {
        let mut map = self.by_target.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map
            .entry(target.to_string())
            .or_insert_with(|| Arc::new(Mutex::new(Throttle::new(config))));
        entry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .reconfigure(config);
        Arc::clone(entry)
    }
}

/// Runs `f` on a target's throttle: the engine's only use of shared state.
fn with_throttle<T>(throttle: &Mutex<Throttle>, f: impl FnOnce(&mut Throttle) -> T) -> T {
    f(&mut throttle.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The throttle's work, out of line: most calls have no `retryThrottling`, and their steps
/// pay only the test for it (inline in each step) rather than a call. Counts a qualifying
/// failure (`success` false: a token off) or a success (tokens back), then notes the count.
#[inline(never)]
fn count(throttle: &Mutex<Throttle>, success: bool, out: &mut Outputs) {
    let (milli, max_milli) = with_throttle(throttle, |t| {
        if success {
            t.on_success();
        } else {
            t.on_failure();
        }
        (t.milli(), t.max_milli())
    });
    out.push(Output::Note(Note::Tokens { milli, max_milli }));
}

/// Whether `throttle` lets a retry or a later hedge go out; notes a refusal (R43).
#[inline(never)]
fn allows(throttle: &Mutex<Throttle>, out: &mut Outputs) -> bool {
    let (allowed, milli, max_milli) =
        with_throttle(throttle, |t| (t.allows_retry(), t.milli(), t.max_milli()));
    if !allowed {
        out.push(Output::Note(Note::Throttled { milli, max_milli }));
    }
    allowed
}

impl CallEngine {
    /// A qualifying failure (R44, D11): one token off, then the count for the trace.
    #[inline(always)]
    pub(super) fn throttle_failure(&mut self, env: &mut Env<'_>, out: &mut Outputs) {
        match env.throttle {
            Some(throttle) if self.keeps_throttle() => count(throttle, false, out),
            _ => {}
        }
    }

    /// Whether the call keeps the throttle at all: a client library, retrying whole calls,
    /// ignores `retryThrottling` (R40).
    #[inline]
    pub(super) fn keeps_throttle(&self) -> bool {
        !self.library
    }

    /// The throttle's one success of this call (R42, R48), at most once.
    #[inline(always)]
    pub(super) fn count_success(&mut self, env: &mut Env<'_>, out: &mut Outputs) {
        if std::mem::replace(&mut self.success_counted, true) || !self.keeps_throttle() {
            return;
        }
        if let Some(throttle) = env.throttle {
            count(throttle, true, out);
        }
    }

    /// Whether `status`, ending the attempt the call committed to without headers (so by a
    /// buffer overflow, R30b), takes a token under this profile (R49: C-core, when it is
    /// retryable or non-fatal); never in hedgehog (D11).
    pub(super) fn overflow_failure_takes_token(&self, status: Code) -> bool {
        let qualifies = || match &self.plan.policy {
            Policy::Retry(p) => p.retryable_codes.contains(status),
            Policy::Hedging(p) => p.non_fatal_codes.contains(status),
            Policy::None => false,
        };
        self.profile().throttle.overflow_commit_failure_takes_token
            && !self.committed_headers
            && qualifies()
    }

    /// Whether the profile asks the throttle only when a retry's backoff ends (R49, grpc-js)
    /// rather than right after the failure (D11).
    #[inline]
    pub(super) fn throttle_deferred(&self) -> bool {
        self.profile().throttle.check == ThrottleCheck::WhenBackoffEnds
    }

    /// The last attempt status seen and its slot: what a call refused a retry returns.
    pub(super) fn last_status(&self) -> (Code, Option<u32>) {
        self.last
            .map_or((Code::Unknown, None), |(code, slot)| (code, Some(slot)))
    }

    /// Whether the throttle lets a retry or a later hedge go out; notes a refusal (R43).
    #[inline(always)]
    pub(super) fn throttle_allows(&mut self, env: &mut Env<'_>, out: &mut Outputs) -> bool {
        match env.throttle {
            Some(throttle) if self.keeps_throttle() => allows(throttle, out),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(max_tokens_milli: u32, token_ratio_milli: u32) -> ThrottleConfig {
        ThrottleConfig {
            max_tokens_milli,
            token_ratio_milli,
        }
    }

    #[test]
    fn starts_full_and_stops_strictly_at_half_r41_r43_r45() {
        let mut t = Throttle::new(cfg(10_000, 100));
        assert_eq!(t.milli(), 10_000);
        for _ in 0..4 {
            t.on_failure();
            assert!(t.allows_retry());
        }
        t.on_failure(); // 5000 = exactly half: strict comparison refuses.
        assert_eq!(t.milli(), 5_000);
        assert!(!t.allows_retry());
    }

    #[test]
    fn stays_within_bounds_r41_r42() {
        let mut t = Throttle::new(cfg(3_000, 700));
        for _ in 0..10 {
            t.on_failure();
        }
        assert_eq!(t.milli(), 0);
        for _ in 0..10 {
            t.on_success();
        }
        assert_eq!(t.milli(), 3_000);
    }

    #[test]
    fn success_earns_exact_thousandths_r47() {
        let mut t = Throttle::new(cfg(10_000, 700));
        for _ in 0..6 {
            t.on_failure();
        }
        t.on_success();
        assert_eq!(t.milli(), 4_700);
        assert!(!t.allows_retry());
        t.on_success();
        assert_eq!(t.milli(), 5_400);
        assert!(t.allows_retry());
    }

    #[test]
    fn grpc_java_earns_its_ratio_through_an_f32_r47_r50() {
        use crate::profile::catalog::{A6, C_CORE, GRPC_JAVA};
        let earned = |profile| {
            let mut t = Throttle::for_profile(cfg(10_000, 700), profile);
            t.on_failure();
            t.on_success();
            t.milli()
        };
        assert_eq!(earned(&A6), 9_700);
        assert_eq!(earned(&C_CORE), 9_700);
        assert_eq!(earned(&GRPC_JAVA), 9_699);
        for milli in [1, 5, 100, 546, 1_000, 2_500] {
            let f32_milli = crate::profile::choices::TokenPrecision::TruncateF32.ratio_milli(milli);
            assert!(
                f32_milli == milli || f32_milli + 1 == milli,
                "{milli}: {f32_milli}"
            );
        }
    }

    #[test]
    fn odd_max_tokens_half_is_exact_r47() {
        // maxTokens 3: threshold 1.5 tokens. 2 tokens allow, 1 does not.
        let mut t = Throttle::new(cfg(3_000, 1_000));
        t.on_failure();
        assert!(t.allows_retry());
        t.on_failure();
        assert!(!t.allows_retry());
    }

    #[test]
    fn registry_shares_one_counter_per_target_and_keeps_fraction_d12() {
        let reg = ThrottleRegistry::new();
        let a = reg.get("dns:///a", cfg(10_000, 100));
        a.lock().unwrap().on_failure(); // 9000 of 10000
        let again = reg.get("dns:///a", cfg(10_000, 100));
        assert_eq!(again.lock().unwrap().milli(), 9_000);
        let other = reg.get("dns:///b", cfg(10_000, 100));
        assert_eq!(other.lock().unwrap().milli(), 10_000);
        let resized = reg.get("dns:///a", cfg(3_000, 100));
        assert_eq!(resized.lock().unwrap().milli(), 2_700);
    }
}
