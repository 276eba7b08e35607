//! The load world: one seed, one virtual-time executor, many clients and requests.
//!
//! Per run: one server ([`ServerSide`]: the scenario's server model behind a [`Backend`]),
//! one throttle per client process (R41), and per client one arrival source that starts user
//! requests on schedule and spawns each request's `fan_out` RPCs. Every RPC is the plain
//! runner's per-call body (`Channel::call` in [`crate::sim::run`]: buffer, plan, driver,
//! record), followed by this world's tally — or, under a `load.client_policy` other than
//! `a6`, the policy's loop around one-attempt calls of that same body (`super::app_call`),
//! with one policy state per client.
//!
//! Streams (rule 1): client `c`'s arrivals (a `fixed` client's phase first) draw from
//! `(seed, Arrivals, c)`; its n-th RPC (in start order, counting fan-out) draws jitter from
//! `(seed, Jitter, c << 48 | n)`. For one
//! client without fan-out that is `(seed, Jitter, i)` — the plain runner's stream — and with
//! an infinite server the transport is the plain one, so a scenario without `load` gives the
//! same calls here as in [`crate::sim::run::run_with`] (a test checks it).
//!
//! Memory: a request's state is one slot shared by its RPCs and freed with the last of them
//! (`super::requests`); finished tasks are freed by the executor; the tally is fixed-size plus
//! the series. So a run holds only what is in flight.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;

use rand::{Rng, RngCore};

use super::app_call::{AppCall, Outcome, PolicyClient};
use super::backend::Backend;
use super::policy;
use super::requests::Requests;
use super::tally::Tally;
use super::transport::{LoadTransport, ServerSide};
use super::{Arrivals, LoadSpec, Process};
use crate::clock::Clock;
use crate::engine::{FinishReason, Throttle};
use crate::plan::buffer::RetryBuffer;
use crate::scenario::behaviour::BehaviourPanic;
use crate::scenario::fields::round_nanos;
use crate::scenario::latency::open_unit;
use crate::scenario::limits::MAX_IN_FLIGHT;
use crate::scenario::rng::{stream, Purpose};
use crate::scenario::server::ServerModel;
use crate::scenario::Scenario;
use crate::sim::executor::Executor;
use crate::sim::in_flight::InFlight;
use crate::sim::run::{makes_calls, method_plans, rejected_status, sim_target, Channel, RunStats};
use crate::time::Nanos;
use crate::trace::{CallRecord, Recorder, Unheard};

/// The instant of a client's arrival `k` after `prev` (`None`: arrivals are over).
///
/// No client starts at t = 0 in step with the others: a `fixed` client's schedule is shifted
/// by its `phase` (drawn once, uniform in one period, from its own stream: [`fixed_phase`]),
/// and a `poisson` client's first arrival is an exponential gap after 0 like every later one
/// (a Poisson process observed from t = 0). So `clients` processes at `rate` offer
/// `clients × rate` from the first second on, not a burst of `clients` requests at once.
fn next_arrival(
    a: &Arrivals,
    k: u64,
    prev: Nanos,
    phase: Nanos,
    rng: &mut dyn RngCore,
) -> Option<Nanos> {
    let at = match a.process {
        Process::Fixed => {
            let t = u128::from(k) * 1_000_000_000_000 / u128::from(a.rate_milli);
            u64::try_from(t).unwrap_or(u64::MAX).saturating_add(phase)
        }
        Process::Poisson => {
            let mean_ns = 1e12 / a.rate_milli as f64;
            let gap = -mean_ns * libm::log(open_unit(rng));
            // Rounded by hand (`f64::round` is a library call), to what `gap.round()` cast to
            // `u64` gives: below 1.8e19 (> 2^53, where every double is whole) rounding does
            // not cross the bound, and what rounds below zero casts to 0.
            let gap = if gap < 1.8e19 {
                round_nanos(gap).unwrap_or(0)
            } else {
                u64::MAX
            };
            prev.saturating_add(gap)
        }
    };
    (at < a.duration).then_some(at)
}

