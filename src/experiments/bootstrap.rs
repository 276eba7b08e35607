//! The 95 % intervals of a sweep: a bootstrap over the seed groups of [`Replicates`].
//!
//! **Why a bootstrap over seeds.** The unit of independence in a sweep is the seed: requests of
//! one seed share a server queue, an outage, a client's token bucket, so they are correlated —
//! in a retry storm, massively (every request of a storm fails together). An interval that
//! treated 840,000 requests as independent draws would be hundreds of times too narrow. Seeds,
//! in contrast, are independent replicates of the same world. So the intervals resample
//! *seeds* (a cluster, or block, bootstrap: Davison & Hinkley 1997, "Bootstrap Methods and
//! their Application", §3.8, resampling the independent units and recomputing the statistic
//! on the pooled data) and read the percentile interval of 1,000 resamples (Efron &
//! Tibshirani 1993, §13.3). The statistic is recomputed exactly as the report computes its
//! figure — pooled success rate, pooled attempts per RPC, pooled latency percentile — so the
//! interval is about the printed number, not about a per-seed average. Order-statistic
//! intervals for the percentiles would need no extra data but assume independent requests,
//! which the finite-server and storm scenarios violate; they are used only for what they can
//! say regardless of correlation: below [`super::interval::min_samples_for_upper_bound`]
//! requests no interval has an upper end.
//!
//! The success rate's interval is widened to cover the Wilson interval of the pooled counts:
//! when every seed succeeds 100 % the bootstrap has no spread to resample, yet 10,000 successes
//! do not prove a failure rate of zero ([`super::interval::wilson`]).
//!
//! **Limits.** A percentile bootstrap over few replicates is too narrow (with n seeds, the
//! spread it sees is about √((n − 1)/n) of the true one, and it cannot see values no seed
//! produced): reports warn below [`FEW_SEEDS`] seeds and give no interval from one seed. It is
//! also blind above the largest observed value, which is why a percentile with too few
//! requests behind it gets an open upper end instead of a bootstrap one.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::interval::{percentile_bounds, ratio, wilson};
use super::replicates::{Group, Replicates};

/// Bootstrap resamples per interval.
pub const RESAMPLES: usize = 1_000;

/// The bootstrap's own seed: fixed, so an interval is a function of the data alone.
pub const BOOTSTRAP_SEED: u64 = 0x5eed_0095;

/// Below this many seeds, reports warn that the intervals are too narrow.
pub const FEW_SEEDS: u64 = 10;

/// A variant's 95 % intervals from [`Replicates::bootstrap`].
#[derive(Clone, Debug, PartialEq)]
pub struct Bootstrap {
    /// Success rate (fraction of requests that ended OK), widened to cover Wilson's interval.
    pub success: (f64, f64),
    /// Attempts per RPC.
    pub attempts_per_rpc: (f64, f64),
    /// Per requested quantile level: the coarse buckets (their lowest values, `coarse_low`)
    /// holding the 2.5 % and the 97.5 % points of the resampled percentile.
    pub latency: Vec<(u64, u64)>,
    /// Seeds behind the intervals.
    pub seeds: u64,
}

/// Resamples of `k` groups with replacement, as weights (how often each group was drawn):
/// the same sequence for every interval of every variant, from [`BOOTSTRAP_SEED`].
struct Resampler {
    rng: ChaCha8Rng,
    weights: Vec<u64>,
}

impl Resampler {
    fn new(k: usize) -> Self {
        Resampler {
            rng: ChaCha8Rng::seed_from_u64(BOOTSTRAP_SEED),
            weights: vec![0; k],
        }
    }

    fn next(&mut self) -> &[u64] {
        let k = self.weights.len();
        self.weights.fill(0);
        for _ in 0..k {
            self.weights[self.rng.random_range(0..k as u64) as usize] += 1;
        }
        &self.weights
    }
}

