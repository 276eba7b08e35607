//! [`Replicates`]: what a sweep keeps of its seeds so that each variant's 95 % confidence
//! intervals come out of the *merged* document exactly as out of one machine's run, and the
//! cluster bootstrap that reads them ([`Replicates::bootstrap`]).
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
//! **Why groups, and why exact.** Seed `s` belongs to group `s % 100`, and a group keeps sums
//! (requests, OK requests, RPCs, attempts) and a latency histogram of its seeds. Up to 100
//! consecutive seeds, each group is one seed; beyond, a group is a union of independent seeds,
//! still an independent replicate, and memory stays bounded by 100 groups per variant whatever
//! the number of seeds. Group membership depends only on the seed, and a group's contents are
//! integer sums, so shards merge group by group exactly; the bootstrap draws from a ChaCha
//! stream with a fixed seed over the groups in id order, so the merged document and one
//! machine's run print the same intervals bit for bit.
//!
//! **Resolution.** The groups' histograms are coarser than the tally's (buckets under 0.8 % of
//! their value instead of 0.1 %; exact below 256 ns), which keeps the document small (a
//! metastable seed has ~80,000 requests but a few hundred coarse buckets). Interval ends are
//! rounded outward to their bucket — the lower end down, the upper end up — except in the
//! point estimate's own bucket, where the bootstrap cannot tell a resample from the estimate
//! and the end is the estimate ([`super::figures::latency_ends`]): a percentile every seed
//! puts at exactly the 1 s timeout has the interval [1000, 1000] ms, not ± half a bucket.
//!
//! **Limits.** A percentile bootstrap over few replicates is too narrow (with n seeds, the
//! spread it sees is about √((n − 1)/n) of the true one, and it cannot see values no seed
//! produced): reports warn below [`FEW_SEEDS`] seeds and give no interval from one seed. It is
//! also blind above the largest observed value, which is why a percentile with too few
//! requests behind it gets an open upper end instead of a bootstrap one.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::interval::{percentile_bounds, wilson};
use crate::code::Code;
use crate::json::{object, Value};
use crate::sim::load::tally::Tally;
use crate::trace::stats::MalformedField;

/// Seed `s` belongs to group `s % GROUPS`.
pub const GROUPS: u64 = 100;

/// Bootstrap resamples per interval.
pub const RESAMPLES: usize = 1_000;

/// The bootstrap's own seed: fixed, so an interval is a function of the data alone.
pub const BOOTSTRAP_SEED: u64 = 0x5eed_0095;

/// Below this many seeds, reports warn that the intervals are too narrow.
pub const FEW_SEEDS: u64 = 10;

/// The lowest value of the coarse bucket holding `ns`: exact below 256 ns, then 128 buckets
/// per power of two (width 2^(⌊log₂ ns⌋ − 7), under 0.8 % of the value).
pub fn coarse_low(ns: u64) -> u64 {
    if ns < 256 {
        return ns;
    }
    let shift = 63 - ns.leading_zeros() - 7;
    ns >> shift << shift
}

/// The highest value of the coarse bucket whose lowest value is `low` ([`coarse_low`]).
pub fn coarse_high(low: u64) -> u64 {
    if low < 256 {
        return low;
    }
    let shift = 63 - low.leading_zeros() - 7;
    low + ((1u64 << shift) - 1)
}

/// One replicate group: sums over its seeds and their coarse latency histogram.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Seeds folded in.
    pub seeds: u64,
    /// User requests finished.
    pub requests: u64,
    /// Requests that ended OK.
    pub ok: u64,
    /// RPCs finished.
    pub rpcs: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// `(coarse bucket's lowest value in ns, requests)`, sorted by value, no zero counts.
    pub latency: Vec<(u64, u64)>,
}

impl Group {
    /// One seed's group contents, from its tally.
    pub fn of(t: &Tally) -> Group {
        let mut latency: Vec<(u64, u64)> = Vec::new();
        for (ns, n) in t.latency_buckets() {
            let low = coarse_low(ns);
            match latency.last_mut() {
                Some((v, c)) if *v == low => *c += n,
                _ => latency.push((low, n)),
            }
        }
        Group {
            seeds: t.runs,
            requests: t.requests,
            ok: t.status_count(Code::Ok),
            rpcs: t.rpcs,
            attempts: t.attempts,
            latency,
        }
    }

    /// Folds `other` in (exact; order does not matter).
    pub fn add(&mut self, other: &Group) {
        self.seeds += other.seeds;
        self.requests += other.requests;
        self.ok += other.ok;
        self.rpcs += other.rpcs;
        self.attempts += other.attempts;
        let (a, b) = (std::mem::take(&mut self.latency), &other.latency);
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let next = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    (i, j) = (i + 1, j + 1);
                    (x.0, x.1 + y.1)
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    i += 1;
                    *x
                }
                (Some(x), None) => {
                    i += 1;
                    *x
                }
                (_, Some(y)) => {
                    j += 1;
                    *y
                }
                (None, None) => break,
            };
            self.latency.push(next);
        }
    }
}

