//! The study file (`"model": "occ"`): client counts, algorithms, hop distribution, backoff
//! base and cap, runs per cell. Unknown keys are errors, as in scenario files.

use crate::json::Value;

use super::Algo;
use crate::experiments::sweep::MAX_SEEDS;
use crate::scenario::fields::FieldError;
use crate::time::Nanos;

/// A parsed `"model": "occ"` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Study {
    /// `name`.
    pub name: String,
    /// Client counts N, one table row each.
    pub clients: Vec<u64>,
    /// Algorithms, one column each.
    pub algorithms: Vec<Algo>,
    /// Mean and standard deviation of a hop, ms.
    pub hop_ms: (f64, f64),
    /// Backoff base.
    pub base: Nanos,
    /// Backoff cap.
    pub cap: Nanos,
    /// Seeds: one run per seed per cell. A range, iterated and never collected, so `runs` (or
    /// `--seeds`) of 10⁸ costs two numbers, not a list.
    pub seeds: std::ops::Range<u64>,
}

impl Study {
    /// Parses the study; errors name the key (a [`FieldError`], as in scenario files).
    pub fn parse(v: &Value) -> Result<Study, FieldError> {
        // A literal, not FieldError::new: an unknown key "" must print as it always has, not
        // as `<root>`.
        let err = |key: &str, message: &str| FieldError {
            path: key.to_string(),
            message: message.to_string(),
        };
        if v.get("model").and_then(Value::as_str) != Some("occ") {
            return Err(err("model", "expected \"occ\""));
        }
        let allowed = [
            "model",
            "name",
            "description",
            "clients",
            "algorithms",
            "hop_ms",
            "base_ms",
            "cap_ms",
            "runs",
            "$comment",
        ];
        if let Some(k) = v
            .as_object()
            .and_then(|m| m.keys().find(|k| !allowed.contains(&k.as_str())))
        {
            return Err(err(
                k,
                &format!("unknown key; expected one of: {}", allowed.join(", ")),
            ));
        }
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| err("name", "expected a string"))?
            .to_string();
        let clients: Vec<u64> = v
            .get("clients")
            .and_then(Value::as_array)
            .ok_or_else(|| err("clients", "expected an array of client counts"))?
            .iter()
            .map(|n| {
                n.as_u64()
                    .filter(|n| (1..=100_000).contains(n))
                    .ok_or_else(|| err("clients", "expected integers in 1..=100000"))
            })
            .collect::<Result<_, _>>()?;
        let algorithms = match v.get("algorithms") {
            None => Algo::ALL.to_vec(),
            Some(a) => a
                .as_array()
                .ok_or_else(|| err("algorithms", "expected an array"))?
                .iter()
                .map(|s| {
                    s.as_str().and_then(Algo::from_name).ok_or_else(|| {
                        err("algorithms", &format!("unknown {s}; expected none, exponential, full, equal, decorrelated, a6"))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let num = |k: &str, d: f64| -> Result<f64, FieldError> {
            match v.get(k) {
                None => Ok(d),
                Some(x) => x
                    .as_f64()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| err(k, "expected a number >= 0")),
            }
        };
        let hop = v.get("hop_ms");
        let hop_ms = match hop {
            None => (10.0, 2.0),
            Some(h) => match (
                h.get("mean").and_then(Value::as_f64),
                h.get("sd").and_then(Value::as_f64),
            ) {
                (Some(m), Some(s)) if m >= 0.0 && s >= 0.0 => (m, s),
                _ => return Err(err("hop_ms", "expected {\"mean\": ms, \"sd\": ms}")),
            },
        };
        let ms = |x: f64| (x * 1e6).round() as Nanos;
        let runs = match v.get("runs") {
            None => 100,
            Some(r) => r
                .as_u64()
                .filter(|r| (1..=MAX_SEEDS).contains(r))
                .ok_or_else(|| {
                    err(
                        "runs",
                        &format!(
                            "expected an integer from 1 to {MAX_SEEDS} (the seeds a sweep may run)"
                        ),
                    )
                })?,
        };
        Ok(Study {
            name,
            clients,
            algorithms,
            hop_ms,
            base: ms(num("base_ms", 5.0)?),
            cap: ms(num("cap_ms", 2000.0)?),
            seeds: 1..runs + 1,
        })
    }

    /// Runs per cell: one per seed.
    pub fn runs_per_cell(&self) -> u64 {
        self.seeds.end.saturating_sub(self.seeds.start)
    }

    /// Runs in the whole study.
    pub fn total_runs(&self) -> u64 {
        ((self.clients.len() * self.algorithms.len()) as u64).saturating_mul(self.runs_per_cell())
    }
}
