//! The tracing recorder against traces of the same runs (the seed demo simulated, a hedging
//! scenario live on 127.0.0.1), and event by event: every trace event is one tracing event
//! under the call's span, with the documented name, level and fields.
#![cfg(feature = "tracing")]

mod observe_support;

use std::path::Path;
use std::sync::Arc;

use hedgehog::code::Code;
use hedgehog::config::Policy;
use hedgehog::live::run::run_live_with;
use hedgehog::observe::TracingRecorder;
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::run_with;
use hedgehog::trace::{
    AttemptRecord, CallRecord, CallStart, Event, EventKind, Mode, Outcome, PushbackMeaning,
    Recorder, Tee, Trace, TraceRecorder, What,
};
use observe_support::{capture, EventSeen, Seen};
use tracing::Level;

fn scenario(name: &str) -> Scenario {
    Scenario::load(Path::new(&format!("sims/{name}.json"))).expect("scenario")
}

/// The tracing event name of a trace event kind (the documented table).
fn message(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Sent => "attempt.sent",
        EventKind::Headers => "attempt.headers",
        EventKind::Closed => "attempt.closed",
        EventKind::Backoff => "backoff",
        EventKind::Pushback => "pushback",
        EventKind::Tokens => "throttle.tokens",
        EventKind::Throttled => "throttle.refused",
        EventKind::HedgeTimer => "hedge.scheduled",
        EventKind::HedgingStopped => "hedging.stopped",
        EventKind::RecvTimeout => "attempt.recv_timeout",
        EventKind::Transparent => "transparent_retry",
        EventKind::Commit => "commit",
        EventKind::Cancel => "attempt.cancelled",
        EventKind::Deadline => "deadline",
        EventKind::Finish => "finish",
        other => panic!("no tracing event name documented for {other:?}"),
    }
}

/// What every run's spans owe its trace: one closed `grpc.call` span per call with its
/// method, status, attempts and committed attempt, and one event per trace event, in order,
/// named after its kind, under its call's span, at the trace's time.
fn check_against_trace(trace: &Trace, seen: &Seen) {
    assert_eq!(seen.spans.len(), trace.calls.len());
    for (i, span) in seen.spans.iter().enumerate() {
        let call = &trace.calls[i];
        let f = &span.fields;
        assert_eq!(span.name, "grpc.call");
        assert_eq!(f["call"], call.call.to_string());
        assert_eq!(Some(f["method"].as_str()), call.method.as_deref());
        assert_eq!(f["status"], call.status.name());
        assert_eq!(f["attempts"], call.attempts.len().to_string());
        let committed = call
            .attempts
            .iter()
            .find(|a| a.committed)
            .map(|a| a.attempt.to_string());
        assert_eq!(f.get("committed_attempt"), committed.as_ref());
        assert_eq!(f["duration_ns"], (call.ended - call.started).to_string());
        assert!(seen.closed.contains(&i), "span {i} closed");
    }
    assert_eq!(seen.events.len(), trace.events.len());
    for (e, t) in seen.events.iter().zip(&trace.events) {
        assert_eq!(e.message, message(t.kind), "{t:?}");
        assert_eq!(e.fields["call"], t.call.to_string());
        assert_eq!(e.fields["at_ns"], t.at.to_string());
        assert_eq!(
            e.fields.get("attempt"),
            t.attempt.map(|a| a.to_string()).as_ref()
        );
        let span = e.span.expect("under a span");
        assert_eq!(seen.spans[span].fields["call"], t.call.to_string());
    }
}

fn named<'a>(seen: &'a Seen, message: &str) -> Vec<&'a EventSeen> {
    seen.events
        .iter()
        .filter(|e| e.message == message)
        .collect()
}

fn field<'a>(events: &[&'a EventSeen], name: &str) -> Vec<Option<&'a str>> {
    events
        .iter()
        .map(|e| e.fields.get(name).map(String::as_str))
        .collect()
}

