//! Invariants of the engine under random policies and random server behaviour (issue 3 §6).
//!
//! A tiny discrete-event loop drives several calls that share one throttle. Every attempt the
//! engine sends gets a random fate (status, latency, headers first, pushback, never sent,
//! refused), and after every step the outputs are checked against rules that must hold for
//! *any* policy: attempt numbering and headers (R74, R76), the attempt limit (R16, R52),
//! nothing after commit (R31) or at/after the deadline (R77), jitter bounds (R24–R26), token
//! bounds (R41), one finish per call, hedges in flight never above maxAttempts.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Mutex;

use hedgehog::code::{Code, CodeSet};
use hedgehog::config::{HedgingPolicy, Policy, RetryPolicy, ThrottleConfig};
use hedgehog::engine::{CallEngine, CallPlan, Env, Input, Jitter, Note, Output, Outputs, Throttle};
use hedgehog::time::{ms, Nanos};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone)]
struct Case {
    policy: Policy,
    jitter: Jitter,
    deadline: Option<Nanos>,
    throttle: Option<ThrottleConfig>,
    calls: u64,
    fits: bool,
    seed: u64,
}

fn code_set() -> impl Strategy<Value = CodeSet> {
    prop::collection::vec(0i64..17, 1..4)
        .prop_map(|v| v.into_iter().filter_map(Code::from_value).collect())
}

fn policy() -> impl Strategy<Value = Policy> {
    let retry = (
        2u32..7,
        1u64..50,
        1u64..200,
        100_000_000u64..4_000_000_000,
        code_set(),
    )
        .prop_map(|(n, initial, max, mult, codes)| {
            Policy::Retry(RetryPolicy {
                max_attempts: n,
                configured_max_attempts: n,
                initial_backoff: ms(initial),
                max_backoff: ms(max),
                backoff_multiplier_ppb: mult,
                retryable_codes: codes,
                per_attempt_recv_timeout: None,
            })
        });
    let hedge = (2u32..6, 0u64..30, code_set()).prop_map(|(n, delay, codes)| {
        Policy::Hedging(HedgingPolicy {
            max_attempts: n,
            configured_max_attempts: n,
            hedging_delay: ms(delay),
            non_fatal_codes: codes,
        })
    });
    prop_oneof![Just(Policy::None), retry, hedge]
}

fn case() -> impl Strategy<Value = Case> {
    (
        policy(),
        prop_oneof![Just(Jitter::Spec), Just(Jitter::Full), Just(Jitter::None)],
        prop::option::of(1u64..400),
        prop::option::of((1u32..20, 1u32..2000)),
        1u64..6,
        prop::bool::weighted(0.9),
        any::<u64>(),
    )
        .prop_map(
            |(policy, jitter, deadline, throttle, calls, fits, seed)| Case {
                policy,
                jitter,
                deadline: deadline.map(ms),
                throttle: throttle.map(|(t, r)| ThrottleConfig {
                    max_tokens_milli: t * 1000,
                    token_ratio_milli: r,
                }),
                calls,
                fits,
                seed,
            },
        )
}

/// What the random server does with one attempt.
fn fate(rng: &mut ChaCha8Rng, slot: u32) -> Vec<(Nanos, Input)> {
    let latency = ms(rng.random_range(0..40));
    match rng.random_range(0..100) {
        0..3 => return vec![(0, Input::NotSent { slot })],
        3..6 => return vec![(0, Input::Refused { slot })],
        _ => {}
    }
    let status = match rng.random_range(0..10) {
        0..3 => Code::Ok,
        3..7 => Code::Unavailable,
        7 => Code::Aborted,
        8 => Code::InvalidArgument,
        _ => Code::ResourceExhausted,
    };
    let pushback = match rng.random_range(0..12) {
        0 => vec!["0".to_string()],
        1 => vec!["15".to_string()],
        2 => vec!["-1".to_string()],
        3 => vec!["abc".to_string()],
        _ => vec![],
    };
    let mut events = Vec::new();
    if rng.random_range(0..8) == 0 {
        events.push((latency / 2, Input::Headers { slot }));
    }
    events.push((
        latency,
        Input::Closed {
            slot,
            status,
            pushback,
        },
    ));
    events
}

