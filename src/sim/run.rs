//! The runner: one scenario, one seed, in virtual time.
//!
//! Per run: one [`Executor`] (and so one clock), one [`ServerModel`] shared by every call, one
//! throttle shared by every call when the config has `retryThrottling` (R41: per target, and a
//! scenario has one target). Calls start at `i × interval_ms`; call `i` draws its jitter from
//! its own stream `(seed, Jitter, i)`, so adding calls never shifts earlier calls' draws (rule 1).
//! Each call runs [`crate::driver::run_call`] — the very driver live mode runs.
//!
//! Memory: one arrival task spawns calls when they are due, and a finished call's task is freed,
//! so a run holds only the calls in flight. With a [`Summary`] recorder nothing else grows.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;

use super::buffer::RetryBuffer;
use super::executor::Executor;
use super::transport::SimTransport;
use crate::clock::Clock;
use crate::code::Code;
use crate::config::Policy;
use crate::driver::{run_call, CallContext};
use crate::engine::{CallPlan, Throttle};
use crate::scenario::rng::{stream, Purpose};
use crate::scenario::server::ServerModel;
use crate::scenario::Scenario;
use crate::time::{earliest, Nanos};
use crate::trace::{CallRecord, Event, Mode, Recorder, Summary, Trace, TraceRecorder};

/// What a run leaves behind besides its recorder's contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunStats {
    /// Calls that had not finished when no timer was left (0 unless something is broken).
    pub unfinished: usize,
    /// Attempts the server answered.
    pub served: u64,
    /// Virtual time at the end of the run.
    pub ended: Nanos,
}

/// Forwards events but not call records: the runner hands the record on itself, after adding
/// the message the application received.
pub(crate) struct EventsOnly<'a>(pub(crate) &'a dyn Recorder);

impl Recorder for EventsOnly<'_> {
    fn wants_events(&self) -> bool {
        self.0.wants_events()
    }
    fn event(&self, event: &Event<'_>) {
        self.0.event(event);
    }
    fn call(&self, _record: &CallRecord) {}
}

/// The per-method part of a call's plan: policy and `timeout`, looked up once per method.
#[derive(Clone, Debug)]
pub(crate) struct MethodPlan {
    pub(crate) policy: Policy,
    pub(crate) timeout: Option<Nanos>,
}

impl MethodPlan {
    /// The plan of a call of this method starting at `now`: its deadline is the earlier of the
    /// client's and the method's `timeout` (R81); `fits` says whether the retry buffer holds
    /// its request (R66).
    pub(crate) fn call_plan(&self, scenario: &Scenario, now: Nanos, fits: bool) -> CallPlan {
        let limit = earliest(scenario.client.deadline, self.timeout);
        CallPlan {
            policy: self.policy.clone(),
            deadline: limit.map(|d| now.saturating_add(d)),
            jitter: scenario.jitter,
            request_fits_buffer: fits,
        }
    }
}

/// Each client method's plan, in `client.methods` order (call i uses `plans[i % n]`).
pub(crate) fn method_plans(scenario: &Scenario) -> Vec<MethodPlan> {
    scenario
        .client
        .methods
        .iter()
        .map(|m| match scenario.config.select(&m.service, &m.method) {
            Some(mc) => MethodPlan {
                policy: mc.policy.clone(),
                timeout: mc.timeout,
            },
            None => MethodPlan {
                policy: Policy::None,
                timeout: None,
            },
        })
        .collect()
}

/// Runs `scenario` with `seed`, writing every event and call record into `recorder`.
///
/// This is the public entry point for anything that wants a simulated run with its own
/// recorder (the summary, a full trace, a test that checks invariants as events arrive).
pub fn run_with(scenario: &Scenario, seed: u64, recorder: &dyn Recorder) -> RunStats {
    if scenario.load.is_some() {
        return super::load::world::run(scenario, seed, recorder).0;
    }
    let client = &scenario.client;
    let server = RefCell::new(ServerModel::new(&scenario.server, seed));
    let throttle = scenario
        .config
        .retry_throttling
        .map(|t| Mutex::new(Throttle::new(t)));
    let plans = method_plans(scenario);
    let message: Rc<str> = Rc::from(client.message.as_str());
    let buffer = RetryBuffer::new(client);
    let quiet = EventsOnly(recorder);
    let (server, throttle, plans, quiet, buffer) =
        (&server, throttle.as_ref(), &plans, &quiet, &buffer);

    let mut executor = Executor::new();
    let clock = executor.clock().clone();
    let spawner = executor.spawner().clone();
    let arrivals = {
        let clock = clock.clone();
        async move {
            for i in 0..client.calls {
                clock.sleep_until(i.saturating_mul(client.interval)).await;
                let method = &plans[usize::try_from(i % plans.len() as u64).unwrap_or(0)];
                let transport = SimTransport::new(clock.clone(), server, Rc::clone(&message));
                let clock = clock.clone();
                spawner.spawn(async move {
                    // Held until the call ends; without it the call is sent once (R66).
                    let reservation = buffer.reserve(client.request_bytes);
                    let plan = method.call_plan(scenario, clock.now(), reservation.is_some());
                    let mut rng = stream(seed, Purpose::Jitter, i);
                    let delivered = RefCell::new(None);
                    let ctx = CallContext {
                        call: i,
                        plan,
                        throttle,
                        rng: &mut rng,
                        recorder: quiet,
                    };
                    let deliver = |r| *delivered.borrow_mut() = Some(r);
                    let mut record = run_call(&clock, &transport, ctx, deliver).await.record;
                    drop(reservation);
                    if record.status == Code::Ok {
                        record.message = delivered.into_inner();
                    }
                    recorder.call(&record);
                });
            }
        }
    };
    executor.spawn(arrivals);
    let unfinished = executor.run();
    drop(executor);
    let served = server.borrow().served();
    RunStats {
        unfinished,
        served,
        ended: clock.now(),
    }
}

/// A full trace of one run.
pub fn trace(scenario: &Scenario, seed: u64) -> Trace {
    let recorder = TraceRecorder::new();
    run_with(scenario, seed, &recorder);
    recorder.into_trace(&scenario.name, seed, Mode::Sim)
}

/// Totals of one run (`--summary`): memory flat in the number of calls.
pub fn summary(scenario: &Scenario, seed: u64) -> Summary {
    let summary = Summary::new(&scenario.name, seed);
    let stats = run_with(scenario, seed, &summary);
    summary.finish(stats.unfinished as u64, stats.served)
}
