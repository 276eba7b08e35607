//! The per-call state machine: one value per RPC, fed events, emitting actions.
//!
//! Shape: the call is a small set of live attempts plus at most one timer (a retry's backoff, or
//! the next hedge) and the deadline. Every input changes that state and appends actions to
//! `out`; nothing else happens. Retry and hedging share the bookkeeping (attempt numbering,
//! commit, transparent retries, deadline, throttle) and differ only in what a failed attempt
//! leads to: [`CallEngine::after_retry_failure`] or [`CallEngine::after_hedge_failure`].
//!
//! Cost: every simulated attempt goes through here, so what cannot change while a call runs
//! (the attempt limit, whether a client library retries, whether attempts carry the
//! previous-attempts header) is settled once in [`CallEngine::new`], and the common steps
//! (a closed attempt, a commit with nothing else live) run inline, with the rare ones (several
//! attempts to cancel) out of line.

use std::sync::Mutex;

use rand::RngCore;
use smallvec::SmallVec;

use super::runtime::apply_ceiling;
use super::transparent::Transparent;
use super::{
    Backoff, CallPlan, Finish, FinishReason, Input, Note, Output, Outputs, Pushback, SendAttempt,
    Throttle,
};
use crate::code::Code;
use crate::config::Policy;
use crate::profile::choices::{MalformedPushback, ThrottleSuccess};
use crate::profile::library::RetryLayer;
use crate::time::{earliest, Nanos};

/// What the engine borrows from its surroundings for one step.
pub struct Env<'a> {
    /// Jitter draws (the call's own seeded stream in the simulator).
    pub rng: &'a mut dyn RngCore,
    /// The target's throttle, when `retryThrottling` is configured.
    pub throttle: Option<&'a Mutex<Throttle>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Live {
    pub(super) slot: u32,
    pub(super) attempt: u32,
    pub(super) previous: Option<u32>,
}

/// The A6 state machine of one call.
#[derive(Debug)]
pub struct CallEngine {
    pub(super) plan: CallPlan,
    pub(super) backoff: Option<Backoff>,
    pub(super) finished: bool,
    /// A6 attempts started (transparent retries excluded, R71).
    pub(super) attempts: u32,
    pub(super) next_slot: u32,
    /// In send order; inline up to a policy's usual attempt count (no allocation per call).
    pub(super) live: SmallVec<[Live; 4]>,
    pub(super) committed: Option<u32>,
    /// A buffer overflow arrived while no attempt was live: commit the next one.
    pub(super) commit_next: bool,
    /// A retry's backoff timer, or when the next hedge is due.
    pub(super) timer: Option<Nanos>,
    /// Why hedging stopped sending early, if it did (R59, R60).
    pub(super) hedging_stopped: Option<FinishReason>,
    /// The last attempt status seen, and its slot.
    pub(super) last: Option<(Code, u32)>,
    /// What transparent retries have used so far (R69–R73).
    pub(super) transparent: Transparent,
    /// The retry policy's `perAttemptRecvTimeout`, if any (R23, D24).
    pub(super) recv_timeout: Option<Nanos>,
    /// The live attempt still waiting for its first response, and when it gives up: set when
    /// an attempt is sent under a `perAttemptRecvTimeout`, cleared by its headers or its end.
    pub(super) recv_deadline: Option<(u32, Nanos)>,
    /// The throttle already counted this call's success (at headers, R48 grpc-java).
    pub(super) success_counted: bool,
    /// Response headers arrived on the attempt the call is committed to (so its failure is
    /// not Trailers-Only).
    pub(super) committed_headers: bool,
    /// Why a call with no policy ends after its attempt: none configured (R1), or a
    /// `hedgingPolicy` the runtime ignores (R63).
    pub(super) no_policy: FinishReason,
    /// The policy's attempt limit after the runtime's ceiling (R16, R22, R58); 1 without one.
    pub(super) max_attempts: u32,
    /// The profile retries whole calls as a client library does (no pushback, no throttle,
    /// no commit on headers, no `grpc-previous-rpc-attempts`), rather than inside the channel.
    pub(super) library: bool,
    /// Attempts after the first carry `grpc-previous-rpc-attempts` (R74, R76).
    pub(super) previous_header: bool,
}

