//! The per-call state machine: one value per RPC, fed events, emitting actions.
//!
//! Shape: the call is a small set of live attempts plus at most one timer (a retry's backoff, or
//! the next hedge) and the deadline. Every input changes that state and appends actions to
//! `out`; nothing else happens. Retry and hedging share the bookkeeping (attempt numbering,
//! commit, transparent retries, deadline, throttle) and differ only in what a failed attempt
//! leads to: [`CallEngine::after_retry_failure`] or [`CallEngine::after_hedge_failure`].

use std::sync::Mutex;

use rand::RngCore;

use super::{
    Backoff, CallPlan, Finish, FinishReason, Input, Note, Output, Pushback, SendAttempt, Throttle,
};
use crate::code::Code;
use crate::config::{HedgingPolicy, Policy, RetryPolicy};
use crate::time::Nanos;

/// How many never-sent attempts one call may replay before giving up (D21, as in Java).
pub const TRANSPARENT_RETRY_LIMIT: u32 = 1000;

/// What the engine borrows from its surroundings for one step.
pub struct Env<'a> {
    /// Jitter draws (the call's own seeded stream in the simulator).
    pub rng: &'a mut dyn RngCore,
    /// The target's throttle, when `retryThrottling` is configured.
    pub throttle: Option<&'a Mutex<Throttle>>,
}

