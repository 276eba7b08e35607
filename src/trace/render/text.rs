//! The text renderer: a trace for people, per call its attempts, then the event log.

use std::fmt::Write as _;

use crate::time::{to_ms, Nanos};
use crate::trace::Trace;

fn ms_text(ns: Nanos) -> String {
    format!("{:.3}ms", to_ms(ns))
}

/// The trace for people: per call its attempts, then the event log.
pub fn to_text(trace: &Trace, description: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {} · seed {} · {}",
        trace.scenario, trace.seed, trace.mode
    );
    for line in description.lines() {
        let _ = writeln!(out, "  {line}");
    }
    for c in &trace.calls {
        let message = c
            .message
            .as_ref()
            .map_or(String::new(), |m| format!(" {m:?}"));
        let _ = writeln!(
            out,
            "\ncall {}: {}{message} after {} (started {}, {} attempt{})",
            c.call,
            c.status,
            ms_text(c.ended.saturating_sub(c.started)),
            ms_text(c.started),
            c.attempts.len(),
            if c.attempts.len() == 1 { "" } else { "s" },
        );
        for a in &c.attempts {
            let previous = a.previous.map_or("none".to_string(), |p| p.to_string());
            let ended = a.ended.map_or("-".to_string(), ms_text);
            let outcome = a.outcome.map_or("(running)", |o| o.as_str());
            let mut extra = String::new();
            if let Some(p) = &a.pushback {
                let _ = write!(extra, "  pushback {p:?}");
            }
            if a.committed {
                extra.push_str("  committed");
            }
            if a.transparent {
                extra.push_str("  transparent");
            }
            let _ = writeln!(
                out,
                "  attempt {:<2} previous {:<4} sent {:>12}  ended {:>12}  {outcome}{extra}",
                a.attempt,
                previous,
                ms_text(a.sent),
                ended,
            );
        }
    }
    if !trace.events.is_empty() {
        out.push_str("\nevents:\n");
        for e in &trace.events {
            let attempt = e.attempt.map_or(String::new(), |a| format!("attempt {a}"));
            let line = format!(
                "  {:>12}  call {:<3} {:<10} {:<16} {}",
                ms_text(e.at),
                e.call,
                attempt,
                e.kind.as_str(),
                e.detail
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    out
}
