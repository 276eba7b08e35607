//! The picture's frame around the rows: the title, caption and totals, the legend (only what
//! the picture draws), the grid behind the rows and the time axis below them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::layout::Axis;
use super::row::Row;
use super::style::{self, Escaped, Mark, Px};
use super::{SvgOptions, WIDTH};
use crate::trace::{Outcome, Trace};

/// The caption's lines are at most this many characters (about the picture's width).
const CAPTION_CHARS: usize = 150;

/// Title, caption and totals; returns the y below them.
pub fn header(out: &mut String, trace: &Trace, options: &SvgOptions, shown: usize) -> i64 {
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
    let mut text = format!(
        "{n} call{} · {attempts} attempt{}",
        plural(n),
        plural(attempts)
    );
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
pub fn legend(out: &mut String, rows: &[Row<'_>], top: i64) -> i64 {
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
        x += width + 18;
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
pub fn grid(out: &mut String, axis: &Axis, top: i64, bottom: i64) {
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
pub fn ticks(out: &mut String, axis: &Axis, y: i64) -> i64 {
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
