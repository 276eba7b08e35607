//! Rendering a [`Trace`]: `json` (docs/trace.md), `yaml` (snapshots), `text` (people), and
//! `svg` (a picture of the attempt timeline, [`to_svg`]).
//!
//! The three text formats read the same records and print times with
//! [`to_ms`](crate::time::to_ms) (integer microseconds, then one division), so they agree to
//! the digit and never depend on float formatting quirks: the JSON numbers come from serde_json's shortest round-trip
//! printing, and YAML reuses it. The JSON is the records' own `Serialize` impls (in `json.rs`),
//! which a library user's `serde_json::to_string(&trace)` goes through too; the YAML is written
//! by hand as one flow mapping per attempt and per event, which keeps a snapshot diff to one
//! line per changed record; strings are JSON-quoted, which is valid YAML. The picture reads
//! the same records again and draws them in integer tenths of a pixel (`svg/`).

pub(crate) mod bytes;
mod fields;
mod json;
pub(crate) mod sections;
mod svg;
mod yaml;

pub use json::from_ms;
pub use sections::{EventLine, Head};
pub use svg::{to_svg, SvgOptions, MAX_CALLS};
pub use yaml::summary_to_yaml;

use crate::json::Value;

use super::{Trace, TraceEvent};

impl TraceEvent {
    /// The event as a borrowed log line.
    pub fn line(&self) -> EventLine<'_> {
        EventLine {
            at: self.at,
            call: self.call,
            attempt: self.attempt,
            kind: self.kind,
            detail: &self.detail,
        }
    }
}

/// Output formats of `hedgehog sim`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// For snapshots and diffs.
    Yaml,
    /// The JSON trace documented in docs/trace.md.
    Json,
}

/// The trace for people: per call its attempts, then the event log.
pub fn to_text(trace: &Trace, description: &str) -> String {
    whole(Format::Text, trace, description)
}

/// The trace as YAML: block structure for the run and calls, one flow line per record.
pub fn to_yaml(trace: &Trace) -> String {
    whole(Format::Yaml, trace, "")
}

/// A whole trace written through the pieces a streamed one is written with.
fn whole(format: Format, trace: &Trace, description: &str) -> String {
    let mut out = Vec::new();
    sections::head(format, &mut out, &trace.head(), description);
    for (i, c) in trace.calls.iter().enumerate() {
        sections::call(format, &mut out, c, i == 0);
    }
    sections::calls_end(format, &mut out, !trace.calls.is_empty());
    for (i, e) in trace.events.iter().enumerate() {
        sections::event(format, &mut out, &e.line(), i == 0);
    }
    sections::end(format, &mut out, !trace.events.is_empty());
    // Every piece writes UTF-8 (the strings it copies are Rust strings).
    String::from_utf8_lossy(&out).into_owned()
}

/// Any trace record as an ordered JSON value (what its `Serialize` impl writes).
fn record_json<T: serde::Serialize>(record: &T) -> Value {
    crate::json::to_value(record).expect("a trace record serializes to JSON")
}

/// The JSON trace of docs/trace.md as a value.
pub fn to_json(trace: &Trace) -> Value {
    record_json(trace)
}

/// The documented JSON trace as compact text: what `hedgehog sim --format json` prints for
/// each seed, and what `serde_json::to_string(trace)` gives.
pub fn to_json_string(trace: &Trace) -> String {
    serde_json::to_string(trace).expect("a trace serializes to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::time::Nanos;
    use crate::trace::{AttemptRecord, CallRecord, EventKind, Outcome, TraceEvent};

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
            profile: None,
            config_rejected: None,
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
                attempts_unlisted: 0,
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
    fn the_written_json_pieces_are_the_records_serialize_impls() {
        let mut t = sample();
        let call = &mut t.calls[0];
        let mut odd = call.attempts[0].clone();
        (odd.attempt, odd.ended, odd.outcome) = (3, None, None);
        (odd.pushback, odd.transparent) = (Some("a\"\\\u{1}é".into()), true);
        call.attempts.push(odd);
        let mut silent = call.clone();
        (silent.message, silent.attempts, silent.ended) = (None, vec![], u64::MAX);
        for c in [&t.calls[0], &silent] {
            let mut out = Vec::new();
            sections::call_body(Format::Json, &mut out, c);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(c).unwrap()
            );
        }
        let mut e = t.events[0].clone();
        for (attempt, detail) in [(Some(1), "UNAVAILABLE"), (None, "tab\t \"q\"")] {
            (e.attempt, e.detail) = (attempt, detail.to_string());
            let mut out = Vec::new();
            sections::event(Format::Json, &mut out, &e.line(), true);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&e).unwrap()
            );
        }
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
