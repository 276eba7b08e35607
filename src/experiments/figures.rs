//! [`Figures`]: a variant's headline numbers with their 95 % intervals, and the warnings a
//! reader needs before trusting them. One computation feeds the table, the CSV, the JSON and
//! the plots, so they cannot disagree.
//!
//! The point values come from the pooled tally, as they always have; the intervals from the
//! seed-group bootstrap (`Replicates::bootstrap`, whose module doc argues the method). A
//! figure has no interval when the document has no replicate groups (one seed, or a document
//! written before they existed) and an open upper end when its percentile rests on fewer
//! requests than any interval needs ([`min_samples_for_upper_bound`]).

use super::bootstrap::FEW_SEEDS;
use super::interval::{min_samples_for_upper_bound, ratio};
use super::replicates::{coarse_high, coarse_low};
use super::results::{Sweep, VariantResult};
use crate::code::Code;
use crate::time::to_ms;

/// The latency percentiles reported with intervals: `(column name, JSON key, quantile)`.
pub const PERCENTILES: [(&str, &str, f64); 4] = [
    ("p50_ms", "p50_ms", 0.5),
    ("p90_ms", "p90_ms", 0.9),
    ("p99_ms", "p99_ms", 0.99),
    ("p99.9_ms", "p999_ms", 0.999),
];

/// One number and its 95 % interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// The point value.
    pub value: f64,
    /// `(low, high)`; `high` is `None` when nothing bounds the figure from above; the whole
    /// interval is `None` when there is none to give.
    pub ci95: Option<(f64, Option<f64>)>,
}

impl Figure {
    fn bare(value: f64) -> Figure {
        Figure { value, ci95: None }
    }

    fn within(value: f64, (lo, hi): (f64, f64)) -> Figure {
        Figure {
            value,
            ci95: Some((lo, Some(hi))),
        }
    }
}

/// A variant's figures with intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// Requests that ended OK, in percent.
    pub success_pct: Figure,
    /// Attempts per RPC (amplification).
    pub attempts_per_rpc: Figure,
    /// Attempts beyond one per RPC, in percent of RPCs (the same interval, shifted and scaled).
    pub extra_rpcs_pct: Figure,
    /// Request latency at each of [`PERCENTILES`], in ms.
    pub latency_ms: [Figure; 4],
}

/// A latency interval's ends in ns from the coarse buckets of the bootstrap's 2.5 % and
/// 97.5 % points: rounded outward (the lower bucket's lowest value, the upper bucket's highest),
/// except that an end in the point estimate's own bucket is the estimate (see
/// [`super::replicates`], *Resolution*).
pub fn latency_ends(point: u64, (lo_bucket, hi_bucket): (u64, u64)) -> (u64, u64) {
    let own = coarse_low(point);
    let lo = if lo_bucket == own { point } else { lo_bucket };
    let hi = if hi_bucket == own {
        point
    } else {
        coarse_high(hi_bucket)
    };
    (lo.min(point), hi.max(point))
}

/// The figures of one variant.
pub fn figures(v: &VariantResult) -> Figures {
    let t = &v.tally;
    let levels: Vec<f64> = PERCENTILES.iter().map(|p| p.2).collect();
    let boot = v.replicates.bootstrap(&levels);
    let success = 100.0 * ratio(t.status_count(Code::Ok), t.requests);
    let amp = ratio(t.attempts, t.rpcs);
    let extra = 100.0 * ratio(t.attempts.saturating_sub(t.rpcs), t.rpcs);
    let latency_ms = std::array::from_fn(|i| {
        let (_, _, q) = PERCENTILES[i];
        let point = t.latency_at(q);
        let open = t.requests < min_samples_for_upper_bound(q);
        match &boot {
            Some(b) => {
                let (lo, hi) = latency_ends(point, b.latency[i]);
                Figure {
                    value: to_ms(point),
                    ci95: Some((to_ms(lo), (!open).then(|| to_ms(hi)))),
                }
            }
            None => Figure::bare(to_ms(point)),
        }
    });
    match boot {
        Some(b) => Figures {
            success_pct: Figure::within(success, (100.0 * b.success.0, 100.0 * b.success.1)),
            attempts_per_rpc: Figure::within(amp, b.attempts_per_rpc),
            extra_rpcs_pct: Figure::within(
                extra,
                (
                    100.0 * (b.attempts_per_rpc.0 - 1.0).max(0.0),
                    100.0 * (b.attempts_per_rpc.1 - 1.0).max(0.0),
                ),
            ),
            latency_ms,
        },
        None => Figures {
            success_pct: Figure::bare(success),
            attempts_per_rpc: Figure::bare(amp),
            extra_rpcs_pct: Figure::bare(extra),
            latency_ms,
        },
    }
}

/// Lines a reader must see beside the figures: how many seeds the intervals rest on, and every
/// percentile that rests on too few requests to be bounded from above.
pub fn warnings(sweep: &Sweep) -> Vec<String> {
    let mut out = Vec::new();
    let groups = sweep
        .variants
        .first()
        .map_or(0, |v| v.replicates.groups().count());
    let seeds = sweep.variants.first().map_or(0, |v| v.replicates.seeds());
    if groups < 2 {
        out.push(
            "no 95 % intervals: they need at least two seeds (seeds are the independent \
             replicates; requests of one seed are correlated)"
                .to_string(),
        );
    } else if seeds < FEW_SEEDS {
        out.push(format!(
            "95 % intervals from only {seeds} seeds are too narrow (a bootstrap sees about \
             √((n − 1)/n) of the spread and nothing no seed produced): run at least {FEW_SEEDS}"
        ));
    }
    for (name, _, q) in PERCENTILES {
        let needed = min_samples_for_upper_bound(q);
        let short: Vec<String> = sweep
            .variants
            .iter()
            .filter(|v| v.tally.requests < needed)
            .map(|v| format!("{} ({} requests)", v.label, v.tally.requests))
            .collect();
        if !short.is_empty() {
            out.push(format!(
                "{name} rests on too few requests to be bounded from above (fewer than {needed}: \
                 the estimate is at or near the slowest request; interval open above) in: {}",
                short.join("; ")
            ));
        }
    }
    out
}
