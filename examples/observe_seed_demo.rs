//! The seed demo (sims/seed-demo.json, seed 1) simulated with the OpenTelemetry recorder
//! (A66, and A96 turned on), its metrics read back from an in-memory exporter and printed:
//! the figures the README shows.
//!
//! `cargo run --example observe_seed_demo --features otel`

use std::path::Path;

use hedgehog::observe::OtelRecorder;
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::run_with;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

fn main() {
    let scenario = Scenario::load(Path::new("sims/seed-demo.json")).expect("the seed demo");
    let exporter = InMemoryMetricExporter::default();
    let reader = PeriodicReader::builder(exporter.clone()).build();
    let provider = SdkMeterProvider::builder().with_reader(reader).build();
    let otel = OtelRecorder::builder().retry_metrics(true).build(&provider);
    run_with(&scenario, 1, &otel);
    provider.force_flush().expect("flush");
    let exported = exporter.get_finished_metrics().expect("metrics");
    let Some(last) = exported.last() else {
        return;
    };
    for scope in last.scope_metrics() {
        for m in scope.metrics() {
            let labels = |attrs: &mut dyn Iterator<Item = &opentelemetry::KeyValue>| {
                let mut kv: Vec<String> =
                    attrs.map(|kv| format!("{}={}", kv.key, kv.value)).collect();
                kv.sort();
                kv.join(" ")
            };
            match m.data() {
                AggregatedMetrics::U64(MetricData::Sum(s)) => {
                    for p in s.data_points() {
                        println!(
                            "{} ({}) {{{}}} value={}",
                            m.name(),
                            m.unit(),
                            labels(&mut p.attributes()),
                            p.value()
                        );
                    }
                }
                AggregatedMetrics::U64(MetricData::Histogram(h)) => {
                    for p in h.data_points() {
                        println!(
                            "{} ({}) {{{}}} count={} sum={}",
                            m.name(),
                            m.unit(),
                            labels(&mut p.attributes()),
                            p.count(),
                            p.sum()
                        );
                    }
                }
                AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                    for p in h.data_points() {
                        println!(
                            "{} ({}) {{{}}} count={} sum={:.6}",
                            m.name(),
                            m.unit(),
                            labels(&mut p.attributes()),
                            p.count(),
                            p.sum()
                        );
                    }
                }
                _ => {}
            }
        }
    }
}
