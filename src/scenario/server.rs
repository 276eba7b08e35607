//! The server model shared by the simulated server and `hedgehog serve`.
//!
//! Contract: a [`ServerSpec`] is parsed from a scenario's `server` object and is a
//! [`Behaviour`] (the stock one); a [`ServerModel`] holds any behaviour with its state and
//! answers once per arriving attempt, in arrival order, drawing any randomness from its own
//! seeded ChaCha streams. Clock-free and I/O-free, so the simulated and the live server make
//! the same decisions for the same seed.
//!
//! Status draws and latency draws use two separate streams, so changing a scenario's latency
//! distribution does not change which requests fail (and vice versa). Latency is drawn only for
//! attempts whose step does not fix it.

use std::fmt;
use std::sync::Arc;

use rand::{Rng, RngCore};

use crate::json::Value;

use super::behaviour::{Answer, Arrival, Behaviour, BehaviourPanic, Reply, Seen, ServerState};
use super::fields::{self as parse, FieldError};
use super::latency::Latency;
use super::schedule::parse_schedule;
pub use super::schedule::{Schedule, ScriptStep, Then, SCHEDULE_KINDS};
use crate::code::Code;
use crate::time::Nanos;

/// How the server answers one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Final status.
    pub status: Code,
    /// Time from the attempt arriving to its end.
    pub latency: Nanos,
    /// Raw `grpc-retry-pushback-ms` trailer value, if any.
    pub pushback: Option<String>,
    /// Send response headers before the status (commits the call).
    pub headers_first: bool,
}

/// A parsed `server` object of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerSpec {
    /// Which attempts fail, and how.
    pub schedule: Schedule,
    /// Latency of attempts whose step does not set `latency_ms` (default: 0).
    pub latency: Latency,
}

impl ServerSpec {
    /// Parses a `server` object found at `path` (`server` in a scenario, `<root>` for
    /// `hedgehog serve --schedule FILE`).
    pub fn parse(value: &Value, path: &str) -> Result<ServerSpec, FieldError> {
        let map = parse::object(value, path, &["schedule", "latency"])?;
        let schedule_path = parse::join(path, "schedule");
        let schedule = parse_schedule(parse::required(map, path, "schedule")?, &schedule_path)?;
        let latency = match map.get("latency") {
            Some(v) => Latency::parse(v, &parse::join(path, "latency"))?,
            None => Latency::default(),
        };
        Ok(ServerSpec { schedule, latency })
    }
}

impl ServerSpec {
    /// Whether [`Self::answer_with`] cannot panic: true of every spec [`ServerSpec::parse`]
    /// makes (a `req_modulo` period of at least 1, a non-empty script). The other draws and
    /// latencies cannot panic for any value (a uniform range is ordered before it is drawn
    /// from, a float latency saturates).
    fn cannot_panic(&self) -> bool {
        match &self.schedule {
            Schedule::ReqModulo { n, .. } => *n > 0,
            Schedule::Script { steps, .. } => !steps.is_empty(),
            Schedule::FailRate { .. } => true,
        }
    }

    /// The stock answer to arrival number `count` (1-based), drawing statuses from `rng` and
    /// latencies from `latency_rng`. Generic over the streams so the server model calls it
    /// without dynamic dispatch ([`ServerModel`]); [`Behaviour::answer`] calls it too, so
    /// both give the very same answers.
    #[inline(always)]
    fn answer_with<R, L>(&self, count: u64, rng: &mut R, latency_rng: &mut L) -> Answer
    where
        R: RngCore + ?Sized,
        L: RngCore + ?Sized,
    {
        let n = count;
        let (status, latency, pushback, headers_first) = match &self.schedule {
            Schedule::ReqModulo { n: period, status } => {
                let s = if n % period == 0 { Code::Ok } else { *status };
                (s, None, None, false)
            }
            Schedule::FailRate { p, status } => {
                let fail = rng.random::<f64>() < *p;
                (if fail { *status } else { Code::Ok }, None, None, false)
            }
            Schedule::Script { steps, then } => {
                let i = usize::try_from(n.saturating_sub(1)).unwrap_or(usize::MAX);
                let step = match then {
                    Then::Repeat => &steps[i % steps.len()],
                    Then::Last => &steps[i.min(steps.len() - 1)],
                };
                (
                    step.status,
                    step.latency,
                    step.pushback.clone(),
                    step.headers_first,
                )
            }
        };
        let latency = match latency {
            Some(ns) => ns,
            None => self.latency.sample(latency_rng),
        };
        Answer {
            status,
            latency,
            pushback,
            headers_first,
            reply: Reply::Echo,
        }
    }
}

