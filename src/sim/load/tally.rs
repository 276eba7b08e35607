//! [`Tally`]: the mergeable totals of one or many runs.
//!
//! Everything in a tally is an integer count or an integer maximum, and requests' latencies and
//! final statuses live in a [`LatencyStats`] (an HDR histogram with fixed bounds). Merging is
//! therefore exact, commutative and associative: merging per-seed tallies in any order, on any
//! number of threads or machines, gives the same bits. That is the whole argument for `--jobs`
//! independence and for `hedgehog merge` printing exactly what one machine prints; no float is
//! summed until the report is rendered.
//!
//! The JSON form keeps the histogram losslessly ([`LatencyStats::histogram_json`]), so a round
//! trip through JSON changes nothing.
//!
//! Memory is flat in the number of calls: a histogram of fixed size (~256 KiB: 1 ns .. 1 h at 3
//! significant digits) and a time series whose length is the run's duration over the bucket
//! width, capped at [`MAX_BUCKETS`].

use crate::json::{object, Value};

use crate::code::Code;
use crate::time::Nanos;
use crate::trace::stats::MalformedField;
use crate::trace::LatencyStats;

/// Time-series buckets kept at most; later instants are not counted in the series.
pub const MAX_BUCKETS: usize = 100_000;

/// Counts per time bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Series {
    /// Bucket width.
    pub bucket: Nanos,
    /// User requests started.
    pub offered: Vec<u64>,
    /// Attempts sent.
    pub attempts: Vec<u64>,
    /// User requests that ended OK, counted in the bucket where they *started* — the clock of
    /// `offered`, so bucket i's goodput is the part of bucket i's offered load that succeeded.
    pub goodput: Vec<u64>,
    /// Requests the server finished working on.
    pub served: Vec<u64>,
}

impl Series {
    fn bump(v: &mut Vec<u64>, bucket: Nanos, at: Nanos, n: u64) {
        let i = usize::try_from(at / bucket.max(1)).unwrap_or(usize::MAX);
        if i >= MAX_BUCKETS {
            return;
        }
        if v.len() <= i {
            v.resize(i + 1, 0);
        }
        v[i] += n;
    }

    /// Adds `from` into `into` bucket by bucket, growing `into` as needed.
    pub(crate) fn add_all(into: &mut Vec<u64>, from: &[u64]) {
        if into.len() < from.len() {
            into.resize(from.len(), 0);
        }
        for (a, b) in into.iter_mut().zip(from) {
            *a += b;
        }
    }

    /// Number of buckets (the longest of the four series).
    pub fn len(&self) -> usize {
        [&self.offered, &self.attempts, &self.goodput, &self.served]
            .iter()
            .map(|v| v.len())
            .max()
            .unwrap_or(0)
    }

    /// Whether no bucket was touched.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Totals of runs: counters, a latency histogram of user requests, a time series.
#[derive(Clone, Debug)]
pub struct Tally {
    /// Runs (seeds) folded in.
    pub runs: u64,
    /// User requests finished.
    pub requests: u64,
    /// RPCs finished (requests × fan-out).
    pub rpcs: u64,
    /// Attempts sent.
    pub attempts: u64,
    /// RPCs that ended because the retry throttle refused a retry (R43).
    pub throttled: u64,
    /// Attempts the server answered.
    pub served: u64,
    /// Service time spent by a finite-capacity server.
    pub busy: Nanos,
    /// Sum of the runs' virtual durations (until the last call ended or the server finished
    /// its backlog, whichever is later).
    pub duration: Nanos,
    /// Requests that never finished (a broken run).
    pub unfinished: u64,
    /// The in-flight bound, when a run met it (`crate::sim::in_flight`): its results are not
    /// the scenario's, and the CLI exits 2.
    pub in_flight_exceeded: Option<u64>,
    /// Final status and latency of each request.
    latency: LatencyStats,
    /// The time series.
    pub series: Series,
}

impl PartialEq for Tally {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

impl Tally {
    /// An empty tally with time buckets of width `bucket`.
    pub fn new(bucket: Nanos) -> Self {
        Tally {
            runs: 0,
            requests: 0,
            rpcs: 0,
            attempts: 0,
            throttled: 0,
            served: 0,
            busy: 0,
            duration: 0,
            unfinished: 0,
            in_flight_exceeded: None,
            latency: LatencyStats::new(),
            series: Series {
                bucket,
                ..Series::default()
            },
        }
    }

