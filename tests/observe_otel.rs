//! The OpenTelemetry recorder (gRFC A66, A96) against traces of the same runs: the seed demo
//! in the simulator, a hedging scenario live on 127.0.0.1; and event by event.
#![cfg(feature = "otel")]

mod live_support;
mod observe_support;

use std::path::Path;
use std::sync::Arc;

use hedgehog::code::Code;
use hedgehog::config::{Policy, ServiceConfig};
use hedgehog::live::run::run_live_with;
use hedgehog::observe::{OtelRecorder, A66_LATENCY_BUCKETS};
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::run_with;
use hedgehog::trace::{
    AttemptRecord, CallRecord, CallStart, Event, Mode, Outcome, Recorder, Tee, Trace,
    TraceRecorder, What,
};
use observe_support::{idle_from_events, named, Pipeline, Point};

const UNARY: &str = "echo.Echo/UnaryEcho";

fn scenario(name: &str) -> Scenario {
    Scenario::load(Path::new(&format!("sims/{name}.json"))).expect("scenario")
}

fn secs(nanos: u64) -> f64 {
    nanos as f64 / 1e9
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// The policy of the scenario's one method, as the simulator selects it.
fn policy_of(config: &ServiceConfig) -> Policy {
    config.method_configs[0].policy.clone()
}

/// The simulated run of `name` with `seed`, through a trace and an A96-enabled recorder.
fn sim_run(name: &str, seed: u64) -> (Trace, Vec<Point>) {
    let s = scenario(name);
    let pipeline = Pipeline::new();
    let otel = OtelRecorder::builder()
        .retry_metrics(true)
        .build(&pipeline.provider);
    let trace = TraceRecorder::new();
    run_with(&s, seed, &Tee(&trace, &otel));
    (
        trace.into_trace(&s.name, seed, Mode::Sim),
        pipeline.points(),
    )
}

/// Checks what every run's metrics owe its trace: one `attempt.started` per attempt sent, one
/// `attempt.duration` per attempt by its outcome, one `call.duration` per call by status, and
/// a `retry_delay` per call equal to the gaps with no attempt in flight (A96).
fn check_a66_and_delay(trace: &Trace, points: &[Point]) {
    let attempts: usize = trace.calls.iter().map(|c| c.attempts.len()).sum();
    let started = named(points, "grpc.client.attempt.started");
    assert_eq!(
        started.iter().map(|p| p.count).sum::<u64>(),
        attempts as u64
    );
    assert!(started.iter().all(|p| p.unit == "{attempt}"));

    let durations = named(points, "grpc.client.attempt.duration");
    for p in &durations {
        let status = &p.labels["grpc.status"];
        let of_status: Vec<&AttemptRecord> = trace
            .calls
            .iter()
            .flat_map(|c| &c.attempts)
            .filter(|a| a.outcome.map(outcome_status).as_deref() == Some(status.as_str()))
            .collect();
        assert_eq!(p.count, of_status.len() as u64, "{status}");
        let total: u64 = of_status.iter().map(|a| a.ended.unwrap() - a.sent).sum();
        assert!(close(p.sum, secs(total)), "{status}: {} vs {total}", p.sum);
        assert_eq!(p.bounds, A66_LATENCY_BUCKETS);
        assert_eq!(p.unit, "s");
    }
    assert_eq!(
        durations.iter().map(|p| p.count).sum::<u64>(),
        attempts as u64
    );

    let calls = named(points, "grpc.client.call.duration");
    assert_eq!(
        calls.iter().map(|p| p.count).sum::<u64>(),
        trace.calls.len() as u64
    );
    for c in &trace.calls {
        let p = calls
            .iter()
            .find(|p| p.labels["grpc.status"] == c.status.name())
            .expect("a call.duration point for the call's status");
        assert!(p.sum >= secs(c.ended - c.started) - 1e-9);
    }

    let delay = named(points, "grpc.client.call.retry_delay");
    let idle: u64 = trace
        .calls
        .iter()
        .map(|c| idle_from_events(trace, c.call))
        .sum();
    assert_eq!(
        delay.iter().map(|p| p.count).sum::<u64>(),
        trace.calls.len() as u64
    );
    assert!(close(delay.iter().map(|p| p.sum).sum(), secs(idle)));
    for p in points {
        let labels: Vec<&str> = p.labels.keys().map(String::as_str).collect();
        if p.name.starts_with("grpc.client.attempt.started") || !p.name.contains("duration") {
            assert_eq!(labels, ["grpc.method", "grpc.target"], "{}", p.name);
        } else {
            assert_eq!(
                labels,
                ["grpc.method", "grpc.status", "grpc.target"],
                "{}",
                p.name
            );
        }
    }
}

/// The status an attempt's duration is labelled with, as the recorder documents it.
fn outcome_status(o: Outcome) -> String {
    match o {
        Outcome::NotSent | Outcome::Refused => "UNAVAILABLE".into(),
        o => o.as_str().into(),
    }
}

#[test]
fn seed_demo_metrics_match_its_trace_retries_are_attempts_minus_one() {
    for seed in [1, 2, 3] {
        let (trace, points) = sim_run("seed-demo", seed);
        let call = &trace.calls[0];
        assert_eq!(call.method.as_deref(), Some("/echo.Echo/UnaryEcho"));
        assert_eq!((call.status, call.attempts.len()), (Code::Ok, 4));
        check_a66_and_delay(&trace, &points);
        let retries = named(&points, "grpc.client.call.retries");
        assert_eq!(retries.len(), 1);
        assert_eq!((retries[0].count, retries[0].sum), (1, 3.0));
        assert_eq!(retries[0].unit, "{retry}");
        assert_eq!(retries[0].bounds, [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(retries[0].labels["grpc.method"], UNARY);
        assert_eq!(retries[0].labels["grpc.target"], "sim:///seed-demo");
        // Three backoffs of about 10ms with nothing in flight.
        let delay = named(&points, "grpc.client.call.retry_delay")[0].sum;
        assert!(delay > 0.015 && delay < 0.035, "{delay}");
        for absent in [
            "grpc.client.call.hedges",
            "grpc.client.call.transparent_retries",
        ] {
            assert!(
                named(&points, absent).is_empty(),
                "{absent}: 0 is not reported"
            );
        }
    }
}

#[test]
fn a_call_that_did_not_retry_reports_no_retries_point() {
    let (trace, points) = sim_run("seed-demo-no-retry", 1);
    assert_eq!(trace.calls[0].attempts.len(), 1);
    check_a66_and_delay(&trace, &points);
    assert!(named(&points, "grpc.client.call.retries").is_empty());
    assert_eq!(named(&points, "grpc.client.call.retry_delay")[0].sum, 0.0);
}

#[test]
fn a96_is_off_by_default() {
    let s = scenario("seed-demo");
    let pipeline = Pipeline::new();
    let otel = OtelRecorder::builder().build(&pipeline.provider);
    run_with(&s, 1, &otel);
    let names: Vec<String> = pipeline.points().into_iter().map(|p| p.name).collect();
    assert!(
        names.iter().all(|n| !n.starts_with("grpc.client.call.r")),
        "{names:?}"
    );
    assert!(names.contains(&"grpc.client.call.duration".to_string()));
}

#[tokio::test]
async fn hedging_live_metrics_match_its_trace() {
    let s = scenario("hedging-basic");
    let pipeline = Pipeline::new();
    let otel = OtelRecorder::builder()
        .retry_metrics(true)
        .build(&pipeline.provider);
    let run = run_live_with(&s, 1, Some(Arc::new(otel)))
        .await
        .expect("live run");
    let (trace, points) = (run.trace, pipeline.points());
    let call = &trace.calls[0];
    assert_eq!(call.method.as_deref(), Some("/echo.Echo/UnaryEcho"));
    assert_eq!(call.status, Code::Ok);
    check_a66_and_delay(&trace, &points);
    let hedges = named(&points, "grpc.client.call.hedges");
    assert_eq!(hedges.len(), 1);
    let sent = call.attempts.len() as f64;
    assert_eq!((hedges[0].count, hedges[0].sum), (1, sent - 1.0));
    assert_eq!(hedges[0].unit, "{hedge}");
    assert!(named(&points, "grpc.client.call.retries").is_empty());
    // The generated stub names the method; the layer names no target and tonic's request
    // carries no authority (the channel adds it below the layer).
    let started = named(&points, "grpc.client.attempt.started")[0];
    assert_eq!(started.labels["grpc.method"], UNARY);
    assert_eq!(started.labels["grpc.target"], "unknown");
    // The slow first attempt lost: cancelled.
    let statuses: Vec<&str> = named(&points, "grpc.client.attempt.duration")
        .iter()
        .map(|p| p.labels["grpc.status"].as_str())
        .collect();
    assert_eq!(statuses, ["CANCELLED", "OK"]);
}

#[tokio::test]
async fn the_builder_target_labels_live_calls_a66() {
    let server =
        live_support::server(serde_json::json!({"schedule": {"script": [{"status": "OK"}]}})).await;
    let pipeline = Pipeline::new();
    let otel = OtelRecorder::builder().build(&pipeline.provider);
    let trace = Arc::new(TraceRecorder::new());
    let layer = hedgehog::live::RetryLayer::builder()
        .target("dns:///echo.test:443")
        .throttle_registry(Arc::new(hedgehog::engine::ThrottleRegistry::new()))
        .recorder(Arc::new(Tee(Arc::clone(&trace), otel)))
        .build()
        .expect("layer");
    let mut client = live_support::client(&server, layer);
    let request = hedgehog::live::pb::EchoRequest {
        message: "hi".into(),
    };
    client.unary_echo(request).await.expect("OK");
    let calls = live_support::calls(&trace, 1).await;
    assert_eq!(calls[0].method.as_deref(), Some("/echo.Echo/UnaryEcho"));
    let points = pipeline.points();
    let call = named(&points, "grpc.client.call.duration")[0];
    assert_eq!(call.labels["grpc.target"], "dns:///echo.test:443");
    assert_eq!(call.labels["grpc.status"], "OK");
    assert!(close(call.sum, secs(calls[0].ended - calls[0].started)));
}

// Event by event, with hand-made starts, events and records.

fn start<'a>(policy: &'a Policy, registered: bool) -> CallStart<'a> {
    CallStart {
        call: 7,
        at: 0,
        method: "/echo.Echo/UnaryEcho",
        registered,
        target: "dns:///echo.example:443",
        policy,
    }
}

fn sent(attempt: u32, transparent: bool) -> Event<'static> {
    Event::new(
        0,
        7,
        Some(attempt),
        What::Sent {
            previous: None,
            transparent,
        },
    )
}

