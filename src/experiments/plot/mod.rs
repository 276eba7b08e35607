//! SVG plots of a sweep, drawn with `plotters` (SVG backend only: no system fonts or native
//! libraries; text is left to the SVG viewer).
//!
//! - `latency-cdf.svg` (`cdf`): per variant, the distribution of whole-request latency on a
//!   log time axis against "nines" (1 = p90, 2 = p99, 3 = p99.9), the scale on which tails
//!   differ, with the 95 % band of each percentile (the seed bootstrap of
//!   [`super::replicates`]); a band stops where its percentile rests on too few requests to be
//!   bounded.
//! - `cost-curve.svg` (`cost`): per variant, its tail percentile against the extra RPCs it
//!   sent, both with 95 % error bars — the price list of a hedging or retry policy. Variants
//!   that differ only in the last `--vary` are joined by a line and each point is labelled
//!   with that value. Written when there are at least two variants.
//! - `timeseries.svg` (`series`): attempts/s and goodput/s over virtual time, averaged over
//!   seeds — where retry storms and recoveries show. Written only when the runs span at least
//!   [`MIN_BUCKETS`] time buckets: a sweep of short runs (the tail-at-scale model's 5 s) would
//!   plot flat lines that say nothing.
//!
//! Every plot follows three rules, because the variants a sweep compares are often identical
//! (a hedge that never fires *is* the baseline): each variant has a colour, a dash pattern and
//! a marker shape of its own (`style`), markers sit at staggered positions so curves drawn
//! on top of each other still show both; and the legend is drawn in its own area below the
//! chart, where it cannot hide a curve whatever the data.

mod cdf;
mod cost;
mod series;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::error::PlotError;
use super::sweep::Sweep;

/// `timeseries.svg` is written only when the longest series has at least this many buckets.
pub const MIN_BUCKETS: usize = 20;

/// Plot width in pixels.
const WIDTH: u32 = 960;

const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The shape drawn on a curve's markers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Dot,
    Triangle,
    Cross,
    Ring,
}

/// How one variant is drawn: colour, dash pattern (`None`: solid) and marker.
#[derive(Clone, Copy, Debug)]
struct Style {
    color: RGBColor,
    dash: Option<(u32, u32)>,
    marker: Marker,
}

/// Variant `i`'s style: the colour cycles every 10, the dash every 3 and the marker every 4,
/// so no two of the first 60 variants share all three.
fn style(i: usize) -> Style {
    const DASHES: [Option<(u32, u32)>; 3] = [None, Some((10, 5)), Some((3, 3))];
    const MARKERS: [Marker; 4] = [Marker::Dot, Marker::Triangle, Marker::Cross, Marker::Ring];
    Style {
        color: COLORS[i % COLORS.len()],
        dash: DASHES[i % DASHES.len()],
        marker: MARKERS[i % MARKERS.len()],
    }
}

type Res = Result<(), Box<dyn std::error::Error>>;

/// Writes the plots into `dir` (created if missing); returns the files written.
pub fn write_all(sweep: &Sweep, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|cause| PlotError::CreateDir {
        dir: dir.to_path_buf(),
        cause,
    })?;
    type Draw = fn(&Sweep, &Path) -> Res;
    let mut plots: Vec<(&str, Draw)> = vec![("latency-cdf.svg", cdf::draw)];
    if sweep.variants.len() >= 2 {
        plots.push(("cost-curve.svg", cost::draw));
    }
    let buckets = sweep.variants.iter().map(|v| v.tally.series.len()).max();
    if buckets.unwrap_or(0) >= MIN_BUCKETS {
        plots.push(("timeseries.svg", series::draw));
    }
    let mut written = Vec::new();
    for (name, draw) in plots {
        let file = dir.join(name);
        draw(sweep, &file).map_err(|e| PlotError::Draw {
            file: file.clone(),
            problem: e.to_string(),
        })?;
        written.push(file);
    }
    Ok(written)
}

/// Height of a legend of `labels` below a chart: one row per entry, at most two columns.
fn legend_height(labels: &[String]) -> u32 {
    let rows = legend_rows(labels);
    20 * rows as u32 + 16
}

fn legend_columns(labels: &[String]) -> usize {
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    // ~7 px per character at 13 px, plus the 44 px line sample.
    if labels.len() > 1 && (widest * 7 + 60) * 2 <= WIDTH as usize - 40 {
        2
    } else {
        1
    }
}

fn legend_rows(labels: &[String]) -> usize {
    labels.len().div_ceil(legend_columns(labels))
}

/// An SVG at `path`: `charts_height` pixels of charts, drawn by `draw` into the upper area,
/// above a legend of `labels` (styled by index) in an area of its own, so that no legend ever
/// covers data.
fn with_legend(
    path: &Path,
    charts_height: u32,
    labels: &[String],
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Res,
) -> Res {
    let height = charts_height + legend_height(labels);
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (charts, bottom) = root.split_vertically(charts_height);
    draw(&charts)?;
    legend(&bottom, labels)?;
    root.present()?;
    Ok(())
}

/// A chart builder on `area` with the title, margins and label areas every plot uses.
fn titled<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60);
    builder
}

