//! The runner: one scenario, one seed, in virtual time.
//!
//! Per run: one [`Executor`] (and so one clock), one [`ServerModel`] shared by every call, one
//! throttle shared by every call when the config has `retryThrottling` (R41: per target, and a
//! scenario has one target). Calls start at `i × interval_ms`; call `i` draws its jitter from
//! its own stream `(seed, Jitter, i)`, so adding calls never shifts earlier calls' draws (rule 1).
//! Each call runs the driver's loop — the very loop live mode runs in
//! [`crate::driver::run_call_until`], expanded in place by the driver's `drive!` — inside
//! `Channel::call`, the one per-call body of every simulated world (the load world spawns it
//! too), with its plan and retry buffer from [`crate::plan`], as the live layer's.
//!
//! Memory: one arrival source (`Executor::spawn_source`) spawns calls when they are due, and a finished call's task is freed,
//! so a run holds only the calls in flight. With a [`Summary`] recorder nothing else grows.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use super::clock::SimClock;
use super::executor::Executor;
use super::head::name_profile;
use super::in_flight::{InFlight, InFlightExceeded};
use super::transport::SimTransport;
use crate::clock::Clock;
use crate::code::Code;
use crate::config::{Policy, RetryPolicy, Selection};
use crate::driver::CallContext;
use crate::engine::{FinishReason, Throttle};
use crate::plan::buffer::RetryBuffer;
use crate::plan::MethodPlan;
use crate::profile::Admission;
use crate::scenario::behaviour::{Behaviour, BehaviourPanic};
use crate::scenario::limits::MAX_IN_FLIGHT;
use crate::scenario::rng::{LazyStream, Purpose};
use crate::scenario::server::ServerModel;
use crate::scenario::Scenario;
use crate::time::Nanos;
use crate::trace::{
    CallRecord, CallStart, EventsOnly, Keeps, Mode, Recorder, Summary, Trace, TraceRecorder,
};
use crate::transport::Transport;

/// What a run leaves behind besides its recorder's contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunStats {
    /// Calls that had not finished when no timer was left (0 unless something is broken).
    pub unfinished: usize,
    /// Attempts the server answered.
    pub served: u64,
    /// Virtual time at the end of the run.
    pub ended: Nanos,
    /// The in-flight bound, when the run met it and stopped starting calls
    /// ([`super::in_flight`]); the run's results are then not the scenario's.
    pub in_flight_exceeded: Option<u64>,
}

impl RunStats {
    /// The error for a run that met the in-flight bound ([`super::in_flight`]), naming the
    /// scenario's file.
    pub fn check(&self, scenario: &Scenario) -> Result<(), InFlightExceeded> {
        match self.in_flight_exceeded {
            None => Ok(()),
            Some(limit) => {
                let file = scenario
                    .file
                    .as_ref()
                    .map_or_else(|| scenario.name.clone(), |f| f.display().to_string());
                Err(InFlightExceeded::new(&file, scenario, limit))
            }
        }
    }
}

/// A client method of the scenario: its plan and its path, made once per run.
pub(crate) struct ClientMethod {
    plan: MethodPlan,
    /// `/service/method`, shared by every call's record.
    path: Arc<str>,
}

/// Each client method's plan, selected once per run (R15), in `client.methods` order: call
/// `i` uses `plans[i % n]`, so no call selects again. A runtime that dropped the config's
/// policies (`admission`, R5) runs every method without them.
pub(crate) fn method_plans(scenario: &Scenario, admission: &Admission) -> Vec<ClientMethod> {
    let config = &scenario.config;
    let methods = &scenario.client.methods;
    let dropped = matches!(admission, Admission::RunsWithoutPolicies { .. });
    let library = scenario.profile.layer.library();
    let selection = library.map_or(Selection::A6, |l| l.selection);
    let default_timeout = library.and_then(|l| l.default_timeout);
    methods
        .iter()
        .map(|m| {
            // R15, or the levels a client library's generator reads.
            let entry = config.select_as(&m.service, &m.method, selection);
            let mut plan = MethodPlan::from_entry(entry);
            if let (Policy::Retry(_), None) = (&plan.policy, plan.timeout) {
                plan.timeout = default_timeout;
            }
            ClientMethod {
                plan: if dropped {
                    plan.without_retries()
                } else {
                    plan
                },
                path: Arc::from(format!("/{m}")),
            }
        })
        .collect()
}

/// Whether the profile's runtime makes any call with this config (R5: grpc-go's failed
/// dial and grpc-js's throwing constructor make none).
pub(crate) fn makes_calls(admission: &Admission) -> bool {
    !matches!(admission, Admission::NoCalls { .. })
}

/// The status every call fails with at once when the runtime rejected the config (R5).
pub(crate) fn rejected_status(admission: &Admission) -> Option<Code> {
    match admission {
        Admission::FailsEveryCall { status, .. } => Some(*status),
        _ => None,
    }
}

impl ClientMethod {
    /// The same method with configured retries and hedging off (one attempt per call), for a
    /// client policy that retries above the channel (`sim::load::app_call`).
    pub(crate) fn without_retries(&self) -> ClientMethod {
        ClientMethod {
            plan: self.plan.clone().without_retries(),
            path: Arc::clone(&self.path),
        }
    }

