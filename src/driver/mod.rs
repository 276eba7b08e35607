//! The driver: the one async loop that runs the engine over a [`Clock`] and a [`Transport`].
//!
//! It owns the live attempts, waits for whichever happens first — an attempt event or the
//! engine's next wakeup — feeds it to the engine, and carries out the engine's actions. The
//! simulator and live mode both run exactly this loop (`drive!`, below: live mode through
//! [`run_call_until`], the simulator expanded in its per-call block), so the attempt sequence
//! the simulator prints is the one the real client performs.
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

use std::future::Future;
use std::sync::Mutex;

use futures_util::Stream;
use rand::RngCore;

use crate::clock::Clock;
use crate::code::Code;
use crate::engine::{CallPlan, FinishReason, Throttle};
use crate::time::Nanos;
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
    /// When the call starts, on the driver's clock. Both worlds have just read the clock to
    /// plan the call's deadline, so the driver starts from that reading rather than taking
    /// another.
    pub started: Nanos,
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
///
/// Not an `async fn`: it returns [`run_call_until`]'s future itself, with no state of its own
/// around it (an `async fn` would keep its arguments beside the future it awaits).
pub fn run_call<'a, C, T, G, R>(
    clock: &'a C,
    transport: &'a T,
    ctx: CallContext<'a, G, R>,
    deliver: impl FnMut(T::Response) + 'a,
) -> impl Future<Output = CallResult> + 'a
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
///
/// Shaped for the size of its future (live mode boxes one per call; the simulator keeps one
/// per call in flight): the engine's outputs and what woke the loop live only within a step,
/// never across the wait. The engine and the call's state are built
/// inside the `async` block, in place: built before it, they would be copied into it, and
/// the block into its caller's future, on every call. Not an `async fn`, which would keep
/// its arguments twice (as passed, and moved into its body). The block's body is the
/// crate's `drive!` macro, the loop itself, which the simulator expands inside its own
/// per-call block instead.
#[allow(clippy::manual_async_fn)]
pub fn run_call_until<'a, C, T, G, R>(
    clock: &'a C,
    transport: &'a T,
    mut ctx: CallContext<'a, G, R>,
    mut deliver: impl FnMut(T::Response) + 'a,
    signals: impl Stream<Item = Signal> + 'a,
) -> impl Future<Output = CallResult> + 'a
where
    C: Clock,
    T: Transport,
    G: RngCore + ?Sized,
    R: Recorder + ?Sized,
{
    async move { drive!(clock, transport, ctx, deliver, signals) }
}

/// The parts of the loop [`drive!`] expands to; not for use elsewhere.
#[doc(hidden)]
pub(crate) mod parts {
    pub(crate) use super::call::Running;
    pub(crate) use super::wake::{Timer, Waiter, Wake};
}

/// The driver's loop itself, as an expression to `.await` inside an `async` block: runs the
/// call `$ctx` (a [`CallContext`] local) over `$clock` and `$transport` (references),
/// delivering through the `$deliver` local (an `FnMut(T::Response)`), hearing `$signals`,
/// and evaluates to the [`CallResult`]. [`run_call_until`] is this in a block of its own;
/// the simulator expands it inside its per-call block (`sim::run::Channel::call`), so each
/// simulated call is one state machine rather than one awaiting another — the same loop,
/// written once, here.
macro_rules! drive {
    ($clock:expr, $transport:expr, $ctx:ident, $deliver:ident, $signals:expr) => {{
        use $crate::driver::parts::{Running, Timer, Waiter, Wake};
        let (clock, transport) = ($clock, $transport);
        // The context's fields are used in place: a copy in a local would be kept beside
        // them in the future.
        let mut running = Running::new($ctx.call, &$ctx.plan, $ctx.recorder, $ctx.started);
        let mut engine = $crate::engine::CallEngine::new($ctx.plan);
        let signals = ::std::pin::pin!(::futures_util::StreamExt::fuse($signals));
        let mut waiter = Waiter::new(signals);
        let sleep = ::std::pin::pin!(None);
        let mut timer = Timer::new(sleep);
        let mut now = $ctx.started;
        let mut begun = false;
        let result = 'drive: loop {
            // The first step starts the call; each later one waits, then handles what woke
            // the loop. What a step makes (its input, the engine's outputs, the `Env` of trait
            // objects) is made after the wait and gone before the next, so none of it is kept
            // in the future across a wait.
            let input = if ::std::mem::replace(&mut begun, true) {
                timer.set(clock, engine.next_wakeup());
                let wake = loop {
                    // Put back behind an overflow: still current unless the commit cancelled
                    // it. Taken out before the wait, so no slot for it is kept across it.
                    if let Some(wake) = waiter.take_stashed() {
                        match wake {
                            Wake::Attempt(slot) if !running.is_live(slot) => {
                                running.drop_event();
                                continue;
                            }
                            wake => break wake,
                        }
                    }
                    let (attempts, event) = running.wait_on();
                    break waiter.wait(attempts, event, timer.sleep()).await;
                };
                now = $crate::clock::Clock::now(clock);
                if let Wake::Timer = wake {
                    timer.clear();
                }
                Some(running.input(now, wake))
            } else {
                None
            };
            let mut out = $crate::engine::Outputs::new();
            {
                let env = &mut $crate::engine::Env {
                    rng: &mut $ctx.rng,
                    throttle: $ctx.throttle,
                };
                match input {
                    None => engine.start(now, env, &mut out),
                    Some(input) => engine.handle(now, input, env, &mut out),
                }
            }
            // Read in place rather than drained: no action is moved out of the buffer.
            for action in out.iter() {
                if let Some(finish) = running.carry_out(now, action, transport, &mut $deliver) {
                    break 'drive running.finish(now, finish, &mut $deliver);
                }
            }
        };
        if running.is_spent() {
            ::std::mem::forget(running);
        }
        result
    }};
}
pub(crate) use drive;
