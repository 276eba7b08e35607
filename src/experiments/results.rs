//! A sweep's results ([`Sweep`]): the document `--format json` and `--shard` write, reading it
//! back, and merging shards into the report one machine would print.
//!
//! Why a merge is exact: every [`Tally`] is integer counts and fixed-bound histograms, and the
//! [`Replicates`] the intervals are computed from are such tallies per group of seeds (a
//! seed's group depends on the seed alone), so adding shards in any order gives the bits one
//! run over every seed gives — intervals included. A merge refuses what would
//! break that: another scenario, other variants, overlapping seeds, other time buckets.

use crate::json::{object, Map, Value};

use super::error::{MergeError, SweepDocError};
use super::replicates::Replicates;
use super::sweep::Variant;
use crate::sim::load::tally::Tally;

/// One variant's results.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantResult {
    /// Label, as in [`super::sweep::Variant::label`].
    pub label: String,
    /// `(path, value)` per `--vary`.
    pub settings: Vec<(String, String)>,
    /// Totals over the seeds.
    pub tally: Tally,
    /// Per-seed-group summaries, what the 95 % intervals are computed from (empty in a
    /// document written before they existed: no intervals then).
    pub replicates: Replicates,
}

/// A sweep's results: what `--format json` and `--shard` write and `hedgehog merge` reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// Scenario name.
    pub scenario: String,
    /// Seeds run, as inclusive ranges.
    pub seeds: Vec<(u64, u64)>,
    /// `(k, n)` when this is one shard.
    pub shard: Option<(usize, usize)>,
    /// Per variant: label, settings, totals.
    pub variants: Vec<VariantResult>,
}

impl Sweep {
    /// The results of running `variants` over `seeds` (inclusive ranges): per variant, its
    /// totals and replicate groups from [`super::sweep::run_replicated`], in the same order.
    pub fn of_variants(
        variants: &[Variant],
        seeds: Vec<(u64, u64)>,
        shard: Option<(usize, usize)>,
        totals: Vec<(Tally, Replicates)>,
    ) -> Sweep {
        Sweep {
            scenario: variants
                .first()
                .map(|v| v.scenario.name.clone())
                .unwrap_or_default(),
            seeds,
            shard,
            variants: variants
                .iter()
                .zip(totals)
                .map(|(v, (tally, replicates))| VariantResult {
                    label: v.label.clone(),
                    settings: v.settings.clone(),
                    tally,
                    replicates,
                })
                .collect(),
        }
    }

    /// Number of seeds.
    pub fn seed_count(&self) -> u64 {
        self.seeds.iter().map(|(a, b)| b - a + 1).sum()
    }

    /// The mergeable JSON document.
    pub fn to_json(&self) -> Value {
        let variants: Vec<Value> = self
            .variants
            .iter()
            .map(|r| {
                let (label, settings, t) = (&r.label, &r.settings, &r.tally);
                let set: Map = settings
                    .iter()
                    .map(|(p, v)| (p.clone(), Value::String(v.clone())))
                    .collect();
                object! {"label": label, "vary": set, "tally": t.to_json(),
                "replicates": r.replicates.to_json()}
            })
            .collect();
        let mut v = object! {"hedgehog_sweep": 1, "scenario": &self.scenario,
        "seeds": self.seeds.iter().map(|(a, b)| Value::from(vec![*a, *b])).collect::<Vec<_>>(),
        "variants": variants};
        if let Some((k, n)) = self.shard {
            v["shard"] = Value::from(format!("{k}/{n}"));
        }
        v
    }

