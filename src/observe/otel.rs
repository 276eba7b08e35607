//! [`OtelRecorder`]: the OpenTelemetry client metrics gRPC defines, over the `opentelemetry`
//! API crate (0.33, a public dependency: its `MeterProvider` is what you hand the builder).
//!
//! **gRFC A66** (on always):
//!
//! | instrument | type, unit | labels | recorded |
//! |---|---|---|---|
//! | `grpc.client.attempt.started` | counter, `{attempt}` | method, target | when an attempt is sent |
//! | `grpc.client.attempt.duration` | histogram, `s` | method, target, status | per attempt, at the call's end |
//! | `grpc.client.call.duration` | histogram, `s` | method, target, status | at the call's end |
//!
//! **gRFC A96** (off by default: experimental, as A96 says; turn on with
//! [`OtelRecorderBuilder::retry_metrics`]), recorded at the end of each call, labels method
//! and target only:
//!
//! | instrument | unit | buckets | value |
//! |---|---|---|---|
//! | `grpc.client.call.retries` | `{retry}` | 1,2,3,4,5 | attempts after the first under a retry policy; 0 not reported |
//! | `grpc.client.call.transparent_retries` | `{transparent_retry}` | 1,2,3,4,5,10 | transparent retries; 0 not reported |
//! | `grpc.client.call.hedges` | `{hedge}` | 1,2,3,4,5 | attempts after the first under a hedging policy; 0 not reported |
//! | `grpc.client.call.retry_delay` | `s` | A66 latency | time in the call with no attempt in flight ([`retry_delay`]) |
//!
//! Labels are A66's: `grpc.method` is the full method name without the leading `/`
//! (`echo.Echo/UnaryEcho`), or `other` for a method no generated stub named (tonic's
//! `GrpcMethod` request extension) unless [`OtelRecorderBuilder::record_generic_methods`];
//! `grpc.target` is the layer's target (its builder's `target`, else the request's
//! authority; `sim:///NAME` in the simulator); `grpc.status` the status name (`OK`,
//! `UNAVAILABLE`). Histograms carry A66's latency buckets (or A96's count buckets) as advice;
//! a view in the SDK may override them.
//!
//! Choices where the gRFCs leave room:
//! - an attempt that never reached the server (not sent, or refused: a transparent retry
//!   follows) ends with status `UNAVAILABLE`, the status gRPC gives such a stream; a
//!   cancelled one (a losing hedge) with `CANCELLED`;
//! - under a hedging policy every attempt after the first is a hedge, including one sent at
//!   once after a non-fatal status; under a retry policy every one is a retry; a transparent
//!   retry is neither;
//! - `retry_delay` is recorded for every call, 0 included (A96 exempts only the three counts);
//!   it counts the time before the first attempt and after the last one ends too (a call
//!   that waits out a backoff until its deadline waited with no attempt in flight);
//! - attempt durations are recorded when the call's record arrives (every attempt has ended
//!   by then), so they reach the exporter with the call's.

use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider};
use opentelemetry::{InstrumentationScope, KeyValue};

use super::calls::Calls;
use crate::code::Code;
use crate::time::{Nanos, NANOS_PER_SEC};
use crate::trace::{CallRecord, CallStart, Event, Outcome, Recorder, What};

/// A66's latency buckets, in seconds.
pub const A66_LATENCY_BUCKETS: [f64; 41] = [
    0.0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005,
    0.006, 0.008, 0.01, 0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16,
    0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0,
];
/// A96's buckets for retries and hedges.
const RETRY_BUCKETS: [f64; 5] = [1.0, 2.0, 3.0, 4.0, 5.0];
/// A96's buckets for transparent retries.
const TRANSPARENT_BUCKETS: [f64; 6] = [1.0, 2.0, 3.0, 4.0, 5.0, 10.0];

/// Configures an [`OtelRecorder`]; [`OtelRecorder::builder`] makes one.
#[derive(Clone, Copy, Debug, Default)]
pub struct OtelRecorderBuilder {
    retry_metrics: bool,
    generic_methods: bool,
}

impl OtelRecorderBuilder {
    /// Records A96's retry instruments too (default off: A96 makes them experimental, so
    /// off by default).
    pub fn retry_metrics(mut self, on: bool) -> Self {
        self.retry_metrics = on;
        self
    }

    /// Labels calls to methods no generated stub named with their real name instead of
    /// `other` (A66's override; mind the cardinality).
    pub fn record_generic_methods(mut self, on: bool) -> Self {
        self.generic_methods = on;
        self
    }

    /// The recorder, with its instruments made on `provider`'s meter `hedgehog` (A66: the
    /// meter names the library and its version).
    pub fn build(self, provider: &impl MeterProvider) -> OtelRecorder {
        let scope = InstrumentationScope::builder("hedgehog")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let meter = provider.meter_with_scope(scope);
        OtelRecorder {
            a66: A66::new(&meter),
            a96: self.retry_metrics.then(|| A96::new(&meter)),
            generic_methods: self.generic_methods,
            calls: Calls::default(),
        }
    }
}

