//! `timeseries.svg`: attempts/s (top) and goodput/s (bottom) over virtual time, averaged over
//! seeds, one line per variant — where retry storms and recoveries show.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{draw_banded, titled, with_legend, Res};
use crate::experiments::replicates::{Group, Replicates};
use crate::experiments::sweep::Sweep;
use crate::sim::load::tally::Series;

/// Points `(x, y)` of one variant's curve or band outline.
type Line = Vec<(f64, f64)>;

/// Per variant, `(bucket middle in s, count per second averaged over seeds)` of one series.
fn rates(sweep: &Sweep, pick: fn(&Series) -> &Vec<u64>) -> Vec<Vec<(f64, f64)>> {
    sweep
        .variants
        .iter()
        .map(|v| {
            let s = &v.tally.series;
            let secs = s.bucket as f64 / 1e9;
            let runs = v.tally.runs.max(1) as f64;
            pick(s)
                .iter()
                .enumerate()
                .map(|(i, n)| ((i as f64 + 0.5) * secs, *n as f64 / runs / secs))
                .collect()
        })
        .collect()
}

/// Per variant, the band's outline (lower ends left to right, upper ends back) in the units
/// of [`rates`]; empty without replicate groups.
fn bands(sweep: &Sweep, pick: fn(&Group) -> &Vec<u64>) -> Vec<Vec<(f64, f64)>> {
    sweep
        .variants
        .iter()
        .map(|v| {
            let secs = v.tally.series.bucket as f64 / 1e9;
            let band = Replicates::series_band(&v.replicates, pick).unwrap_or_default();
            let at = |i: usize| (i as f64 + 0.5) * secs;
            let mut outline: Vec<(f64, f64)> = band
                .iter()
                .enumerate()
                .map(|(i, (lo, _))| (at(i), lo / secs))
                .collect();
            outline.extend(
                band.iter()
                    .enumerate()
                    .rev()
                    .map(|(i, (_, hi))| (at(i), hi / secs)),
            );
            outline
        })
        .collect()
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    ydesc: &str,
    (curves, bands): (&[Line], &[Line]),
) -> Res
where
    DB::ErrorType: 'static,
{
    let xmax = curves
        .iter()
        .flat_map(|p| p.last().map(|x| x.0))
        .fold(1.0f64, f64::max);
    let ymax = curves
        .iter()
        .chain(bands)
        .flatten()
        .map(|x| x.1)
        .fold(1.0f64, f64::max)
        * 1.08;
    let mut chart = titled(area, title).build_cartesian_2d(0.0..xmax, 0.0..ymax)?;
    chart
        .configure_mesh()
        .x_desc("virtual time (s)")
        .y_desc(ydesc)
        .draw()?;
    draw_banded(&mut chart, curves, bands, 8)
}

/// Draws the plot into `path`.
pub(super) fn draw(sweep: &Sweep, path: &Path) -> Res {
    let labels: Vec<String> = sweep.variants.iter().map(|v| v.label.clone()).collect();
    let seeds = sweep.seed_count();
    with_legend(path, 720, &labels, |area| {
        let (top, middle) = area.split_vertically(360);
        panel(
            &top,
            &format!(
                "{}: attempts/s, mean of {seeds} seeds (shaded: 95 % band)",
                sweep.scenario
            ),
            "attempts per second",
            (
                &rates(sweep, |s| &s.attempts),
                &bands(sweep, |g| &g.attempts_series),
            ),
        )?;
        panel(
            &middle,
            &format!(
                "{}: goodput/s (requests that succeeded, by start time), mean of {seeds} seeds, 95 % band",
                sweep.scenario
            ),
            "successful requests per second",
            (
                &rates(sweep, |s| &s.goodput),
                &bands(sweep, |g| &g.goodput_series),
            ),
        )
    })
}
