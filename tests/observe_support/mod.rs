//! Helpers shared by the observability tests: a tracing subscriber that keeps what it is
//! given, an in-memory OpenTelemetry pipeline read back as flat points, and the gaps with no
//! attempt in flight counted from a trace's events (independently of the recorder's own sum).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use hedgehog::trace::{EventKind, Trace};

/// The fields of a span or event, as text (`Debug` for strings is stripped of its quotes).
pub type Fields = BTreeMap<String, String>;

/// A span as the subscriber saw it: its name and fields (those recorded later included).
#[derive(Clone, Debug, Default)]
pub struct SpanSeen {
    pub name: String,
    pub fields: Fields,
}

/// An event as the subscriber saw it: its message, fields, level and parent span's index.
#[derive(Clone, Debug)]
pub struct EventSeen {
    pub message: String,
    pub level: tracing::Level,
    pub fields: Fields,
    pub span: Option<usize>,
}

/// Everything a [`capture`] subscriber was given.
#[derive(Debug, Default)]
pub struct Seen {
    pub spans: Vec<SpanSeen>,
    pub events: Vec<EventSeen>,
    /// Spans closed, by index.
    pub closed: Vec<usize>,
}

#[cfg(feature = "tracing")]
mod capture {
    use super::*;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Subscriber};
    use tracing_subscriber::layer::{Context, Layer};
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::registry::LookupSpan;

    struct Visitor<'a>(&'a mut Fields);

    impl Visit for Visitor<'_> {
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_string(), value.to_string());
        }
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0
                .insert(field.name().to_string(), format!("{value:?}"));
        }
    }

    /// Span ids are the subscriber's; the capture numbers spans in creation order.
    struct Index(usize);

    struct Capture(Arc<Mutex<Seen>>);

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            if attrs.metadata().target() != "hedgehog" {
                return;
            }
            let mut fields = Fields::new();
            attrs.record(&mut Visitor(&mut fields));
            let mut seen = self.0.lock().unwrap();
            let index = seen.spans.len();
            seen.spans.push(SpanSeen {
                name: attrs.metadata().name().to_string(),
                fields,
            });
            if let Some(span) = ctx.span(id) {
                span.extensions_mut().insert(Index(index));
            }
        }
        fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
            let Some(index) = ctx
                .span(id)
                .and_then(|s| s.extensions().get::<Index>().map(|i| i.0))
            else {
                return;
            };
            let mut seen = self.0.lock().unwrap();
            values.record(&mut Visitor(&mut seen.spans[index].fields));
        }
        fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
            if event.metadata().target() != "hedgehog" {
                return;
            }
            let mut fields = Fields::new();
            event.record(&mut Visitor(&mut fields));
            let message = fields.remove("message").unwrap_or_default();
            let span = ctx
                .event_span(event)
                .and_then(|s| s.extensions().get::<Index>().map(|i| i.0));
            self.0.lock().unwrap().events.push(EventSeen {
                message,
                level: *event.metadata().level(),
                fields,
                span,
            });
        }
        fn on_close(&self, id: Id, ctx: Context<'_, S>) {
            if let Some(index) = ctx
                .span(&id)
                .and_then(|s| s.extensions().get::<Index>().map(|i| i.0))
            {
                self.0.lock().unwrap().closed.push(index);
            }
        }
    }

    /// A subscriber (every level) that keeps what hedgehog emits (tracing target `hedgehog`;
    /// the HTTP/2 stack's own spans are left out) in the returned cell.
    pub fn capture() -> (impl Subscriber + Send + Sync, Arc<Mutex<Seen>>) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let subscriber = tracing_subscriber::registry().with(Capture(Arc::clone(&seen)));
        (subscriber, seen)
    }
}

#[cfg(feature = "tracing")]
#[allow(unused_imports)]
pub use capture::capture;

/// One exported data point: a counter's value, or a histogram's count, sum and buckets.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub name: String,
    pub unit: String,
    pub labels: BTreeMap<String, String>,
    /// A counter's value, or a histogram's count.
    pub count: u64,
    /// A histogram's sum (a counter's value again, as f64).
    pub sum: f64,
    pub bounds: Vec<f64>,
}

