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

mod layout;
mod row;
mod style;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::time::Nanos;
use crate::trace::{CallRecord, EventKind, Outcome, Trace};

use layout::Axis;
use row::{Marks, Row};
use style::{Escaped, Mark, Px};

/// How many calls a picture draws unless told otherwise: enough for a storm's shape, few
/// enough that each row stays readable.
pub const MAX_CALLS: usize = 40;

/// Width of the picture, pixels.
const WIDTH: i64 = 1000;
/// The label column (call number and status).
const LABELS: i64 = 200;
/// Right of the axis: the notes of deadlines beyond it.
const NOTES: i64 = 120;
/// The caption's lines are at most this many characters (about the picture's width).
const CAPTION_CHARS: usize = 150;

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
    let reach = last.saturating_add((last - first) / 4);
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
            (EventKind::Throttled, _) => marks.entry(e.call).or_default().throttled.push(e.at),
            _ => {}
        }
    }
    marks
}

/// Title, caption and totals; returns the y below them.
fn header(out: &mut String, trace: &Trace, options: &SvgOptions, shown: usize) -> i64 {
    let _ = writeln!(
        out,
        r#"<text class="title" x="12" y="28" font-size="18" font-weight="bold">{} · seed {} · {}</text>"#,
        Escaped(&trace.scenario),
        trace.seed,
        Escaped(&trace.mode)
    );
    let mut y = 28;
    let caption = options.caption.as_deref().unwrap_or("");
    for line in wrap(caption, CAPTION_CHARS, 3) {
        y += 17;
        let _ = writeln!(
            out,
            r#"<text class="caption" x="12" y="{y}" fill="{}">{}</text>"#,
            style::MUTED,
            Escaped(&line)
        );
    }
    y += 20;
    let _ = writeln!(
        out,
        r#"<text class="summary" x="12" y="{y}">{}</text>"#,
        Escaped(&totals(trace, shown))
    );
    y
}

/// `20 calls · 22 attempts · UNAVAILABLE 20`, and which calls are drawn when not all are.
fn totals(trace: &Trace, shown: usize) -> String {
    let attempts: usize = trace.calls.iter().map(|c| c.attempts.len()).sum();
    let mut statuses: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &trace.calls {
        *statuses.entry(c.status.name()).or_default() += 1;
    }
    let n = trace.calls.len();
    let mut text = format!("{n} call{} · {attempts} attempts", plural(n));
    for (status, count) in statuses {
        let _ = write!(text, " · {status} {count}");
    }
    if shown < n {
        let _ = write!(text, " · showing the first {shown} of {n} calls");
    }
    text
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `text` in lines of at most `width` characters, broken at spaces, at most `max` lines (the
/// last ends with `…` when text was left out).
fn wrap(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
            if lines.len() == max {
                let last = lines.last_mut().expect("max > 0");
                last.push_str(" …");
                return lines;
            }
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The legend: a swatch per outcome drawn, then the marks drawn; returns the y below it.
fn legend(out: &mut String, rows: &[Row<'_>], top: i64) -> i64 {
    let mut outcomes: Vec<Option<Outcome>> = Vec::new();
    for a in rows.iter().flat_map(|r| &r.call.attempts) {
        if !outcomes.contains(&a.outcome) {
            outcomes.push(a.outcome);
        }
    }
    outcomes.sort_by_key(|o| legend_rank(*o));
    let (mut x, mut y) = (12, top + 12);
    let mut item = |out: &mut String, width: i64, draw: &dyn Fn(&mut String, i64, i64)| {
        if x + width > WIDTH - 12 {
            (x, y) = (12, y + 20);
        }
        draw(out, x, y);
        x += width + 14;
    };
    for o in outcomes {
        let name = o.map_or("RUNNING", Outcome::as_str);
        let swatch = |out: &mut String, x: i64, y: i64| {
            let _ = write!(
                out,
                r#"<rect class="legend" data-outcome="{name}" x="{x}" y="{}" width="18" height="12" rx="2" fill="{}" stroke="{}" stroke-width="0.5"/><text x="{}" y="{y}">{name}</text>"#,
                y - 10,
                style::outcome_colour(o),
                style::MUTED,
                x + 22
            );
            out.push('\n');
        };
        item(out, 22 + text_width(name), &swatch);
    }
    let marks = [
        (Mark::Commit, "commit", 6, -5),
        (Mark::Cancel, "cancel", 8, -4),
        (Mark::Wait, "wait before a retry", 0, -4),
        (Mark::Throttled, "throttle refused", 7, -9),
        (Mark::Deadline, "deadline", 8, -11),
    ];
    for (mark, label, dx, dy) in marks {
        if !rows.iter().any(|r| r.shows(mark)) {
            continue;
        }
        let draw = |out: &mut String, x: i64, y: i64| {
            Mark::write(mark, out, Px::whole(x + dx), y + dy, Px::whole(14), "");
            let _ = writeln!(out, r#"<text x="{}" y="{y}">{label}</text>"#, x + 22);
        };
        item(out, 22 + text_width(label), &draw);
    }
    y + 8
}

/// About how wide `text` is in 12px sans-serif, pixels (capitals and digits are wider), for
/// laying out the legend.
fn text_width(text: &str) -> i64 {
    let tenths: i64 = text
        .chars()
        .map(|c| {
            if c.is_ascii_uppercase() || c.is_ascii_digit() {
                85
            } else {
                66
            }
        })
        .sum();
    tenths / 10
}

/// OK first, then failures by name, then the client's own outcomes, then running attempts.
fn legend_rank(o: Option<Outcome>) -> (u8, &'static str) {
    match o {
        Some(Outcome::Status(crate::code::Code::Ok)) => (0, ""),
        Some(Outcome::Status(code)) => (1, code.name()),
        Some(Outcome::Cancelled) => (2, ""),
        Some(Outcome::NotSent) => (3, ""),
        Some(Outcome::Refused) => (4, ""),
        None => (5, ""),
    }
}

/// Grid lines at every tick, behind the rows.
fn grid(out: &mut String, axis: &Axis, top: i64, bottom: i64) {
    for t in axis.ticks() {
        let x = axis.x(t);
        let _ = writeln!(
            out,
            r#"<line class="grid" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}" stroke="{}"/>"#,
            style::GRID
        );
    }
}

/// The axis line, tick labels and the axis title below the rows; returns the bottom.
fn ticks(out: &mut String, axis: &Axis, y: i64) -> i64 {
    let (x0, x1) = (axis.x(axis.start), axis.x(axis.end));
    let _ = writeln!(
        out,
        r#"<line class="axis" x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="{}"/>"#,
        style::INK
    );
    for t in axis.ticks() {
        let x = axis.x(t);
        let _ = writeln!(
            out,
            r#"<line x1="{x}" y1="{y}" x2="{x}" y2="{}" stroke="{}"/><text class="tick" x="{x}" y="{}" text-anchor="middle" fill="{}">{}</text>"#,
            y + 4,
            style::INK,
            y + 17,
            style::MUTED,
            axis.label(t)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" fill="{}">time on the run's clock (ms)</text>"#,
        Px((x0.0 + x1.0) / 2),
        y + 35,
        style::MUTED
    );
    y + 35
}
