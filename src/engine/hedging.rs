//! What a failed attempt leads to under a `hedgingPolicy`, and the hedge timer (R52–R61).
//!
//! Hedging keeps several attempts in flight; a failure only decides the call when it is fatal
//! (R57) or when nothing is live and nothing more may start (R58). Everything else moves the
//! hedge timer: a non-fatal status pulls the next hedge forward to now (R56), a pushback moves
//! it or stops new hedges (R59), and the throttle may refuse a hedge when it is due (R60).

use super::call::{CallEngine, Live};
use super::{Env, FinishReason, Note, Output, Outputs, Pushback};
use crate::code::Code;
use crate::config::Policy;
use crate::profile::choices::{
    HedgeStopPushback, HedgeThrottleCheck, HedgingSupport, NonFatalShortcut,
};
use crate::time::Nanos;

impl CallEngine {
    /// `non_fatal`: the status is in `nonFatalStatusCodes` (R56, R57).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn after_hedge_failure(
        &mut self,
        now: Nanos,
        live: Live,
        status: Code,
        non_fatal: bool,
        pushback: Option<Pushback>,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        let stop = pushback.is_some_and(Pushback::stops);
        let (shortcut, stop_pushback) = match self.profile().hedging {
            HedgingSupport::Hedges {
                shortcut,
                stop_pushback,
                ..
            } => (shortcut, stop_pushback),
            // A profile that never hedges turned the policy into none (R63): not reached.
            HedgingSupport::OneAttempt => {
                (NonFatalShortcut::Immediate, HedgeStopPushback::StopsHedging)
            }
        };
        if non_fatal || (stop && self.profile().throttle.stop_pushback_takes_token) {
            self.throttle_failure(env, out);
        }
        let mut until = None;
        let mut ends_call = false;
        if non_fatal && self.can_hedge() {
            until = match pushback {
                // R63 (grpc-js): a stop ends the call with this attempt's status.
                Some(m) if m.stops() && stop_pushback == HedgeStopPushback::EndsCall => {
                    ends_call = true;
                    None
                }
                // R59: a stop ends new hedges; attempts already out carry on.
                Some(m) if m.stops() => {
                    self.stop_hedging(FinishReason::PushbackStop, "server pushback", out);
                    None
                }
                // R63 (grpc-java): a positive pushback releases the next hedge at once, its
                // value ignored.
                Some(Pushback::Delay(_)) if shortcut == NonFatalShortcut::OnlyWithPushback => {
                    Some((now, "pushback"))
                }
                Some(Pushback::Delay(delay)) => Some((now.saturating_add(delay), "pushback")),
                // R56: a non-fatal status releases the next hedge at once (R63: not in
                // grpc-java, where the next hedge keeps its time).
                _ if shortcut == NonFatalShortcut::Immediate => Some((now, "non-fatal status")),
                _ => None,
            };
        }
        if let Some(meaning) = pushback {
            let at = until.map(|(at, _)| at);
            out.push(Output::Note(Note::Pushback {
                slot: live.slot,
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
        if ends_call {
            let reason = FinishReason::PushbackStop;
            return self.finish(status, Some(live.slot), reason, env, out);
        }
        if let Some((at, cause)) = until {
            self.schedule_hedge(at, cause, env, out);
        }
        self.pump_hedges(now, env, out);
    }

    /// When this profile's hedges ask the throttle (R60, R63).
    fn hedge_throttle_check(&self) -> Option<HedgeThrottleCheck> {
        match self.profile().hedging {
            HedgingSupport::Hedges { throttle, .. } => Some(throttle),
            HedgingSupport::OneAttempt => None,
        }
    }

    #[inline]
    pub(super) fn can_hedge(&self) -> bool {
        self.hedging_stopped.is_none()
            && self.committed.is_none()
            && self.attempts < self.max_attempts
    }

    pub(super) fn stop_hedging(
        &mut self,
        reason: FinishReason,
        cause: &'static str,
        out: &mut Outputs,
    ) {
        self.hedging_stopped = Some(reason);
        self.timer = None;
        out.push(Output::Note(Note::HedgingStopped { cause }));
    }

    /// Inline: a hedged call schedules after every attempt it sends, and the common case is
    /// a test and a note; the call around it cost more than the work.
    #[inline(always)]
    pub(super) fn schedule_hedge(
        &mut self,
        at: Nanos,
        cause: &'static str,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        if self.can_hedge()
            && self.hedge_throttle_check() == Some(HedgeThrottleCheck::WhenScheduled)
            && !self.throttle_allows(env, out)
        {
            // R63 (grpc-java): the throttle is asked when the hedge is scheduled.
            self.stop_hedging(FinishReason::Throttled, "throttled", out);
            return;
        }
        if self.can_hedge() {
            self.timer = Some(at);
            out.push(Output::Note(Note::HedgeTimer { at, cause }));
        } else {
            self.timer = None;
        }
    }

    /// Sends every hedge that is due (R53), then ends the call if nothing is live and nothing
    /// more can start (R58).
    ///
    /// Asked after every hedged step, and most of the time there is nothing to do (the next
    /// hedge is not due, attempts are live): that check is inline, the work out of line.
    #[inline]
    pub(super) fn pump_hedges(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Outputs) {
        let due = self.can_hedge() && self.timer.is_some_and(|t| t <= now);
        if due || self.live.is_empty() {
            self.send_due_hedges(now, env, out);
        }
    }

    /// [`CallEngine::pump_hedges`] when a hedge is due or nothing is live.
    #[inline(never)]
    fn send_due_hedges(&mut self, now: Nanos, env: &mut Env<'_>, out: &mut Outputs) {
        let delay = match &self.plan.policy {
            Policy::Hedging(p) => p.hedging_delay,
            _ => return,
        };
        while self.can_hedge() && self.timer.is_some_and(|t| t <= now) {
            if self.deadline_passed(now) {
                return self.finish_deadline(env, out);
            }
            // R60: the first attempt always goes; later hedges only while tokens allow (asked
            // now unless the profile asks when scheduling, or never, R63).
            let check_now = self.hedge_throttle_check() == Some(HedgeThrottleCheck::WhenSent);
            if check_now && !self.throttle_allows(env, out) {
                self.stop_hedging(FinishReason::Throttled, "throttled", out);
                break;
            }
            self.send_new(now, out);
            self.schedule_hedge(now.saturating_add(delay), "delay", env, out);
        }
        if self.live.is_empty() && !self.can_hedge() {
            // R58: the last status is the answer (R22, D19). Nothing is live only after some
            // attempt closed with a status, so `last` is set; the UNKNOWN fallback is a guard
            // (gRPC's code for "no better status") rather than a path any input reaches.
            let (status, slot) = self.last_status();
            let reason = self.hedging_stopped.unwrap_or(FinishReason::Exhausted);
            self.finish(status, slot, reason, env, out);
        }
    }
}
