//! The driver: the one async loop that runs the engine over a [`Clock`] and a [`Transport`].
//!
//! It owns the live attempts, waits for whichever happens first — an attempt event or the
//! engine's next wakeup — feeds it to the engine, and carries out the engine's actions. The
//! simulator and live mode both run exactly this function, so the attempt sequence the
//! simulator prints is the one the real client performs.
//!
//! Tie-break (determinism rule 4): when several things are ready at once, attempt events come
//! before the timer, the timer before the application's [`Signal`]s, and attempts are polled
//! oldest slot first. So an attempt that answers at the very instant of the deadline counts,
//! an answer at the instant of a cancel is handled before the cancel, and the same inputs
//! always give the same order.
//!
//! One exception, for causality: a [`Signal::BufferOverflow`] that is already reported when
//! an attempt event or the timer is taken is fed to the engine first. The overflow is reported
//! by the request body as the overflowing message leaves for an attempt, so anything that
//! attempt answers afterwards (say UNAVAILABLE, because of that very message) must find the
//! call committed (R30, R66); without this, a driver woken late would see the answer first and
//! retry a request it can no longer replay. The check runs after the event was seen ready, so
//! it sees every overflow reported before the event could have happened.
//!
//! This file is the loop and its order; `call.rs` carries out one action or turns one wake into
//! engine input, `wake.rs` waits (the tie-break) and keeps the timer, `notes.rs` maps engine
//! notes to trace events. What the call's record says is kept by a [`crate::trace::CallLog`].

mod call;
mod notes;
mod wake;

use call::Running;
use wake::{Timer, Waiter, Wake};

use std::pin::pin;
use std::sync::Mutex;

use futures_util::{Stream, StreamExt};
use rand::RngCore;

use crate::clock::Clock;
use crate::code::Code;
use crate::engine::{CallEngine, CallPlan, Env, FinishReason, Outputs, Throttle};
use crate::trace::{CallRecord, Recorder};
use crate::transport::Transport;

/// One call to run.
///
/// The RNG and recorder types are parameters (defaulting to trait objects) so that the driver
/// future is `Send` whenever they are: live mode spawns it on a multi-threaded runtime, the
/// simulator need not care.
pub struct CallContext<'a, G: RngCore + ?Sized = dyn RngCore, R: Recorder + ?Sized = dyn Recorder> {
    /// The call's index in its run.
    pub call: u64,
    /// Policy, deadline, jitter, buffer fit.
    pub plan: CallPlan,
    /// The target's throttle, if configured.
    pub throttle: Option<&'a Mutex<Throttle>>,
    /// The call's jitter stream.
    pub rng: &'a mut G,
    /// Where events and the call record go.
    pub recorder: &'a R,
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

/// What the application side may tell a running call, besides the attempts' own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// The application gave up: cancel everything, end CANCELLED (R33).
    Cancel,
    /// The request outgrew the retry buffer while the call ran (R30b, R66). `slot` is the
    /// attempt that took the overflowing data, when known; the call commits to it (R61).
    BufferOverflow {
        /// The attempt holding the overflowing data, if known.
        slot: Option<u32>,
    },
}

/// Runs one call to its end. `deliver` is called at most once, with the response the
/// application receives, as soon as it is known: at commit (headers) or at the end. A call that
/// ends without any attempt's response (deadline, cancel, too many transparent retries) calls
/// it never; the caller builds the error from [`CallResult::status`].
pub async fn run_call<C, T, G, R>(
    clock: &C,
    transport: &T,
    ctx: CallContext<'_, G, R>,
    deliver: impl FnMut(T::Response),
) -> CallResult
where
    C: Clock,
    T: Transport,
    G: RngCore + ?Sized,
    R: Recorder + ?Sized,
{
    run_call_until(
        clock,
        transport,
        ctx,
        deliver,
        futures_util::stream::pending(),
    )
    .await
}

/// [`run_call`] for a call the application may signal while it runs:
///
/// - [`Signal::Cancel`]: every live attempt and any pending timer are cancelled and the call
///   ends `CANCELLED` (R33), with its record complete;
/// - [`Signal::BufferOverflow`]: the call commits (R30b, R66): to the named attempt if it is
///   live, else to the oldest live one (R61), else to the next one sent. The others are
///   cancelled and no new attempt starts.
///
/// Attempt events and timers ready at the same moment as a signal are handled first, except
/// that an overflow goes before them (module docs). A finished `signals` stream just means no
/// more signals.
pub async fn run_call_until<C, T, G, R>(
    clock: &C,
    transport: &T,
    ctx: CallContext<'_, G, R>,
    mut deliver: impl FnMut(T::Response),
    signals: impl Stream<Item = Signal>,
) -> CallResult
where
    C: Clock,
    T: Transport,
    G: RngCore + ?Sized,
    R: Recorder + ?Sized,
{
    let signals = pin!(signals.fuse());
    let mut waiter = Waiter::new(signals);
    let CallContext {
        call,
        plan,
        throttle,
        mut rng,
        recorder,
    } = ctx;
    let mut running = Running::new(call, &plan, recorder, clock.now());
    let mut engine = CallEngine::new(plan);
    let mut out = Outputs::new();
    let sleep = pin!(None::<C::Sleep>);
    let mut timer = Timer::new(sleep);
    let mut now = running.started();
    // The engine's `Env` (trait objects) is made per step, never held across an await.
    engine.start(
        now,
        &mut Env {
            rng: &mut rng,
            throttle,
        },
        &mut out,
    );
    loop {
        for action in out.drain() {
            if let Some(finish) = running.carry_out(now, action, transport, &mut deliver) {
                return running.finish(now, finish, &mut deliver);
            }
        }
        timer.set(clock, engine.next_wakeup());
        let wake = match waiter.stashed.take() {
            // Put back behind an overflow: still current unless the commit cancelled it.
            Some(Wake::Attempt(slot, _)) if !running.is_live(slot) => continue,
            Some(wake) => wake,
            None => waiter.wait(running.attempts(), timer.sleep()).await,
        };
        now = clock.now();
        if let Wake::Timer = wake {
            timer.clear();
        }
        let input = running.input(now, wake);
        engine.handle(
            now,
            input,
            &mut Env {
                rng: &mut rng,
                throttle,
            },
            &mut out,
        );
    }
}
