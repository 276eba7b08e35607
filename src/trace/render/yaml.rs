//! The YAML renderer: every YAML hedgehog prints comes from here (traces for snapshots, and
//! `--summary` documents), in one style: block structure down to the records, each record or
//! value one line in flow style with JSON scalars (JSON is YAML's flow syntax; keys go
//! unquoted for readability).

use std::fmt::Write as _;

use super::record_json;
use crate::json::Value;
use crate::trace::Trace;

/// One JSON value as a YAML scalar or flow collection (JSON is valid YAML flow syntax, except
/// that we drop the quotes around keys for readability).
fn flow(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(flow).collect::<Vec<_>>().join(", ")
            )
        }
        other => other.to_string(),
    }
}

/// The trace as YAML: block structure for the run and calls, one flow line per record.
pub fn to_yaml(trace: &Trace) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario: {}", Value::from(&trace.scenario));
    let _ = writeln!(out, "seed: {}", trace.seed);
    let _ = writeln!(out, "mode: {}", Value::from(&trace.mode));
    out.push_str(if trace.calls.is_empty() {
        "calls: []\n"
    } else {
        "calls:\n"
    });
    for c in &trace.calls {
        let v = record_json(c);
        for (i, key) in ["call", "status", "message", "started_ms", "ended_ms"]
            .iter()
            .enumerate()
        {
            let lead = if i == 0 { "  - " } else { "    " };
            let _ = writeln!(out, "{lead}{key}: {}", flow(&v[*key]));
        }
        if c.attempts.is_empty() {
            out.push_str("    attempts: []\n");
        } else {
            out.push_str("    attempts:\n");
            for a in &c.attempts {
                let _ = writeln!(out, "      - {}", flow(&record_json(a)));
            }
        }
    }
    out.push_str(if trace.events.is_empty() {
        "events: []\n"
    } else {
        "events:\n"
    });
    for e in &trace.events {
        let _ = writeln!(out, "  - {}", flow(&record_json(e)));
    }
    out
}

/// A summary document (a JSON object whose values are scalars or objects) as YAML: one
/// `key: value` line per entry, an object's entries indented under its key, values in flow
/// style. The text and YAML form of `hedgehog sim --summary`.
pub fn summary_to_yaml(summary: &Value) -> String {
    let mut out = String::new();
    let Some(map) = summary.as_object() else {
        return flow(summary) + "\n";
    };
    for (k, v) in map {
        match v.as_object() {
            Some(inner) => {
                let _ = writeln!(out, "{k}:");
                for (ik, iv) in inner {
                    let _ = writeln!(out, "  {ik}: {}", flow(iv));
                }
            }
            None => {
                let _ = writeln!(out, "{k}: {}", flow(v));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_block_mappings_with_flow_values() {
        let v = crate::json::parse(
            r#"{"scenario": "s", "calls": 3,
                "latency_ms": {"p50": 1.5, "max": 2.0},
                "series": {"offered": [1, 2]}}"#,
        )
        .expect("valid");
        assert_eq!(
            summary_to_yaml(&v),
            "scenario: \"s\"\ncalls: 3\nlatency_ms:\n  p50: 1.5\n  max: 2.0\nseries:\n  offered: [1, 2]\n"
        );
    }
}