impl CallEngine {
    /// A call that has not started.
    ///
    /// Inline, so the driver builds the engine in place in its future from its context's
    /// plan, rather than through a call that copies the plan in and the engine out.
    #[inline(always)]
    pub fn new(mut plan: CallPlan) -> Self {
        let profile = plan.profile;
        let mut no_policy = FinishReason::NoPolicy;
        if !profile.hedges() && matches!(plan.policy, Policy::Hedging(_)) {
            // R63: the runtime parses hedgingPolicy and never hedges: one attempt, as with no
            // policy (grpc-go, C-core).
            plan.policy = Policy::None;
            no_policy = FinishReason::HedgingIgnored;
        }
        apply_ceiling(&mut plan.policy, profile.limits.attempts);
        let library = profile.layer.library().is_some();
        if library {
            // A client library holds the request itself and retries whole calls: no retry
            // buffer can commit the call.
            plan.request_fits_buffer = true;
        }
        let recv_timeout = match &plan.policy {
            Policy::Retry(p) => p.per_attempt_recv_timeout,
            _ => None,
        };
        // Settled once per call rather than at each attempt: the profile and the policy do
        // not change while the call runs.
        let hedge = matches!(plan.policy, Policy::Hedging(_));
        let previous_header = (!hedge || profile.limits.hedge_previous_header) && !library;
        let max_attempts = plan.policy.max_attempts();
        CallEngine {
            plan,
            // Built at the call's first retry (`after_retry_failure`): most calls never retry.
            backoff: None,
            finished: false,
            attempts: 0,
            next_slot: 0,
            live: SmallVec::new(),
            committed: None,
            commit_next: false,
            timer: None,
            hedging_stopped: None,
            last: None,
            transparent: Transparent::default(),
            recv_timeout,
            recv_deadline: None,
            success_counted: false,
            committed_headers: false,
            no_policy,
            max_attempts,
            library,
            previous_header,
        }
    }

    /// Starts the call at `now`: sends the first attempt (or finishes at once if the deadline
    /// has already passed, R77).
    ///
    /// Inline into the driver (once per call, a few checks and the first send); a rejected
    /// config or a passed deadline is out of line.
    #[inline(always)]
    pub fn start(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Outputs) {
        if self.finished || self.next_slot > 0 {
            return;
        }
        if self.plan.config_rejected.is_some() || self.deadline_passed(now) {
            return self.start_refused(now, env, out);
        }
        // A request that does not fit the retry buffer can only ever be sent once (R66).
        self.commit_next = !self.plan.request_fits_buffer;
        self.send_new(now, out);
        if let Policy::Hedging(ref p) = self.plan.policy {
            // The first hedge's timer (R53).
            let delay = p.hedging_delay;
            self.schedule_hedge(now.saturating_add(delay), "delay", env, out);
            self.pump_hedges(now, env, out);
        }
    }

    /// The call ends before its first attempt: the runtime rejected the config, or the
    /// deadline has already passed.
    #[inline(never)]
    fn start_refused(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Outputs) {
        if let Some(status) = self.plan.config_rejected {
            // R5: the runtime rejected the config; the call fails before any attempt.
            return self.finish(status, None, FinishReason::ConfigRejected, env, out);
        }
        debug_assert!(self.deadline_passed(now));
        self.finish_deadline(env, out);
    }

    /// Feeds one event.
    ///
    /// Inline into the driver, which makes the input just before: the dispatch costs no call,
    /// and the common headers step none at all; each other step is one call, as before.
    #[inline(always)]
    pub fn handle(&mut self, now: Nanos, input: Input, env: &mut Env<'_>, out: &mut Outputs) {
        if self.finished {
            return;
        }
        match input {
            Input::Tick => self.on_tick(now, env, out),
            Input::Headers { slot } => self.on_headers(slot, env, out),
            Input::Closed {
                slot,
                status,
                pushback,
            } => self.on_closed_input(now, slot, status, pushback, env, out),
            rare => self.handle_rare(now, rare, env, out),
        }
    }

    /// Headers arrived on `slot`.
    #[inline(always)]
    fn on_headers(&mut self, slot: u32, env: &mut Env<'_>, out: &mut Outputs) {
        // Headers commit the call to their attempt (R30a, R55: the first to get them wins);
        // headers on an attempt already cancelled or ended change nothing.
        if self.is_live(slot) {
            self.transparent.reached_app = true;
            self.clear_recv_deadline(slot);
            // A client library's retries are new calls: headers commit nothing.
            if self.committed.is_none() && !self.library {
                self.commit(slot, out);
                if self.profile().throttle.success == ThrottleSuccess::CommittedHeaders {
                    // R48 (grpc-java): headers on the committed attempt are the success.
                    self.count_success(env, out);
                }
            }
            self.committed_headers |= self.committed == Some(slot);
        }
    }

    /// `slot` ended with `status`.
    #[inline(never)]
    fn on_closed_input(
        &mut self,
        now: Nanos,
        slot: u32,
        status: Code,
        pushback: Vec<String>,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        // A status reached the server application (so never transparent, R70); the policy
        // decides what follows (R21 retry, R56–R58 hedging, R31 committed). A close on a slot
        // no longer live (already cancelled) is ignored.
        if let Some(live) = self.take_live(slot) {
            self.transparent.reached_app = true;
            self.on_closed(now, live, status, &pushback, env, out);
        }
    }

