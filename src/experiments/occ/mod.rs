//! Brooker's "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015), as its own small
//! deterministic simulation.
//!
//! The model is not a gRPC unary call, so it does not go through the driver: N clients each
//! update one shared row once by optimistic concurrency — read (returns the version), then
//! write(version), which succeeds only if the version is unchanged. Every message hop takes
//! |Normal(10 ms, 2 ms)|; the server has infinite capacity and zero service time. A failed
//! write increments the client's retry count n (first retry n = 1) and the client starts
//! again with a read, whose network delay is added on top of the backoff. Calls are counted at
//! the server's write.
//!
//! It runs on a plain event loop (a heap of `(instant, sequence)` events: the sequence is the
//! tie-break, so equal instants resolve in scheduling order), integer nanoseconds, and seeded
//! ChaCha streams: network hops from `(seed, ServerLatency, N)` — shared by every algorithm at
//! the same N and seed (common random numbers make the comparison sharper) — and each client's
//! backoff draws from `(seed, Jitter, N << 20 | client)`.
//!
//! The A6 column uses the engine's own [`Backoff`] ladder (initialBackoff 2·base, multiplier 2,
//! maxBackoff cap, so b(n) = min(cap, base·2ⁿ)) and [`Jitter::Spec`] (×U(0.8, 1.2)).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::{Rng, RngCore};
use rayon::prelude::*;

use crate::code::CodeSet;
use crate::config::RetryPolicy;
use crate::engine::{Backoff, Jitter};
use crate::experiments::error::WorkersError;
use crate::scenario::latency::standard_normal;
use crate::scenario::rng::{stream, Purpose};
use crate::time::{Nanos, NANOS_PER_MS};

/// A backoff algorithm of the post (plus A6's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algo {
    /// No backoff at all.
    None,
    /// min(cap, base·2ⁿ).
    Exponential,
    /// U(0, min(cap, base·2ⁿ)).
    Full,
    /// half + U(0, half) of min(cap, base·2ⁿ).
    Equal,
    /// sleep = min(cap, U(base, 3·sleep)), per client, sleep starting at base.
    Decorrelated,
    /// A6: min(cap, base·2ⁿ) × U(0.8, 1.2), from the engine.
    A6,
}

impl Algo {
    /// All, in table order.
    pub const ALL: [Algo; 6] = [
        Algo::None,
        Algo::Exponential,
        Algo::Full,
        Algo::Equal,
        Algo::Decorrelated,
        Algo::A6,
    ];

    /// Column name.
    pub fn name(self) -> &'static str {
        match self {
            Algo::None => "none",
            Algo::Exponential => "exponential",
            Algo::Full => "full",
            Algo::Equal => "equal",
            Algo::Decorrelated => "decorrelated",
            Algo::A6 => "a6",
        }
    }

    fn from_name(s: &str) -> Option<Algo> {
        Algo::ALL.into_iter().find(|a| a.name() == s)
    }
}

mod study;
pub use study::Study;

/// Totals of one cell (N, algorithm) over its runs; integers, so merging is exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cell {
    /// Runs.
    pub runs: u64,
    /// Writes, summed over runs.
    pub calls: u64,
    /// Time until the last client finished, summed over runs.
    pub time: u128,
}

impl Cell {
    /// Mean calls per run.
    pub fn mean_calls(&self) -> f64 {
        self.calls as f64 / self.runs.max(1) as f64
    }