impl Behaviour for ServerSpec {
    /// The stock schedules: `req_modulo` and `script` by arrival count, `fail_rate` from the
    /// status stream; the latency, unless the step fixes it, from the latency stream.
    fn answer(&self, arrival: &mut Arrival<'_>) -> Answer {
        self.answer_with(arrival.count, &mut *arrival.rng, &mut *arrival.latency_rng)
    }
}

impl From<Answer> for Step {
    fn from(answer: Answer) -> Step {
        Step {
            status: answer.status,
            latency: answer.latency,
            pushback: answer.pushback,
            headers_first: answer.headers_first,
        }
    }
}

/// A server: a [`Behaviour`] (the scenario's stock schedule, or any other) with its state
/// (arrival counter, seeded streams) and the first panic it raised, if any.
pub struct ServerModel {
    answers: Answers,
    state: ServerState,
    panic: Option<BehaviourPanic>,
}

/// Who answers a [`ServerModel`]'s attempts.
enum Answers {
    /// The stock schedule, called directly (no dynamic dispatch on its streams).
    Stock(Box<ServerSpec>),
    /// Any other behaviour.
    Behaviour(Arc<dyn Behaviour>),
}

impl fmt::Debug for ServerModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerModel")
            .field("state", &self.state)
            .field("panic", &self.panic)
            .finish_non_exhaustive()
    }
}

/// What a server that knows nothing about its attempts (the `next_step` callers) tells.
const UNSEEN: Seen<'static> = Seen {
    method: "",
    previous: None,
    now: 0,
    request: &[],
};

impl ServerModel {
    /// A fresh server for `spec`, drawing from a stream derived from `seed`.
    pub fn new(spec: &ServerSpec, seed: u64) -> Self {
        Self::with_index(spec, seed, 0)
    }

    /// Server number `index` of a run (each server of a run has its own streams).
    pub fn with_index(spec: &ServerSpec, seed: u64, index: u64) -> Self {
        let answers = if spec.cannot_panic() {
            Answers::Stock(Box::new(spec.clone()))
        } else {
            // A schedule built by hand that no scenario file can hold (a period of 0, no
            // steps): answered behind the panic guard, as any behaviour is.
            Answers::Behaviour(Arc::new(spec.clone()))
        };
        Self::answered_by(answers, seed, index)
    }

    /// Server number `index` of a run with `seed`, answering with `behaviour`.
    pub fn with_behaviour(behaviour: Arc<dyn Behaviour>, seed: u64, index: u64) -> Self {
        Self::answered_by(Answers::Behaviour(behaviour), seed, index)
    }

    fn answered_by(answers: Answers, seed: u64, index: u64) -> Self {
        ServerModel {
            answers,
            state: ServerState::new(seed, index),
            panic: None,
        }
    }

    /// How many attempts this server has answered.
    pub fn served(&self) -> u64 {
        self.state.count()
    }

    /// The answer to the next arriving attempt, for a server that knows nothing about it
    /// (no method, no `previous`, time 0, no request): enough for the stock schedules.
    pub fn next_step(&mut self) -> Step {
        self.answer(UNSEEN).into()
    }

    /// The answer to the next arriving attempt; a panicking behaviour answers INTERNAL, and
    /// its first panic is kept for [`Self::take_panic`].
    #[inline]
    pub fn answer(&mut self, seen: Seen<'_>) -> Answer {
        match self.try_answer(seen) {
            Ok(answer) => answer,
            Err(panic) => {
                self.panic.get_or_insert(panic);
                Answer::fail(Code::Internal)
            }
        }
    }

    /// The answer to the next arriving attempt, or the behaviour's panic.
    #[inline(always)]
    pub fn try_answer(&mut self, seen: Seen<'_>) -> Result<Answer, BehaviourPanic> {
        match &self.answers {
            // Checked at construction to be unable to panic: no guard needed.
            Answers::Stock(spec) => Ok(self.state.answer_unguarded(|count, rng, latency_rng| {
                spec.answer_with(count, rng, latency_rng)
            })),
            Answers::Behaviour(behaviour) => self.state.answer(&**behaviour, seen),
        }
    }

