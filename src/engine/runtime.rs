//! How the engine takes a runtime profile ([`crate::profile`]) into a call: the choices
//! settled once, when the call is made — the attempt ceiling (R16), whether a hedging policy
//! hedges at all (R63), the backoff ladder's first delay (R27). The choices made at one point
//! of the call are read where that point is (pushback in `call.rs`, throttle timing in
//! `retry.rs` and `throttle.rs`, hedging rules in `hedging.rs`), each with its rule id.

use super::call::CallEngine;
use super::Backoff;
use crate::config::{Policy, RetryPolicy};
use crate::profile::choices::{AttemptCeiling, FirstDelay, Limits};
use crate::profile::Profile;

impl CallEngine {
    /// The profile the call runs under.
    pub(super) fn profile(&self) -> &'static Profile {
        self.plan.profile
    }
}

/// The backoff ladder of `policy` as `profile` walks it (R27).
pub(super) fn ladder(policy: &RetryPolicy, profile: &Profile) -> Backoff {
    let mut ladder = Backoff::new(policy);
    if let Some(library) = profile.layer.library() {
        // A client library's own step (gax-go, gax-java, python-api-core).
        ladder = ladder.with_walk(library.walk);
    }
    match profile.first_delay {
        FirstDelay::Capped => ladder,
        FirstDelay::Uncapped => ladder.with_first_delay_uncapped(),
    }
}

/// The runtime's `maxAttempts` ceiling (R16): the client's limit as parsed, a fixed one, or
/// none (retry until the deadline, guarded by [`Limits::UNBOUNDED_ATTEMPTS_CAP`]).
pub(super) fn apply_ceiling(policy: &mut Policy, ceiling: AttemptCeiling) {
    let (max, configured) = match policy {
        Policy::Retry(p) => (&mut p.max_attempts, p.configured_max_attempts),
        Policy::Hedging(p) => (&mut p.max_attempts, p.configured_max_attempts),
        Policy::None => return,
    };
    match ceiling {
        AttemptCeiling::Adjustable => {}
        AttemptCeiling::Fixed(limit) => *max = configured.min(limit.max(2)),
        AttemptCeiling::UntilDeadline => *max = Limits::UNBOUNDED_ATTEMPTS_CAP,
    }
}
