//! [`LatencyStats`]: status counts and a latency histogram, the statistics every summary keeps.
//!
//! One type for the `--summary` recorder (per call), the load tally (per user request) and the
//! reports built on them, so the histogram bounds, the percentile rule and the JSON shapes are
//! written once. Everything is an integer count or an integer maximum and the histogram has
//! fixed bounds (1 ns .. 1 h at 3 significant digits, ~256 KiB whatever the number of calls),
//! so merging is exact, commutative and associative.

use crate::json::{object, Map, Value};
use hdrhistogram::Histogram;

use crate::code::Code;
use crate::time::{to_ms, Nanos};

const HOUR: u64 = 3_600_000_000_000;

/// Status counts, the exact maximum and an HDR histogram of latencies.
#[derive(Clone, Debug)]
pub struct LatencyStats {
    statuses: [u64; 17],
    max: Nanos,
    histogram: Histogram<u64>,
}

impl Default for LatencyStats {
    fn default() -> Self {
        Self::new()
    }
}

fn histogram() -> Histogram<u64> {
    // Bounds are constants, so construction cannot fail; fall back to auto-resize regardless.
    Histogram::new_with_bounds(1, HOUR, 3).unwrap_or_else(|_| {
        let mut h = Histogram::new(3).unwrap_or_else(|_| unreachable!("3 sigfig is valid"));
        h.auto(true);
        h
    })
}

impl LatencyStats {
    /// Nothing recorded yet.
    pub fn new() -> Self {
        LatencyStats {
            statuses: [0; 17],
            max: 0,
            histogram: histogram(),
        }
    }

    /// One call (or request) that took `took` and ended with `status`.
    pub fn record(&mut self, took: Nanos, status: Code) {
        self.statuses[status as usize] += 1;
        self.max = self.max.max(took);
        // The histogram starts at 1 ns; the exact maximum keeps a zero latency as zero.
        self.histogram.saturating_record(took.max(1));
    }

    /// Folds `other` in (exact; order does not matter).
    pub fn merge(&mut self, other: &LatencyStats) {
        for (a, b) in self.statuses.iter_mut().zip(other.statuses) {
            *a += b;
        }
        self.max = self.max.max(other.max);
        // Same fixed bounds on both sides: `add` cannot fail; saturate instead of panicking.
        let _ = self.histogram.add(&other.histogram);
    }

    /// How many were recorded.
    pub fn count(&self) -> u64 {
        self.statuses.iter().sum()
    }

    /// How many ended with `code`.
    pub fn status_count(&self, code: Code) -> u64 {
        self.statuses[code as usize]
    }

    /// The slowest, exactly.
    pub fn max(&self) -> Nanos {
        self.max
    }

    /// Latency at quantile `q` (0..=1): the bucket's highest equivalent value, at most
    /// [`LatencyStats::max`]; `max` itself at 1.
    pub fn latency_at(&self, q: f64) -> Nanos {
        if q >= 1.0 {
            return self.max;
        }
        if self.histogram.is_empty() {
            return 0;
        }
        // A bucket's highest equivalent value may lie above the exact maximum; never report
        // a percentile above the slowest.
        self.histogram.value_at_quantile(q).min(self.max)
    }

    /// `(latency, fraction at or below it)` for each non-empty bucket: the CDF.
    pub fn cdf(&self) -> Vec<(Nanos, f64)> {
        let total = self.histogram.len().max(1) as f64;
        let mut seen = 0u64;
        self.histogram
            .iter_recorded()
            .map(|v| {
                seen += v.count_at_value();
                (v.value_iterated_to(), seen as f64 / total)
            })
            .collect()
    }

    /// `{"p50", "p90", "p99", "p999", "max"}` in milliseconds: the `latency_ms` of summaries.
    pub fn percentiles_json(&self) -> Value {
        let ms = |q: f64| to_ms(self.latency_at(q));
        object! {"p50": ms(0.5), "p90": ms(0.9), "p99": ms(0.99), "p999": ms(0.999),
        "max": ms(1.0)}
    }

    /// `{"OK": n, "UNAVAILABLE": m, ...}` for the codes that occurred, in numeric order.
    pub fn statuses_json(&self) -> Map {
        Code::ALL
            .into_iter()
            .filter(|code| self.statuses[*code as usize] > 0)
            .map(|code| (code.name(), self.statuses[code as usize]))
            .collect()
    }

