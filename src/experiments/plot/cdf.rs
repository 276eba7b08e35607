//! `latency-cdf.svg`: request latency (log ms) against nines, one curve per variant, with the
//! 95 % band of every percentile from the seed bootstrap; a band ends where its percentile
//! rests on too few requests for any upper bound.

use std::path::Path;

use plotters::prelude::*;

use super::{draw_banded, titled, with_legend, Res};
use crate::experiments::figures::latency_ends;
use crate::experiments::interval::min_samples_for_upper_bound;
use crate::experiments::results::VariantResult;
use crate::experiments::sweep::Sweep;

/// Nines levels of the bands: 0.05, 0.10, ..., 4.00.
fn band_levels() -> Vec<f64> {
    (1..=80).map(|j| j as f64 * 0.05).collect()
}

fn nines(f: f64) -> f64 {
    if f >= 1.0 {
        4.2
    } else {
        (-(1.0 - f).log10()).min(4.2)
    }
}

/// Drops CDF points that move neither axis visibly (x by < 0.5 %, y by < 0.005 nines), so a
/// histogram with thousands of buckets makes a small SVG; the last point is always kept.
fn thin(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    let n = points.len();
    for (i, p) in points.into_iter().enumerate() {
        let keep = match out.last() {
            None => true,
            Some(q) => i + 1 == n || p.0 > q.0 * 1.005 || (p.1 - q.1).abs() > 0.005,
        };
        if keep {
            out.push(p);
        }
    }
    out
}

/// The CDF as a step curve in (ms, nines).
fn curve(v: &VariantResult) -> Vec<(f64, f64)> {
    let mut pts = Vec::new();
    let mut below = 0.0;
    for (ns, f) in v.tally.cdf() {
        let x = (ns as f64 / 1e6).max(1e-3);
        pts.push((x, nines(below)));
        pts.push((x, nines(f)));
        below = f;
    }
    thin(pts)
}

/// The band's outline: lower ends going up, upper ends coming down (ms, nines), over the
/// levels whose percentile can be bounded; empty without replicate groups.
fn band(v: &VariantResult) -> Vec<(f64, f64)> {
    let levels: Vec<f64> = band_levels()
        .into_iter()
        .filter(|y| v.tally.requests >= min_samples_for_upper_bound(1.0 - 10f64.powf(-y)))
        .collect();
    let qs: Vec<f64> = levels.iter().map(|y| 1.0 - 10f64.powf(-y)).collect();
    let Some(b) = v.replicates.bootstrap(&qs) else {
        return Vec::new();
    };
    let ms = |ns: u64| (ns as f64 / 1e6).max(1e-3);
    let ends: Vec<(f64, (u64, u64))> = levels
        .iter()
        .zip(&qs)
        .zip(&b.latency)
        .map(|((y, q), buckets)| (*y, latency_ends(v.tally.latency_at(*q), *buckets)))
        .collect();
    let mut outline: Vec<(f64, f64)> = ends.iter().map(|(y, (lo, _))| (ms(*lo), *y)).collect();
    outline.extend(ends.iter().rev().map(|(y, (_, hi))| (ms(*hi), *y)));
    outline
}

/// Draws the plot into `path`.
pub(super) fn draw(sweep: &Sweep, path: &Path) -> Res {
    let labels: Vec<String> = sweep.variants.iter().map(|v| v.label.clone()).collect();
    let curves: Vec<Vec<(f64, f64)>> = sweep.variants.iter().map(curve).collect();
    let bands: Vec<Vec<(f64, f64)>> = sweep.variants.iter().map(band).collect();
    let xs = || curves.iter().chain(&bands).flatten().map(|p| p.0);
    let xmax = xs().fold(1.0f64, f64::max) * 1.2;
    let xmin = xs().fold(xmax, f64::min).max(1e-3) / 1.2;
    let title = format!(
        "{}: request latency, {} seeds (shaded: 95 % band of each percentile)",
        sweep.scenario,
        sweep.seed_count()
    );
    with_legend(path, 540, &labels, |area| {
        let mut chart =
            titled(area, &title).build_cartesian_2d((xmin..xmax).log_scale(), 0.0..4.3)?;
        chart
            .configure_mesh()
            .x_desc("latency (ms, log scale)")
            .y_desc("nines: 1 = p90, 2 = p99, 3 = p99.9")
            .draw()?;
        draw_banded(&mut chart, &curves, &bands, 6)
    })
}
