//! One RPC under a client policy that is not A6: the mechanism the policies in
//! [`super::policy`] plug into.
//!
//! Retries are carried out *above* the channel, the way Finagle's `RetryFilter`, tower's
//! `Retry` layer or an application's retry loop carry them out: every attempt is one call
//! through the channel's very per-call body (`Channel::call`: buffer, plan, driver, record)
//! with the method's retries and hedging switched off, so the A6 engine sees plain
//! one-attempt calls and stays exactly as it is. Around those calls this loop does only
//! what every such stack does, asking the client's policy at each decision:
//!
//! ```text
//! policy.started
//! loop:
//!   policy.admit?          no  → the RPC fails here, UNAVAILABLE, nothing sent (throttled)
//!   one call, retries off  → policy.ended(ok)
//!   OK, not retryable, or maxAttempts reached → done
//!   policy.may_retry?      no  → done with this failure (throttled)
//!   wait the retryPolicy's backoff (its ladder and the scenario's jitter mode); past the
//!   RPC's deadline → done with this failure
//! ```
//!
//! The retryPolicy supplies the attempt cap, the backoff ladder and the retryable codes (a
//! method without one gets one attempt); its server pushback is not read. Attempt `k` of
//! RPC `id` is call `id | k << 40` (so attempt 0 is the id A6 would use), and the RPC's
//! backoff draws come from its jitter stream `(seed, Jitter, id)`, which no one-attempt
//! call draws from (rule 1).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use rand_chacha::ChaCha8Rng;

use super::policy::ClientPolicy;
use super::transport::{LoadTransport, ServerSide};
use crate::clock::Clock;
use crate::code::Code;
use crate::config::BackoffLadder;
use crate::scenario::rng::{LazyStream, Purpose};
use crate::sim::clock::SimClock;
use crate::sim::run::{Channel, ClientMethod};
use crate::time::Nanos;
use crate::trace::CallRecord;

/// One client process's policy and the stream its draws come from.
pub(crate) struct PolicyClient {
    pub(crate) policy: RefCell<Box<dyn ClientPolicy>>,
    pub(crate) rng: RefCell<ChaCha8Rng>,
}

/// How an RPC under a policy ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// The last attempt's status (UNAVAILABLE when the policy rejected an attempt locally).
    pub(crate) status: Code,
    /// When the RPC ended.
    pub(crate) ended: Nanos,
    /// The policy refused a retry or rejected an attempt.
    pub(crate) throttled: bool,
}

/// What every RPC of one client under a policy shares.
pub(crate) struct AppCall<'a> {
    pub(crate) channel: &'a Channel<'a>,
    pub(crate) server: &'a ServerSide,
    pub(crate) client: &'a PolicyClient,
    pub(crate) message: Rc<str>,
}

impl AppCall<'_> {
    /// Runs RPC `id` of `method` (its no-retry form is `once`) starting now (its attempts
    /// are counted as the transport sends them).
    pub(crate) async fn run(
        &self,
        clock: SimClock,
        id: u64,
        method: &ClientMethod,
        once: &ClientMethod,
    ) -> Outcome {
        let scenario = self.channel.scenario;
        let start = clock.now();
        let deadline = scenario.client.deadline.map(|d| start.saturating_add(d));
        let retry = method.retry_policy();
        let configured = retry.map_or(1, |r| r.max_attempts.max(1));
        let max_attempts = self.client.policy.borrow().max_attempts(configured);
        let mut ladder = retry.map(BackoffLadder::new);
        let mut jitter_rng = LazyStream::new(self.channel.seed, Purpose::Jitter, id);
        self.client.policy.borrow_mut().started(start);
        let mut out = Outcome {
            status: Code::Unavailable,
            ended: start,
            throttled: false,
        };
        for k in 0..u64::from(max_attempts) {
            let now = clock.now();
            let admitted = {
                let mut rng = self.client.rng.borrow_mut();
                self.client.policy.borrow_mut().admit(now, &mut *rng)
            };
            if !admitted {
                (out.status, out.ended, out.throttled) = (Code::Unavailable, now, true);
                break;
            }
            let transport =
                LoadTransport::new(clock.clone(), self.server, Rc::clone(&self.message))
                    .with_method(once.name());
            let result = Cell::new((Code::Ok, now));
            let left = deadline.map(|d| d.saturating_sub(now));
            let then = |record: &CallRecord, _| result.set((record.status, record.ended));
            self.channel
                .call(clock.clone(), transport, id | k << 40, once, left, then)
                .await;
            (out.status, out.ended) = result.get();
            let ok = out.status == Code::Ok;
            self.client.policy.borrow_mut().ended(out.ended, ok);
            let retryable = retry.is_some_and(|r| r.retryable_codes.contains(out.status));
            if ok || !retryable || k + 1 == u64::from(max_attempts) {
                break;
            }
            if !self.client.policy.borrow_mut().may_retry(clock.now()) {
                out.throttled = true;
                break;
            }
            let Some(ladder) = ladder.as_mut() else { break };
            let (_, nominal) = ladder.next_nominal();
            let wait = scenario.jitter.apply(nominal, &mut jitter_rng);
            let at = clock.now().saturating_add(wait);
            if deadline.is_some_and(|d| at >= d) {
                break;
            }
            clock.sleep_until(at).await;
        }
        out
    }
}