    /// The method's `retryPolicy`, if it has one.
    pub(crate) fn retry_policy(&self) -> Option<&RetryPolicy> {
        match &self.plan.policy {
            Policy::Retry(r) => Some(r),
            _ => None,
        }
    }

    /// `service/Method`, what the server's behaviour is told: the path without its `/`
    /// (made once per run, so no call allocates it).
    pub(crate) fn name(&self) -> &str {
        self.path.strip_prefix('/').unwrap_or(&self.path)
    }
}

/// The target a simulated channel reports to recorders (gRPC synthesises a URI for a channel
/// that has none): `sim:///` and the scenario's name.
pub(crate) fn sim_target(scenario: &Scenario) -> String {
    format!("sim:///{}", scenario.name)
}

/// What the calls of one simulated channel share: the scenario, the seed, the channel's
/// throttle (R41) and retry buffer (R64), its target and the recorder.
pub(crate) struct Channel<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) target: &'a str,
    pub(crate) seed: u64,
    pub(crate) throttle: Option<&'a Mutex<Throttle>>,
    pub(crate) buffer: &'a RetryBuffer,
    pub(crate) recorder: &'a dyn Recorder,
    /// The status every call fails with at once, when the profile's runtime rejected the
    /// config (R5).
    pub(crate) rejected: Option<Code>,
}

impl<'a> Channel<'a> {
    /// One call, start to end — the body every simulated world spawns per RPC: reserve the
    /// request's bytes (held until the call ends; without them the call is sent once, R66),
    /// plan it (R81; `deadline` is the application's, relative to the call's start), run the
    /// driver on jitter stream `(seed, Jitter, id)` (rule 1), hand the record with the message
    /// the application received and the reason it ended to `then` (the load world's tally),
    /// and record it. The reply is shared with the server's answer until the end, and copied
    /// into the record only for a recorder that keeps messages; the record's attempt list goes
    /// back to the trace's spare lists for the next call.
    ///
    /// The clock and transport are taken by value so a world can spawn this future as it is:
    /// wrapping it in another `async` block would cost the plain runner a layer of state.
    ///
    /// Not an `async fn`: one keeps its arguments twice (as passed, and moved into its body),
    /// so every call's future would copy them on its first poll; this block uses them in place.
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn call<'c, T, F>(
        &'c self,
        clock: SimClock,
        transport: T,
        id: u64,
        method: &'c ClientMethod,
        deadline: Option<Nanos>,
        then: F,
    ) -> impl Future<Output = ()> + use<'a, 'c, T, F>
    where
        T: Transport<Response = Rc<str>> + 'c,
        F: FnOnce(&CallRecord, FinishReason) + 'c,
    {
        async move {
            let client = &self.scenario.client;
            let reservation = self.buffer.reserve(client.request_bytes);
            let fits = reservation.is_some();
            let now = clock.now();
            let mut rng = LazyStream::new(self.seed, Purpose::Jitter, id);
            let delivered = RefCell::new(None);
            // The plan is made in the context itself: a local of its own would keep a second
            // copy in the future, and be copied into the context at every call.
            let mut ctx = CallContext {
                call: id,
                plan: (method.plan).call_plan(deadline, now, self.scenario.jitter, fits),
                started: now,
                throttle: self.throttle,
                rng: &mut rng,
                recorder: &EventsOnly(self.recorder),
            };
            ctx.plan.profile = self.scenario.profile;
            ctx.plan.config_rejected = self.rejected;
            self.recorder.started(&CallStart {
                call: id,
                at: now,
                method: &method.path,
                registered: true,
                target: self.target,
                policy: &ctx.plan.policy,
            });
            let mut deliver = |r| *delivered.borrow_mut() = Some(r);
            // The driver's loop expanded here rather than awaited as a future of its own: one
            // state machine per call, not one awaiting another on every resume.
            let signals = futures_util::stream::pending();
            let mut result = crate::driver::drive!(&clock, &transport, ctx, deliver, signals);
            drop(reservation);
            // The record stays in place: moving it out of `result` costs the hot path a copy.
            let record = &mut result.record;
            record.method = Some(Arc::clone(&method.path));
            if record.status == Code::Ok && self.recorder.keeps() == Keeps::RecordsAndMessages {
                record.message = delivered.into_inner().map(|m| String::from(&*m));
            }
            then(record, result.reason);
            self.recorder.call(record);
            // Taken apart rather than dropped whole: the record's drop glue is a call, and
            // the parts that own anything are three.
            let CallRecord {
                method,
                message,
                attempts,
                ..
            } = result.record;
            crate::trace::recycle_attempts(attempts);
            drop((method, message));
        }
    }
}

/// Runs `scenario` with `seed`, writing every event and call record into `recorder`.
///
/// This is the public entry point for anything that wants a simulated run with its own
/// recorder (the summary, a full trace, a test that checks invariants as events arrive).
pub fn run_with(scenario: &Scenario, seed: u64, recorder: &dyn Recorder) -> RunStats {
    run_on(
        scenario,
        seed,
        ServerModel::new(&scenario.server, seed),
        recorder,
        MAX_IN_FLIGHT,
    )
    .0
}

