//! One running call: its live attempts, the response held for the engine's verdict, and its
//! [`CallLog`]. The loop in [`super`] decides *when* something is handled (the tie-break); this
//! carries out *what*: an engine action, or an attempt's event or a signal turned into input.

use smallvec::SmallVec;

use super::wake::Wake;
use super::{notes, CallResult, Signal};
use crate::code::Code;
use crate::engine::{CallPlan, Finish, FinishReason, Input, Jitter, Output};
use crate::time::Nanos;
use crate::trace::{CallLog, Outcome, Recorder, What};
use crate::transport::{AttemptEvent, AttemptStart, Transport};

/// The state of one call between engine steps.
pub(crate) struct Running<'r, T: Transport, R: Recorder + ?Sized> {
    call: u64,
    deadline: Option<Nanos>,
    jitter: Jitter,
    log: CallLog<'r, R>,
    /// The attempts in flight, by slot, oldest first (the order they are polled in); inline
    /// up to two (a retry has one, a hedge rarely more), so a call allocates nothing here.
    attempts: SmallVec<[(u32, T::Attempt); 2]>,
    /// The event the last wait took from an attempt, until it is turned into input (it waits
    /// here while a buffer overflow that came first is handled).
    event: Option<AttemptEvent<T::Response>>,
    /// A response waiting for the engine's verdict: headers (delivered at commit) or a final
    /// Trailers-Only answer (delivered at finish if that attempt decides the call).
    held: Option<(u32, T::Response)>,
    /// The last input was a buffer overflow (its commit says so in the trace).
    overflowed: bool,
}

impl<'r, T: Transport, R: Recorder + ?Sized> Running<'r, T, R> {
    #[inline]
    pub(crate) fn new(call: u64, plan: &CallPlan, recorder: &'r R, started: Nanos) -> Self {
        // The record is sized once for the policy's attempts (capped: the count is a config
        // number, and a transparent replay may add one more), so it rarely grows.
        let expected = (plan.policy.max_attempts() as usize).min(8);
        Running {
            call,
            deadline: plan.deadline,
            jitter: plan.jitter,
            log: CallLog::new(recorder, call, started, expected),
            attempts: SmallVec::new(),
            event: None,
            held: None,
            overflowed: false,
        }
    }

    /// What a wait needs: the attempts to poll, and where an attempt's event goes.
    #[allow(clippy::type_complexity)]
    pub(crate) fn wait_on(
        &mut self,
    ) -> (
        &mut [(u32, T::Attempt)],
        &mut Option<AttemptEvent<T::Response>>,
    ) {
        (&mut self.attempts, &mut self.event)
    }

    /// Drops the event taken from an attempt that the call has since cancelled.
    pub(crate) fn drop_event(&mut self) {
        self.event = None;
    }

    /// Whether `slot` is still in flight.
    pub(crate) fn is_live(&self, slot: u32) -> bool {
        self.attempts.iter().any(|(s, _)| *s == slot)
    }

    /// Carries out one engine action (read in place, not moved out of the step's outputs);
    /// returns the finish when the engine ends the call.
    #[inline]
    pub(crate) fn carry_out(
        &mut self,
        now: Nanos,
        action: &Output,
        transport: &T,
        deliver: &mut impl FnMut(T::Response),
    ) -> Option<Finish> {
        match *action {
            Output::Send(send) => {
                let start = AttemptStart {
                    call: self.call,
                    slot: send.slot,
                    attempt: send.attempt,
                    previous: send.previous,
                    deadline: self.deadline,
                };
                self.attempts.push((send.slot, transport.start(&start)));
                self.log
                    .sent(now, send.attempt, send.previous, send.transparent);
            }
            Output::Cancel { slot } => {
                self.forget(slot); // dropping the attempt cancels it
                self.log.cancelled(now, slot);
            }
            Output::Committed { slot } => {
                self.log.committed(now, slot, self.overflowed);
                if self.held.as_ref().is_some_and(|(s, _)| *s == slot) {
                    if let Some((_, response)) = self.held.take() {
                        deliver(response);
                    }
                }
            }
            Output::Note(ref note) => {
                let what = notes::what(note, self.jitter, self.log.attempts());
                self.log.decided(now, what)
            }
            Output::Finish(finish) => return Some(finish),
        }
        None
    }

