//! The sweep report: one row per variant, as an aligned table or CSV.
//!
//! Floats appear only here, computed from the merged integer tallies, so the printed text is a
//! pure function of the tallies — the same for any `--jobs` and after `hedgehog merge`.

use super::sweep::Sweep;
use crate::code::Code;
use crate::sim::load::tally::Tally;
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

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// One row's cells.
pub fn row(label: &str, seeds: u64, t: &Tally) -> Vec<String> {
    let ms = |q: f64| format!("{:.3}", to_ms(t.latency_at(q)));
    vec![
        label.to_string(),
        seeds.to_string(),
        t.requests.to_string(),
        t.rpcs.to_string(),
        format!("{:.4}", ratio(t.attempts, t.rpcs)),
        format!(
            "{:.2}",
            100.0 * ratio(t.attempts.saturating_sub(t.rpcs), t.rpcs)
        ),
        format!("{:.3}", 100.0 * ratio(t.status_count(Code::Ok), t.requests)),
        ms(0.5),
        ms(0.9),
        ms(0.99),
        ms(0.999),
        ms(1.0),
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

fn rows(sweep: &Sweep) -> Vec<Vec<String>> {
    let n = sweep.seed_count();
    sweep
        .variants
        .iter()
        .map(|v| row(&v.label, n, &v.tally))
        .collect()
}

/// An aligned text table with a title line.
pub fn table(sweep: &Sweep) -> String {
    let body = rows(sweep);
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
    let mut out = COLUMNS.join(",") + "\n";
    for r in rows(sweep) {
        out.push_str(&r.iter().map(|c| quote(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}