    /// Mean completion time per run, ms.
    pub fn mean_time_ms(&self) -> f64 {
        self.time as f64 / self.runs.max(1) as f64 / NANOS_PER_MS as f64
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    ReadAtServer,
    ReadReply(u64),
    WriteAtServer(u64),
    WriteReply(bool),
}

fn exponential(base: Nanos, cap: Nanos, n: u32) -> Nanos {
    let factor = 1u64.checked_shl(n.min(63)).unwrap_or(u64::MAX);
    base.saturating_mul(factor).min(cap)
}

/// One run: (writes, time until the last client finished).
pub fn run_once(study: &Study, n: u64, algo: Algo, seed: u64) -> (u64, Nanos) {
    let (mean, sd) = study.hop_ms;
    let mut net = stream(seed, Purpose::ServerLatency, n);
    let mut hop = move || -> Nanos {
        let ms = (mean + sd * standard_normal(&mut net)).abs();
        (ms * 1e6).round() as Nanos
    };
    let policy = RetryPolicy {
        max_attempts: 5,
        configured_max_attempts: 5,
        initial_backoff: study.base.saturating_mul(2),
        max_backoff: study.cap,
        backoff_multiplier_ppb: 2_000_000_000,
        retryable_codes: CodeSet::default(),
        per_attempt_recv_timeout: None,
    };
    struct Client {
        n: u32,
        sleep: Nanos,
        ladder: Backoff,
        rng: rand_chacha::ChaCha8Rng,
    }
    let mut clients: Vec<Client> = (0..n)
        .map(|c| Client {
            n: 0,
            sleep: study.base,
            ladder: Backoff::new(&policy),
            rng: stream(seed, Purpose::Jitter, (n << 20) | c),
        })
        .collect();
    let mut heap: BinaryHeap<Reverse<(Nanos, u64, u64, Ev)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<_>, at: Nanos, c: u64, ev: Ev| {
        seq += 1;
        heap.push(Reverse((at, seq, c, ev)));
    };
    for c in 0..n {
        let at = hop();
        push(&mut heap, at, c, Ev::ReadAtServer);
    }
    let (mut version, mut calls, mut last) = (0u64, 0u64, 0);
    while let Some(Reverse((t, _, c, ev))) = heap.pop() {
        match ev {
            Ev::ReadAtServer => {
                let at = t + hop();
                push(&mut heap, at, c, Ev::ReadReply(version));
            }
            Ev::ReadReply(v) => {
                let at = t + hop();
                push(&mut heap, at, c, Ev::WriteAtServer(v));
            }
            Ev::WriteAtServer(v) => {
                calls += 1;
                let ok = v == version;
                if ok {
                    version += 1;
                }
                let at = t + hop();
                push(&mut heap, at, c, Ev::WriteReply(ok));
            }
            Ev::WriteReply(true) => last = last.max(t),
            Ev::WriteReply(false) => {
                let cl = &mut clients[c as usize];
                cl.n += 1;
                let (base, cap) = (study.base, study.cap);
                let e = exponential(base, cap, cl.n);
                let rng: &mut dyn RngCore = &mut cl.rng;
                let wait = match algo {
                    Algo::None => 0,
                    Algo::Exponential => e,
                    Algo::Full => rng.random_range(0..=e),
                    Algo::Equal => e / 2 + rng.random_range(0..=e / 2),
                    Algo::Decorrelated => {
                        let hi = cl.sleep.saturating_mul(3).max(base);
                        cl.sleep = rng.random_range(base..=hi).min(cap);
                        cl.sleep
                    }
                    Algo::A6 => Jitter::Spec.apply(cl.ladder.next_nominal().1, rng),
                };
                let at = t + wait + hop();
                push(&mut heap, at, c, Ev::ReadAtServer);
            }
        }
    }
    (calls, last)
}

/// Every cell of the study, row-major (clients × algorithms); the same for any `jobs`.
pub fn run_study(
    study: &Study,
    jobs: usize,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Cell>, WorkersError> {
    let cells = study.clients.len() * study.algorithms.len();
    // Run k is cell k / runs with seed k % runs: the work is iterated, never collected.
    let runs = study.runs_per_cell();
    let pool = super::workers(
        jobs,
        usize::try_from(study.total_runs()).unwrap_or(usize::MAX),
    )?;
    let empty = || vec![Cell::default(); cells];
    let out = pool.install(|| {
        (0..study.total_runs())
            .into_par_iter()
            .map(|k| {
                let (i, seed) = ((k / runs) as usize, study.seeds.start + k % runs);
                let n = study.clients[i / study.algorithms.len()];
                let algo = study.algorithms[i % study.algorithms.len()];
                let r = run_once(study, n, algo, seed);
                tick();
                (i, r)
            })
            .fold(empty, |mut acc, (i, (calls, time))| {
                acc[i].runs += 1;
                acc[i].calls += calls;
                acc[i].time += u128::from(time);
                acc
            })
            .reduce(empty, |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    x.runs += y.runs;
                    x.calls += y.calls;
                    x.time += y.time;
                }
                a
            })
    });
    Ok(out)
}