    /// A user request started at `at`.
    pub fn offered(&mut self, at: Nanos) {
        Series::bump(&mut self.series.offered, self.series.bucket, at, 1);
    }

    /// An attempt was sent at `at`.
    pub fn attempt(&mut self, at: Nanos) {
        self.attempts += 1;
        Series::bump(&mut self.series.attempts, self.series.bucket, at, 1);
    }

    /// The server finished a request at `at`.
    pub fn served_at(&mut self, at: Nanos) {
        Series::bump(&mut self.series.served, self.series.bucket, at, 1);
    }

    /// A user request ended at `ended` with `status` after `took`; goodput counts it at its
    /// start, `ended − took` (see [`Series::goodput`]).
    pub fn request(&mut self, ended: Nanos, took: Nanos, status: Code) {
        self.requests += 1;
        self.latency.record(took, status);
        if status == Code::Ok {
            let started = ended.saturating_sub(took);
            Series::bump(&mut self.series.goodput, self.series.bucket, started, 1);
        }
    }

    /// Folds `other` in (exact; order does not matter).
    pub fn merge(&mut self, other: &Tally) {
        self.runs += other.runs;
        self.requests += other.requests;
        self.rpcs += other.rpcs;
        self.attempts += other.attempts;
        self.throttled += other.throttled;
        self.served += other.served;
        self.busy = self.busy.saturating_add(other.busy);
        self.duration = self.duration.saturating_add(other.duration);
        self.unfinished += other.unfinished;
        self.in_flight_exceeded = self.in_flight_exceeded.or(other.in_flight_exceeded);
        self.latency.merge(&other.latency);
        let s = &mut self.series;
        Series::add_all(&mut s.offered, &other.series.offered);
        Series::add_all(&mut s.attempts, &other.series.attempts);
        Series::add_all(&mut s.goodput, &other.series.goodput);
        Series::add_all(&mut s.served, &other.series.served);
    }

    /// Request latency at quantile `q` (the bucket's highest equivalent value, at most `max`;
    /// `max` at 1).
    pub fn latency_at(&self, q: f64) -> Nanos {
        self.latency.latency_at(q)
    }

    /// `(latency, fraction of requests at or below it)` for each non-empty bucket: the CDF.
    pub fn cdf(&self) -> Vec<(Nanos, f64)> {
        self.latency.cdf()
    }

    /// `(latency, requests)` per non-empty histogram bucket, ascending (the bucket's highest
    /// equivalent value, as in the JSON form).
    pub fn latency_buckets(&self) -> impl Iterator<Item = (Nanos, u64)> + '_ {
        self.latency.buckets()
    }

    /// Requests that ended with `code`.
    pub fn status_count(&self, code: Code) -> u64 {
        self.latency.status_count(code)
    }

    /// The slowest request, exactly.
    pub fn max(&self) -> Nanos {
        self.latency.max()
    }

    /// `{"p50", "p90", "p99", "p999", "max"}` of request latency, in milliseconds.
    pub fn percentiles_json(&self) -> Value {
        self.latency.percentiles_json()
    }

    /// The lossless JSON form.
    pub fn to_json(&self) -> Value {
        let s = &self.series;
        let l = &self.latency;
        object! {
            "runs": self.runs, "requests": self.requests, "rpcs": self.rpcs,
            "attempts": self.attempts, "statuses": l.statuses_json(), "throttled": self.throttled,
            "served": self.served, "busy_ns": self.busy, "duration_ns": self.duration,
            "unfinished": self.unfinished, "max_ns": l.max(),
            "latency_ns": l.histogram_json(),
            "series": object! {"bucket_ns": s.bucket, "offered": &s.offered, "attempts": &s.attempts,
                       "goodput": &s.goodput, "served": &s.served},
        }
    }

    /// The first instant from which at least 90 % of the requests started in every later
    /// bucket ended OK: `Some(0)` when the run was always healthy, `None` when even the last
    /// bucket that offered requests fell short (the run never recovered). One clock: offered
    /// and goodput both count a request in the bucket where it started, so a request that
    /// straddles a bucket boundary cannot make a healthy bucket look short.
    pub fn healthy_from(&self) -> Option<Nanos> {
        let s = &self.series;
        let last_offered = s.offered.iter().rposition(|n| *n > 0)?;
        let short = |i: usize| {
            let good = s.goodput.get(i).copied().unwrap_or(0);
            10 * good < 9 * s.offered[i]
        };
        if short(last_offered) {
            return None;
        }
        let from = (0..last_offered)
            .rev()
            .find(|&i| short(i))
            .map_or(0, |i| i + 1);
        Some(from as Nanos * s.bucket)
    }

