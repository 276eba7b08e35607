//! SVG plots of a sweep, drawn with `plotters` (SVG backend only: no system fonts or native
//! libraries; text is left to the SVG viewer).
//!
//! - `latency-cdf.svg`: per variant, the distribution of whole-request latency on a log time
//!   axis against "nines" (1 = p90, 2 = p99, 3 = p99.9), the scale on which tails differ;
//! - `timeseries.svg`: per variant, attempts/s (top) and goodput/s (bottom) over virtual time,
//!   averaged over seeds — where retry storms and recoveries show.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::error::PlotError;
use super::sweep::Sweep;

const COLORS: [RGBColor; 12] = [
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
    RGBColor(0, 0, 0),
    RGBColor(255, 187, 120),
];

fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

/// Writes both plots into `dir` (created if missing); returns the files written.
pub fn write_all(sweep: &Sweep, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    std::fs::create_dir_all(dir).map_err(|cause| PlotError::CreateDir {
        dir: dir.to_path_buf(),
        cause,
    })?;
    let cdf = dir.join("latency-cdf.svg");
    latency_cdf(sweep, &cdf).map_err(|e| draw_error(&cdf, &*e))?;
    let ts = dir.join("timeseries.svg");
    timeseries(sweep, &ts).map_err(|e| draw_error(&ts, &*e))?;
    Ok(vec![cdf, ts])
}

fn draw_error(file: &Path, e: &dyn std::error::Error) -> PlotError {
    PlotError::Draw {
        file: file.to_path_buf(),
        problem: e.to_string(),
    }
}

type Res = Result<(), Box<dyn std::error::Error>>;

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

fn latency_cdf(sweep: &Sweep, path: &Path) -> Res {
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let curves: Vec<(String, Vec<(f64, f64)>)> = sweep
        .variants
        .iter()
        .map(|v| {
            let (label, t) = (&v.label, &v.tally);
            let pts = t
                .cdf()
                .into_iter()
                .map(|(ns, f)| {
                    let nines = if f >= 1.0 {
                        5.0
                    } else {
                        (-(1.0 - f).log10()).min(5.0)
                    };
                    ((ns as f64 / 1e6).max(1e-3), nines)
                })
                .collect();
            (label.clone(), thin(pts))
        })
        .collect();
    let xmax = curves
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.0))
        .fold(1.0f64, f64::max)
        * 1.2;
    let xmin = curves
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.0))
        .fold(xmax, f64::min)
        .max(1e-3)
        / 1.2;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{}: request latency ({} seeds)",
                sweep.scenario,
                sweep.seed_count()
            ),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((xmin..xmax).log_scale(), 0.0..4.2)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("nines: 1 = p90, 2 = p99, 3 = p99.9")
        .draw()?;
    draw_curves(&mut chart, curves, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

fn timeseries(sweep: &Sweep, path: &Path) -> Res {
    let root = SVGBackend::new(path, (900, 760)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(380);
    let series = |pick: fn(&crate::sim::load::tally::Series) -> &Vec<u64>| -> Vec<(String, Vec<(f64, f64)>)> {
        sweep
            .variants
            .iter()
            .map(|v| {
                let (label, t) = (&v.label, &v.tally);
                let s = &t.series;
                let secs = s.bucket as f64 / 1e9;
                let runs = t.runs.max(1) as f64;
                let pts = pick(s)
                    .iter()
                    .enumerate()
                    .map(|(i, n)| ((i as f64 + 0.5) * secs, *n as f64 / runs / secs))
                    .collect();
                (label.clone(), pts)
            })
            .collect()
    };
    panel(
        &top,
        &format!("{}: attempts/s", sweep.scenario),
        "attempts per second",
        series(|s| &s.attempts),
    )?;
    panel(
        &bottom,
        &format!("{}: goodput/s", sweep.scenario),
        "successful requests per second",
        series(|s| &s.goodput),
    )?;
    root.present()?;
    Ok(())
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    ydesc: &str,
    curves: Vec<(String, Vec<(f64, f64)>)>,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let xmax = curves
        .iter()
        .flat_map(|(_, p)| p.last().map(|x| x.0))
        .fold(1.0f64, f64::max);
    let ymax = curves
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x.1))
        .fold(1.0f64, f64::max)
        * 1.6; // headroom for the legend above the curves
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..xmax, 0.0..ymax)?;
    chart
        .configure_mesh()
        .x_desc("virtual time (s)")
        .y_desc(ydesc)
        .draw()?;
    draw_curves(&mut chart, curves, SeriesLabelPosition::UpperRight)?;
    Ok(())
}

/// One line per variant, coloured by index, with its legend at `position`: the same for every
/// chart, whatever its axes (the latency CDF's log scale or the time series' linear one).
fn draw_curves<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    curves: Vec<(String, Vec<(f64, f64)>)>,
    position: SeriesLabelPosition,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (i, (label, pts)) in curves.into_iter().enumerate() {
        let c = color(i);
        chart
            .draw_series(LineSeries::new(pts, c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(position)
        .draw()?;
    Ok(())
}