/// The legend: per label, a line sample in its variant's dash pattern with its marker, then
/// the label.
fn legend<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, labels: &[String]) -> Res
where
    DB::ErrorType: 'static,
{
    let columns = legend_columns(labels);
    let rows = legend_rows(labels);
    let column_width = (WIDTH as i32 - 40) / columns as i32;
    for (k, label) in labels.iter().enumerate() {
        let s = style(k);
        let (col, row) = (k / rows, k % rows);
        let (x, y) = (30 + col as i32 * column_width, 12 + row as i32 * 20);
        let line = vec![(x, y), (x + 44, y)];
        let stroke = s.color.stroke_width(2);
        match s.dash {
            None => area.draw(&PathElement::new(line, stroke))?,
            Some((d, g)) => area.draw(&DashedPathElement::new(line, d, g, stroke))?,
        }
        draw_marker_px(area, (x + 22, y), &s)?;
        area.draw(&Text::new(
            label.clone(),
            (x + 54, y - 7),
            ("sans-serif", 13).into_font(),
        ))?;
    }
    Ok(())
}

/// A marker of style `s` at pixel `at` of `area`.
fn draw_marker_px<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    s: &Style,
) -> Res
where
    DB::ErrorType: 'static,
{
    let c = s.color;
    match s.marker {
        Marker::Dot => area.draw(&Circle::new(at, 4, c.filled()))?,
        Marker::Triangle => area.draw(&TriangleMarker::new(at, 6, c.filled()))?,
        Marker::Cross => area.draw(&Cross::new(at, 5, c.stroke_width(2)))?,
        Marker::Ring => area.draw(&Circle::new(at, 4, c.stroke_width(2)))?,
    }
    Ok(())
}

/// A marker of style `s` at data coordinates `at` of `chart` (drawn in pixels, so one
/// function draws the shapes of charts and legends alike).
fn draw_marker<'a, DB, X, Y>(
    chart: &ChartContext<'a, DB, Cartesian2d<X, Y>>,
    at: (f64, f64),
    s: &Style,
) -> Res
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let area = chart.plotting_area().strip_coord_spec();
    let ((x, y), (x0, y0)) = (chart.backend_coord(&at), area.get_base_pixel());
    draw_marker_px(&area, (x - x0, y - y0), s)
}

/// Per variant `i`, its band (a filled outline, lightly in its colour; none when empty) and
/// then its curve with `markers` markers ([`draw_line`]): every band below every curve.
fn draw_banded<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    curves: &[Vec<(f64, f64)>],
    bands: &[Vec<(f64, f64)>],
    markers: usize,
) -> Res
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (i, b) in bands.iter().enumerate() {
        if !b.is_empty() {
            let fill = style(i).color.mix(0.15).filled();
            chart.draw_series(std::iter::once(Polygon::new(b.clone(), fill)))?;
        }
    }
    for (i, pts) in curves.iter().enumerate() {
        draw_line(chart, pts, &style(i), i, markers)?;
    }
    Ok(())
}

/// Draws `pts` as one variant's line in its dash pattern, with markers at `count` staggered
/// positions (offset by `index`, so identical curves show every variant's markers).
fn draw_line<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    pts: &[(f64, f64)],
    s: &Style,
    index: usize,
    count: usize,
) -> Res
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let stroke = s.color.stroke_width(2);
    match s.dash {
        None => {
            chart.draw_series(LineSeries::new(pts.iter().copied(), stroke))?;
        }
        Some((d, g)) => {
            chart.draw_series(DashedLineSeries::new(pts.iter().copied(), d, g, stroke))?;
        }
    }
    if pts.is_empty() || count == 0 {
        return Ok(());
    }
    // Markers at equal distances along the curve *as drawn* (pixels), so they spread over a
    // log axis or a vertical step alike; shifted by a fraction that depends on the variant.
    let px: Vec<(f64, f64)> = pts
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(p);
            (f64::from(x), f64::from(y))
        })
        .collect();
    let mut along = vec![0.0];
    for w in px.windows(2) {
        let d = (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1);
        along.push(along.last().copied().unwrap_or(0.0) + d);
    }
    let total = along.last().copied().unwrap_or(0.0);
    for k in 0..count {
        let frac = ((k as f64 + 0.5 + 0.37 * index as f64) / count as f64).fract();
        let i = along
            .partition_point(|&a| a < frac * total)
            .min(pts.len() - 1);
        draw_marker(chart, pts[i], s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_60_variants_differ_in_colour_dash_or_marker() {
        let key = |i: usize| {
            let s = style(i);
            (s.color, s.dash, s.marker)
        };
        for i in 0..60 {
            for j in 0..i {
                assert_ne!(key(i), key(j), "variants {j} and {i}");
            }
        }
        // Neighbours (a grid's adjacent variants) differ in all three.
        for i in 0..59 {
            let (a, b) = (style(i), style(i + 1));
            assert!(a.color != b.color && a.dash != b.dash && a.marker != b.marker);
        }
    }

    #[test]
    fn a_legend_takes_two_columns_only_when_labels_fit() {
        let short: Vec<String> = (0..10).map(|i| format!("delay={i}ms")).collect();
        assert_eq!((legend_columns(&short), legend_rows(&short)), (2, 5));
        let long: Vec<String> = (0..3).map(|i| format!("{i}{}", "x".repeat(70))).collect();
        assert_eq!((legend_columns(&long), legend_rows(&long)), (1, 3));
        assert_eq!(legend_height(&long), 76);
    }
}
