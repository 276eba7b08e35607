//! The sweep report: one row per variant, as an aligned table, CSV, or the JSON document with
//! each variant's figures and their 95 % intervals beside its tallies.
//!
//! Floats appear only here, computed from the merged integer tallies and replicate groups
//! ([`super::figures`]), so the printed text is a pure function of them — the same for any
//! `--jobs` and after `hedgehog merge`. The table prints an interval as `value ±h` (h the
//! larger side: percentile intervals are not symmetric); the CSV appends both ends of each
//! interval after the old columns (whose positions do not move), and the JSON adds a
//! `figures` object per variant, `{"success_pct": {"value": v, "ci95": [lo, hi]}, ...}`, and a
//! top-level `warnings` list, keys a reader of older documents never looked for.

use super::bootstrap::{BOOTSTRAP_SEED, RESAMPLES};
use super::figures::{figures, warnings, Figure, Figures, PERCENTILES};
use super::interval::ratio;
use super::replicates::GROUPS;
use super::sweep::{Sweep, VariantResult};
use crate::json::{object, Map, Value};
use crate::time::to_ms;

/// Column names, in order.
pub const COLUMNS: [&str; 16] = [
    "variant",
    "seeds",
    "requests",
    "rpcs",
    "attempts/rpc",
    "extra_rpcs_%",
    "success_%",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "p99.9_ms",
    "max_ms",
    "throttled",
    "served",
    "utilization_%",
    "healthy_from_s",
];

/// The figures that carry a 95 % interval: `(column, how many decimals)`; the CSV appends a
/// `_ci95_lo` and a `_ci95_hi` column for each, after [`COLUMNS`].
pub const WITH_INTERVALS: [(&str, usize); 7] = [
    ("success_%", 3),
    ("attempts/rpc", 4),
    ("extra_rpcs_%", 2),
    ("p50_ms", 3),
    ("p90_ms", 3),
    ("p99_ms", 3),
    ("p99.9_ms", 3),
];

/// The figures of [`WITH_INTERVALS`], in that order.
fn interval_figures(f: &Figures) -> [Figure; 7] {
    let [p50, p90, p99, p999] = f.latency_ms;
    [
        f.success_pct,
        f.attempts_per_rpc,
        f.extra_rpcs_pct,
        p50,
        p90,
        p99,
        p999,
    ]
}

/// `value ±h`, h the larger side of the interval (`±inf` when it is open above); the value
/// alone without an interval.
fn with_interval(f: &Figure, decimals: usize) -> String {
    let v = format!("{:.decimals$}", f.value);
    match f.ci95 {
        None => v,
        Some((_, None)) => format!("{v} ±inf"),
        Some((lo, Some(hi))) => {
            let h = (f.value - lo).max(hi - f.value).max(0.0);
            format!("{v} ±{h:.decimals$}")
        }
    }
}

/// One row's cells: [`COLUMNS`], figures with `±` when `plus_minus`, bare otherwise.
fn cells(v: &VariantResult, seeds: u64, f: &Figures, plus_minus: bool) -> Vec<String> {
    let t = &v.tally;
    let fig = interval_figures(f);
    let show = |i: usize| {
        let (_, d) = WITH_INTERVALS[i];
        if plus_minus {
            with_interval(&fig[i], d)
        } else {
            format!("{:.d$}", fig[i].value)
        }
    };
    vec![
        v.label.clone(),
        seeds.to_string(),
        t.requests.to_string(),
        t.rpcs.to_string(),
        show(1),
        show(2),
        show(0),
        show(3),
        show(4),
        show(5),
        show(6),
        format!("{:.3}", to_ms(t.latency_at(1.0))),
        t.throttled.to_string(),
        t.served.to_string(),
        if t.busy == 0 {
            "-".into()
        } else {
            format!("{:.1}", 100.0 * ratio(t.busy, t.duration))
        },
        match t.healthy_from() {
            Some(ns) => format!("{}", ns as f64 / 1e9),
            None => "never".into(),
        },
    ]
}

