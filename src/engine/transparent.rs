//! Transparent retries (R69–R73, D21): attempts that never reached the server application.
//!
//! They are not A6 retries: they keep their attempt number and `grpc-previous-rpc-attempts`,
//! touch no throttle and wait for no backoff (R71). An attempt that never left the client is
//! replayed as often as needed until the deadline, with a safety cap (D21, as Java); a refused
//! stream is replayed once per call, and only while no attempt has reached the server
//! application, because after that the server may already have acted on the request.

use super::call::{CallEngine, Live};
use super::{Env, FinishReason, Note, Output, Outputs};
use crate::code::Code;
use crate::profile::choices::RefusedReplay;
use crate::time::Nanos;

/// A call's transparent-retry state: the part of the call that decides whether an attempt
/// that did not reach the server application may be replayed.
#[derive(Debug, Default)]
pub(super) struct Transparent {
    /// Some attempt reached the server application (it answered): a later refusal may have
    /// been acted on, so it is no longer replayed (R70).
    pub(super) reached_app: bool,
    /// The one transparent replay of a refused stream was used (R70).
    pub(super) refused_retry_used: bool,
    /// Never-sent attempts replayed so far, against the cap (D21).
    pub(super) not_sent_retries: u32,
}

impl CallEngine {
    /// `slot` never left the client (R69).
    pub(super) fn on_not_sent(
        &mut self,
        now: Nanos,
        slot: u32,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        if let Some(live) = self.take_live(slot) {
            self.transparent.not_sent_retries += 1;
            // D21 (and R73 grpc-java): a cap; the other runtimes replay until the deadline.
            let cap = self.profile().limits.transparent_cap.unwrap_or(u32::MAX);
            if self.transparent.not_sent_retries > cap {
                let reason = FinishReason::TransparentLimit;
                return self.finish(Code::Internal, None, reason, env, out);
            }
            self.resend_transparent(now, live, "not sent", env, out);
        }
    }

    /// `slot` was refused before the server application saw it (R70).
    pub(super) fn on_refused(
        &mut self,
        now: Nanos,
        slot: u32,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        if let Some(live) = self.take_live(slot) {
            // R70 as each runtime reads it (R73): once per call, and in hedgehog (D21) and
            // grpc-java only while no attempt reached the application; grpc-go only on the
            // call's first attempt.
            let allowed = match self.profile().limits.refused_replay {
                RefusedReplay::OnceBeforeAppReached => !self.transparent.reached_app,
                RefusedReplay::OncePerCall => true,
                RefusedReplay::FirstAttemptOnly => live.attempt == 1,
            };
            if !self.transparent.refused_retry_used && allowed {
                self.transparent.refused_retry_used = true;
                self.resend_transparent(now, live, "refused", env, out);
            } else {
                // Past the one transparent retry, a refusal is an UNAVAILABLE attempt that
                // the configured policy judges (R70).
                self.transparent.reached_app = true;
                self.on_closed(now, live, Code::Unavailable, &[], env, out);
            }
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
        out: &mut Outputs,
    ) {
        if self.deadline_passed(now) {
            return self.finish_deadline(env, out);
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
        self.send(now, live, true, out);
    }
}
