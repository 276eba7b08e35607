//! What a failed attempt leads to under a `retryPolicy` (R21–R29, R36–R38, R43–R45).
//!
//! The order of the checks is the policy: a status that is not retryable goes back at once; an
//! exhausted budget wins over anything the server says (pushback cannot add attempts, R38); a
//! server's stop wins over the throttle; only then is a delay chosen — the server's exact
//! pushback (which restarts the ladder), or the next jittered rung of the backoff ladder.

use super::call::{CallEngine, Live};
use super::runtime::ladder;
use super::{Env, FinishReason, Note, Output, Outputs, Pushback};
use crate::code::Code;
use crate::config::Policy;
use crate::profile::library::DeadlineWait;
use crate::time::{Nanos, NANOS_PER_MS};

impl CallEngine {
    /// `retryable`: the status is in `retryableStatusCodes`, or the attempt timed out waiting
    /// for a response (R23, which skips the code check).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(super) fn after_retry_failure(
        &mut self,
        now: Nanos,
        live: Live,
        status: Code,
        retryable: bool,
        pushback: Option<Pushback>,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        let slot = Some(live.slot);
        let stop = pushback.is_some_and(Pushback::stops);
        let profile = self.profile();
        // R39 (grpc-java): a non-negative pushback retries even a status that is not retryable;
        // such an attempt is no qualifying failure and asks no throttle.
        let pushed = !retryable
            && profile.pushback.retries_non_retryable
            && matches!(pushback, Some(Pushback::Delay(_)));
        // R44, D11: a retryable status, or a stop whatever the code; R49: some runtimes take
        // no token for a stop on a status that is not retryable.
        let qualifying = retryable || (stop && profile.throttle.stop_pushback_takes_token);
        if qualifying {
            self.throttle_failure(env, out);
        }
        let note_pushback = |until: Option<Nanos>, out: &mut Outputs| {
            if let Some(meaning) = pushback {
                out.push(Output::Note(Note::Pushback {
                    slot: live.slot,
                    meaning,
                    until,
                }));
            }
        };
        // Order of reasons: not retryable, then attempts exhausted (pushback cannot add attempts,
        // R38), then the server's stop, then the throttle (asked now, or when the wait ends
        // under a profile that defers it, R49).
        let refusal = if !retryable && !pushed {
            Some(FinishReason::NotRetryable)
        } else if self.attempts >= self.max_attempts {
            Some(FinishReason::Exhausted)
        } else if stop {
            Some(FinishReason::PushbackStop)
        } else if retryable && !self.throttle_deferred() && !self.throttle_allows(env, out) {
            Some(FinishReason::Throttled)
        } else {
            None
        };
        if let Some(reason) = refusal {
            note_pushback(None, out);
            return self.finish(status, slot, reason, env, out);
        }
        let backoff = match (&mut self.backoff, &self.plan.policy) {
            (Some(backoff), _) => backoff,
            // The call's first retry: the ladder is built now, not for every call.
            (none, Policy::Retry(policy)) => none.insert(ladder(policy, profile)),
            // Only a retry policy's failures come here (`on_closed`, `on_recv_timeout`).
            _ => return self.finish(status, slot, FinishReason::NoPolicy, env, out),
        };
        let until = match pushback {
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
        if let Some(status) = self.gives_up_before(until, status) {
            return self.finish(status, slot, FinishReason::GaveUpEarly, env, out);
        }
        // A wait that runs past the deadline is still waited: the deadline ends it (D18).
        self.timer = Some(until);
    }

    /// The status a client library that gives up early ends with, when a retry waiting until
    /// `until` would pass the deadline (R77): D18 and gax-go wait it out instead.
    fn gives_up_before(&self, until: Nanos, last: Code) -> Option<Code> {
        let deadline = self.plan.deadline?;
        match self.profile().layer.library()?.deadline {
            DeadlineWait::WaitsOut => None,
            // gax-java: less than a whole millisecond would be left.
            DeadlineWait::GivesUpKeepingStatus => {
                (until.saturating_add(NANOS_PER_MS) > deadline).then_some(last)
            }
            DeadlineWait::GivesUpDeadlineExceeded => {
                (until > deadline).then_some(Code::DeadlineExceeded)
            }
        }
    }
}