#[test]
fn seed_demo_spans_match_its_trace() {
    let s = scenario("seed-demo");
    let (subscriber, seen) = capture();
    let trace = TraceRecorder::new();
    let spans = TracingRecorder::new();
    tracing::subscriber::with_default(subscriber, || run_with(&s, 1, &Tee(&trace, &spans)));
    let trace = trace.into_trace(&s.name, 1, Mode::Sim);
    let seen = seen.lock().unwrap();
    check_against_trace(&trace, &seen);
    let span = &seen.spans[0].fields;
    assert_eq!(
        (span["policy"].as_str(), span["target"].as_str()),
        ("retry", "sim:///seed-demo")
    );
    let sent = named(&seen, "attempt.sent");
    assert_eq!(
        field(&sent, "previous"),
        [None, Some("1"), Some("2"), Some("3")]
    );
    assert_eq!(
        field(&sent, "kind"),
        [
            Some("original"),
            Some("retry"),
            Some("retry"),
            Some("retry")
        ]
    );
    assert_eq!(
        field(&named(&seen, "attempt.closed"), "outcome"),
        [
            Some("UNAVAILABLE"),
            Some("UNAVAILABLE"),
            Some("UNAVAILABLE"),
            Some("OK")
        ]
    );
    // Each backoff says when the next attempt goes: exactly when the record says it went.
    let backoffs = named(&seen, "backoff");
    let sends: Vec<String> = trace.calls[0].attempts[1..]
        .iter()
        .map(|a| a.sent.to_string())
        .collect();
    let next: Vec<String> = backoffs
        .iter()
        .map(|b| b.fields["next_ns"].clone())
        .collect();
    assert_eq!(next, sends);
    assert!(backoffs
        .iter()
        .all(|b| b.level == Level::DEBUG && b.fields["jitter"] == "spec"));
}

#[tokio::test]
async fn hedging_live_spans_match_its_trace() {
    let s = scenario("hedging-basic");
    let (subscriber, seen) = capture();
    let _guard = tracing::subscriber::set_default(subscriber);
    let run = run_live_with(&s, 1, Some(Arc::new(TracingRecorder::new())))
        .await
        .expect("live run");
    let seen = seen.lock().unwrap();
    check_against_trace(&run.trace, &seen);
    assert_eq!(seen.spans[0].fields["policy"], "hedging");
    assert_eq!(seen.spans[0].fields["committed_attempt"], "2");
    let sent = named(&seen, "attempt.sent");
    assert_eq!(field(&sent, "kind"), [Some("original"), Some("hedge")]);
    assert_eq!(field(&sent, "previous"), [None, Some("1")]);
    assert_eq!(
        field(&named(&seen, "attempt.cancelled"), "attempt"),
        [Some("1")]
    );
    assert_eq!(named(&seen, "hedge.scheduled")[0].fields["cause"], "delay");
}

// Event by event.

fn start(policy: &Policy) -> CallStart<'_> {
    CallStart {
        call: 3,
        at: 0,
        method: "/echo.Echo/UnaryEcho",
        registered: true,
        target: "dns:///echo.example:443",
        policy,
    }
}

/// The one tracing event `what` becomes, on call 3 at 5ns, for attempt `attempt`.
fn one(what: What<'_>, attempt: Option<u32>) -> EventSeen {
    let (subscriber, seen) = capture();
    tracing::subscriber::with_default(subscriber, || {
        let r = TracingRecorder::new();
        r.started(&start(&Policy::None));
        assert!(r.wants_events());
        r.event(&Event::new(5, 3, attempt, what));
    });
    let seen = seen.lock().unwrap();
    assert_eq!(seen.events.len(), 1);
    let e = seen.events[0].clone();
    assert_eq!(
        (
            e.fields["call"].as_str(),
            e.fields["at_ns"].as_str(),
            e.span
        ),
        ("3", "5", Some(0))
    );
    e
}

fn has(e: &EventSeen, message: &str, level: Level, fields: &[(&str, &str)]) {
    assert_eq!((e.message.as_str(), e.level), (message, level));
    for (k, v) in fields {
        assert_eq!(
            e.fields.get(*k).map(String::as_str),
            Some(*v),
            "{message}.{k}"
        );
    }
}