fn attempt(n: u32, sent: u64, ended: u64, outcome: Outcome, transparent: bool) -> AttemptRecord {
    let mut a = AttemptRecord::new(n, None, sent);
    a.ended = Some(ended);
    a.outcome = Some(outcome);
    a.transparent = transparent;
    a
}

fn record(status: Code, ended: u64, attempts: Vec<AttemptRecord>) -> CallRecord {
    let mut r = CallRecord::new(7, status, 0, ended);
    r.method = Some(Arc::from("/echo.Echo/UnaryEcho"));
    r.attempts = attempts;
    r
}

fn hedging() -> Policy {
    let json = r#"{"methodConfig":[{"name":[{"service":"echo.Echo"}],"hedgingPolicy":{"maxAttempts":3,"hedgingDelay":"0.01s"}}]}"#;
    let config = hedgehog::config::parse_str(json, &Default::default())
        .expect("valid")
        .config;
    policy_of(&config)
}

#[test]
fn a_sent_event_counts_an_attempt_other_events_do_not_a66() {
    let pipeline = Pipeline::new();
    let otel = OtelRecorder::builder().build(&pipeline.provider);
    otel.started(&start(&Policy::None, true));
    otel.event(&sent(1, false));
    otel.event(&Event::new(0, 7, Some(1), What::Headers));
    let points = pipeline.points();
    let started = named(&points, "grpc.client.attempt.started");
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].count, 1);
    assert_eq!(started[0].labels["grpc.target"], "dns:///echo.example:443");
    assert_eq!(started[0].labels["grpc.method"], UNARY);
    assert!(
        named(&points, "grpc.client.call.duration").is_empty(),
        "not before the record"
    );
}