impl Env<'_> {
    fn with_throttle<T>(&self, f: impl FnOnce(&mut Throttle) -> T) -> Option<T> {
        self.throttle
            .map(|m| f(&mut m.lock().unwrap_or_else(|e| e.into_inner())))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Live {
    slot: u32,
    attempt: u32,
    previous: Option<u32>,
}

/// The A6 state machine of one call.
#[derive(Debug)]
pub struct CallEngine {
    plan: CallPlan,
    backoff: Option<Backoff>,
    finished: bool,
    /// A6 attempts started (transparent retries excluded, R71).
    attempts: u32,
    next_slot: u32,
    live: Vec<Live>,
    committed: Option<u32>,
    /// A buffer overflow arrived while no attempt was live: commit the next one.
    commit_next: bool,
    /// A retry's backoff timer, or when the next hedge is due.
    timer: Option<Nanos>,
    /// Why hedging stopped sending early, if it did (R59, R60).
    hedging_stopped: Option<FinishReason>,
    /// The last attempt status seen, and its slot.
    last: Option<(Code, u32)>,
    /// Some attempt reached the server application (it answered).
    reached_app: bool,
    refused_retry_used: bool,
    not_sent_retries: u32,
}

impl CallEngine {
    /// A call that has not started.
    pub fn new(plan: CallPlan) -> Self {
        let backoff = match &plan.policy {
            Policy::Retry(p) => Some(Backoff::new(p)),
            _ => None,
        };
        CallEngine {
            plan,
            backoff,
            finished: false,
            attempts: 0,
            next_slot: 0,
            live: Vec::new(),
            committed: None,
            commit_next: false,
            timer: None,
            hedging_stopped: None,
            last: None,
            reached_app: false,
            refused_retry_used: false,
            not_sent_retries: 0,
        }
    }

    /// Starts the call at `now`: sends the first attempt (or finishes at once if the deadline
    /// has already passed, R77).
    pub fn start(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Vec<Output>) {
        if self.finished || self.next_slot > 0 {
            return;
        }
        if self.deadline_passed(now) {
            return self.finish(
                Code::DeadlineExceeded,
                None,
                FinishReason::Deadline,
                env,
                out,
            );
        }
        // A request that does not fit the retry buffer can only ever be sent once (R66).
        self.commit_next = !self.plan.request_fits_buffer;
        self.send_new(out);
        if let Policy::Hedging(p) = &self.plan.policy {
            let delay = p.hedging_delay;
            self.schedule_hedge(now + delay, "delay", out);
            self.pump_hedges(now, env, out);
        }
    }

    /// Feeds one event.
    pub fn handle(&mut self, now: Nanos, input: Input, env: &mut Env<'_>, out: &mut Vec<Output>) {
        if self.finished {
            return;
        }
        match input {
            Input::Tick => self.on_tick(now, env, out),
            Input::Headers { slot } => {
                if self.is_live(slot) {
                    self.reached_app = true;
                    if self.committed.is_none() {
                        self.commit(slot, out);
                    }
                }
            }
            Input::Closed {
                slot,
                status,
                pushback,
            } => {
                if let Some(live) = self.take_live(slot) {
                    self.reached_app = true;
                    self.on_closed(now, live, status, &pushback, env, out);
                }
            }
            Input::NotSent { slot } => {
                if let Some(live) = self.take_live(slot) {
                    self.not_sent_retries += 1;
                    if self.not_sent_retries > TRANSPARENT_RETRY_LIMIT {
                        let reason = FinishReason::TransparentLimit;
                        return self.finish(Code::Internal, None, reason, env, out);
                    }
                    self.resend_transparent(now, live, "not sent", env, out);
                }
            }
            Input::Refused { slot } => {
                if let Some(live) = self.take_live(slot) {
                    if !self.refused_retry_used && !self.reached_app {
                        self.refused_retry_used = true;
                        self.resend_transparent(now, live, "refused", env, out);
                    } else {
                        // Past the one transparent retry, a refusal is an UNAVAILABLE attempt
                        // that the configured policy judges (R70).
                        self.reached_app = true;
                        self.on_closed(now, live, Code::Unavailable, &[], env, out);
                    }
                }
            }
            Input::BufferOverflow => {
                if self.committed.is_none() {
                    // R61: the oldest live attempt has sent the most; with retries there is
                    // at most one live attempt anyway.
                    match self.live.iter().map(|l| l.slot).min() {
                        Some(slot) => self.commit(slot, out),
                        None => self.commit_next = true,
                    }
                }
            }
            Input::Cancel => self.finish(Code::Cancelled, None, FinishReason::Cancelled, env, out),
        }
    }

    /// When the engine next needs an [`Input::Tick`]: the earliest of its timer and the
    /// deadline.
    pub fn next_wakeup(&self) -> Option<Nanos> {
        if self.finished {
            return None;
        }
        match (self.timer, self.plan.deadline) {
            (Some(t), Some(d)) => Some(t.min(d)),
            (t, d) => t.or(d),
        }
    }

    /// Whether [`Output::Finish`] has been emitted.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// A6 attempts started so far (transparent retries excluded).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    fn deadline_passed(&self, now: Nanos) -> bool {
        self.plan.deadline.is_some_and(|d| now >= d)
    }

    fn is_live(&self, slot: u32) -> bool {
        self.live.iter().any(|l| l.slot == slot)
    }

    fn take_live(&mut self, slot: u32) -> Option<Live> {
        let i = self.live.iter().position(|l| l.slot == slot)?;
        Some(self.live.remove(i))
    }

    fn alloc_slot(&mut self) -> u32 {
        let slot = self.next_slot;
        self.next_slot += 1;
        slot
    }

    /// Sends the next A6 attempt: `grpc-previous-rpc-attempts` = attempts before it (R74, R76).
    fn send_new(&mut self, out: &mut Vec<Output>) {
        self.attempts += 1;
        let previous = (self.attempts > 1).then(|| self.attempts - 1);
        let live = Live {
            slot: self.alloc_slot(),
            attempt: self.attempts,
            previous,
        };
        self.send(live, false, out);
    }

    fn send(&mut self, live: Live, transparent: bool, out: &mut Vec<Output>) {
        self.live.push(live);
        let (slot, attempt, previous) = (live.slot, live.attempt, live.previous);
        out.push(Output::Send(SendAttempt {
            slot,
            attempt,
            previous,
            transparent,
        }));
        if self.commit_next && self.committed.is_none() {
            self.commit_next = false;
            self.commit(live.slot, out);
        }
    }

    /// Replays an attempt that never reached the server application (R69–R71): same number,
    /// same header, no throttle, no backoff.
    fn resend_transparent(
        &mut self,
        now: Nanos,
        old: Live,
        cause: &'static str,
        env: &mut Env<'_>,
        out: &mut Vec<Output>,
    ) {
        if self.deadline_passed(now) {
            return self.finish(
                Code::DeadlineExceeded,
                None,
                FinishReason::Deadline,
                env,
                out,
            );
        }
        out.push(Output::Note(Note::Transparent {
            slot: old.slot,
            cause,
        }));
        let was_committed = self.committed == Some(old.slot);
        if was_committed {
            self.committed = None;
            self.commit_next = true;
        }
        let live = Live {
            slot: self.alloc_slot(),
            ..old
        };
        self.send(live, true, out);
    }

    fn commit(&mut self, slot: u32, out: &mut Vec<Output>) {
        self.committed = Some(slot);
        self.timer = None;
        self.cancel_live_except(Some(slot), out);
        out.push(Output::Committed { slot });
    }

    fn cancel_live_except(&mut self, keep: Option<u32>, out: &mut Vec<Output>) {
        self.live.retain(|l| {
            let cancel = Some(l.slot) != keep;
            if cancel {
                out.push(Output::Cancel { slot: l.slot });
            }
            !cancel
        });
    }

    fn finish(
        &mut self,
        status: Code,
        slot: Option<u32>,
        reason: FinishReason,
        env: &mut Env<'_>,
        out: &mut Vec<Output>,
    ) {
        self.cancel_live_except(None, out);
        self.timer = None;
        self.finished = true;
        if status == Code::Ok {
            // One success per RPC, when the delivered status is OK (D10).
            if let Some((milli, max_milli)) = env.with_throttle(|t| {
                t.on_success();
                (t.milli(), t.max_milli())
            }) {
                out.push(Output::Note(Note::Tokens { milli, max_milli }));
            }
        }
        out.push(Output::Finish(Finish {
            status,
            slot,
            reason,
        }));
    }

    fn on_tick(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Vec<Output>) {
        // The deadline wins over a timer due at the same instant: nothing starts at it (R77).
        if self.deadline_passed(now) {
            return self.finish(
                Code::DeadlineExceeded,
                None,
                FinishReason::Deadline,
                env,
                out,
            );
        }
        if self.timer.is_some_and(|t| t <= now) {
            match self.plan.policy {
                Policy::Hedging(_) => self.pump_hedges(now, env, out),
                _ => {
                    self.timer = None;
                    self.send_new(out);
                }
            }
        }
    }

    fn on_closed(
        &mut self,
        now: Nanos,
        live: Live,
        status: Code,
        pushback: &[String],
        env: &mut Env<'_>,
        out: &mut Vec<Output>,
    ) {
        self.last = Some((status, live.slot));
        let slot = Some(live.slot);
        if self.committed == Some(live.slot) {
            // Committed: the result goes to the application, whatever it is (R31).
            let reason = if status == Code::Ok {
                FinishReason::Ok
            } else {
                FinishReason::Committed
            };
            return self.finish(status, slot, reason, env, out);
        }
        if status == Code::Ok {
            // An OK attempt carried a response message, which implies headers (R30, R55).
            self.commit(live.slot, out);
            return self.finish(status, slot, FinishReason::Ok, env, out);
        }
        let pushback = Pushback::parse(pushback).map(|p| (p, pushback.join(",")));
        match self.plan.policy.clone() {
            Policy::None => self.finish(status, slot, FinishReason::NoPolicy, env, out),
            Policy::Retry(p) => self.after_retry_failure(now, live, status, pushback, &p, env, out),
            Policy::Hedging(p) => {
                self.after_hedge_failure(now, live, status, pushback, &p, env, out)
            }
        }
    }

    /// A qualifying failure (R44, D11): one token off, then the count for the trace.
    fn throttle_failure(&mut self, env: &mut Env<'_>, out: &mut Vec<Output>) {
        if let Some((milli, max_milli)) = env.with_throttle(|t| {
            t.on_failure();
            (t.milli(), t.max_milli())
        }) {
            out.push(Output::Note(Note::Tokens { milli, max_milli }));
        }
    }

    /// Whether the throttle lets a retry or a later hedge go out; notes a refusal (R43).
    fn throttle_allows(&mut self, env: &mut Env<'_>, out: &mut Vec<Output>) -> bool {
        match env.with_throttle(|t| (t.allows_retry(), t.milli(), t.max_milli())) {
            Some((false, milli, max_milli)) => {
                out.push(Output::Note(Note::Throttled { milli, max_milli }));
                false
            }
            _ => true,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn after_retry_failure(
        &mut self,
        now: Nanos,
        live: Live,
        status: Code,
        pushback: Option<(Pushback, String)>,
        policy: &RetryPolicy,
        env: &mut Env<'_>,
        out: &mut Vec<Output>,
    ) {
        let slot = Some(live.slot);
        let retryable = policy.retryable_codes.contains(status);
        let stop = pushback.as_ref().is_some_and(|(p, _)| p.stops());
        if retryable || stop {
            self.throttle_failure(env, out);
        }
        let note_pushback = |until: Option<Nanos>, out: &mut Vec<Output>| {
            if let Some((meaning, raw)) = &pushback {
                out.push(Output::Note(Note::Pushback {
                    raw: raw.clone(),
                    meaning: *meaning,
                    until,
                }));
            }
        };
        // Order of reasons: not retryable, then attempts exhausted (pushback cannot add attempts,
        // R38), then the server's stop, then the throttle.
        let refusal = if !retryable {
            Some(FinishReason::NotRetryable)
        } else if self.attempts >= policy.max_attempts {
            Some(FinishReason::Exhausted)
        } else if stop {
            Some(FinishReason::PushbackStop)
        } else if !self.throttle_allows(env, out) {
            Some(FinishReason::Throttled)
        } else {
            None
        };
        if let Some(reason) = refusal {
            note_pushback(None, out);
            return self.finish(status, slot, reason, env, out);
        }
        let backoff = self.backoff.get_or_insert_with(|| Backoff::new(policy));
        let until = match pushback.as_ref().map(|(p, _)| *p) {
            Some(Pushback::Delay(delay)) => {
                // Exactly the server's delay, no jitter, and the ladder starts again (R28, R29).
                backoff.reset();
                let until = now.saturating_add(delay);
                note_pushback(Some(until), out);
                until
            }
            _ => {
                let (retry, nominal) = backoff.next_nominal();
                let delay = self.plan.jitter.apply(nominal, env.rng);
                let until = now.saturating_add(delay);
                out.push(Output::Note(Note::Backoff {
                    retry,
                    nominal,
                    delay,
                    until,
                }));
                until
            }
        };
        // A wait that runs past the deadline is still waited: the deadline ends it (D18).
        self.timer = Some(until);
    }

    #[allow(clippy::too_many_arguments)]
    fn after_hedge_failure(
        &mut self,
        now: Nanos,
        live: Live,
        status: Code,
        pushback: Option<(Pushback, String)>,
        policy: &HedgingPolicy,
        env: &mut Env<'_>,
        out: &mut Vec<Output>,
    ) {
        let non_fatal = policy.non_fatal_codes.contains(status);
        let meaning = pushback.as_ref().map(|(p, _)| *p);
        if non_fatal || meaning.is_some_and(Pushback::stops) {
            self.throttle_failure(env, out);
        }
        let mut until = None;
        if non_fatal && self.can_hedge() {
            until = match meaning {
                // R59: a stop ends new hedges; attempts already out carry on.
                Some(m) if m.stops() => {
                    self.stop_hedging(FinishReason::PushbackStop, "server pushback", out);
                    None
                }
                Some(Pushback::Delay(delay)) => Some((now.saturating_add(delay), "pushback")),
                // R56: a non-fatal status releases the next hedge at once.
                _ => Some((now, "non-fatal status")),
            };
        }
        if let Some((raw, meaning)) = pushback.map(|(m, raw)| (raw, m)) {
            let at = until.map(|(at, _)| at);
            out.push(Output::Note(Note::Pushback {
                raw,
                meaning,
                until: at,
            }));
        }
        if !non_fatal {
            // R57: a fatal status cancels everything else and is the answer.
            return self.finish(
                status,
                Some(live.slot),
                FinishReason::NotRetryable,
                env,
                out,
            );
        }
        if let Some((at, cause)) = until {
            self.schedule_hedge(at, cause, out);
        }
        self.pump_hedges(now, env, out);
    }

    fn can_hedge(&self) -> bool {
        self.hedging_stopped.is_none()
            && self.committed.is_none()
            && self.attempts < self.plan.policy.max_attempts()
    }

    fn stop_hedging(&mut self, reason: FinishReason, cause: &'static str, out: &mut Vec<Output>) {
        self.hedging_stopped = Some(reason);
        self.timer = None;
        out.push(Output::Note(Note::HedgingStopped { cause }));
    }

    fn schedule_hedge(&mut self, at: Nanos, cause: &'static str, out: &mut Vec<Output>) {
        if self.can_hedge() {
            self.timer = Some(at);
            out.push(Output::Note(Note::HedgeTimer { at, cause }));
        } else {
            self.timer = None;
        }
    }

    /// Sends every hedge that is due (R53), then ends the call if nothing is live and nothing
    /// more can start (R58).
    fn pump_hedges(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Vec<Output>) {
        let delay = match &self.plan.policy {
            Policy::Hedging(p) => p.hedging_delay,
            _ => return,
        };
        while self.can_hedge() && self.timer.is_some_and(|t| t <= now) {
            if self.deadline_passed(now) {
                return self.finish(
                    Code::DeadlineExceeded,
                    None,
                    FinishReason::Deadline,
                    env,
                    out,
                );
            }
            // R60: the first attempt always goes; later hedges only while tokens allow.
            if !self.throttle_allows(env, out) {
                self.stop_hedging(FinishReason::Throttled, "throttled", out);
                break;
            }
            self.send_new(out);
            self.schedule_hedge(now.saturating_add(delay), "delay", out);
        }
        if self.live.is_empty() && !self.can_hedge() {
            let (status, slot) = self
                .last
                .map_or((Code::Unknown, None), |(c, s)| (c, Some(s)));
            let reason = self.hedging_stopped.unwrap_or(FinishReason::Exhausted);
            self.finish(status, slot, reason, env, out);
        }
    }
}
