//! `cost-curve.svg`: each variant's tail latency against the extra RPCs it sent, with 95 %
//! error bars on both — what a hedging delay or a retry policy buys, and at what price.
//!
//! The percentile is the highest of p99.9, p99, p90, p50 that every variant has enough
//! requests to bound ([`min_samples_for_upper_bound`]). Variants that differ only in the last
//! `--vary` form one series (one style, joined in order of cost) and each point is labelled
//! with that last value, so a grid `maxAttempts × hedgingDelay` reads as one curve per
//! `maxAttempts` with its delays along it.

use std::path::Path;

use plotters::prelude::*;

use super::{draw_line, draw_marker, style, titled, with_legend, Res};
use crate::experiments::figures::{figures, Figure, PERCENTILES};
use crate::experiments::interval::min_samples_for_upper_bound;
use crate::experiments::sweep::Sweep;

/// One point: cost (extra RPCs, %) and latency (ms), each with its interval.
struct Point {
    cost: Figure,
    latency: Figure,
    label: String,
}

/// A point's label: its data coordinates, its pixel, its text.
type PlacedLabel = ((f64, f64), (i32, i32), String);

/// Index into [`PERCENTILES`] of the percentile to plot.
fn percentile(sweep: &Sweep) -> usize {
    let fewest = sweep.variants.iter().map(|v| v.tally.requests).min();
    (0..PERCENTILES.len())
        .rev()
        .find(|&i| fewest.unwrap_or(0) >= min_samples_for_upper_bound(PERCENTILES[i].2))
        .unwrap_or(0)
}

/// Series in order of first appearance: (name, points sorted by cost).
fn series(sweep: &Sweep, p: usize) -> Vec<(String, Vec<Point>)> {
    // (the settings but the last, the series' name, its points)
    type Building = (Vec<(String, String)>, String, Vec<Point>);
    let mut out: Vec<Building> = Vec::new();
    for v in &sweep.variants {
        let f = figures(v);
        let (rest, last) = match v.settings.split_last() {
            Some((last, rest)) => (rest.to_vec(), last.1.clone()),
            None => (Vec::new(), v.label.clone()),
        };
        let point = Point {
            cost: f.extra_rpcs_pct,
            latency: f.latency_ms[p],
            label: last,
        };
        match out.iter_mut().find(|s| s.0 == rest) {
            Some(s) => s.2.push(point),
            None => {
                let name = v
                    .label
                    .split(", ")
                    .take(rest.len())
                    .collect::<Vec<_>>()
                    .join(", ");
                out.push((rest, name, vec![point]));
            }
        }
    }
    out.into_iter()
        .map(|(_, name, mut pts)| {
            pts.sort_by(|a, b| a.cost.value.total_cmp(&b.cost.value));
            let name = if name.is_empty() {
                "all variants".to_string()
            } else {
                name
            };
            (name, pts)
        })
        .collect()
}

/// Draws the plot into `path`.
pub(super) fn draw(sweep: &Sweep, path: &Path) -> Res {
    let p = percentile(sweep);
    let name = PERCENTILES[p].0.trim_end_matches("_ms");
    let all = series(sweep, p);
    let labels: Vec<String> = all.iter().map(|s| s.0.clone()).collect();
    let points = || all.iter().flat_map(|s| &s.1);
    let ends = |f: &Figure| match f.ci95 {
        Some((lo, hi)) => (lo, hi.unwrap_or(f.value)),
        None => (f.value, f.value),
    };
    let xmax = points()
        .map(|q| ends(&q.cost).1.max(q.cost.value))
        .fold(0.0f64, f64::max)
        .max(0.01)
        * 1.15;
    let ymax = points()
        .map(|q| ends(&q.latency).1.max(q.latency.value))
        .fold(1e-3f64, f64::max)
        * 1.5;
    let ymin = points()
        .map(|q| ends(&q.latency).0.min(q.latency.value))
        .fold(ymax, f64::min)
        .max(1e-3)
        / 1.5;
    let title = format!(
        "{}: {name} against extra RPCs, {} seeds (bars: 95 % intervals)",
        sweep.scenario,
        sweep.seed_count()
    );
    with_legend(path, 540, &labels, |area| {
        let mut chart = titled(area, &title)
            .build_cartesian_2d(-xmax * 0.04..xmax, (ymin..ymax).log_scale())?;
        chart
            .configure_mesh()
            .max_light_lines(3)
            .x_desc("extra RPCs (% of RPCs): the cost")
            .y_desc(format!("request latency {name} (ms, log scale)"))
            .draw()?;
        // Series are shifted sideways by a few pixels each ("dodged"), so that equal points of
        // different series (a hedge that never fires, whatever maxAttempts) stay visible.
        let dodge = |i: usize| (i as f64 - (all.len() as f64 - 1.0) / 2.0) * xmax * 0.008;
        for (i, (_, pts)) in all.iter().enumerate() {
            let s = style(i);
            let dx = dodge(i);
            let line: Vec<(f64, f64)> = pts
                .iter()
                .map(|q| (q.cost.value + dx, q.latency.value))
                .collect();
            draw_line(&mut chart, &line, &s, i, 0)?;
            let bar = s.color.stroke_width(1);
            // Each series puts its labels at its own height beside the points (four heights),
            // so the labels of equal points of different series do not overlap.
            let label_at = (7, -18 + 13 * (i % 4) as i32);
            for q in pts {
                let (x, y) = (q.cost.value + dx, q.latency.value);
                if let Some((lo, hi)) = q.latency.ci95 {
                    let top = hi.unwrap_or(ymax); // open above: to the top of the chart
                    let bar_y = vec![(x, lo), (x, top)];
                    chart.draw_series(std::iter::once(PathElement::new(bar_y, bar)))?;
                }
                if let Some((lo, Some(hi))) = q.cost.ci95 {
                    let bar_x = vec![(lo + dx, y), (hi + dx, y)];
                    chart.draw_series(std::iter::once(PathElement::new(bar_x, bar)))?;
                }
                draw_marker(&chart, (x, y), &s)?;
            }
            // One label per place: points of a series that land on the same pixels share it.
            let mut labels: Vec<PlacedLabel> = Vec::new();
            for q in pts {
                let at = (q.cost.value + dx, q.latency.value);
                let px = chart.backend_coord(&at);
                let near =
                    |l: &&mut PlacedLabel| (l.1 .0 - px.0).abs() <= 3 && (l.1 .1 - px.1).abs() <= 3;
                match labels.iter_mut().find(near) {
                    Some(l) => l.2 = format!("{}, {}", l.2, q.label),
                    None => labels.push((at, px, q.label.clone())),
                }
            }
            for (at, _, label) in labels {
                let text = Text::new(label, label_at, ("sans-serif", 12).into_font());
                chart.draw_series(std::iter::once(EmptyElement::at(at) + text))?;
            }
        }
        Ok(())
    })
}