#[test]
fn every_decision_is_one_event_with_its_fields() {
    use What::*;
    let sent = Sent {
        previous: Some(2),
        transparent: false,
    };
    has(
        &one(sent, Some(3)),
        "attempt.sent",
        Level::DEBUG,
        &[("attempt", "3"), ("previous", "2"), ("kind", "retry")],
    );
    let first = one(
        Sent {
            previous: None,
            transparent: false,
        },
        Some(1),
    );
    assert!(!first.fields.contains_key("previous"));
    has(
        &first,
        "attempt.sent",
        Level::DEBUG,
        &[("kind", "original")],
    );
    let replay = Sent {
        previous: None,
        transparent: true,
    };
    has(
        &one(replay, Some(1)),
        "attempt.sent",
        Level::DEBUG,
        &[("kind", "transparent")],
    );
    has(
        &one(Headers, Some(1)),
        "attempt.headers",
        Level::TRACE,
        &[("attempt", "1")],
    );
    let closed = Closed {
        outcome: Outcome::Status(Code::Unavailable),
        pushback: Some("10"),
    };
    has(
        &one(closed, Some(1)),
        "attempt.closed",
        Level::DEBUG,
        &[("outcome", "UNAVAILABLE"), ("pushback", "10")],
    );
    has(
        &one(Cancel, Some(2)),
        "attempt.cancelled",
        Level::DEBUG,
        &[("attempt", "2")],
    );
    let backoff = Backoff {
        retry: 1,
        nominal: 10,
        delay: 9,
        jitter: "spec",
        next: 20,
    };
    has(
        &one(backoff, None),
        "backoff",
        Level::DEBUG,
        &[
            ("retry", "1"),
            ("nominal_ns", "10"),
            ("delay_ns", "9"),
            ("jitter", "spec"),
            ("next_ns", "20"),
        ],
    );
    let pushback = Pushback {
        raw: "-1",
        meaning: PushbackMeaning::Stop,
        next: None,
    };
    let p = one(pushback, None);
    has(
        &p,
        "pushback",
        Level::DEBUG,
        &[("raw", "-1"), ("meaning", "stop (negative)")],
    );
    assert!(!p.fields.contains_key("next_ns"));
    has(
        &one(
            Tokens {
                milli: 9000,
                max_milli: 10000,
            },
            None,
        ),
        "throttle.tokens",
        Level::TRACE,
        &[("milli", "9000"), ("max_milli", "10000")],
    );
    has(
        &one(
            Throttled {
                milli: 4000,
                max_milli: 10000,
            },
            None,
        ),
        "throttle.refused",
        Level::DEBUG,
        &[("milli", "4000")],
    );
    has(
        &one(
            HedgeTimer {
                at: 50,
                cause: "delay",
            },
            None,
        ),
        "hedge.scheduled",
        Level::DEBUG,
        &[("due_ns", "50"), ("cause", "delay")],
    );
    has(
        &one(
            HedgingStopped {
                cause: "fatal status",
            },
            None,
        ),
        "hedging.stopped",
        Level::DEBUG,
        &[("cause", "fatal status")],
    );
    has(
        &one(Transparent { cause: "refused" }, None),
        "transparent_retry",
        Level::DEBUG,
        &[("cause", "refused")],
    );
    has(
        &one(Commit { overflow: true }, Some(2)),
        "commit",
        Level::DEBUG,
        &[("attempt", "2"), ("overflow", "true")],
    );
    has(
        &one(
            Deadline {
                deadline: Some(100),
            },
            None,
        ),
        "deadline",
        Level::DEBUG,
        &[("deadline_ns", "100")],
    );
    let finish = Finish {
        status: Code::Ok,
        reason: "ok",
    };
    has(
        &one(finish, Some(2)),
        "finish",
        Level::DEBUG,
        &[("status", "OK"), ("reason", "ok"), ("attempt", "2")],
    );
}

#[test]
fn the_span_opens_at_the_start_and_closes_with_the_record() {
    let (subscriber, seen) = capture();
    tracing::subscriber::with_default(subscriber, || {
        let r = TracingRecorder::new();
        r.started(&start(&Policy::None));
        let mut attempt = AttemptRecord::new(1, None, 0);
        attempt.ended = Some(7);
        attempt.outcome = Some(Outcome::Status(Code::Unavailable));
        let mut record = CallRecord::new(3, Code::Unavailable, 0, 7);
        record.method = Some(Arc::from("/echo.Echo/UnaryEcho"));
        record.attempts = vec![attempt];
        r.call(&record);
        // After its record, the call's events have no span to go to.
        r.event(&Event::new(8, 3, None, What::Headers));
    });
    let seen = seen.lock().unwrap();
    let f = &seen.spans[0].fields;
    assert_eq!(seen.spans[0].name, "grpc.call");
    assert_eq!(f["method"], "/echo.Echo/UnaryEcho");
    assert_eq!(f["target"], "dns:///echo.example:443");
    assert_eq!(f["policy"], "none");
    assert_eq!(
        (
            f["status"].as_str(),
            f["attempts"].as_str(),
            f["duration_ns"].as_str()
        ),
        ("UNAVAILABLE", "1", "7")
    );
    assert!(!f.contains_key("committed_attempt"));
    assert_eq!(seen.closed, [0]);
    assert!(seen.events.is_empty());
}

#[test]
fn nobody_listening_means_no_events_wanted() {
    let r = TracingRecorder::new();
    r.started(&start(&Policy::None));
    assert!(!r.wants_events());
}