/// Per-seed-group summaries of one variant, keyed by group id (`seed % GROUPS`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replicates {
    groups: BTreeMap<u64, Group>,
}

/// A variant's 95 % intervals from [`Replicates::bootstrap`].
#[derive(Clone, Debug, PartialEq)]
pub struct Bootstrap {
    /// Success rate (fraction of requests that ended OK), widened to cover Wilson's interval.
    pub success: (f64, f64),
    /// Attempts per RPC.
    pub attempts_per_rpc: (f64, f64),
    /// Per requested quantile level: the coarse buckets (their lowest values, [`coarse_low`])
    /// holding the 2.5 % and the 97.5 % points of the resampled percentile.
    pub latency: Vec<(u64, u64)>,
    /// Seeds behind the intervals.
    pub seeds: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Replicates {
    /// One seed's summary.
    pub fn of_seed(seed: u64, t: &Tally) -> Replicates {
        Replicates {
            groups: BTreeMap::from([(seed % GROUPS, Group::of(t))]),
        }
    }

    /// Folds `other` in, group by group (exact; order does not matter).
    pub fn merge(&mut self, other: &Replicates) {
        for (id, g) in &other.groups {
            self.groups.entry(*id).or_default().add(g);
        }
    }

    /// The groups, by id.
    pub fn groups(&self) -> impl Iterator<Item = (u64, &Group)> {
        self.groups.iter().map(|(id, g)| (*id, g))
    }

    /// Seeds folded in, over all groups.
    pub fn seeds(&self) -> u64 {
        self.groups.values().map(|g| g.seeds).sum()
    }

    /// The JSON form: `{"group_of_seed": "seed % 100", "groups": [{"group", "seeds",
    /// "requests", "ok", "rpcs", "attempts", "latency_ns": [[low, count], ...]}, ...]}`.
    pub fn to_json(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|(id, g)| {
                let latency: Vec<Value> = g
                    .latency
                    .iter()
                    .map(|(v, c)| Value::from(vec![*v, *c]))
                    .collect();
                object! {"group": *id, "seeds": g.seeds, "requests": g.requests, "ok": g.ok,
                "rpcs": g.rpcs, "attempts": g.attempts, "latency_ns": latency}
            })
            .collect();
        object! {"group_of_seed": format!("seed % {GROUPS}"), "groups": groups}
    }