    /// Reads the JSON form back; `Err` names the field that is missing or malformed.
    pub fn from_json(v: &Value) -> Result<Tally, MalformedField> {
        let num = |k: &str| -> Result<u64, MalformedField> {
            v.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| MalformedField::new(k, "expected a non-negative integer"))
        };
        let s = v
            .get("series")
            .ok_or_else(|| MalformedField::new("series", "missing"))?;
        let list = |k: &str| -> Result<Vec<u64>, MalformedField> {
            let field = || format!("series.{k}");
            s.get(k)
                .and_then(Value::as_array)
                .ok_or_else(|| MalformedField::new(field(), "expected an array"))?
                .iter()
                .map(|x| {
                    x.as_u64()
                        .ok_or_else(|| MalformedField::new(field(), "expected integers"))
                })
                .collect()
        };
        let bucket = s
            .get("bucket_ns")
            .and_then(Value::as_u64)
            .ok_or_else(|| MalformedField::new("series.bucket_ns", "expected an integer"))?;
        let mut t = Tally::new(bucket);
        t.runs = num("runs")?;
        t.requests = num("requests")?;
        t.rpcs = num("rpcs")?;
        t.attempts = num("attempts")?;
        t.throttled = num("throttled")?;
        t.served = num("served")?;
        t.busy = num("busy_ns")?;
        t.duration = num("duration_ns")?;
        t.unfinished = num("unfinished")?;
        t.latency = LatencyStats::from_json(v, num("max_ns")?)?;
        t.series.offered = list("offered")?;
        t.series.attempts = list("attempts")?;
        t.series.goodput = list("goodput")?;
        t.series.served = list("served")?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seed: u64) -> Tally {
        let mut t = Tally::new(1_000);
        t.runs = 1;
        for i in 0..500u64 {
            let took = (i * 7919 + seed * 104_729) % 1_000_003 + 1;
            t.attempt(i * 13);
            t.offered(i * 11);
            t.served_at(i * 17);
            t.request(
                i * 19,
                took,
                if i % 7 == 0 {
                    Code::Unavailable
                } else {
                    Code::Ok
                },
            );
        }
        t
    }

    #[test]
    fn json_round_trip_is_lossless() {
        let t = sample(3);
        let back = Tally::from_json(&t.to_json()).unwrap();
        assert_eq!(back.to_json(), t.to_json());
        for q in [0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(back.latency_at(q), t.latency_at(q));
        }
    }

    #[test]
    fn merge_is_order_independent_and_matches_one_big_tally() {
        let (a, b, c) = (sample(1), sample(2), sample(3));
        let mut abc = a.clone();
        abc.merge(&b);
        abc.merge(&c);
        let mut cba = c.clone();
        cba.merge(&b);
        cba.merge(&a);
        assert_eq!(abc.to_json(), cba.to_json());
        assert_eq!(abc.requests, 1500);
        assert_eq!(abc.series.attempts.iter().sum::<u64>(), 1500);
    }

    #[test]
    fn healthy_from_finds_the_last_unhealthy_bucket() {
        let mut t = Tally::new(1_000);
        t.series.offered = vec![10, 10, 10, 10, 10, 10];
        t.series.goodput = vec![10, 0, 5, 9, 10, 10];
        assert_eq!(t.healthy_from(), Some(3_000));
        t.series.goodput = vec![10, 10, 10, 10, 10, 9];
        assert_eq!(t.healthy_from(), Some(0), "90 % is healthy");
        t.series.goodput = vec![10, 10, 10, 10, 10, 8];
        assert_eq!(t.healthy_from(), None, "the last bucket is judged too");
        t.series.offered = vec![10, 0, 10];
        t.series.goodput = vec![10, 0, 10];
        assert_eq!(
            t.healthy_from(),
            Some(0),
            "a bucket that offered nothing is healthy"
        );
    }

    #[test]
    fn malformed_json_names_the_field() {
        let mut v = sample(1).to_json();
        v["latency_ns"][0] = Value::from(vec![1]);
        assert_eq!(
            Tally::from_json(&v).unwrap_err().to_string(),
            "latency_ns[0]: expected [value, count]"
        );
        let mut v = sample(1).to_json();
        v["series"]["goodput"] = Value::from(3);
        assert_eq!(Tally::from_json(&v).unwrap_err().field, "series.goodput");
    }
}