/// The A66 and A96 client metrics of every call it records (module docs list them).
#[derive(Debug)]
pub struct OtelRecorder {
    a66: A66,
    a96: Option<A96>,
    generic_methods: bool,
    /// Each running call's `grpc.method`, `grpc.target`, and whether it hedges.
    calls: Calls<Labels>,
}

#[derive(Debug)]
struct A66 {
    attempt_started: Counter<u64>,
    attempt_duration: Histogram<f64>,
    call_duration: Histogram<f64>,
}

#[derive(Debug)]
struct A96 {
    retries: Histogram<u64>,
    transparent_retries: Histogram<u64>,
    hedges: Histogram<u64>,
    retry_delay: Histogram<f64>,
}

/// A call's labels, as its start told them.
#[derive(Debug)]
struct Labels {
    method_target: [KeyValue; 2],
    hedging: bool,
}

impl A66 {
    fn new(meter: &Meter) -> Self {
        A66 {
            attempt_started: meter
                .u64_counter("grpc.client.attempt.started")
                .with_unit("{attempt}")
                .with_description(
                    "The total number of RPC attempts started, including those that have not completed.",
                )
                .build(),
            attempt_duration: seconds(
                meter,
                "grpc.client.attempt.duration",
                "End-to-end time taken to complete an RPC attempt.",
            ),
            call_duration: seconds(
                meter,
                "grpc.client.call.duration",
                "End-to-end time the gRPC library takes to complete an RPC from the application's perspective.",
            ),
        }
    }
}

impl A96 {
    fn new(meter: &Meter) -> Self {
        A96 {
            retries: count(
                meter,
                "grpc.client.call.retries",
                "{retry}",
                "Number of retries during the client call. If there were no retries, 0 is not reported.",
                &RETRY_BUCKETS,
            ),
            transparent_retries: count(
                meter,
                "grpc.client.call.transparent_retries",
                "{transparent_retry}",
                "Number of transparent retries during the client call. If there were no transparent retries, 0 is not reported.",
                &TRANSPARENT_BUCKETS,
            ),
            hedges: count(
                meter,
                "grpc.client.call.hedges",
                "{hedge}",
                "Number of hedges during the client call. If there were no hedges, 0 is not reported.",
                &RETRY_BUCKETS,
            ),
            retry_delay: seconds(
                meter,
                "grpc.client.call.retry_delay",
                "Total time of delay while there is no active attempt during the client call.",
            ),
        }
    }

    /// Records the finished call `record`.
    fn record(&self, record: &CallRecord, hedging: bool, labels: &[KeyValue]) {
        let transparent = record.attempts.iter().filter(|a| a.transparent).count();
        let later = record.attempts.len().saturating_sub(transparent + 1);
        let (later, transparent) = (count_u64(later), count_u64(transparent));
        let more = if hedging { &self.hedges } else { &self.retries };
        if later > 0 {
            more.record(later, labels);
        }
        if transparent > 0 {
            self.transparent_retries.record(transparent, labels);
        }
        self.retry_delay.record(secs(retry_delay(record)), labels);
    }
}

fn seconds(meter: &Meter, name: &'static str, description: &'static str) -> Histogram<f64> {
    meter
        .f64_histogram(name)
        .with_unit("s")
        .with_description(description)
        .with_boundaries(A66_LATENCY_BUCKETS.to_vec())
        .build()
}

fn count(
    meter: &Meter,
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    buckets: &[f64],
) -> Histogram<u64> {
    meter
        .u64_histogram(name)
        .with_unit(unit)
        .with_description(description)
        .with_boundaries(buckets.to_vec())
        .build()
}

impl OtelRecorder {
    /// A builder: A66 on, A96 off, unregistered methods as `other`.
    pub fn builder() -> OtelRecorderBuilder {
        OtelRecorderBuilder::default()
    }

    /// The `grpc.method` value for a call to `path`.
    fn method_label(&self, path: &str, registered: bool) -> String {
        if registered || self.generic_methods {
            path.strip_prefix('/').unwrap_or(path).to_string()
        } else {
            "other".to_string()
        }
    }
}

impl Recorder for OtelRecorder {
    fn started(&self, start: &CallStart<'_>) {
        let method = self.method_label(start.method, start.registered);
        let labels = Labels {
            method_target: [
                KeyValue::new("grpc.method", method),
                KeyValue::new("grpc.target", start.target.to_string()),
            ],
            hedging: start.policy_kind() == "hedging",
        };
        self.calls.open(start.call, labels);
    }

    fn wants_events(&self) -> bool {
        true
    }

    fn event(&self, event: &Event<'_>) {
        if let What::Sent { .. } = event.what {
            let started = &self.a66.attempt_started;
            self.calls
                .with(event.call, |l| started.add(1, &l.method_target));
        }
    }