#[test]
fn the_record_gives_attempt_and_call_durations_by_status() {
    let pipeline = Pipeline::new();
    let otel = OtelRecorder::builder()
        .retry_metrics(true)
        .build(&pipeline.provider);
    otel.started(&start(&Policy::None, true));
    let u = Outcome::Status(Code::Unavailable);
    let ok = Outcome::Status(Code::Ok);
    let ms = 1_000_000;
    otel.call(&record(
        Code::Ok,
        12 * ms,
        vec![
            attempt(1, 0, ms, u, false),
            attempt(2, 11 * ms, 12 * ms, ok, false),
        ],
    ));
    let points = pipeline.points();
    let d = named(&points, "grpc.client.attempt.duration");
    assert_eq!(d.len(), 2);
    assert_eq!(
        (
            d[0].labels["grpc.status"].as_str(),
            d[1].labels["grpc.status"].as_str()
        ),
        ("OK", "UNAVAILABLE")
    );
    assert!(close(d[0].sum, 0.001) && close(d[1].sum, 0.001));
    let c = named(&points, "grpc.client.call.duration");
    assert!(close(c[0].sum, 0.012));
    assert_eq!(c[0].labels["grpc.status"], "OK");
    let r = named(&points, "grpc.client.call.retries");
    assert_eq!((r[0].count, r[0].sum), (1, 1.0));
    assert!(close(
        named(&points, "grpc.client.call.retry_delay")[0].sum,
        0.010
    ));
    assert!(named(&points, "grpc.client.call.hedges").is_empty());
}

