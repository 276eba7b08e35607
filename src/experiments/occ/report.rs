//! The study's output: two tables (mean calls, mean completion time), CSV, JSON, and the
//! post's claims checked against our numbers.

use crate::json::{object, Value};

use super::{Algo, Cell, Study};
use crate::time::{to_ms, Nanos};

fn cell<'a>(study: &Study, cells: &'a [Cell], n: u64, algo: Algo) -> Option<&'a Cell> {
    let r = study.clients.iter().position(|x| *x == n)?;
    let c = study.algorithms.iter().position(|a| *a == algo)?;
    cells.get(r * study.algorithms.len() + c)
}

/// The post's claims, checked at the N closest to 100: `(claim, holds, numbers)`.
pub fn claims(study: &Study, cells: &[Cell]) -> Vec<(String, bool, String)> {
    let Some(&n) = study.clients.iter().min_by_key(|n| n.abs_diff(100)) else {
        return vec![];
    };
    let get = |a| cell(study, cells, n, a);
    let mut out = Vec::new();
    if let (Some(full), Some(exp)) = (get(Algo::Full), get(Algo::Exponential)) {
        out.push((
            format!(
                "N={n}: full jitter makes less than half the calls of exponential without jitter"
            ),
            full.mean_calls() < 0.5 * exp.mean_calls(),
            format!("{:.1} vs {:.1}", full.mean_calls(), exp.mean_calls()),
        ));
    }
    if let (Some(full), Some(eq), Some(dec)) =
        (get(Algo::Full), get(Algo::Equal), get(Algo::Decorrelated))
    {
        let (f, e, d) = (full.mean_calls(), eq.mean_calls(), dec.mean_calls());
        out.push((
            format!("N={n}: calls full ≈ equal (within 3%) < decorrelated"),
            (e / f - 1.0).abs() < 0.03 && f.max(e) < d,
            format!("full {f:.1}, equal {e:.1}, decorrelated {d:.1}"),
        ));
    }
    let timed: Vec<(Algo, f64)> = study
        .algorithms
        .iter()
        .filter(|a| **a != Algo::None)
        .filter_map(|a| get(*a).map(|c| (*a, c.mean_time_ms())))
        .collect();
    if let Some(worst) = timed.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1)) {
        out.push((
            format!("N={n}: exponential without jitter takes the longest (of the algorithms that back off)"),
            worst.0 == Algo::Exponential,
            timed.iter().map(|(a, t)| format!("{} {t:.0}ms", a.name())).collect::<Vec<_>>().join(", "),
        ));
    }
    out
}

/// Two tables (mean calls, mean completion time) and the claims.
pub fn table(study: &Study, cells: &[Cell]) -> String {
    let mut out = format!(
        "study {}: {} runs per cell\n",
        study.name,
        study.runs_per_cell()
    );
    for (title, f) in [
        (
            "mean calls (writes) until every client succeeded",
            (|c: &Cell| format!("{:.1}", c.mean_calls())) as fn(&Cell) -> String,
        ),
        (
            "mean time until the last client succeeded (ms)",
            |c: &Cell| format!("{:.1}", c.mean_time_ms()),
        ),
    ] {
        out.push_str(&format!("\n{title}\n{:>5}", "N"));
        for a in &study.algorithms {
            out.push_str(&format!("  {:>12}", a.name()));
        }
        out.push('\n');
        for (r, n) in study.clients.iter().enumerate() {
            out.push_str(&format!("{n:>5}"));
            for c in 0..study.algorithms.len() {
                out.push_str(&format!(
                    "  {:>12}",
                    f(&cells[r * study.algorithms.len() + c])
                ));
            }
            out.push('\n');
        }
    }
    out.push('\n');
    for (claim, holds, numbers) in claims(study, cells) {
        out.push_str(&format!(
            "{} {claim}: {numbers}\n",
            if holds { "holds: " } else { "FAILS: " }
        ));
    }
    out
}

/// `n,algorithm,runs,mean_calls,mean_time_ms` rows.
pub fn csv(study: &Study, cells: &[Cell]) -> String {
    let mut out = "n,algorithm,runs,mean_calls,mean_time_ms\n".to_string();
    for (r, n) in study.clients.iter().enumerate() {
        for (c, a) in study.algorithms.iter().enumerate() {
            let x = &cells[r * study.algorithms.len() + c];
            out.push_str(&format!(
                "{n},{},{},{:.3},{:.3}\n",
                a.name(),
                x.runs,
                x.mean_calls(),
                x.mean_time_ms()
            ));
        }
    }
    out
}

/// The cells as JSON (with the integer sums, so runs can be combined exactly).
pub fn json(study: &Study, cells: &[Cell]) -> Value {
    let mut rows = Vec::new();
    for (r, n) in study.clients.iter().enumerate() {
        for (c, a) in study.algorithms.iter().enumerate() {
            let x = &cells[r * study.algorithms.len() + c];
            rows.push(
                object! {"n": *n, "algorithm": a.name(), "runs": x.runs, "calls": x.calls,
                "time_ns": x.time.to_string(), "mean_calls": x.mean_calls(),
                "mean_time_ms": to_ms((x.time / u128::from(x.runs.max(1))) as Nanos)},
            );
        }
    }
    let claims: Vec<Value> = claims(study, cells)
        .into_iter()
        .map(|(c, h, n)| object! {"claim": c, "holds": h, "numbers": n})
        .collect();
    object! {"study": &study.name, "cells": rows, "claims": claims}
}