    /// The inputs a call rarely sees: transparent retries, a buffer overflow, a cancel.
    #[inline(never)]
    fn handle_rare(&mut self, now: Nanos, input: Input, env: &mut Env<'_>, out: &mut Outputs) {
        match input {
            Input::NotSent { slot } => self.on_not_sent(now, slot, env, out),
            Input::Refused { slot } => self.on_refused(now, slot, env, out),
            Input::BufferOverflow { slot } => {
                if self.committed.is_none() {
                    // The attempt that took the overflowing data is the only one that can
                    // carry on (R66). Not knowing it, R61: the oldest live attempt has sent the
                    // most (`live` is in send order); with retries at most one is live anyway.
                    let named = slot.filter(|&s| self.is_live(s));
                    match named.or_else(|| self.live.first().map(|l| l.slot)) {
                        Some(slot) => self.commit(slot, out),
                        None => self.commit_next = true,
                    }
                }
            }
            Input::Cancel => self.finish(Code::Cancelled, None, FinishReason::Cancelled, env, out),
            // Dispatched by `handle` itself, never sent here; handled as there if they were.
            common @ (Input::Tick | Input::Headers { .. } | Input::Closed { .. }) => {
                self.handle(now, common, env, out)
            }
        }
    }

    /// When the engine next needs an [`Input::Tick`]: the earliest of its timer, the
    /// deadline and the live attempt's `perAttemptRecvTimeout`.
    #[inline]
    pub fn next_wakeup(&self) -> Option<Nanos> {
        if self.finished {
            return None;
        }
        let recv = self.recv_deadline.map(|(_, at)| at);
        earliest(earliest(self.timer, self.plan.deadline), recv)
    }

    /// Whether [`Output::Finish`] has been emitted.
    #[inline]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// A6 attempts started so far (transparent retries excluded).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    #[inline]
    pub(super) fn deadline_passed(&self, now: Nanos) -> bool {
        self.plan.deadline.is_some_and(|d| now >= d)
    }

    #[inline]
    fn is_live(&self, slot: u32) -> bool {
        self.live.iter().any(|l| l.slot == slot)
    }

    #[inline]
    pub(super) fn take_live(&mut self, slot: u32) -> Option<Live> {
        let i = self.live.iter().position(|l| l.slot == slot)?;
        self.clear_recv_deadline(slot);
        // The newest attempt (a retry's only one) comes off the end without a shift.
        if i + 1 == self.live.len() {
            return self.live.pop();
        }
        Some(self.live.remove(i))
    }

    /// `slot` answered or left: its `perAttemptRecvTimeout` no longer runs.
    #[inline]
    pub(super) fn clear_recv_deadline(&mut self, slot: u32) {
        if self.recv_deadline.is_some_and(|(s, _)| s == slot) {
            self.recv_deadline = None;
        }
    }

    #[inline]
    pub(super) fn alloc_slot(&mut self) -> u32 {
        let slot = self.next_slot;
        self.next_slot += 1;
        slot
    }

    /// Sends the next A6 attempt: `grpc-previous-rpc-attempts` = attempts before it (R74, R76).
    #[inline]
    pub(super) fn send_new(&mut self, now: Nanos, out: &mut Outputs) {
        self.attempts += 1;
        let previous = (self.previous_header && self.attempts > 1).then(|| self.attempts - 1);
        let live = Live {
            slot: self.alloc_slot(),
            attempt: self.attempts,
            previous,
        };
        self.send(now, live, false, out);
    }