    /// The engine's input for what woke the loop, recording what the attempts did.
    #[inline]
    pub(crate) fn input(&mut self, now: Nanos, wake: Wake) -> Input {
        self.overflowed = false;
        match wake {
            Wake::Timer => Input::Tick,
            Wake::Signal(Signal::Cancel) => Input::Cancel,
            Wake::Signal(Signal::BufferOverflow { slot }) => {
                self.overflowed = true;
                Input::BufferOverflow { slot }
            }
            Wake::Attempt(slot) => {
                let event = self.event.take();
                self.attempt_event(now, slot, event)
            }
        }
    }

    #[inline]
    fn attempt_event(
        &mut self,
        now: Nanos,
        slot: u32,
        event: Option<AttemptEvent<T::Response>>,
    ) -> Input {
        match event {
            Some(AttemptEvent::Headers(response)) => {
                self.log.headers(now, slot);
                self.held = Some((slot, response));
                Input::Headers { slot }
            }
            Some(AttemptEvent::Closed {
                status,
                pushback,
                response,
            }) => {
                self.forget(slot);
                let raw = (!pushback.is_empty()).then(|| pushback.join(","));
                self.log.closed(now, slot, Outcome::Status(status), raw);
                if let Some(response) = response {
                    self.held = Some((slot, response));
                }
                Input::Closed {
                    slot,
                    status,
                    pushback,
                }
            }
            Some(AttemptEvent::NotSent) => {
                self.forget(slot);
                self.log.closed(now, slot, Outcome::NotSent, None);
                Input::NotSent { slot }
            }
            Some(AttemptEvent::Refused) => {
                self.forget(slot);
                self.log.closed(now, slot, Outcome::Refused, None);
                Input::Refused { slot }
            }
            // A transport that ends an attempt without a status broke its contract; the
            // application sees INTERNAL, never a hang.
            None => {
                self.forget(slot);
                let status = Code::Internal;
                self.log.closed(now, slot, Outcome::Status(status), None);
                Input::Closed {
                    slot,
                    status,
                    pushback: vec![],
                }
            }
        }
    }

    /// Ends the call: delivers the held response if its attempt decides the call, records the
    /// deadline and the finish, and hands the record to the recorder.
    #[inline]
    pub(crate) fn finish(
        &mut self,
        now: Nanos,
        finish: Finish,
        deliver: &mut impl FnMut(T::Response),
    ) -> CallResult {
        if let Some((slot, response)) = self.held.take() {
            if finish.slot == Some(slot) {
                deliver(response);
            }
        }
        if finish.reason == FinishReason::Deadline {
            let deadline = self.deadline;
            self.log.decided(now, What::Deadline { deadline });
        }
        let reason = finish.reason.describe();
        let record = self.log.finish(now, finish.status, finish.slot, reason);
        CallResult {
            status: finish.status,
            reason: finish.reason,
            record,
        }
    }

    /// Whether the state holds nothing to drop, as after [`Running::finish`]: the engine's
    /// finish leaves no attempt live, the event and the held response are taken, and the
    /// log's attempt list is handed on with the record. The loop then forgets the state
    /// rather than run its drop glue, a call for each part that cost about 70 instructions
    /// per call for parts that were all empty.
    #[inline(always)]
    pub(crate) fn is_spent(&self) -> bool {
        let spent = self.attempts.is_empty()
            && !self.attempts.spilled()
            && self.event.is_none()
            && self.held.is_none()
            && self.log.attempts().is_empty();
        // An empty list is an unallocated one here (the finish takes it); checked in every
        // test run rather than in the release build, where reading the capacity costs the
        // simulator about 20 instructions per attempt.
        debug_assert!(!spent || self.log.holds_nothing(), "forgetting would leak");
        spent
    }

    #[inline]
    fn forget(&mut self, slot: u32) {
        // Slots are unique: at most one entry goes, and the rest keep their order.
        if let Some(i) = self.attempts.iter().position(|(s, _)| *s == slot) {
            drop(self.attempts.remove(i)); // dropping an attempt cancels it
        }
    }
}
