//! A test harness that steps one [`CallEngine`] by hand: inputs at chosen instants, timers
//! fired by advancing to the engine's own next wakeup.

use std::sync::Mutex;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{
    CallEngine, CallPlan, Env, Finish, FinishReason, Input, Jitter, Note, Output, Outputs, Throttle,
};
use crate::code::{Code, CodeSet};
use crate::config::{HedgingPolicy, Policy, RetryPolicy, ThrottleConfig};
use crate::profile::Profile;
use crate::time::{ms, Nanos};

pub(super) struct Harness {
    pub engine: CallEngine,
    pub rng: ChaCha8Rng,
    pub throttle: Option<Mutex<Throttle>>,
    pub now: Nanos,
}

pub(super) fn codes(list: &[Code]) -> CodeSet {
    list.iter().copied().collect()
}

/// The demo's policy: maxAttempts `n`, 10ms backoff ×1.0, UNAVAILABLE.
pub(super) fn retry(n: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: n,
        configured_max_attempts: n,
        initial_backoff: ms(10),
        max_backoff: ms(10),
        backoff_multiplier_ppb: 1_000_000_000,
        retryable_codes: codes(&[Code::Unavailable]),
        per_attempt_recv_timeout: None,
    }
}

pub(super) fn hedging(n: u32, delay: Nanos, non_fatal: &[Code]) -> HedgingPolicy {
    HedgingPolicy {
        max_attempts: n,
        configured_max_attempts: n,
        hedging_delay: delay,
        non_fatal_codes: codes(non_fatal),
    }
}

pub(super) fn throttle(max_tokens: u32, ratio_milli: u32) -> Option<Mutex<Throttle>> {
    let config = ThrottleConfig {
        max_tokens_milli: max_tokens * 1000,
        token_ratio_milli: ratio_milli,
    };
    Some(Mutex::new(Throttle::new(config)))
}

impl Harness {
    pub fn new(policy: Policy) -> Self {
        Self::with(policy, None, Jitter::None, true)
    }

    pub fn with(policy: Policy, deadline: Option<Nanos>, jitter: Jitter, fits: bool) -> Self {
        Self::as_profile(policy, deadline, Profile::a6())
            .with_plan(|p| (p.jitter, p.request_fits_buffer) = (jitter, fits))
    }

    /// A call under `profile`, jitter none, the request fitting the buffer.
    pub fn as_profile(policy: Policy, deadline: Option<Nanos>, profile: &'static Profile) -> Self {
        let plan = CallPlan {
            policy,
            deadline,
            jitter: Jitter::None,
            request_fits_buffer: true,
            profile,
            config_rejected: None,
        };
        Harness {
            engine: CallEngine::new(plan),
            rng: ChaCha8Rng::seed_from_u64(1),
            throttle: None,
            now: 0,
        }
    }

    /// The same harness with its (not yet started) call's plan changed by `f`.
    pub fn with_plan(mut self, f: impl FnOnce(&mut CallPlan)) -> Self {
        let mut plan = self.engine.plan.clone();
        f(&mut plan);
        self.engine = CallEngine::new(plan);
        self
    }

    pub fn start(&mut self) -> Vec<Output> {
        let mut out = Outputs::new();
        let mut env = Env {
            rng: &mut self.rng,
            throttle: self.throttle.as_ref(),
        };
        self.engine.start(self.now, &mut env, &mut out);
        out.into_vec()
    }

    /// Feeds `input` at `at` (which must not go back in time).
    pub fn at(&mut self, at: Nanos, input: Input) -> Vec<Output> {
        assert!(at >= self.now, "time went backwards");
        self.now = at;
        let mut out = Outputs::new();
        let mut env = Env {
            rng: &mut self.rng,
            throttle: self.throttle.as_ref(),
        };
        self.engine.handle(at, input, &mut env, &mut out);
        out.into_vec()
    }

    /// Advances to the engine's next wakeup and ticks; `None` if it asked for none.
    pub fn fire(&mut self) -> Option<Vec<Output>> {
        let at = self.engine.next_wakeup()?;
        Some(self.at(at.max(self.now), Input::Tick))
    }

    pub fn close(&mut self, at: Nanos, slot: u32, status: Code) -> Vec<Output> {
        self.at(
            at,
            Input::Closed {
                slot,
                status,
                pushback: vec![],
            },
        )
    }

    pub fn close_pushback(&mut self, at: Nanos, slot: u32, status: Code, raw: &str) -> Vec<Output> {
        self.at(
            at,
            Input::Closed {
                slot,
                status,
                pushback: vec![raw.to_string()],
            },
        )
    }

    pub fn tokens(&self) -> u32 {
        self.throttle
            .as_ref()
            .map_or(0, |t| t.lock().unwrap().milli())
    }
}

/// `(slot, attempt, previous)` of every Send in `out`.
pub(super) fn sends(out: &[Output]) -> Vec<(u32, u32, Option<u32>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send(s) => Some((s.slot, s.attempt, s.previous)),
            _ => None,
        })
        .collect()
}

pub(super) fn cancels(out: &[Output]) -> Vec<u32> {
    out.iter()
        .filter_map(|o| match o {
            Output::Cancel { slot } => Some(*slot),
            _ => None,
        })
        .collect()
}

pub(super) fn finish(out: &[Output]) -> Option<Finish> {
    let found = out.iter().find_map(|o| match o {
        Output::Finish(f) => Some(*f),
        _ => None,
    });
    if found.is_some() {
        assert!(
            matches!(out.last(), Some(Output::Finish(_))),
            "Finish must be the last action"
        );
    }
    found
}

pub(super) fn finished(out: &[Output]) -> (Code, FinishReason) {
    let f = finish(out).expect("the call should have finished");
    (f.status, f.reason)
}

pub(super) fn notes(out: &[Output]) -> Vec<&Note> {
    out.iter()
        .filter_map(|o| match o {
            Output::Note(n) => Some(n),
            _ => None,
        })
        .collect()
}

pub(super) fn committed(out: &[Output]) -> Option<u32> {
    out.iter().find_map(|o| match o {
        Output::Committed { slot } => Some(*slot),
        _ => None,
    })
}