#[cfg(feature = "otel")]
mod metrics {
    use super::*;
    use opentelemetry::KeyValue;
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

    /// An SDK meter provider exporting into memory.
    pub struct Pipeline {
        pub provider: SdkMeterProvider,
        exporter: InMemoryMetricExporter,
    }

    impl Pipeline {
        pub fn new() -> Self {
            let exporter = InMemoryMetricExporter::default();
            let reader = PeriodicReader::builder(exporter.clone()).build();
            let provider = SdkMeterProvider::builder().with_reader(reader).build();
            Pipeline { provider, exporter }
        }

        /// Every point exported so far (cumulative), by name then labels.
        pub fn points(&self) -> Vec<Point> {
            self.provider.force_flush().expect("flush");
            let exported = self.exporter.get_finished_metrics().expect("metrics");
            let mut points = Vec::new();
            let Some(last) = exported.last() else {
                return points;
            };
            for scope in last.scope_metrics() {
                assert_eq!(scope.scope().name(), "hedgehog");
                for metric in scope.metrics() {
                    let (name, unit) = (metric.name().to_string(), metric.unit().to_string());
                    let point =
                        |labels: &mut dyn Iterator<Item = &KeyValue>, count, sum, bounds| Point {
                            name: name.clone(),
                            unit: unit.clone(),
                            labels: labels
                                .map(|kv| (kv.key.to_string(), kv.value.to_string()))
                                .collect(),
                            count,
                            sum,
                            bounds,
                        };
                    match metric.data() {
                        AggregatedMetrics::U64(MetricData::Sum(s)) => {
                            for p in s.data_points() {
                                points.push(point(
                                    &mut p.attributes(),
                                    p.value(),
                                    p.value() as f64,
                                    vec![],
                                ));
                            }
                        }
                        AggregatedMetrics::U64(MetricData::Histogram(h)) => {
                            for p in h.data_points() {
                                let bounds = p.bounds().collect();
                                points.push(point(
                                    &mut p.attributes(),
                                    p.count(),
                                    p.sum() as f64,
                                    bounds,
                                ));
                            }
                        }
                        AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                            for p in h.data_points() {
                                let bounds = p.bounds().collect();
                                points.push(point(&mut p.attributes(), p.count(), p.sum(), bounds));
                            }
                        }
                        other => panic!("unexpected data for {name}: {other:?}"),
                    }
                }
            }
            points.sort_by(|a, b| (&a.name, &a.labels).cmp(&(&b.name, &b.labels)));
            points
        }
    }

    /// The points named `name`.
    pub fn named<'a>(points: &'a [Point], name: &str) -> Vec<&'a Point> {
        points.iter().filter(|p| p.name == name).collect()
    }
}

#[cfg(feature = "otel")]
#[allow(unused_imports)]
pub use metrics::{named, Pipeline};

/// Per call, the time with no attempt in flight, counted from the trace's events: an
/// attempt is in flight from `sent` until `closed` or `cancel` (whichever comes first), and
/// the call lasts from its record's `started` to `ended`.
pub fn idle_from_events(trace: &Trace, call: u64) -> u64 {
    let record = trace.calls.iter().find(|c| c.call == call).expect("call");
    let mut live = BTreeMap::<u32, bool>::new();
    let (mut idle, mut idle_since) = (0, record.started);
    for e in trace.events.iter().filter(|e| e.call == call) {
        let was_idle = live.values().all(|l| !l);
        match (e.kind, e.attempt) {
            (EventKind::Sent, Some(a)) => {
                if was_idle {
                    idle += e.at - idle_since;
                }
                live.insert(a, true);
            }
            (EventKind::Closed | EventKind::Cancel, Some(a)) => {
                live.insert(a, false);
                if !was_idle && live.values().all(|l| !l) {
                    idle_since = e.at;
                }
            }
            _ => {}
        }
    }
    if live.values().all(|l| !l) {
        idle += record.ended - idle_since;
    }
    idle
}