    /// The histogram, losslessly: `[value, count]` pairs, one per non-empty bucket. `value`
    /// is the bucket's highest equivalent value: recording it again lands in the same bucket,
    /// so a round trip through JSON changes nothing.
    pub fn histogram_json(&self) -> Value {
        let buckets: Vec<Value> = self
            .buckets()
            .map(|(value, count)| Value::from(vec![value, count]))
            .collect();
        Value::Array(buckets)
    }

    /// `(value, count)` per non-empty bucket, ascending; `value` is the bucket's highest
    /// equivalent value (as in [`LatencyStats::histogram_json`]).
    pub fn buckets(&self) -> impl Iterator<Item = (Nanos, u64)> + '_ {
        self.histogram
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
    }

    /// Reads the lossless form back from an object's `statuses` ([`LatencyStats::statuses_json`])
    /// and `latency_ns` ([`LatencyStats::histogram_json`]), with the exact maximum `max`; `Err`
    /// names the field that is missing or malformed.
    pub fn from_json(v: &Value, max: Nanos) -> Result<LatencyStats, MalformedField> {
        let mut s = LatencyStats::new();
        s.max = max;
        let statuses = v
            .get("statuses")
            .and_then(Value::as_object)
            .ok_or_else(|| MalformedField::new("statuses", "expected an object"))?;
        for (name, n) in statuses {
            let code = Code::from_name(name)
                .ok_or_else(|| MalformedField::new(format!("statuses.{name}"), "unknown"))?;
            s.statuses[code as usize] = n.as_u64().ok_or_else(|| {
                MalformedField::new(format!("statuses.{name}"), "expected an integer")
            })?;
        }
        let buckets = v
            .get("latency_ns")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                MalformedField::new("latency_ns", "expected an array of [value, count]")
            })?;
        for (i, b) in buckets.iter().enumerate() {
            let pair = b.as_array().filter(|p| p.len() == 2);
            let (Some(value), Some(count)) = (
                pair.and_then(|p| p[0].as_u64()),
                pair.and_then(|p| p[1].as_u64()),
            ) else {
                return Err(MalformedField::new(
                    format!("latency_ns[{i}]"),
                    "expected [value, count]",
                ));
            };
            s.histogram
                .record_n(value, count)
                .map_err(|e| MalformedField::new(format!("latency_ns[{i}]"), e.to_string()))?;
        }
        Ok(s)
    }
}

/// A statistics document (the JSON form of a tally or its latency statistics) with a field
/// missing or malformed: `field` is its path in the document, `problem` what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
#[non_exhaustive]
pub struct MalformedField {
    /// Where, e.g. `series.goodput` or `latency_ns[0]`.
    pub field: String,
    /// What was expected there, e.g. `expected an array`.
    pub problem: String,
}

impl MalformedField {
    /// The field `field` is wrong: `problem`.
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        MalformedField {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_never_exceed_the_exact_maximum() {
        let mut s = LatencyStats::new();
        for i in 0..100u64 {
            s.record(5_000_000 + i, Code::Ok);
        }
        assert_eq!((s.count(), s.max()), (100, 5_000_099));
        for q in [0.5, 0.9, 0.99, 0.999] {
            assert!((4_995_000..=5_000_099).contains(&s.latency_at(q)));
        }
        assert_eq!(LatencyStats::new().latency_at(0.5), 0);
    }

    #[test]
    fn json_round_trip_and_merge_are_exact() {
        let mut a = LatencyStats::new();
        let mut b = LatencyStats::new();
        for i in 0..300u64 {
            a.record(i * 7919 % 1_000_003, Code::Ok);
            b.record(i * 104_729 % 999_983, Code::Unavailable);
        }
        let json = |s: &LatencyStats| object! {"statuses": s.statuses_json(), "latency_ns": s.histogram_json()};
        let back = LatencyStats::from_json(&json(&a), a.max()).unwrap();
        assert_eq!(json(&back), json(&a));
        assert_eq!(back.latency_at(0.99), a.latency_at(0.99));
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(&b);
        ba.merge(&a);
        assert_eq!(ab.cdf(), ba.cdf());
        assert_eq!(ab.statuses_json(), ba.statuses_json());
        assert_eq!(ab.count(), 600);
    }
}
