//! One call's row: its label and status, the band of its life, its attempts as bars in their
//! lanes, the gaps between a lane's attempts (backoff, pushback), the commit and cancel marks,
//! throttle refusals and the deadline.
//!
//! Every element carries a `class` (`call`, `span`, `attempt`, `gap`, `commit`, `cancel`,
//! `throttled`, `deadline`) and the attempt bars their number and outcome as `data-`
//! attributes, so tests (and anyone post-processing the picture) read its structure without
//! guessing from coordinates.

use std::fmt::Write as _;

use super::layout::{lanes, Axis};
use super::style::{self, Escaped, Mark, Px};
use crate::time::{human, MsText, Nanos};
use crate::trace::{AttemptRecord, CallRecord, Outcome};

/// Height of one lane's bars, pixels.
const LANE: i64 = 14;
/// Space between two lanes.
const LANE_GAP: i64 = 4;
/// Space above the first lane and below the last.
const PAD: i64 = 6;
/// A bar is never drawn narrower than this (tenths of a pixel), so a 1µs attempt still shows.
const MIN_BAR: i64 = 20;
/// Bars at least this wide (tenths of a pixel) carry their attempt number, centred (clear of
/// the commit and cancel marks at their ends).
const LABELLED_BAR: i64 = 140;

/// What the events add to a call's records: when it committed and when the throttle refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// `(attempt, at)` of each commit event.
    pub commits: Vec<(u32, Nanos)>,
    /// When the throttle refused a retry or hedge (R43), and the event's words (the tokens).
    pub throttled: Vec<(Nanos, String)>,
}

/// A call's row, placed.
pub struct Row<'a> {
    /// The call.
    pub call: &'a CallRecord,
    /// Each attempt's lane, and how many lanes.
    lanes: (Vec<usize>, usize),
    /// The call's deadline on the run's clock, if it had one.
    pub deadline: Option<Nanos>,
    /// What the events say about it.
    pub marks: &'a Marks,
}