/// Runs `scenario` with `seed` against `behaviour` instead of the scenario's `server`
/// schedule, writing into `recorder`. The behaviour draws from the server's streams of `seed`
/// (rule 1); if it panics, the attempt is answered INTERNAL, the run goes on, and the first
/// panic is the result.
pub fn run_with_behaviour(
    scenario: &Scenario,
    seed: u64,
    behaviour: Arc<dyn Behaviour>,
    recorder: &dyn Recorder,
) -> Result<RunStats, BehaviourPanic> {
    let model = ServerModel::with_behaviour(behaviour, seed, 0);
    let (stats, panic) = run_on(scenario, seed, model, recorder, MAX_IN_FLIGHT);
    panic.map_or(Ok(stats), Err)
}

/// A full trace of one run against `behaviour` (see [`run_with_behaviour`]).
pub fn trace_with_behaviour(
    scenario: &Scenario,
    seed: u64,
    behaviour: Arc<dyn Behaviour>,
) -> Result<Trace, BehaviourPanic> {
    let recorder = TraceRecorder::new();
    run_with_behaviour(scenario, seed, behaviour, &recorder)?;
    let trace = recorder.into_trace(&scenario.name, seed, Mode::Sim);
    Ok(name_profile(scenario, trace))
}

/// One run against `model`, with at most `limit` calls in flight; its stats and the
/// behaviour's first panic, if any.
pub(crate) fn run_on(
    scenario: &Scenario,
    seed: u64,
    model: ServerModel,
    recorder: &dyn Recorder,
    limit: u64,
) -> (RunStats, Option<BehaviourPanic>) {
    if scenario.load.is_some() {
        let (stats, _, panic) = super::load::world::run_on(scenario, seed, model, recorder, limit);
        return (stats, panic);
    }
    let in_flight = &InFlight::new(limit);
    let client = &scenario.client;
    let server = RefCell::new(model);
    let throttle = scenario
        .config
        .retry_throttling
        .map(|t| Mutex::new(Throttle::for_profile(t, scenario.profile)));
    let admission = scenario.admission();
    let plans = method_plans(scenario, &admission);
    let calls = if makes_calls(&admission) {
        client.calls
    } else {
        0
    };
    let message: Rc<str> = Rc::from(client.message.as_str());
    let buffer = RetryBuffer::new(client.retry_buffer_bytes, client.channel_buffer_bytes)
        .committing(scenario.profile.limits.buffer_commit);
    let target = sim_target(scenario);
    let channel = Channel {
        scenario,
        target: &target,
        seed,
        throttle: throttle.as_ref(),
        buffer: &buffer,
        recorder,
        rejected: rejected_status(&admission),
    };
    let (server, plans, channel) = (&server, &plans, &channel);

    let mut executor = Executor::new();
    let clock = executor.clock().clone();
    let spawner = executor.spawner().clone();
    let end_clock = clock.clone();
    // The arrivals: a source that spawns call `i` at `i × interval` (no task sleeping
    // between calls). `due` is the call whose instant the source returned last.
    let mut due: Option<u64> = None;
    let arrivals = move || {
        if let Some(i) = due {
            if !in_flight.start() {
                return None;
            }
            let m = usize::try_from(i % plans.len() as u64).unwrap_or(0);
            let method = &plans[m];
            let transport = SimTransport::new(clock.clone(), server, Rc::clone(&message))
                .with_method(method.name());
            let clock = clock.clone();
            let deadline = client.deadline;
            let ended = |_: &CallRecord, _| in_flight.end();
            spawner.spawn_with(|| channel.call(clock, transport, i, method, deadline, ended));
        }
        let next = due.map_or(0, |i| i + 1);
        due = Some(next);
        (next < calls).then(|| next.saturating_mul(client.interval))
    };
    executor.spawn_source(arrivals);
    let unfinished = executor.run();
    drop(executor);
    let served = server.borrow().served();
    let panic = server.borrow_mut().take_panic();
    let stats = RunStats {
        unfinished,
        served,
        ended: end_clock.now(),
        in_flight_exceeded: in_flight.exceeded(),
    };
    (stats, panic)
}

/// A full trace of one run.
pub fn trace(scenario: &Scenario, seed: u64) -> Trace {
    let recorder = TraceRecorder::new();
    run_with(scenario, seed, &recorder);
    name_profile(
        scenario,
        recorder.into_trace(&scenario.name, seed, Mode::Sim),
    )
}

/// Totals of one run (`--summary`): memory flat in the number of calls.
pub fn summary(scenario: &Scenario, seed: u64) -> Summary {
    summary_and_stats(scenario, seed).0
}

/// [`summary`] and the run's stats (for [`RunStats::check`]).
pub fn summary_and_stats(scenario: &Scenario, seed: u64) -> (Summary, RunStats) {
    let summary = super::head::summary_for(scenario, seed);
    let stats = run_with(scenario, seed, &summary);
    (summary.finish(stats.unfinished as u64, stats.served), stats)
}