    /// Reads [`Replicates::to_json`] back; `Err` names the field (under `replicates.`).
    pub fn from_json(v: &Value) -> Result<Replicates, MalformedField> {
        let bad = |field: String, problem: &str| MalformedField::new(field, problem);
        if v.get("group_of_seed").and_then(Value::as_str) != Some(&format!("seed % {GROUPS}")) {
            return Err(bad(
                "replicates.group_of_seed".into(),
                &format!("expected \"seed % {GROUPS}\""),
            ));
        }
        let list = v
            .get("groups")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("replicates.groups".into(), "expected an array"))?;
        let mut groups = BTreeMap::new();
        for (i, g) in list.iter().enumerate() {
            let at = |k: &str| format!("replicates.groups[{i}].{k}");
            let num = |k: &str| {
                g.get(k)
                    .and_then(Value::as_u64)
                    .ok_or_else(|| bad(at(k), "expected a non-negative integer"))
            };
            let pairs = g
                .get("latency_ns")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(at("latency_ns"), "expected an array of [value, count]"))?;
            let mut latency = Vec::with_capacity(pairs.len());
            for (j, p) in pairs.iter().enumerate() {
                let pair = p.as_array().filter(|p| p.len() == 2);
                match (
                    pair.and_then(|p| p[0].as_u64()),
                    pair.and_then(|p| p[1].as_u64()),
                ) {
                    (Some(v), Some(c)) if latency.last().is_none_or(|l: &(u64, u64)| l.0 < v) => {
                        latency.push((v, c))
                    }
                    _ => {
                        return Err(bad(
                            format!("replicates.groups[{i}].latency_ns[{j}]"),
                            "expected [value, count], values increasing",
                        ))
                    }
                }
            }
            let group = Group {
                seeds: num("seeds")?,
                requests: num("requests")?,
                ok: num("ok")?,
                rpcs: num("rpcs")?,
                attempts: num("attempts")?,
                latency,
            };
            if groups.insert(num("group")?, group).is_some() {
                return Err(bad(at("group"), "repeated"));
            }
        }
        Ok(Replicates { groups })
    }

    /// 95 % intervals for the success rate, attempts per RPC and the latency quantiles at
    /// `levels` (each in (0, 1), ascending), from [`RESAMPLES`] resamples of the groups; `None`
    /// with fewer than two groups (one seed shows no spread between seeds).
    pub fn bootstrap(&self, levels: &[f64]) -> Option<Bootstrap> {
        let groups: Vec<&Group> = self.groups.values().collect();
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
        let mut rng = ChaCha8Rng::seed_from_u64(BOOTSTRAP_SEED);
        let mut weights = vec![0u64; k];
        let mut counts = vec![0u64; values.len()];
        let mut success = Vec::with_capacity(RESAMPLES);
        let mut amplification = Vec::with_capacity(RESAMPLES);
        let mut latency: Vec<Vec<f64>> = vec![Vec::with_capacity(RESAMPLES); levels.len()];
        for _ in 0..RESAMPLES {
            weights.fill(0);
            for _ in 0..k {
                weights[rng.random_range(0..k as u64) as usize] += 1;
            }
            counts.fill(0);
            let (mut requests, mut ok, mut rpcs, mut attempts) = (0u64, 0u64, 0u64, 0u64);
            for ((g, pairs), &w) in groups.iter().zip(&indexed).zip(&weights) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seed's tally: `n` requests with latencies `base, 2·base, ...` ns, `fail` of them failed.
    fn seed_tally(n: u64, base: u64, fail: u64, attempts: u64) -> Tally {
        let mut t = Tally::new(1_000_000_000);
        t.runs = 1;
        t.rpcs = n;
        t.attempts = attempts;
        for i in 1..=n {
            let status = if i <= fail {
                Code::Unavailable
            } else {
                Code::Ok
            };
            t.request(i * base, i * base, status);
        }
        t
    }

    #[test]
    fn coarse_buckets_are_exact_below_256_ns_and_narrower_than_0_8_percent_above() {
        assert_eq!((coarse_low(255), coarse_high(255)), (255, 255));
        assert_eq!((coarse_low(257), coarse_high(256)), (256, 257));
        for ns in [300u64, 1_000_000, 987_654_321, 3_600_000_000_000] {
            let (lo, hi) = (coarse_low(ns), coarse_high(coarse_low(ns)));
            assert!(lo <= ns && ns <= hi, "{ns}: [{lo}, {hi}]");
            assert!(((hi - lo) as f64) < 0.008 * ns as f64, "{ns}: [{lo}, {hi}]");
            assert_eq!(coarse_low(hi), lo, "{ns}: one bucket");
            assert_eq!(
                coarse_low(hi + 1),
                hi + 1,
                "{ns}: the next bucket starts there"
            );
        }
    }

    #[test]
    fn groups_merge_exactly_in_any_order_and_survive_json() {
        let parts: Vec<Replicates> = (1..=7)
            .map(|s| Replicates::of_seed(s * 37, &seed_tally(50 + s, 1_000 * s, s, 60 + s)))
            .collect();
        let mut forward = Replicates::default();
        parts.iter().for_each(|p| forward.merge(p));
        let mut backward = Replicates::default();
        parts.iter().rev().for_each(|p| backward.merge(p));
        assert_eq!(forward, backward);
        assert_eq!(Replicates::from_json(&forward.to_json()).unwrap(), forward);
        assert_eq!(forward.seeds(), 7); // seeds 37, 74, ..., 259: seven distinct groups
        assert_eq!(forward.groups().count(), 7);
        let mut same_group = Replicates::of_seed(5, &seed_tally(10, 10, 1, 10));
        same_group.merge(&Replicates::of_seed(105, &seed_tally(10, 20, 2, 12)));
        let (id, g) = same_group.groups().next().unwrap();
        assert_eq!(
            (id, g.seeds, g.requests, g.ok, g.attempts),
            (5, 2, 20, 17, 22)
        );
        assert_eq!(g.latency.iter().map(|p| p.1).sum::<u64>(), 20);
    }

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
    fn a_repeated_group_or_unsorted_histogram_is_refused() {
        let mut r = Replicates::of_seed(1, &seed_tally(5, 1_000, 0, 5));
        r.merge(&Replicates::of_seed(2, &seed_tally(5, 1_000, 0, 5)));
        let mut v = r.to_json();
        v["groups"][1]["group"] = Value::from(1u64);
        assert_eq!(
            Replicates::from_json(&v).unwrap_err().field,
            "replicates.groups[1].group"
        );
        let mut v = r.to_json();
        v["groups"][0]["latency_ns"][1][0] = Value::from(1u64);
        assert_eq!(
            Replicates::from_json(&v).unwrap_err().field,
            "replicates.groups[0].latency_ns[1]"
        );
    }
}