/// A `fixed` client's offset: uniform in `[0, 1 / rate)`, the first draw of its arrivals
/// stream (0 for `poisson`, which needs none).
fn fixed_phase(a: &Arrivals, rng: &mut dyn RngCore) -> Nanos {
    match a.process {
        Process::Fixed => {
            let period =
                u64::try_from(1_000_000_000_000 / u128::from(a.rate_milli)).unwrap_or(u64::MAX);
            rng.random_range(0..period.max(1))
        }
        Process::Poisson => 0,
    }
}

/// Counts an ended RPC of user request `request` (its attempts counted already): its
/// throttling, and the request once its last RPC has ended (the request fails with the first
/// failing RPC's status).
#[inline(always)]
fn count_end(server: &ServerSide, requests: &Requests, request: u32, out: Outcome) {
    let mut t = server.tally.borrow_mut();
    t.rpcs += 1;
    if out.throttled {
        t.throttled += 1;
    }
    if let Some(end) = requests.rpc_ended(request, out.ended, out.status) {
        t.request(end.at, end.took, end.status);
    }
}

/// Runs `scenario` (with its `load`, or the plain world) for `seed`. Events and per-RPC call
/// records go to `recorder`; the returned [`Tally`] counts user requests.
pub fn run(scenario: &Scenario, seed: u64, recorder: &dyn Recorder) -> (RunStats, Tally) {
    let model = ServerModel::new(&scenario.server, seed);
    let (stats, tally, _) = run_on(scenario, seed, model, recorder, MAX_IN_FLIGHT);
    (stats, tally)
}