/// The interval columns of the CSV: low and high per [`WITH_INTERVALS`] figure (empty without
/// an interval, `inf` when open above).
fn interval_cells(f: &Figures) -> Vec<String> {
    let mut out = Vec::new();
    for (fig, (_, d)) in interval_figures(f).iter().zip(WITH_INTERVALS) {
        match fig.ci95 {
            None => out.extend([String::new(), String::new()]),
            Some((lo, hi)) => {
                out.push(format!("{lo:.d$}"));
                out.push(hi.map_or("inf".into(), |h| format!("{h:.d$}")));
            }
        }
    }
    out
}

fn rows(sweep: &Sweep, plus_minus: bool) -> Vec<Vec<String>> {
    let n = sweep.seed_count();
    sweep
        .variants
        .iter()
        .map(|v| {
            let f = figures(v);
            let mut r = cells(v, n, &f, plus_minus);
            if !plus_minus {
                r.extend(interval_cells(&f));
            }
            r
        })
        .collect()
}

/// An aligned text table with a title line.
pub fn table(sweep: &Sweep) -> String {
    let body = rows(sweep, true);
    let mut widths: Vec<usize> = COLUMNS.iter().map(|c| c.len()).collect();
    for r in &body {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                s.push_str(&format!("{c:<w$}"));
            } else {
                s.push_str(&format!("  {c:>w$}"));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = format!(
        "scenario {}: {} seed(s), latency of whole user requests\n",
        sweep.scenario,
        sweep.seed_count()
    );
    out.push_str(&line(COLUMNS.iter().map(|c| c.to_string()).collect()));
    for r in body {
        out.push_str(&line(r));
    }
    if sweep
        .variants
        .iter()
        .any(|v| v.replicates.groups().count() >= 2)
    {
        out.push_str(&format!(
            "± : 95 % interval, the larger side (both ends in --format csv|json): bootstrap over \
             seeds, {RESAMPLES} resamples; success also covers the Wilson interval\n"
        ));
    }
    for w in warnings(sweep) {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// CSV with a header row (labels quoted when they hold a comma or a quote).
pub fn csv(sweep: &Sweep) -> String {
    let quote = |c: &str| {
        if c.contains([',', '"']) {
            format!("\"{}\"", c.replace('"', "\"\""))
        } else {
            c.to_string()
        }
    };
    let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    for (name, _) in WITH_INTERVALS {
        header.push(format!("{name}_ci95_lo"));
        header.push(format!("{name}_ci95_hi"));
    }
    let mut out = header.join(",") + "\n";
    for r in rows(sweep, false) {
        out.push_str(&r.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn figure_json(f: &Figure) -> Value {
    let mut out = object! {"value": f.value};
    if let Some((lo, hi)) = f.ci95 {
        out["ci95"] = Value::Array(vec![Value::from(lo), hi.map_or(Value::Null, Value::from)]);
    }
    out
}

/// The mergeable document ([`Sweep::to_json`]) with, per variant, `figures`: each headline
/// number as `{"value", "ci95": [low, high]}` (`high` null when open above; no `ci95` without
/// an interval), and at the top `ci95_method` and `warnings`. `hedgehog merge` reads the
/// tallies and replicate groups back and recomputes the rest.
pub fn json(sweep: &Sweep) -> Value {
    let mut doc = sweep.to_json();
    if let Some(list) = doc.get_mut("variants").and_then(Value::as_array_mut) {
        for (out, v) in list.iter_mut().zip(&sweep.variants) {
            let f = figures(v);
            let mut m = Map::new();
            m.insert("success_pct", figure_json(&f.success_pct));
            m.insert("attempts_per_rpc", figure_json(&f.attempts_per_rpc));
            m.insert("extra_rpcs_pct", figure_json(&f.extra_rpcs_pct));
            for ((_, key, _), fig) in PERCENTILES.iter().zip(&f.latency_ms) {
                m.insert(*key, figure_json(fig));
            }
            out["figures"] = Value::Object(m);
        }
    }
    doc["ci95_method"] = Value::from(format!(
        "percentile bootstrap over seed groups (seed % {GROUPS}), {RESAMPLES} resamples, \
         ChaCha8 seed {BOOTSTRAP_SEED:#x}; success widened to cover the Wilson interval; \
         latency ends rounded outward to their bucket (< 0.8 %)"
    ));
    doc["warnings"] = Value::from(warnings(sweep));
    doc
}
