//! [`Replicates`]: what a sweep keeps of its seeds so that each variant's 95 % confidence
//! intervals come out of the *merged* document exactly as out of one machine's run. The
//! intervals themselves are computed in [`super::bootstrap`].
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

use std::collections::BTreeMap;

use crate::code::Code;
use crate::json::{object, Value};
use crate::sim::load::tally::{Series, Tally};
use crate::trace::stats::MalformedField;

/// Seed `s` belongs to group `s % GROUPS`.
pub const GROUPS: u64 = 100;

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
    /// Attempts sent per time bucket (the tally's series); empty when the series is longer
    /// than [`MAX_SERIES`].
    pub attempts_series: Vec<u64>,
    /// Goodput per time bucket (the tally's series); empty like `attempts_series`.
    pub goodput_series: Vec<u64>,
}

/// Time buckets kept per group for the bands of `timeseries.svg`; a longer series (more points
/// than a plot has pixels) is not kept, and its plot has no band.
pub const MAX_SERIES: usize = 2_000;

impl Group {
    /// One seed's group contents, from its tally.
    pub fn of(t: &Tally) -> Group {
        let keep = |v: &Vec<u64>| {
            if t.series.len() <= MAX_SERIES {
                v.clone()
            } else {
                Vec::new()
            }
        };
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
            attempts_series: keep(&t.series.attempts),
            goodput_series: keep(&t.series.goodput),
        }
    }

    /// Folds `other` in (exact; order does not matter).
    pub fn add(&mut self, other: &Group) {
        self.seeds += other.seeds;
        self.requests += other.requests;
        self.ok += other.ok;
        self.rpcs += other.rpcs;
        self.attempts += other.attempts;
        Series::add_all(&mut self.attempts_series, &other.attempts_series);
        Series::add_all(&mut self.goodput_series, &other.goodput_series);
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
    /// "requests", "ok", "rpcs", "attempts", "latency_ns": [[low, count], ...],
    /// "series_attempts": [...], "series_goodput": [...]}, ...]}`.
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
                "rpcs": g.rpcs, "attempts": g.attempts, "latency_ns": latency,
                "series_attempts": &g.attempts_series, "series_goodput": &g.goodput_series}
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
            let series = |k: &str| -> Result<Vec<u64>, MalformedField> {
                g.get(k)
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
                    .ok_or_else(|| bad(at(k), "expected an array of non-negative integers"))
            };
            let group = Group {
                seeds: num("seeds")?,
                requests: num("requests")?,
                ok: num("ok")?,
                rpcs: num("rpcs")?,
                attempts: num("attempts")?,
                latency,
                attempts_series: series("series_attempts")?,
                goodput_series: series("series_goodput")?,
            };
            if groups.insert(num("group")?, group).is_some() {
                return Err(bad(at("group"), "repeated"));
            }
        }
        Ok(Replicates { groups })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A seed's tally: `n` requests with latencies `base, 2·base, ...` ns, `fail` of them failed.
    pub(crate) fn seed_tally(n: u64, base: u64, fail: u64, attempts: u64) -> Tally {
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