#[test]
fn hedges_and_transparent_retries_are_counted_apart_a96() {
    let pipeline = Pipeline::new();
    let otel = OtelRecorder::builder()
        .retry_metrics(true)
        .build(&pipeline.provider);
    let policy = hedging();
    otel.started(&start(&policy, true));
    let ok = Outcome::Status(Code::Ok);
    otel.call(&record(
        Code::Ok,
        30,
        vec![
            attempt(1, 0, 1, Outcome::NotSent, false),
            attempt(1, 1, 30, Outcome::Cancelled, true),
            attempt(2, 10, 30, ok, false),
        ],
    ));
    let points = pipeline.points();
    let h = named(&points, "grpc.client.call.hedges");
    assert_eq!((h[0].count, h[0].sum), (1, 1.0));
    let t = named(&points, "grpc.client.call.transparent_retries");
    assert_eq!((t[0].count, t[0].sum), (1, 1.0));
    assert_eq!(t[0].bounds, [1.0, 2.0, 3.0, 4.0, 5.0, 10.0]);
    assert!(named(&points, "grpc.client.call.retries").is_empty());
    let statuses: Vec<&str> = named(&points, "grpc.client.attempt.duration")
        .iter()
        .map(|p| p.labels["grpc.status"].as_str())
        .collect();
    assert_eq!(statuses, ["CANCELLED", "OK", "UNAVAILABLE"]);
}

#[test]
fn unregistered_methods_are_other_unless_asked_a66() {
    for (generic, expected) in [(false, "other"), (true, UNARY)] {
        let pipeline = Pipeline::new();
        let otel = OtelRecorder::builder()
            .record_generic_methods(generic)
            .build(&pipeline.provider);
        otel.started(&start(&Policy::None, false));
        otel.event(&sent(1, false));
        let points = pipeline.points();
        let started = named(&points, "grpc.client.attempt.started");
        assert_eq!(started[0].labels["grpc.method"], expected);
    }
}