    #[inline(always)]
    pub(super) fn send(&mut self, now: Nanos, live: Live, transparent: bool, out: &mut Outputs) {
        self.live.push(live);
        // Each attempt, transparent replays included, gets the whole timeout from its own
        // start (R23: C-core starts the timer as each attempt is created).
        if let Some(timeout) = self.recv_timeout {
            self.recv_deadline = Some((live.slot, now.saturating_add(timeout)));
        }
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

    #[inline]
    pub(super) fn commit(&mut self, slot: u32, out: &mut Outputs) {
        self.committed = Some(slot);
        self.timer = None;
        // Commit first, then its consequence: every other attempt is cancelled (R31, R55).
        out.push(Output::Committed { slot });
        self.cancel_live_except(Some(slot), out);
    }

    /// Cancels every live attempt but `keep` (all of them for `None`).
    #[inline]
    pub(super) fn cancel_live_except(&mut self, keep: Option<u32>, out: &mut Outputs) {
        if self.recv_deadline.is_some_and(|(s, _)| Some(s) != keep) {
            self.recv_deadline = None;
        }
        // The usual cases need no scan, and stay inline: nothing live (the call's last
        // attempt just closed) or only the attempt kept (a retry committing to its one live
        // attempt).
        match self.live.as_slice() {
            [] => {}
            [only] if Some(only.slot) == keep => {}
            _ => self.cancel_others(keep, out),
        }
    }

    /// The scan behind [`CallEngine::cancel_live_except`], out of line: only a hedged call
    /// or a finish with attempts in flight gets here.
    #[inline(never)]
    fn cancel_others(&mut self, keep: Option<u32>, out: &mut Outputs) {
        self.live.retain(|l| {
            let cancel = Some(l.slot) != keep;
            if cancel {
                out.push(Output::Cancel { slot: l.slot });
            }
            !cancel
        });
    }

    /// The deadline has passed (R77): every live attempt is cancelled, nothing more starts,
    /// and the call ends DEADLINE_EXCEEDED, whatever the last attempt said.
    pub(super) fn finish_deadline(&mut self, env: &mut Env<'_>, out: &mut Outputs) {
        self.finish(
            Code::DeadlineExceeded,
            None,
            FinishReason::Deadline,
            env,
            out,
        );
    }

    #[inline(always)]
    pub(super) fn finish(
        &mut self,
        status: Code,
        slot: Option<u32>,
        reason: FinishReason,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        self.cancel_live_except(None, out);
        self.timer = None;
        self.finished = true;
        if status == Code::Ok {
            // One success per RPC, when the delivered status is OK (D10); an OK attempt always
            // ends its call here, so this is also R48's "attempt OK" (C-core, grpc-js).
            self.count_success(env, out);
        }
        out.push(Output::Finish(Finish {
            status,
            slot,
            reason,
        }));
    }

    fn on_tick(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Outputs) {
        // The deadline wins over a timer due at the same instant: nothing starts at it (R77).
        if self.deadline_passed(now) {
            return self.finish_deadline(env, out);
        }
        if let Some((slot, at)) = self.recv_deadline {
            if at <= now {
                self.on_recv_timeout(now, slot, env, out);
                if self.finished {
                    return;
                }
            }
        }
        if self.timer.is_some_and(|t| t <= now) {
            match self.plan.policy {
                Policy::Hedging(_) => self.pump_hedges(now, env, out),
                // The retry's backoff (R24–R28) or pushback (R36) wait is over: the next
                // attempt goes out; the throttle was asked when the retry was decided (R43),
                // or is asked now under a profile that checks when the wait ends (R49).
                _ => {
                    self.timer = None;
                    if self.throttle_deferred() && !self.throttle_allows(env, out) {
                        let (status, slot) = self.last_status();
                        return self.finish(status, slot, FinishReason::Throttled, env, out);
                    }
                    self.send_new(now, out);
                }
            }
        }
    }

    #[inline(always)]
    pub(super) fn on_closed(
        &mut self,
        now: Nanos,
        live: Live,
        status: Code,
        pushback: &[String],
        env: &mut Env<'_>,
        out: &mut Outputs,
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
            if self.overflow_failure_takes_token(status) {
                // R49 (C-core): a retryable Trailers-Only status after an overflow commit.
                self.throttle_failure(env, out);
            }
            return self.finish(status, slot, reason, env, out);
        }
        if status == Code::Ok {
            // An OK attempt carried a response message, which implies headers (R30, R55).
            self.commit(live.slot, out);
            return self.finish(status, slot, FinishReason::Ok, env, out);
        }
        let raw = pushback;
        let pushback = match self.profile().layer {
            // Most answers carry no pushback: nothing to read.
            _ if raw.is_empty() => None,
            // A client library never reads `grpc-retry-pushback-ms`.
            RetryLayer::Library(_) => None,
            RetryLayer::Channel => Pushback::read(raw, &self.profile().pushback),
        };
        let malformed = pushback == Some(Pushback::Malformed);
        if malformed && self.profile().pushback.malformed == MalformedPushback::FailInternal {
            if let Policy::Retry(_) | Policy::Hedging(_) = self.plan.policy {
                // R39 (C-core, observed): the parse error is the call's status, hiding the
                // attempt's own.
                out.push(Output::Note(Note::Pushback {
                    slot: live.slot,
                    meaning: Pushback::Malformed,
                    until: None,
                }));
                let reason = FinishReason::MalformedPushback;
                return self.finish(Code::Internal, slot, reason, env, out);
            }
        }
        // The policy is read in place, not cloned: each arm takes the one fact it needs.
        match self.plan.policy {
            Policy::None => self.finish(status, slot, self.no_policy, env, out),
            Policy::Retry(ref p) => {
                let retryable = p.retryable_codes.contains(status);
                self.after_retry_failure(now, live, status, retryable, pushback, env, out)
            }
            Policy::Hedging(ref p) => {
                let non_fatal = p.non_fatal_codes.contains(status);
                self.after_hedge_failure(now, live, status, non_fatal, pushback, env, out)
            }
        }
    }
}