mod report;
pub use report::{claims, csv, json, table};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;

    fn study() -> Study {
        Study::parse(&json!({"model": "occ", "name": "t", "clients": [5], "runs": 3})).unwrap()
    }

    #[test]
    fn every_client_finishes_and_each_success_is_one_write() {
        let s = study();
        for a in Algo::ALL {
            let (calls, time) = run_once(&s, 5, a, 1);
            assert!(calls >= 5, "{a:?}: {calls}");
            assert!(
                time >= 4 * 6 * NANOS_PER_MS,
                "{a:?}: four hops of at least ~6ms"
            );
        }
        assert_eq!(
            run_once(&s, 1, Algo::Full, 9).0,
            1,
            "a lone client never conflicts"
        );
    }

    #[test]
    fn exponential_doubles_from_2_base_and_caps() {
        assert_eq!(exponential(5, 2000, 1), 10);
        assert_eq!(exponential(5, 2000, 2), 20);
        assert_eq!(exponential(5, 2000, 9), 2000);
        assert_eq!(exponential(5, 2000, 200), 2000);
    }

    #[test]
    fn runs_are_a_range_of_seeds_never_a_list() {
        let s = Study::parse(&json!({"model": "occ", "name": "t", "clients": [5, 6],
            "algorithms": ["none"], "runs": 100_000_000}))
        .unwrap();
        assert_eq!(s.seeds, 1..100_000_001);
        assert_eq!(
            (s.runs_per_cell(), s.total_runs()),
            (100_000_000, 200_000_000)
        );
        // A trillion runs used to be collected (and abort); now it is refused by name.
        let e = Study::parse(&json!({"model": "occ", "name": "t", "clients": [5],
            "runs": 1_000_000_000_000u64}))
        .unwrap_err();
        assert!(
            e.to_string().starts_with("runs") && e.to_string().contains("100000000"),
            "{e}"
        );
    }

    #[test]
    fn each_cell_runs_each_seed_once() {
        let mut s = study();
        s.clients = vec![2, 3];
        s.seeds = 4..7;
        let cells = run_study(&s, 2, &|| {}).unwrap();
        assert_eq!(cells.len(), 2 * s.algorithms.len());
        for (i, cell) in cells.iter().enumerate() {
            let n = s.clients[i / s.algorithms.len()];
            let algo = s.algorithms[i % s.algorithms.len()];
            let calls: u64 = s
                .seeds
                .clone()
                .map(|seed| run_once(&s, n, algo, seed).0)
                .sum();
            assert_eq!((cell.runs, cell.calls), (3, calls), "cell {i}");
        }
    }

    #[test]
    fn bad_files_name_the_key() {
        let e = Study::parse(&json!({"model": "occ", "name": "t", "clients": [0]})).unwrap_err();
        assert!(e.to_string().starts_with("clients"), "{e}");
        let e = Study::parse(
            &json!({"model": "occ", "name": "t", "clients": [1], "algorithms": ["x"]}),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("algorithms"), "{e}");
        let e = Study::parse(&json!({"model": "occ", "name": "t", "clients": [1], "nope": 1}))
            .unwrap_err();
        assert!(e.to_string().starts_with("nope"), "{e}");
    }
}
