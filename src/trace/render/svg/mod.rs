//! The trace as a picture: `hedgehog sim FILE --format svg`, one seed's attempt timeline.
//!
//! It reads the records the text, YAML and JSON renderers read: one row per call (the first
//! [`SvgOptions::max_calls`] by index, and the picture says when there were more), each
//! attempt a bar from its send to its end, coloured by outcome; the gap before a retry drawn
//! dashed (backoff or pushback); attempts that overlap (hedges) stacked in lanes within the
//! call's row; a diamond where the call committed, a cross where the client cancelled an
//! attempt, a triangle where the throttle refused a retry; the deadline as a dashed line, or
//! as a note right of the axis when it lies far beyond the calls (a 1 s deadline would
//! otherwise squeeze a 30 ms story into the left edge). A time axis in milliseconds on the
//! run's clock with 1-2-5 ticks, and a title with the scenario, seed, caption and totals.
//!
//! Why by hand and not through a plotting crate: the trace layer stays free of optional
//! dependencies, and an SVG of rectangles and lines is a few `write!`s. Coordinates are tenths
//! of a pixel from integer arithmetic, so the text is byte-identical everywhere (the
//! snapshots depend on it). What the records do not hold comes in [`SvgOptions`]: the
//! deadlines (a call's plan, not its trace) and a caption.

mod frame;
mod layout;
mod row;
mod style;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::time::Nanos;
use crate::trace::{CallRecord, EventKind, Trace};

use frame::{grid, header, legend, ticks};
use layout::Axis;
use row::{Marks, Row};
use style::Px;

/// How many calls a picture draws unless told otherwise: enough for a storm's shape, few
/// enough that each row stays readable.
pub const MAX_CALLS: usize = 40;

/// Width of the picture, pixels.
const WIDTH: i64 = 1000;
/// The label column (call number and status).
const LABELS: i64 = 200;
/// Right of the axis: the notes of deadlines beyond it.
const NOTES: i64 = 120;

/// What a picture shows beyond the trace's own records.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SvgOptions {
    /// Words under the title (say, the scenario's description); wrapped to three lines at most.
    pub caption: Option<String>,
    /// Each call's deadline on the run's clock, by call index (R81: the earlier of the
    /// application's deadline and the method's `timeout`); a call absent here had none.
    pub deadlines: BTreeMap<u64, Nanos>,
    /// Draw at most this many calls, the first by index.
    pub max_calls: usize,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            caption: None,
            deadlines: BTreeMap::new(),
            max_calls: MAX_CALLS,
        }
    }
}

/// The trace's attempt timeline as an SVG document.
pub fn to_svg(trace: &Trace, options: &SvgOptions) -> String {
    let shown = &trace.calls[..trace.calls.len().min(options.max_calls)];
    let marks = marks(trace, shown);
    let none = Marks::default();
    let rows: Vec<Row<'_>> = shown
        .iter()
        .map(|c| {
            let deadline = options.deadlines.get(&c.call).copied();
            Row::new(c, deadline, marks.get(&c.call).unwrap_or(&none))
        })
        .collect();
    let axis = axis(&rows);
    let mut body = String::new();
    let mut y = header(&mut body, trace, options, shown.len());
    y = legend(&mut body, &rows, y + 8);
    // Stripes, then the grid over them, then the rows over both.
    let mut tops = Vec::with_capacity(rows.len());
    y += 10;
    for (i, row) in rows.iter().enumerate() {
        if i % 2 == 1 {
            let _ = writeln!(
                body,
                r#"<rect class="stripe" x="0" y="{y}" width="{WIDTH}" height="{}" fill="{}"/>"#,
                row.height(),
                style::STRIPE
            );
        }
        tops.push(y);
        y += row.height();
    }
    grid(&mut body, &axis, tops.first().copied().unwrap_or(y), y);
    for (row, top) in rows.iter().zip(tops) {
        row.draw(&mut body, &axis, top, LABELS);
    }
    let bottom = ticks(&mut body, &axis, y);
    let mut out = String::with_capacity(body.len() + 400);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{h}" viewBox="0 0 {WIDTH} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#,
        h = bottom + 12
    );
    let _ = writeln!(
        out,
        r#"<rect x="0" y="0" width="{WIDTH}" height="{}" fill="white"/>"#,
        bottom + 12
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// The axis: from the first call's start to the last thing drawn, a deadline included when it
/// lies within a quarter of the calls' span beyond their end.
fn axis(rows: &[Row<'_>]) -> Axis {
    let first = rows.iter().map(|r| r.call.started).min().unwrap_or(0);
    let mut last = rows.iter().map(Row::last).max().unwrap_or(first);
    let reach = last.saturating_add(last.saturating_sub(first) / 4);
    let near = rows
        .iter()
        .filter_map(|r| r.deadline)
        .filter(|d| *d <= reach);
    last = near.fold(last, Nanos::max);
    Axis::new(
        first,
        last,
        Px::whole(LABELS),
        Px::whole(WIDTH - LABELS - NOTES),
    )
}

/// Commit and throttle events of the shown calls, by call index.
fn marks(trace: &Trace, shown: &[CallRecord]) -> BTreeMap<u64, Marks> {
    let limit = shown.last().map_or(0, |c| c.call);
    let mut marks: BTreeMap<u64, Marks> = BTreeMap::new();
    for e in trace.events.iter().filter(|e| e.call <= limit) {
        match (e.kind, e.attempt) {
            (EventKind::Commit, Some(a)) => {
                marks.entry(e.call).or_default().commits.push((a, e.at))
            }
            (EventKind::Throttled, _) => {
                let mark = (e.at, e.detail.clone());
                marks.entry(e.call).or_default().throttled.push(mark);
            }
            _ => {}
        }
    }
    marks
}