impl Replicates {
    /// 95 % intervals for the success rate, attempts per RPC and the latency quantiles at
    /// `levels` (each in (0, 1), ascending), from [`RESAMPLES`] resamples of the groups; `None`
    /// with fewer than two groups (one seed shows no spread between seeds).
    pub fn bootstrap(&self, levels: &[f64]) -> Option<Bootstrap> {
        let groups: Vec<&Group> = self.groups().map(|(_, g)| g).collect();
        let k = groups.len();
        if k < 2 {
            return None;
        }
        let mut values: Vec<u64> = groups
            .iter()
            .flat_map(|g| g.latency.iter().map(|p| p.0))
            .collect();
        values.sort_unstable();
        values.dedup();
        let indexed: Vec<Vec<(usize, u64)>> = groups
            .iter()
            .map(|g| {
                g.latency
                    .iter()
                    .map(|(v, c)| (values.partition_point(|x| x < v), *c))
                    .collect()
            })
            .collect();
        let mut draw = Resampler::new(k);
        let mut counts = vec![0u64; values.len()];
        let mut success = Vec::with_capacity(RESAMPLES);
        let mut amplification = Vec::with_capacity(RESAMPLES);
        let mut latency: Vec<Vec<f64>> = vec![Vec::with_capacity(RESAMPLES); levels.len()];
        for _ in 0..RESAMPLES {
            let weights = draw.next();
            counts.fill(0);
            let (mut requests, mut ok, mut rpcs, mut attempts) = (0u64, 0u64, 0u64, 0u64);
            for ((g, pairs), &w) in groups.iter().zip(&indexed).zip(weights) {
                if w == 0 {
                    continue;
                }
                requests += w * g.requests;
                ok += w * g.ok;
                rpcs += w * g.rpcs;
                attempts += w * g.attempts;
                for &(i, c) in pairs {
                    counts[i] += w * c;
                }
            }
            success.push(ratio(ok, requests));
            amplification.push(ratio(attempts, rpcs));
            // The tally's percentile rule: the first bucket where the count reaches ⌈q·n⌉.
            let total: u64 = counts.iter().sum();
            let (mut seen, mut level) = (0u64, 0usize);
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                while level < levels.len()
                    && seen >= ((levels[level] * total as f64).ceil() as u64).max(1)
                {
                    latency[level].push(values[i] as f64);
                    level += 1;
                }
            }
        }
        let (requests, ok) = groups
            .iter()
            .fold((0, 0), |(r, o), g| (r + g.requests, o + g.ok));
        let (lo, hi) = percentile_bounds(&mut success)?;
        let (wl, wh) = wilson(ok, requests).unwrap_or((lo, hi));
        Some(Bootstrap {
            success: (lo.min(wl), hi.max(wh)),
            attempts_per_rpc: percentile_bounds(&mut amplification)?,
            latency: latency
                .iter_mut()
                .map(|v| percentile_bounds(v).map_or((0, 0), |(lo, hi)| (lo as u64, hi as u64)))
                .collect(),
            seeds: self.seeds(),
        })
    }

    /// Per time bucket of the series `pick` selects (attempts or goodput), the 95 % interval of
    /// its mean count per seed, from the same resamples; `None` with fewer than two groups or
    /// without series (longer than [`super::replicates::MAX_SERIES`]).
    pub fn series_band(&self, pick: fn(&Group) -> &Vec<u64>) -> Option<Vec<(f64, f64)>> {
        let groups: Vec<&Group> = self.groups().map(|(_, g)| g).collect();
        let buckets = groups.iter().map(|g| pick(g).len()).max().unwrap_or(0);
        if groups.len() < 2 || buckets == 0 {
            return None;
        }
        let mut draw = Resampler::new(groups.len());
        let mut means: Vec<Vec<f64>> = vec![Vec::with_capacity(RESAMPLES); buckets];
        let mut sums = vec![0u64; buckets];
        for _ in 0..RESAMPLES {
            let weights = draw.next();
            sums.fill(0);
            let mut seeds = 0u64;
            for (g, &w) in groups.iter().zip(weights) {
                seeds += w * g.seeds;
                for (sum, n) in sums.iter_mut().zip(pick(g)) {
                    *sum += w * n;
                }
            }
            for (m, sum) in means.iter_mut().zip(&sums) {
                m.push(ratio(*sum, seeds));
            }
        }
        means.iter_mut().map(|m| percentile_bounds(m)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiments::replicates::coarse_low;
    use crate::experiments::replicates::tests::seed_tally;

    #[test]
    fn one_seed_gives_no_interval() {
        let r = Replicates::of_seed(1, &seed_tally(100, 1_000, 3, 100));
        assert_eq!(r.bootstrap(&[0.5]), None);
    }

    #[test]
    fn identical_seeds_give_a_point_for_amplification_and_wilson_for_success() {
        let mut r = Replicates::default();
        for s in 1..=20 {
            r.merge(&Replicates::of_seed(s, &seed_tally(100, 1_000, 0, 150)));
        }
        let b = r.bootstrap(&[0.5, 0.99]).unwrap();
        assert_eq!(b.attempts_per_rpc, (1.5, 1.5));
        assert_eq!(b.success, wilson(2_000, 2_000).unwrap());
        // Every seed holds 1..100 µs: the median of any resample is the 50th value.
        assert_eq!(b.latency[0], (coarse_low(50_000), coarse_low(50_000)));
        assert_eq!(b.seeds, 20);
    }

    #[test]
    fn the_bootstrap_interval_of_a_mean_matches_its_standard_error() {
        // 40 seeds whose success rates are 0.50, 0.51, ..., 0.89 (100 requests each): the
        // pooled rate is 0.695 and its standard error over seeds is sd/√40 = 0.01826; a
        // percentile bootstrap gives about ±1.96 of those (±0.0358), here within 15 %.
        let mut r = Replicates::default();
        for s in 0..40u64 {
            r.merge(&Replicates::of_seed(
                s,
                &seed_tally(100, 1_000, 50 - s, 100),
            ));
        }
        let b = r.bootstrap(&[0.5]).unwrap();
        let sd = ((0..40)
            .map(|s| (0.5 + s as f64 / 100.0 - 0.695).powi(2))
            .sum::<f64>()
            / 39.0)
            .sqrt();
        let half = (b.success.1 - b.success.0) / 2.0;
        let expected = 1.96 * sd / 40f64.sqrt();
        assert!((half / expected - 1.0).abs() < 0.15, "{half} vs {expected}");
        assert!(b.success.0 < 0.695 && 0.695 < b.success.1);
    }

    #[test]
    fn a_series_band_holds_the_mean_per_seed_and_narrows_to_a_point_when_seeds_agree() {
        let mut same = Replicates::default();
        let mut apart = Replicates::default();
        for s in 0..20u64 {
            let mut t = seed_tally(10, 1_000, 0, 10);
            t.series.attempts = vec![4, 6];
            same.merge(&Replicates::of_seed(s, &t));
            t.series.attempts = vec![s, 6];
            apart.merge(&Replicates::of_seed(s, &t));
        }
        let band = same.series_band(|g| &g.attempts_series).unwrap();
        assert_eq!(band, [(4.0, 4.0), (6.0, 6.0)]);
        let band = apart.series_band(|g| &g.attempts_series).unwrap();
        // Seeds 0..19 send 0..19 attempts in bucket 0: mean 9.5, standard error 5.92/√20.
        let half = (band[0].1 - band[0].0) / 2.0;
        assert!(band[0].0 < 9.5 && 9.5 < band[0].1 && (half / 2.59 - 1.0).abs() < 0.2);
    }
}
