//! Sweeps: many seeds × variants, one virtual-time world per seed, whole seeds in parallel.
//!
//! Why only whole seeds run in parallel: a world is single-threaded and deterministic (the
//! simulator's contract); running worlds side by side on rayon's pool changes nothing inside
//! any of them. Their [`Tally`]s are integer counts and fixed-bound histograms, so folding them
//! is exact and order-free: `--jobs 1` and `--jobs 8` produce the same bits, and so does
//! running slices of the seed range on different machines (`--shard K/N`) and merging the
//! JSON they write ([`Sweep::merge`], in [`super::results`]).

use std::path::Path;

use crate::json::Value;
use rayon::prelude::*;

use super::error::{SeedsError, VariantError, WorkersError};
use super::replicates::Replicates;
pub use super::results::{Sweep, VariantResult};
use super::vary::{apply, Vary};
use crate::scenario::Scenario;
use crate::sim::load::tally::Tally;
use crate::sim::load::world;

/// One scenario variant: the values it sets and the scenario they give.
#[derive(Clone, Debug)]
pub struct Variant {
    /// `hedgingDelay=5ms, maxAttempts=3`, or `base` without `--vary`.
    pub label: String,
    /// `(path, value)` per `--vary`.
    pub settings: Vec<(String, String)>,
    /// The scenario with the values applied.
    pub scenario: Scenario,
}

/// Every combination of the `--vary` values (the first `--vary` varies slowest), each
/// applied to the file's JSON and parsed as a scenario; errors name the file and the path.
pub fn variants(
    raw: &Value,
    base: &Path,
    file: &str,
    varies: &[Vary],
) -> Result<Vec<Variant>, VariantError> {
    let mut combos: Vec<Vec<(usize, String)>> = vec![vec![]];
    for (i, v) in varies.iter().enumerate() {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                v.values.iter().map(move |x| {
                    let mut c = c.clone();
                    c.push((i, x.clone()));
                    c
                })
            })
            .collect();
    }
    combos
        .into_iter()
        .map(|combo| {
            let mut value = raw.clone();
            let mut settings = Vec::new();
            let mut labels = Vec::new();
            for (i, x) in combo {
                let vary = &varies[i];
                apply(&mut value, &vary.path, &x).map_err(|cause| VariantError::Vary {
                    file: file.to_string(),
                    cause,
                })?;
                settings.push((vary.path.clone(), x.clone()));
                labels.push(format!("{}={x}", vary.short()));
            }
            let label = if labels.is_empty() {
                "base".to_string()
            } else {
                labels.join(", ")
            };
            let scenario = Scenario::from_value(&value, base, file).map_err(|cause| {
                VariantError::Scenario {
                    label: label.clone(),
                    cause,
                }
            })?;
            Ok(Variant {
                label,
                settings,
                scenario,
            })
        })
        .collect()
}

/// The most seeds one `--seeds` range names.
pub const MAX_SEEDS: u64 = 100_000_000;

/// Seeds a sweep runs, indexable without being collected: a `--seeds` range of 10⁸ seeds is
/// two numbers, not 800 MB.
pub trait SeedList: Sync {
    /// How many seeds.
    fn count(&self) -> usize;
    /// The `i`-th seed, `i < count()`.
    fn nth(&self, i: usize) -> u64;
}

impl SeedList for [u64] {
    fn count(&self) -> usize {
        self.len()
    }
    fn nth(&self, i: usize) -> u64 {
        self[i]
    }
}

impl SeedList for Vec<u64> {
    fn count(&self) -> usize {
        self.len()
    }
    fn nth(&self, i: usize) -> u64 {
        self[i]
    }
}

impl SeedList for std::ops::Range<u64> {
    fn count(&self) -> usize {
        usize::try_from(self.end.saturating_sub(self.start)).unwrap_or(usize::MAX)
    }
    fn nth(&self, i: usize) -> u64 {
        self.start + i as u64
    }
}

/// Parses `--seeds` into a range: `A..B` (B excluded, as in Rust), `A..=B`, or one seed `N`.
pub fn parse_seed_range(text: &str) -> Result<std::ops::Range<u64>, SeedsError> {
    let bad = || SeedsError::Malformed(text.to_string());
    let num = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
    let (a, b) = if let Some((a, b)) = text.split_once("..=") {
        (num(a)?, num(b)?.checked_add(1).ok_or_else(bad)?)
    } else if let Some((a, b)) = text.split_once("..") {
        (num(a)?, num(b)?)
    } else {
        let n = num(text)?;
        (n, n.checked_add(1).ok_or_else(bad)?)
    };
    if a >= b {
        return Err(SeedsError::Empty(text.to_string()));
    }
    if b - a > MAX_SEEDS {
        return Err(SeedsError::TooMany(text.to_string()));
    }
    Ok(a..b)
}

/// Parses `--seeds` like [`parse_seed_range`], collected (for short lists).
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, SeedsError> {
    parse_seed_range(text).map(Iterator::collect)
}

/// The `k`-th (1-based) of `n` contiguous, disjoint slices of `seeds` (sizes differ by ≤ 1).
pub fn shard(seeds: &[u64], k: usize, n: usize) -> Vec<u64> {
    let len = seeds.len();
    let (from, to) = ((k - 1) * len / n, k * len / n);
    seeds[from..to].to_vec()
}

