//! The driver: the one async loop that runs the engine over a [`Clock`] and a [`Transport`].
//!
//! It owns the live attempts, waits for whichever happens first — an attempt event or the
//! engine's next wakeup — feeds it to the engine, and carries out the engine's actions. The
//! simulator and live mode both run exactly this function, so the attempt sequence the
//! simulator prints is the one the real client performs (DESIGN.md).
//!
//! Tie-break (DESIGN.md rule 4): when several things are ready at once, attempt events come
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

mod log;
mod wake;

use log::Log;
use wake::{Waiter, Wake};

use std::pin::pin;
use std::sync::Mutex;

use futures_util::{Stream, StreamExt};
use rand::RngCore;

use crate::clock::Clock;
use crate::code::Code;
use crate::engine::{CallEngine, CallPlan, Env, FinishReason, Input, Output, Throttle};
use crate::time::Nanos;
use crate::trace::{AttemptRecord, CallRecord, EventKind, Outcome, Recorder};
use crate::transport::{AttemptEvent, AttemptStart, Transport};

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
    let deadline = plan.deadline;
    let jitter = plan.jitter;
    // Sized once: a call never has more attempts in flight than its policy allows (transparent
    // replays replace the attempt they repeat), so these vectors do not grow in the common case.
    let max_attempts = plan.policy.max_attempts() as usize;
    let mut engine = CallEngine::new(plan);
    let log = Log {
        recorder,
        call,
        events: recorder.wants_events(),
    };
    let started = clock.now();
    let mut record = CallRecord {
        call,
        status: Code::Unknown,
        message: None,
        started,
        ended: started,
        attempts: Vec::with_capacity(max_attempts),
    };
    let mut attempts: Vec<(u32, T::Attempt)> = Vec::with_capacity(max_attempts);
    // A response waiting for the engine's verdict: headers (delivered at commit) or a final
    // Trailers-Only answer (delivered at finish if that attempt decides the call).
    let mut held: Option<(u32, T::Response)> = None;
    let mut out = Vec::with_capacity(8);
    // The pending timer lives inside this future (no allocation per wait); `sleep_at` says
    // which instant it is for, so it is only replaced when the engine's wakeup changes.
    let mut sleep_at: Option<Nanos> = None;
    let mut sleep = pin!(None::<C::Sleep>);

    let mut now = started;
    // The last input was a buffer overflow (its commit says so in the trace).
    let mut overflowed = false;
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
        for action in out.drain(..) {
            match action {
                Output::Send(send) => {
                    let start = AttemptStart {
                        call,
                        slot: send.slot,
                        attempt: send.attempt,
                        previous: send.previous,
                        deadline,
                    };
                    attempts.push((send.slot, transport.start(&start)));
                    record.attempts.push(AttemptRecord {
                        attempt: send.attempt,
                        previous: send.previous,
                        sent: now,
                        ended: None,
                        outcome: None,
                        committed: false,
                        pushback: None,
                        transparent: send.transparent,
                    });
                    log.sent(now, &send);
                }
                Output::Cancel { slot } => {
                    attempts.retain(|(s, _)| *s != slot); // dropping the attempt cancels it
                    end_attempt(&mut record, slot, now, Outcome::Cancelled);
                    log.event(
                        now,
                        attempt_no(&record, slot),
                        EventKind::Cancel,
                        String::new,
                    );
                }
                Output::Committed { slot } => {
                    if let Some(a) = record.attempts.get_mut(slot as usize) {
                        a.committed = true;
                    }
                    log.event(now, attempt_no(&record, slot), EventKind::Commit, || {
                        // Why, when it is not the usual headers (R30b).
                        let why = if overflowed { "buffer overflow" } else { "" };
                        why.to_string()
                    });
                    if held.as_ref().is_some_and(|(s, _)| *s == slot) {
                        if let Some((_, response)) = held.take() {
                            deliver(response);
                        }
                    }
                }
                Output::Note(note) => log.note(now, &note, jitter),
                Output::Finish(finish) => {
                    if let Some((slot, response)) = held.take() {
                        if finish.slot == Some(slot) {
                            deliver(response);
                        }
                    }
                    return log.finish(now, finish, record, deadline);
                }
            }
        }

        let wakeup = engine.next_wakeup();
        if sleep_at != wakeup {
            sleep_at = wakeup;
            sleep.set(wakeup.map(|at| clock.sleep_until(at)));
        }
        let wake = match waiter.stashed.take() {
            // Put back behind an overflow: still current unless the commit cancelled it.
            Some(Wake::Attempt(slot, _)) if !attempts.iter().any(|(s, _)| *s == slot) => continue,
            Some(wake) => wake,
            None => waiter.wait(&mut attempts, sleep.as_mut()).await,
        };
        now = clock.now();
        overflowed = false;
        let input = match wake {
            Wake::Timer => {
                sleep_at = None;
                sleep.set(None);
                Input::Tick
            }
            Wake::Signal(Signal::Cancel) => Input::Cancel,
            Wake::Signal(Signal::BufferOverflow { slot }) => {
                overflowed = true;
                Input::BufferOverflow { slot }
            }
            Wake::Attempt(slot, event) => {
                let attempt = attempt_no(&record, slot);
                match event {
                    Some(AttemptEvent::Headers(response)) => {
                        log.event(now, attempt, EventKind::Headers, String::new);
                        held = Some((slot, response));
                        Input::Headers { slot }
                    }
                    Some(AttemptEvent::Closed {
                        status,
                        pushback,
                        response,
                    }) => {
                        attempts.retain(|(s, _)| *s != slot);
                        let raw = (!pushback.is_empty()).then(|| pushback.join(","));
                        if let Some(a) = record.attempts.get_mut(slot as usize) {
                            a.pushback.clone_from(&raw);
                        }
                        end_attempt(&mut record, slot, now, Outcome::Status(status));
                        log.event(now, attempt, EventKind::Closed, || match &raw {
                            Some(raw) => format!("{status} pushback={raw:?}"),
                            None => status.to_string(),
                        });
                        if let Some(response) = response {
                            held = Some((slot, response));
                        }
                        Input::Closed {
                            slot,
                            status,
                            pushback,
                        }
                    }
                    Some(AttemptEvent::NotSent) | Some(AttemptEvent::Refused) | None => {
                        attempts.retain(|(s, _)| *s != slot);
                        let (outcome, input) = match event {
                            Some(AttemptEvent::NotSent) => {
                                (Outcome::NotSent, Input::NotSent { slot })
                            }
                            Some(AttemptEvent::Refused) => {
                                (Outcome::Refused, Input::Refused { slot })
                            }
                            // A transport that ends an attempt without a status broke its
                            // contract; the application sees INTERNAL, never a hang.
                            _ => (
                                Outcome::Status(Code::Internal),
                                Input::Closed {
                                    slot,
                                    status: Code::Internal,
                                    pushback: vec![],
                                },
                            ),
                        };
                        end_attempt(&mut record, slot, now, outcome);
                        log.event(now, attempt, EventKind::Closed, || {
                            outcome.as_str().to_string()
                        });
                        input
                    }
                }
            }
        };
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

fn attempt_no(record: &CallRecord, slot: u32) -> Option<u32> {
    record.attempts.get(slot as usize).map(|a| a.attempt)
}

fn end_attempt(record: &mut CallRecord, slot: u32, now: Nanos, outcome: Outcome) {
    if let Some(a) = record.attempts.get_mut(slot as usize) {
        if a.outcome.is_none() {
            a.ended = Some(now);
            a.outcome = Some(outcome);
        }
    }
}