    /// Counts an attempt the behaviour never saw (see [`ServerState::skip`]).
    pub fn skip(&mut self) {
        self.state.skip();
    }

    /// The first panic of the behaviour, if it panicked.
    pub fn take_panic(&mut self) -> Option<BehaviourPanic> {
        self.panic.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;
    use crate::scenario::schedule::Schedule;

    fn model(server: Value) -> ServerModel {
        ServerModel::new(&ServerSpec::parse(&server, "server").unwrap(), 1)
    }

    fn statuses(m: &mut ServerModel, n: usize) -> Vec<Code> {
        (0..n).map(|_| m.next_step().status).collect()
    }

    /// The stock server's direct call draws exactly what the same spec does as a
    /// `Behaviour` behind dynamic dispatch (rule 1: the same streams, in the same order).
    #[test]
    fn the_stock_fast_path_answers_as_the_behaviour_does_rule_1() {
        for server in [
            json!({"schedule": {"fail_rate": 0.3}, "latency": {"exponential_ms": 2}}),
            json!({"schedule": {"fail_rate": 0.5}, "latency": {"lognormal": {"mu": 0, "sigma": 1}}}),
            json!({"schedule": {"script": [{"status": "UNAVAILABLE", "pushback_ms": "5"},
                {"status": "OK", "latency_ms": 1}]}, "latency": {"uniform_ms": [1, 9]}}),
        ] {
            let spec = ServerSpec::parse(&server, "server").unwrap();
            let mut fast = ServerModel::new(&spec, 7);
            let mut slow = ServerModel::with_behaviour(Arc::new(spec), 7, 0);
            assert!(matches!(fast.answers, Answers::Stock(_)));
            assert!(matches!(slow.answers, Answers::Behaviour(_)));
            for _ in 0..300 {
                assert_eq!(fast.next_step(), slow.next_step());
            }
        }
    }

    /// A schedule no scenario file can hold, built by hand, cannot take the run down: it is
    /// answered behind the panic guard, its panic kept and the attempt answered INTERNAL.
    #[test]
    fn a_hand_built_schedule_that_panics_is_answered_behind_the_guard() {
        let zero_period = ServerSpec {
            schedule: Schedule::ReqModulo {
                n: 0,
                status: Code::Unavailable,
            },
            latency: Latency::default(),
        };
        let no_steps = ServerSpec {
            schedule: Schedule::Script {
                steps: Vec::new(),
                then: Then::Repeat,
            },
            latency: Latency::default(),
        };
        for spec in [zero_period, no_steps] {
            let mut m = ServerModel::new(&spec, 1);
            assert!(matches!(m.answers, Answers::Behaviour(_)));
            assert_eq!(m.next_step().status, Code::Internal);
            assert_eq!(m.take_panic().map(|p| p.count), Some(1));
        }
        let parsed = model(json!({"schedule": {"req_modulo": 1}}));
        assert!(matches!(parsed.answers, Answers::Stock(_)));
    }

    #[test]
    fn the_model_can_live_behind_a_mutex_in_a_multithreaded_server() {
        // `hedgehog serve` shares one model across tokio worker threads.
        fn send_sync<T: Send + Sync>() {}
        send_sync::<ServerModel>();
        send_sync::<ServerSpec>();
    }

    #[test]
    fn req_modulo_succeeds_on_every_nth_request() {
        let mut m = model(json!({"schedule": {"req_modulo": 4}, "latency": {"fixed_ms": 1}}));
        let u = Code::Unavailable;
        assert_eq!(statuses(&mut m, 8), [u, u, u, Code::Ok, u, u, u, Code::Ok]);
        assert_eq!(m.next_step().latency, 1_000_000);
        assert_eq!(m.served(), 9);
    }

    #[test]
    fn script_then_last_repeats_the_final_step() {
        let mut m = model(json!({"schedule": {"script": [
            {"status": "UNAVAILABLE", "pushback_ms": "200", "latency_ms": 3},
            {"status": "OK", "headers_first": true}
        ], "then": "last"}, "latency": {"fixed_ms": 7}}));
        let first = m.next_step();
        assert_eq!(first.status, Code::Unavailable);
        assert_eq!(first.pushback.as_deref(), Some("200"));
        assert_eq!(first.latency, 3_000_000);
        for _ in 0..3 {
            let s = m.next_step();
            assert_eq!(
                (s.status, s.latency, s.headers_first),
                (Code::Ok, 7_000_000, true)
            );
        }
    }

    #[test]
    fn script_then_repeat_cycles() {
        let mut m = model(json!({"schedule": {"script": [
            {"status": "ABORTED"}, {"status": "OK"}], "then": "repeat"}}));
        let a = Code::Aborted;
        assert_eq!(statuses(&mut m, 5), [a, Code::Ok, a, Code::Ok, a]);
    }

    #[test]
    fn fail_rate_fails_about_that_often_and_reproducibly() {
        let server = json!({"schedule": {"fail_rate": 0.3, "status": "INTERNAL"}});
        let mut m = model(server.clone());
        let got = statuses(&mut m, 100_000);
        let fails = got.iter().filter(|c| **c == Code::Internal).count();
        assert!((29_000..31_000).contains(&fails), "{fails}");
        assert!(got.iter().all(|c| *c == Code::Internal || *c == Code::Ok));
        assert_eq!(statuses(&mut model(server), 100_000), got);
    }

    #[test]
    fn latency_stream_is_independent_of_status_stream_rule_1() {
        let a = model(json!({"schedule": {"fail_rate": 0.5}, "latency": {"fixed_ms": 1}}));
        let b = model(json!({"schedule": {"fail_rate": 0.5}, "latency": {"exponential_ms": 3}}));
        let (mut a, mut b) = (a, b);
        assert_eq!(statuses(&mut a, 1000), statuses(&mut b, 1000));
    }

    #[test]
    fn errors_carry_json_paths() {
        let bad = |v: Value| ServerSpec::parse(&v, "server").unwrap_err();
        let e = bad(
            json!({"schedule": {"script": [{"status": "OK"}, {"status": "OK"},
            {"status": "FOO"}]}}),
        );
        assert_eq!(e.path, "server.schedule.script[2].status");
        assert!(
            e.message.contains("unknown status \"FOO\""),
            "{}",
            e.message
        );
        let e = bad(json!({"schedule": {"round_robin": 2}}));
        assert_eq!(e.path, "server.schedule");
        assert!(
            e.message.contains("req_modulo, script, fail_rate"),
            "{}",
            e.message
        );
        let e = bad(json!({"schedule": {"req_modulo": 0}}));
        assert_eq!(e.path, "server.schedule.req_modulo");
        let e = bad(json!({"schedule": {"fail_rate": 1.5}}));
        assert_eq!(e.path, "server.schedule.fail_rate");
        let e = bad(json!({"schedule": {"script": [], "then": "last"}}));
        assert_eq!(e.path, "server.schedule.script");
        let e = bad(json!({"schedule": {"script": [{"status": "OK"}], "then": "loop"}}));
        assert_eq!(e.path, "server.schedule.then");
        let e = bad(json!({"latency": {"fixed_ms": 1}}));
        assert_eq!(e.path, "server.schedule");
        let e = bad(json!({"schedule": {"script": [{"status": "OK", "pushback_ms": true}]}}));
        assert_eq!(e.path, "server.schedule.script[0].pushback_ms");
    }

    #[test]
    fn pushback_is_raw_trailer_text_never_a_rerendered_number() {
        let bad = |v: Value| ServerSpec::parse(&v, "server").unwrap_err();
        for n in [json!(10), json!(10.0), json!(1e1)] {
            let step = json!({"status": "UNAVAILABLE", "pushback_ms": n});
            let e = bad(json!({"schedule": {"script": [step]}}));
            assert_eq!(e.path, "server.schedule.script[0].pushback_ms");
            assert!(e.message.contains("as a string"), "{}", e.message);
        }
    }

    #[test]
    fn script_statuses_take_the_service_configs_spellings_r7() {
        let steps = json!([{"status": "unavailable"}, {"status": 14}, {"status": "Ok"}]);
        let spec = ServerSpec::parse(&json!({"schedule": {"script": steps}}), "server").unwrap();
        let Schedule::Script { steps, .. } = &spec.schedule else {
            panic!("a script: {:?}", spec.schedule);
        };
        let codes: Vec<Code> = steps.iter().map(|s| s.status).collect();
        assert_eq!(codes, [Code::Unavailable, Code::Unavailable, Code::Ok]);
        let bad = |v: Value| ServerSpec::parse(&v, "server").unwrap_err();
        let e = bad(json!({"schedule": {"script": [{"status": 17}]}}));
        assert_eq!(e.path, "server.schedule.script[0].status");
    }
}
