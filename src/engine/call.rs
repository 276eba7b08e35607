//! INTERFACE STUB: the per-call state machine (being written).

use std::sync::Mutex;

use rand::RngCore;

use super::{CallPlan, Input, Output, Throttle};
use crate::time::Nanos;

/// What the engine borrows from its surroundings for one step.
pub struct Env<'a> {
    /// Jitter draws (the call's own seeded stream in the simulator).
    pub rng: &'a mut dyn RngCore,
    /// The target's throttle, when `retryThrottling` is configured.
    pub throttle: Option<&'a Mutex<Throttle>>,
}

/// The A6 state machine of one call.
#[derive(Debug)]
pub struct CallEngine {
    plan: CallPlan,
}

impl CallEngine {
    /// A call that has not started.
    pub fn new(plan: CallPlan) -> Self {
        CallEngine { plan }
    }

    /// Starts the call at `now`: sends the first attempt (or finishes at once if the deadline
    /// has already passed).
    pub fn start(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Vec<Output>) {
        let _ = (now, env, out, &self.plan);
        todo!()
    }

    /// Feeds one event.
    pub fn handle(&mut self, now: Nanos, input: Input, env: &mut Env<'_>, out: &mut Vec<Output>) {
        let _ = (now, input, env, out);
        todo!()
    }

    /// When the engine next needs a [`Input::Tick`]: the earliest of its timer and the deadline.
    pub fn next_wakeup(&self) -> Option<Nanos> {
        todo!()
    }

    /// Whether [`Output::Finish`] has been emitted.
    pub fn is_finished(&self) -> bool {
        todo!()
    }
}