/// [`shard`] of a range, without collecting it.
pub fn shard_range(seeds: &std::ops::Range<u64>, k: usize, n: usize) -> std::ops::Range<u64> {
    let len = u128::from(seeds.end - seeds.start);
    let at = |i: usize| seeds.start + (i as u128 * len / n as u128) as u64;
    at(k - 1)..at(k)
}

/// Sorted seeds as inclusive `[start, end]` runs: compact and easy to check for overlap.
pub fn ranges(seeds: &[u64]) -> Vec<(u64, u64)> {
    let mut sorted = seeds.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for s in sorted {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == s => *end = s,
            _ => out.push((s, s)),
        }
    }
    out
}

/// Runs every variant for every seed on `jobs` threads; `tick` is called after each run.
/// The result does not depend on `jobs` (see the module docs). The totals only; see
/// [`run_replicated`] for what the 95 % intervals need as well.
pub fn run<S: SeedList + ?Sized>(
    variants: &[Variant],
    seeds: &S,
    jobs: usize,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Tally>, WorkersError> {
    Ok(run_replicated(variants, seeds, jobs, tick)?
        .into_iter()
        .map(|(t, _)| t)
        .collect())
}

/// Per variant, the totals and the seed-group summaries its intervals are computed from.
type Totals = (Tally, Replicates);

/// [`run`], keeping per variant the [`Replicates`] (seed-group summaries) beside the totals;
/// both fold exactly, so the result does not depend on `jobs` either.
pub fn run_replicated<S: SeedList + ?Sized>(
    variants: &[Variant],
    seeds: &S,
    jobs: usize,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<Totals>, WorkersError> {
    let per_variant = seeds.count();
    let runs = variants.len().saturating_mul(per_variant);
    let empty = || -> Vec<Option<Totals>> { variants.iter().map(|_| None).collect() };
    let add = |slot: &mut Option<Totals>, (t, r): Totals| match slot {
        Some((a, b)) => {
            a.merge(&t);
            b.merge(&r);
        }
        None => *slot = Some((t, r)),
    };
    let fold = |mut acc: Vec<Option<Totals>>, (v, totals): (usize, Totals)| {
        add(&mut acc[v], totals);
        acc
    };
    let join = |mut a: Vec<Option<Totals>>, b: Vec<Option<Totals>>| {
        for (x, y) in a.iter_mut().zip(b) {
            if let Some(y) = y {
                add(x, y);
            }
        }
        a
    };
    let pool = super::workers(jobs, runs)?;
    let merged = pool.install(|| {
        (0..runs)
            .into_par_iter()
            .map(|i| {
                let (v, seed) = (i / per_variant, seeds.nth(i % per_variant));
                let t = world::tally(&variants[v].scenario, seed);
                let r = Replicates::of_seed(seed, &t);
                tick();
                (v, (t, r))
            })
            .fold(empty, fold)
            .reduce(empty, join)
    });
    Ok(merged
        .into_iter()
        .zip(variants)
        .map(|(t, v)| {
            t.unwrap_or_else(|| {
                let bucket = v.scenario.load.as_ref().map_or(1_000_000_000, |l| l.series);
                (Tally::new(bucket), Replicates::default())
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_like_rust_ranges() {
        assert_eq!(parse_seeds("1..4").unwrap(), [1, 2, 3]);
        assert_eq!(parse_seeds("1..=3").unwrap(), [1, 2, 3]);
        assert_eq!(parse_seeds("7").unwrap(), [7]);
        assert!(parse_seeds("4..1").is_err());
        assert!(parse_seeds("a..b").is_err());
    }

    #[test]
    fn a_huge_seed_range_is_two_numbers_not_a_list() {
        let r = parse_seed_range("0..100000000").unwrap();
        assert_eq!(
            (SeedList::count(&r), SeedList::nth(&r, 99_999_999)),
            (100_000_000, 99_999_999)
        );
        assert!(parse_seed_range("0..100000001").is_err());
        assert!(
            parse_seed_range("18446744073709551615").is_err(),
            "no overflow"
        );
    }

    #[test]
    fn range_shards_match_list_shards() {
        let seeds: Vec<u64> = (5..15).collect();
        for k in 1..=3 {
            let r = shard_range(&(5..15), k, 3);
            assert_eq!(
                r.clone().collect::<Vec<_>>(),
                shard(&seeds, k, 3),
                "shard {k}"
            );
        }
    }

    #[test]
    fn no_more_workers_than_runs() {
        let pool = crate::experiments::workers(10_000, 3).unwrap();
        assert_eq!(pool.current_num_threads(), 3);
    }

    #[test]
    fn shards_are_disjoint_and_cover_everything() {
        let seeds: Vec<u64> = (1..=10).collect();
        let mut all = Vec::new();
        for k in 1..=3 {
            all.extend(shard(&seeds, k, 3));
        }
        assert_eq!(all, seeds);
        assert_eq!(ranges(&[5, 1, 2, 3, 9]), [(1, 3), (5, 5), (9, 9)]);
    }
}