/// [`run`] against `model`'s behaviour, with at most `limit` RPCs in flight
/// ([`crate::sim::in_flight`]); also returns the behaviour's first panic, if any.
pub(crate) fn run_on(
    scenario: &Scenario,
    seed: u64,
    model: ServerModel,
    recorder: &dyn Recorder,
    limit: u64,
) -> (RunStats, Tally, Option<BehaviourPanic>) {
    let in_flight = &InFlight::new(limit);
    let default = LoadSpec::default();
    let load = scenario.load.as_ref().unwrap_or(&default);
    let client = &scenario.client;
    let server = ServerSide {
        model: RefCell::new(model),
        backend: RefCell::new(Backend::new(&load.server)),
        tally: RefCell::new(Tally::new(load.series)),
    };
    // One channel per load client: its own throttle (R41) and retry buffer budget (R64).
    let throttles: Vec<Option<Mutex<Throttle>>> = (0..load.clients)
        .map(|_| {
            scenario
                .config
                .retry_throttling
                .map(|t| Mutex::new(Throttle::for_profile(t, scenario.profile)))
        })
        .collect();
    let buffers: Vec<RetryBuffer> = (0..load.clients)
        .map(|_| {
            RetryBuffer::new(client.retry_buffer_bytes, client.channel_buffer_bytes)
                .committing(scenario.profile.limits.buffer_commit)
        })
        .collect();
    let target = sim_target(scenario);
    let admission = scenario.admission();
    let channels: Vec<Channel<'_>> = throttles
        .iter()
        .zip(&buffers)
        .map(|(throttle, buffer)| Channel {
            scenario,
            target: &target,
            seed,
            throttle: throttle.as_ref(),
            buffer,
            recorder,
            rejected: rejected_status(&admission),
        })
        .collect();
    let plans = method_plans(scenario, &admission);
    let message: Rc<str> = Rc::from(client.message.as_str());
    // A client policy other than A6 (`load.client_policy`): one per client, each attempt a
    // call with the method's retries off (`app_call`).
    let policies: Vec<PolicyClient> = (0..load.clients)
        .map_while(|c| {
            Some(PolicyClient {
                policy: RefCell::new(policy::build(&load.client_policy)?),
                rng: RefCell::new(stream(seed, Purpose::ClientPolicy, c)),
            })
        })
        .collect();
    let once: Vec<_> = plans.iter().map(|p| p.without_retries()).collect();
    let app_calls: Vec<AppCall<'_>> = policies
        .iter()
        .zip(&channels)
        .map(|(client, channel)| AppCall {
            channel,
            server: &server,
            client,
            message: Rc::clone(&message),
        })
        .collect();
    let requests = Requests::default();
    let (server, plans, once, app_calls) = (&server, &plans, &once, &app_calls);
    let requests = &requests;

    let mut executor = Executor::new();
    let clock = executor.clock().clone();
    // A runtime that refuses the config makes no call at all (R5): no client starts.
    let clients = if makes_calls(&admission) {
        load.clients
    } else {
        0
    };
    for c in 0..clients {
        let spawner = executor.spawner().clone();
        let clock = clock.clone();
        let message = Rc::clone(&message);
        let channel = &channels[usize::try_from(c).unwrap_or(0)];
        let app_call = app_calls.get(usize::try_from(c).unwrap_or(0));
        let mut rng = stream(seed, Purpose::Arrivals, c);
        let phase = load
            .arrivals
            .as_ref()
            .map_or(0, |a| fixed_phase(a, &mut rng));
        let mut rpc: u64 = 0;
        // Arrival `k - 1` is due when the source is stepped (none on the first step).
        let mut k: u64 = 0;
        let mut prev = 0;
        // A source rather than a task sleeping between arrivals (`Executor::spawn_source`).
        executor.spawn_source(move || {
            if k > 0 {
                let now = clock.now();
                server.tally.borrow_mut().offered(now);
                // Its slot is freed when its last RPC ends: a `fan_out` of 0 (which parsing
                // refuses) would never free it, so such a request opens none.
                let request = match load.fan_out {
                    0 => 0,
                    rpcs => requests.open(now, rpcs),
                };
                for _ in 0..load.fan_out {
                    if !in_flight.start() {
                        return None;
                    }
                    let id = (c << 48) | rpc;
                    let m = usize::try_from(rpc % plans.len() as u64).unwrap_or(0);
                    let plan = &plans[m];
                    rpc += 1;
                    let clock = clock.clone();
                    if let Some(app_call) = app_call {
                        spawner.spawn(async move {
                            let out = app_call.run(clock, id, plan, &once[m]).await;
                            count_end(server, requests, request, out);
                            in_flight.end();
                        });
                        continue;
                    }
                    let transport = LoadTransport::new(clock.clone(), server, Rc::clone(&message))
                        .with_method(plan.name());
                    let then = move |record: &CallRecord, reason| {
                        let out = Outcome {
                            status: record.status,
                            ended: record.ended,
                            throttled: reason == FinishReason::Throttled,
                        };
                        count_end(server, requests, request, out);
                        in_flight.end();
                    };
                    let deadline = client.deadline;
                    spawner.spawn_with(|| channel.call(clock, transport, id, plan, deadline, then));
                }
            }
            let at = match &load.arrivals {
                Some(a) => next_arrival(a, k, prev, phase, &mut rng)?,
                None if k < client.calls => k.saturating_mul(client.interval),
                None => return None,
            };
            k += 1;
            prev = at;
            Some(at)
        });
    }
    let unfinished = executor.run();
    drop(executor);
    let served = server.model.borrow().served();
    let ended = clock.now();
    let mut tally = server.tally.replace(Tally::new(load.series));
    tally.runs = 1;
    tally.served = served;
    tally.busy = server.backend.borrow().busy;
    // The server may still be working off a backlog after the last client gave up.
    tally.duration = ended.max(server.backend.borrow().busy_until());
    tally.unfinished = unfinished as u64;
    tally.in_flight_exceeded = in_flight.exceeded();
    let stats = RunStats {
        unfinished,
        served,
        ended,
        in_flight_exceeded: in_flight.exceeded(),
    };
    let panic = server.model.borrow_mut().take_panic();
    (stats, tally, panic)
}

/// The tally of one seed, keeping no trace and no call records (the tally counts what it
/// needs as the run goes).
pub fn tally(scenario: &Scenario, seed: u64) -> Tally {
    run(scenario, seed, &Unheard).1
}