struct CallState {
    engine: CallEngine,
    rng: ChaCha8Rng,
    finished: bool,
    committed: bool,
    last_attempt: u32,
    live: Vec<u32>,
    /// slot → A6 attempt number.
    numbers: BTreeMap<u32, u32>,
    /// The attempt number a transparent replay must carry (from the Transparent note).
    replaying: Option<u32>,
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let throttle = case.throttle.map(|c| Mutex::new(Throttle::new(c)));
    let mut fates = ChaCha8Rng::seed_from_u64(case.seed);
    let mut calls: Vec<CallState> = (0..case.calls)
        .map(|i| CallState {
            engine: CallEngine::new(CallPlan {
                policy: case.policy.clone(),
                deadline: case.deadline.map(|d| d + ms(i * 7)),
                jitter: case.jitter,
                request_fits_buffer: case.fits,
                profile: hedgehog::profile::Profile::a6(),
                config_rejected: None,
            }),
            rng: ChaCha8Rng::seed_from_u64(case.seed ^ (i + 1)),
            finished: false,
            committed: false,
            last_attempt: 0,
            live: Vec::new(),
            numbers: BTreeMap::new(),
            replaying: None,
        })
        .collect();
    // (time, sequence) → (call, input); `None` input = start the call.
    let mut queue: BinaryHeap<Reverse<(Nanos, u64, usize)>> = BinaryHeap::new();
    let mut pending: BTreeMap<u64, Option<Input>> = BTreeMap::new();
    let mut seq = 0u64;
    let mut push = |queue: &mut BinaryHeap<_>, pending: &mut BTreeMap<_, _>, at, call, input| {
        seq += 1;
        queue.push(Reverse((at, seq, call)));
        pending.insert(seq, input);
    };
    for i in 0..calls.len() {
        push(&mut queue, &mut pending, ms(i as u64 * 7), i, None);
    }
    let limit = case.policy.max_attempts();
    let mut steps = 0;
    while let Some(Reverse((now, id, i))) = queue.pop() {
        steps += 1;
        prop_assert!(steps < 100_000, "the run does not terminate");
        let input = pending.remove(&id).flatten();
        let call = &mut calls[i];
        if call.finished {
            continue;
        }
        if let Some(Input::Headers { slot } | Input::Closed { slot, .. }) = &input {
            if !call.live.contains(slot) {
                continue; // the attempt was cancelled before this event
            }
        }
        if let Some(
            Input::Closed { slot, .. } | Input::NotSent { slot } | Input::Refused { slot },
        ) = &input
        {
            call.live.retain(|s| s != slot);
        }
        let mut out = Outputs::new();
        let mut env = Env {
            rng: &mut call.rng,
            throttle: throttle.as_ref(),
        };
        match input {
            None => call.engine.start(now, &mut env, &mut out),
            Some(input) => call.engine.handle(now, input, &mut env, &mut out),
        }
        for (k, action) in out.iter().enumerate() {
            prop_assert!(!call.finished, "output after Finish: {out:?}");
            match action {
                Output::Send(s) => {
                    prop_assert!(case.deadline.is_none() || now < call_deadline(case, i));
                    if s.transparent {
                        let replaced = call.replaying.take();
                        prop_assert_eq!(Some(s.attempt), replaced, "transparent keeps its number");
                    } else {
                        prop_assert!(!call.committed, "a new attempt after commit (R31)");
                        prop_assert_eq!(s.attempt, call.last_attempt + 1, "attempts count 1, 2, …");
                        call.last_attempt = s.attempt;
                    }
                    prop_assert_eq!(s.previous, (s.attempt > 1).then(|| s.attempt - 1));
                    prop_assert!(
                        s.attempt <= limit,
                        "attempt {} above limit {limit}",
                        s.attempt
                    );
                    call.live.push(s.slot);
                    call.numbers.insert(s.slot, s.attempt);
                    prop_assert!(call.live.len() as u32 <= limit, "too many in flight");
                    for (delay, input) in fate(&mut fates, s.slot) {
                        push(&mut queue, &mut pending, now + delay, i, Some(input));
                    }
                }
                Output::Cancel { slot } => call.live.retain(|s| s != slot),
                Output::Committed { .. } => call.committed = true,
                Output::Note(Note::Backoff { nominal, delay, .. }) => {
                    let (lo, hi) = case.jitter.bounds(*nominal);
                    prop_assert!(
                        (lo..=hi).contains(delay),
                        "delay {delay} outside [{lo}, {hi}]"
                    );
                    if let Policy::Retry(p) = &case.policy {
                        prop_assert!(*nominal <= p.max_backoff);
                    }
                }
                Output::Note(Note::Tokens { milli, max_milli }) => {
                    prop_assert!(milli <= max_milli);
                }
                Output::Note(Note::Transparent { slot, .. }) => {
                    call.replaying = call.numbers.get(slot).copied();
                }
                Output::Note(_) => {}
                Output::Finish(_) => {
                    prop_assert_eq!(k, out.len() - 1, "Finish is the last action");
                    prop_assert!(call.live.is_empty(), "attempts left live at finish");
                    call.finished = true;
                }
            }
        }
        if !call.finished {
            if let Some(at) = call.engine.next_wakeup() {
                push(&mut queue, &mut pending, at.max(now), i, Some(Input::Tick));
            }
        }
    }
    for (i, call) in calls.iter().enumerate() {
        prop_assert!(call.finished, "call {i} never finished");
    }
    if let (Some(t), Some(c)) = (&throttle, case.throttle) {
        prop_assert!(t.lock().unwrap().milli() <= c.max_tokens_milli);
    }
    Ok(())
}

fn call_deadline(case: &Case, i: usize) -> Nanos {
    case.deadline.map_or(Nanos::MAX, |d| d + ms(i as u64 * 7))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn engine_invariants_hold_for_any_policy(case in case()) {
        check(&case)?;
    }
}