impl<'a> Row<'a> {
    /// `call`'s row with its lanes assigned.
    pub fn new(call: &'a CallRecord, deadline: Option<Nanos>, marks: &'a Marks) -> Row<'a> {
        Row {
            call,
            lanes: lanes(&call.attempts, call.ended),
            deadline,
            marks,
        }
    }

    /// The row's height in pixels.
    pub fn height(&self) -> i64 {
        let n = self.lanes.1 as i64;
        2 * PAD + n * LANE + (n - 1) * LANE_GAP
    }

    /// The latest time the row draws on the axis (its deadline aside).
    pub fn last(&self) -> Nanos {
        let ends = self.call.attempts.iter().filter_map(|a| a.ended);
        ends.fold(self.call.ended, Nanos::max)
    }

    /// Writes the row with its top at `top`; the label column is `label_width` wide and the
    /// deadline notes go right of the axis.
    pub fn draw(&self, out: &mut String, axis: &Axis, top: i64, label_width: i64) {
        let c = self.call;
        let (h, mid) = (self.height(), top + self.height() / 2);
        let _ = writeln!(
            out,
            r#"<g class="call" data-call="{}" data-status="{}" data-lanes="{}">"#,
            c.call,
            c.status.name(),
            self.lanes.1
        );
        let _ = writeln!(
            out,
            r#"<text x="12" y="{}" fill="{}">call {}</text><text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}" font-weight="bold">{}</text>"#,
            mid + 4,
            style::INK,
            c.call,
            label_width - 8,
            mid + 4,
            style::code_colour(c.status),
            c.status.name()
        );
        let (x0, x1) = (axis.x(c.started), axis.x(c.ended));
        let _ = writeln!(
            out,
            r#"<rect class="span" x="{x0}" y="{}" width="{}" height="{}" fill="{}"><title>call {}: {} after {}</title></rect>"#,
            top + 2,
            x1.minus(x0).max(Px(MIN_BAR)),
            h - 4,
            style::CALL_SPAN,
            c.call,
            c.status.name(),
            MsText(c.ended.saturating_sub(c.started))
        );
        self.gaps(out, axis, top);
        for (a, lane) in c.attempts.iter().zip(&self.lanes.0) {
            self.attempt(out, axis, a, lane_top(top, *lane));
        }
        self.marks(out, axis, top);
        self.deadline(out, axis, top, h);
        out.push_str("</g>\n");
    }

    /// Dashed lines between consecutive attempts of one lane: the wait before the next one.
    fn gaps(&self, out: &mut String, axis: &Axis, top: i64) {
        for (lane, end, next) in self.waits() {
            let (x0, x1) = (axis.x(end), axis.x(next));
            let title = format!("waited {}", MsText(next - end));
            Mark::Wait.write(
                out,
                x0,
                lane_top(top, lane) + LANE / 2,
                x1.minus(x0),
                &title,
            );
        }
    }

    /// `(lane, end, next)` for each attempt sent at `next` after the one before it in its lane
    /// ended at `end`, with time between them (a backoff, a pushback delay).
    fn waits(&self) -> Vec<(usize, Nanos, Nanos)> {
        let mut last_end: Vec<Option<Nanos>> = vec![None; self.lanes.1];
        let mut waits = Vec::new();
        for (a, lane) in self.call.attempts.iter().zip(&self.lanes.0) {
            if let Some(end) = last_end[*lane].filter(|e| *e < a.sent) {
                waits.push((*lane, end, a.sent));
            }
            last_end[*lane] = a.ended;
        }
        waits
    }

    /// Whether the row draws `mark` (the legend lists only the marks a picture shows).
    pub fn shows(&self, mark: Mark) -> bool {
        match mark {
            Mark::Commit => !self.marks.commits.is_empty(),
            Mark::Cancel => self.cancels().next().is_some(),
            Mark::Wait => !self.waits().is_empty(),
            Mark::Throttled => !self.marks.throttled.is_empty(),
            Mark::Deadline => self.deadline.is_some(),
        }
    }

    /// `(attempt, lane, at)` of each attempt the client cancelled.
    fn cancels(&self) -> impl Iterator<Item = (&AttemptRecord, usize, Nanos)> + '_ {
        let attempts = self.call.attempts.iter().zip(&self.lanes.0);
        attempts.filter_map(|(a, lane)| match (a.outcome, a.ended) {
            (Some(Outcome::Cancelled), Some(end)) => Some((a, *lane, end)),
            _ => None,
        })
    }

    fn attempt(&self, out: &mut String, axis: &Axis, a: &AttemptRecord, y: i64) {
        let end = a.ended.unwrap_or(self.call.ended);
        let x = axis.x(a.sent);
        let width = axis.x(end).minus(x).max(Px(MIN_BAR));
        let outcome = a.outcome.map_or("RUNNING", Outcome::as_str);
        let fill = style::outcome_colour(a.outcome);
        let border = if a.transparent || a.outcome.is_none() {
            r##" stroke="#333333" stroke-dasharray="2,1""##
        } else {
            ""
        };
        let previous = a.previous.map_or("none".to_string(), |p| p.to_string());
        let _ = write!(
            out,
            r#"<rect class="attempt" data-attempt="{}" data-outcome="{outcome}" x="{x}" y="{y}" width="{width}" height="{LANE}" rx="2" fill="{fill}"{border}><title>call {} attempt {} (previous {previous}): sent {}, "#,
            a.attempt,
            self.call.call,
            a.attempt,
            MsText(a.sent)
        );
        match a.ended {
            Some(t) => {
                let _ = write!(out, "ended {}, {outcome}", MsText(t));
            }
            None => out.push_str("still running"),
        }
        if let Some(p) = &a.pushback {
            let _ = write!(out, ", pushback {}", Escaped(p));
        }
        if a.committed {
            out.push_str(", committed");
        }
        if a.transparent {
            out.push_str(", transparent");
        }
        out.push_str("</title></rect>\n");
        if width.0 >= LABELLED_BAR {
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="{}">{}</text>"#,
                Px(x.0 + width.0 / 2),
                y + LANE - 3,
                text_on(fill),
                a.attempt
            );
        }
    }

    /// Commit diamonds, cancel crosses and throttle triangles.
    fn marks(&self, out: &mut String, axis: &Axis, top: i64) {
        let lane_of = |attempt: u32| {
            let at = self.call.attempts.iter().position(|a| a.attempt == attempt);
            at.map_or(0, |i| self.lanes.0[i])
        };
        for (a, lane, end) in self.cancels() {
            let (x, y) = (axis.x(end), lane_top(top, lane) + LANE / 2);
            let title = format!("attempt {} cancelled at {}", a.attempt, MsText(end));
            Mark::Cancel.write(out, x, y, Px(0), &title);
        }
        for (attempt, at) in &self.marks.commits {
            let (x, y) = (axis.x(*at), lane_top(top, lane_of(*attempt)) + LANE / 2);
            let title = format!("committed to attempt {attempt} at {}", MsText(*at));
            Mark::Commit.write(out, x, y, Px(0), &title);
        }
        for (at, detail) in &self.marks.throttled {
            let title = format!("retry refused by the throttle at {}: {detail}", MsText(*at));
            Mark::Throttled.write(out, axis.x(*at), top + 1, Px(0), &title);
        }
    }

    /// The deadline as a line across the row when it lies on the axis, else a note right of it.
    fn deadline(&self, out: &mut String, axis: &Axis, top: i64, h: i64) {
        let Some(deadline) = self.deadline else {
            return;
        };
        let after = human(deadline.saturating_sub(self.call.started));
        if axis.contains(deadline) {
            let title = format!(
                "deadline at {} ({after} after the call started)",
                MsText(deadline)
            );
            Mark::Deadline.write(out, axis.x(deadline), top, Px::whole(h), &title);
        } else {
            let _ = writeln!(
                out,
                r#"<text class="deadline" x="{}" y="{}" font-size="10" fill="{}">deadline +{after} →<title>deadline at {}, beyond the time axis</title></text>"#,
                axis.x(axis.end).plus(Px::whole(14)),
                top + h / 2 + 4,
                style::DEADLINE,
                MsText(deadline)
            );
        }
    }
}

/// The top of lane `lane` in a row whose top is `top`.
fn lane_top(top: i64, lane: usize) -> i64 {
    top + PAD + lane as i64 * (LANE + LANE_GAP)
}

/// Text colour readable on `fill` (`#rrggbb`): white on dark fills, ink on light ones.
fn text_on(fill: &str) -> &'static str {
    let channel = |i: usize| i64::from_str_radix(fill.get(i..i + 2).unwrap_or("ff"), 16);
    let (r, g, b) = (channel(1), channel(3), channel(5));
    match (r, g, b) {
        (Ok(r), Ok(g), Ok(b)) if (r * 299 + g * 587 + b * 114) / 1000 < 140 => "white",
        _ => style::INK,
    }
}
