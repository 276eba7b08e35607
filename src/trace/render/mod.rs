//! Rendering a [`Trace`]: `json` (the DESIGN.md contract), `yaml` (snapshots), `text` (people).
//!
//! All three read the same records and print times with [`to_ms`] (integer microseconds, then
//! one division), so they agree to the digit and never depend on float formatting quirks: the
//! JSON numbers come from serde_json's shortest round-trip printing, and YAML reuses it.
//! The YAML is written by hand as one flow mapping per attempt and per event, which keeps a
//! snapshot diff to one line per changed record; strings are JSON-quoted, which is valid YAML.

mod text;
mod yaml;

pub use text::to_text;
pub use yaml::{summary_to_yaml, to_yaml};

use serde_json::{json, Value};

use super::{AttemptRecord, CallRecord, Trace, TraceEvent};
use crate::time::{to_ms, Nanos};

/// Output formats of `hedgehog sim`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// For snapshots and diffs.
    Yaml,
    /// The DESIGN.md JSON trace.
    Json,
}

fn ms(ns: Nanos) -> Value {
    json!(to_ms(ns))
}

fn opt_ms(ns: Option<Nanos>) -> Value {
    ns.map_or(Value::Null, ms)
}

pub(super) fn attempt_json(a: &AttemptRecord) -> Value {
    let mut v = json!({
        "attempt": a.attempt,
        "previous": a.previous,
        "sent_ms": ms(a.sent),
        "ended_ms": opt_ms(a.ended),
        "outcome": a.outcome.map(|o| o.as_str()),
        "committed": a.committed,
        "pushback_ms": a.pushback,
    });
    if a.transparent {
        v["transparent"] = json!(true);
    }
    v
}

pub(super) fn call_json(c: &CallRecord) -> Value {
    json!({
        "call": c.call,
        "status": c.status.name(),
        "message": c.message,
        "started_ms": ms(c.started),
        "ended_ms": ms(c.ended),
        "attempts": c.attempts.iter().map(attempt_json).collect::<Vec<_>>(),
    })
}

pub(super) fn event_json(e: &TraceEvent) -> Value {
    json!({
        "at_ms": ms(e.at),
        "call": e.call,
        "attempt": e.attempt,
        "kind": e.kind.as_str(),
        "detail": e.detail,
    })
}

/// The DESIGN.md JSON trace as a value.
pub fn to_json(trace: &Trace) -> Value {
    json!({
        "scenario": trace.scenario,
        "seed": trace.seed,
        "mode": trace.mode,
        "calls": trace.calls.iter().map(call_json).collect::<Vec<_>>(),
        "events": trace.events.iter().map(event_json).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::trace::{EventKind, Outcome};

    fn sample() -> Trace {
        let attempt =
            |n: u32, prev: Option<u32>, sent: Nanos, end: Nanos, code: Code| AttemptRecord {
                attempt: n,
                previous: prev,
                sent,
                ended: Some(end),
                outcome: Some(Outcome::Status(code)),
                committed: code == Code::Ok,
                pushback: None,
                transparent: false,
            };
        Trace {
            scenario: "demo".into(),
            seed: 1,
            mode: "sim".into(),
            calls: vec![CallRecord {
                call: 0,
                method: None,
                status: Code::Ok,
                message: Some("Try \"and\" Success".into()),
                started: 0,
                ended: 31_404_000,
                attempts: vec![
                    attempt(1, None, 0, 1_000_000, Code::Unavailable),
                    attempt(2, Some(1), 9_100_000, 31_404_000, Code::Ok),
                ],
            }],
            events: vec![TraceEvent {
                at: 1_000_000,
                call: 0,
                attempt: Some(1),
                kind: EventKind::Closed,
                detail: "UNAVAILABLE".into(),
            }],
        }
    }

    #[test]
    fn json_has_exactly_the_design_shape() {
        let v = to_json(&sample());
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&v), ["scenario", "seed", "mode", "calls", "events"]);
        let call = &v["calls"][0];
        assert_eq!(
            keys(call),
            [
                "call",
                "status",
                "message",
                "started_ms",
                "ended_ms",
                "attempts"
            ]
        );
        assert_eq!(
            keys(&call["attempts"][0]),
            [
                "attempt",
                "previous",
                "sent_ms",
                "ended_ms",
                "outcome",
                "committed",
                "pushback_ms"
            ]
        );
        assert_eq!(
            keys(&v["events"][0]),
            ["at_ms", "call", "attempt", "kind", "detail"]
        );
        assert_eq!(call["attempts"][0]["previous"], Value::Null);
        assert_eq!(call["attempts"][1]["previous"], 1);
        assert_eq!(call["ended_ms"].to_string(), "31.404");
        assert_eq!(call["started_ms"].to_string(), "0.0");
        assert_eq!(v["events"][0]["kind"], "closed");
    }

    #[test]
    fn yaml_is_one_line_per_record_with_quoted_strings() {
        let y = to_yaml(&sample());
        assert!(
            y.contains("    message: \"Try \\\"and\\\" Success\"\n"),
            "{y}"
        );
        assert!(y.contains("      - {attempt: 2, previous: 1, sent_ms: 9.1, ended_ms: 31.404, outcome: \"OK\", committed: true, pushback_ms: null}\n"), "{y}");
        assert!(y.contains("  - {at_ms: 1.0, call: 0, attempt: 1, kind: \"closed\", detail: \"UNAVAILABLE\"}\n"), "{y}");
    }

    #[test]
    fn text_lists_attempts_with_previous_and_outcome() {
        let t = to_text(&sample(), "A story.");
        assert!(t.contains("call 0: OK"), "{t}");
        assert!(t.contains("attempt 1  previous none"), "{t}");
        assert!(t.contains("attempt 2  previous 1"), "{t}");
        assert!(t.contains("31.404ms"), "{t}");
    }
}