    fn call(&self, record: &CallRecord) {
        // A call whose start nobody announced still counts, under the labels it can name.
        let Labels {
            method_target,
            hedging,
        } = self.calls.close(record.call).unwrap_or_else(|| Labels {
            method_target: [
                KeyValue::new("grpc.method", self.method_label("", false)),
                KeyValue::new("grpc.target", "unknown"),
            ],
            hedging: false,
        });
        let [method, target] = method_target;
        let mut labels = [method, target, status(record.status.name())];
        for a in &record.attempts {
            if let (Some(ended), Some(outcome)) = (a.ended, a.outcome) {
                labels[2] = status(attempt_status(outcome));
                let took = secs(ended.saturating_sub(a.sent));
                self.a66.attempt_duration.record(took, &labels);
            }
        }
        labels[2] = status(record.status.name());
        let took = secs(record.ended.saturating_sub(record.started));
        self.a66.call_duration.record(took, &labels);
        if let Some(a96) = &self.a96 {
            a96.record(record, hedging, &labels[..2]);
        }
    }
}

fn status(name: &'static str) -> KeyValue {
    KeyValue::new("grpc.status", name)
}

/// The status an attempt's `grpc.status` label carries (module docs: the choices).
fn attempt_status(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Status(code) => code.name(),
        Outcome::Cancelled => Code::Cancelled.name(),
        Outcome::NotSent | Outcome::Refused => Code::Unavailable.name(),
    }
}

fn count_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Nanoseconds as float seconds.
fn secs(nanos: Nanos) -> f64 {
    // Exact below 2^53 ns (104 days); metrics need no more.
    nanos as f64 / NANOS_PER_SEC as f64
}

/// A96's `grpc.client.call.retry_delay`: the time between the call's start and end with no
/// attempt in flight. An attempt is in flight from when it was sent until it ended; one with
/// no end (a run stopped early) until the call's end.
pub fn retry_delay(record: &CallRecord) -> Nanos {
    let mut idle = 0;
    // Until `covered`, some attempt was in flight (or the call had not started).
    let mut covered = record.started;
    for a in &record.attempts {
        let sent = a.sent.max(record.started);
        idle += sent.saturating_sub(covered);
        covered = covered.max(a.ended.unwrap_or(record.ended));
    }
    idle + record.ended.saturating_sub(covered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::AttemptRecord;

    fn attempt(sent: Nanos, ended: Option<Nanos>) -> AttemptRecord {
        AttemptRecord {
            attempt: 1,
            previous: None,
            sent,
            ended,
            outcome: ended.map(|_| Outcome::Status(Code::Unavailable)),
            committed: false,
            pushback: None,
            transparent: false,
        }
    }

    fn call(started: Nanos, ended: Nanos, attempts: Vec<AttemptRecord>) -> CallRecord {
        CallRecord {
            call: 0,
            method: None,
            status: Code::Ok,
            message: None,
            started,
            ended,
            attempts,
            attempts_unlisted: 0,
        }
    }

    #[test]
    fn retry_delay_sums_the_gaps_with_no_attempt_in_flight() {
        // Retries: 0–1 in flight, 1–11 backoff, 11–12, 12–22 backoff, 22–23.
        let r = call(
            0,
            23,
            vec![
                attempt(0, Some(1)),
                attempt(11, Some(12)),
                attempt(22, Some(23)),
            ],
        );
        assert_eq!(retry_delay(&r), 20);
        // Hedges overlap: no gap at all.
        let h = call(0, 60, vec![attempt(0, Some(60)), attempt(50, Some(60))]);
        assert_eq!(retry_delay(&h), 0);
        // A hedge sent after the first failed: the gap between them only.
        let g = call(0, 30, vec![attempt(0, Some(5)), attempt(10, Some(30))]);
        assert_eq!(retry_delay(&g), 5);
        // A backoff cut short by the deadline: the wait until the end counts.
        let d = call(0, 100, vec![attempt(0, Some(10))]);
        assert_eq!(retry_delay(&d), 90);
        // An attempt with no end covers the rest of the call; no attempt at all: all idle.
        assert_eq!(retry_delay(&call(0, 9, vec![attempt(2, None)])), 2);
        assert_eq!(retry_delay(&call(5, 9, vec![])), 4);
    }

    #[test]
    fn attempt_status_names_what_grpc_would() {
        assert_eq!(attempt_status(Outcome::Status(Code::Ok)), "OK");
        assert_eq!(attempt_status(Outcome::Cancelled), "CANCELLED");
        assert_eq!(attempt_status(Outcome::NotSent), "UNAVAILABLE");
        assert_eq!(attempt_status(Outcome::Refused), "UNAVAILABLE");
        assert!((secs(1_500_000) - 0.0015).abs() < 1e-12);
    }
}