    /// Reads a document written by [`Sweep::to_json`].
    pub fn from_json(v: &Value) -> Result<Sweep, SweepDocError> {
        if v.get("hedgehog_sweep").and_then(Value::as_u64) != Some(1) {
            return Err(SweepDocError::NotASweep);
        }
        let field = |path: String, expected| SweepDocError::Field { path, expected };
        let scenario = v
            .get("scenario")
            .and_then(Value::as_str)
            .ok_or_else(|| field("scenario".into(), "a string"))?;
        let seeds = v
            .get("seeds")
            .and_then(Value::as_array)
            .ok_or_else(|| field("seeds".into(), "an array of [first, last]"))?
            .iter()
            .enumerate()
            .map(|(i, r)| {
                match (
                    r.get(0).and_then(Value::as_u64),
                    r.get(1).and_then(Value::as_u64),
                ) {
                    (Some(a), Some(b)) if a <= b => Ok((a, b)),
                    _ => Err(field(format!("seeds[{i}]"), "[first, last]")),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let variants = v
            .get("variants")
            .and_then(Value::as_array)
            .ok_or_else(|| field("variants".into(), "an array"))?
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let label = x
                    .get("label")
                    .and_then(Value::as_str)
                    .ok_or_else(|| field(format!("variants[{i}].label"), "a string"))?;
                let settings = x
                    .get("vary")
                    .and_then(Value::as_object)
                    .ok_or_else(|| field(format!("variants[{i}].vary"), "an object"))?
                    .iter()
                    .map(|(p, v)| (p.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect();
                let tally = Tally::from_json(x.get("tally").unwrap_or(&Value::Null))
                    .map_err(|problem| SweepDocError::Tally { index: i, problem })?;
                // Optional: documents written before the intervals have no replicate groups.
                let replicates = match x.get("replicates") {
                    None => Replicates::default(),
                    Some(r) => Replicates::from_json(r)
                        .map_err(|problem| SweepDocError::Replicates { index: i, problem })?,
                };
                Ok(VariantResult {
                    label: label.to_string(),
                    settings,
                    tally,
                    replicates,
                })
            })
            .collect::<Result<Vec<_>, SweepDocError>>()?;
        Ok(Sweep {
            scenario: scenario.to_string(),
            seeds,
            shard: None,
            variants,
        })
    }

    /// Combines shards of one sweep: same scenario and variants, disjoint seeds.
    pub fn merge(parts: Vec<Sweep>) -> Result<Sweep, MergeError> {
        let mut parts = parts.into_iter();
        let mut out = parts.next().ok_or(MergeError::Nothing)?;
        out.shard = None;
        for (i, p) in parts.enumerate() {
            let n = i + 2;
            if p.scenario != out.scenario {
                return Err(MergeError::OtherScenario {
                    file: n,
                    found: p.scenario,
                    expected: out.scenario,
                });
            }
            let labels = |s: &Sweep| {
                s.variants
                    .iter()
                    .map(|v| v.label.clone())
                    .collect::<Vec<_>>()
            };
            if labels(&p) != labels(&out) {
                return Err(MergeError::OtherVariants { file: n });
            }
            for &(a, b) in &p.seeds {
                if out.seeds.iter().any(|&(c, d)| a <= d && c <= b) {
                    return Err(MergeError::Overlap {
                        file: n,
                        first: a,
                        last: b,
                    });
                }
            }
            let mut seeds = out.seeds.clone();
            seeds.extend(p.seeds.iter().copied());
            seeds.sort_unstable();
            let mut joined: Vec<(u64, u64)> = Vec::new();
            for (a, b) in seeds {
                match joined.last_mut() {
                    Some((_, e)) if *e + 1 == a => *e = b,
                    _ => joined.push((a, b)),
                }
            }
            out.seeds = joined;
            for (mine, theirs) in out.variants.iter().zip(&p.variants) {
                let (a, b) = (mine.tally.series.bucket, theirs.tally.series.bucket);
                if a != b {
                    return Err(MergeError::OtherBuckets {
                        file: n,
                        label: mine.label.clone(),
                        found: b,
                        expected: a,
                    });
                }
            }
            for (mine, theirs) in out.variants.iter_mut().zip(&p.variants) {
                mine.tally.merge(&theirs.tally);
                mine.replicates.merge(&theirs.replicates);
            }
        }
        Ok(out)
    }
}
