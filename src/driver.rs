//! INTERFACE STUB: the one async loop that runs the engine over a Clock and a Transport.

use std::sync::Mutex;

use rand::RngCore;

use crate::clock::Clock;
use crate::code::Code;
use crate::engine::{CallPlan, FinishReason, Throttle};
use crate::trace::{CallRecord, Recorder};
use crate::transport::Transport;

/// One call to run.
pub struct CallContext<'a> {
    /// The call's index in its run.
    pub call: u64,
    /// Policy, deadline, jitter, buffer fit.
    pub plan: CallPlan,
    /// The target's throttle, if configured.
    pub throttle: Option<&'a Mutex<Throttle>>,
    /// The call's jitter stream.
    pub rng: &'a mut dyn RngCore,
    /// Where events and the call record go.
    pub recorder: &'a dyn Recorder,
}

/// How a call ended.
#[derive(Debug)]
pub struct CallResult {
    /// The status the application got.
    pub status: Code,
    /// Why.
    pub reason: FinishReason,
    /// The call as recorded (also handed to the recorder).
    pub record: CallRecord,
}

/// Runs one call to its end. `deliver` is called at most once, with the response the
/// application receives, as soon as it is known: at commit (headers) or at the end.
pub async fn run_call<C, T>(
    clock: &C,
    transport: &T,
    ctx: CallContext<'_>,
    deliver: impl FnMut(T::Response),
) -> CallResult
where
    C: Clock,
    T: Transport,
{
    let _ = (clock, transport, ctx, deliver);
    todo!()
}
