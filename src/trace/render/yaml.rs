//! The YAML of `--summary` documents, in the style of the YAML trace (which `sections.rs`
//! writes): block structure down to the records, each record or value one line in flow style
//! with JSON scalars (JSON is YAML's flow syntax; keys go unquoted for readability).

use std::fmt::Write as _;

use crate::json::Value;

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
