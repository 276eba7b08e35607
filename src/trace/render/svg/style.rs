//! The picture's vocabulary: one colour per outcome, the marks' colours, how a coordinate and
//! a text are written.
//!
//! Colours are fixed per outcome (not assigned in order of appearance), so `UNAVAILABLE` is the
//! same orange in every picture and two pictures compare at a glance. Coordinates are written
//! as tenths of a pixel from integer arithmetic ([`Px`]), so the SVG text is byte-identical on
//! every machine, as the other renderers' output is.

use std::fmt::{self, Write as _};

use crate::code::Code;
use crate::trace::Outcome;

/// The colour of each status code, indexed by its number (0..=16): OK green, UNAVAILABLE
/// orange (the usual retryable failure), DEADLINE_EXCEEDED purple, the rest distinct hues.
const CODE_COLOURS: [&str; 17] = [
    "#2ca02c", // OK
    "#b0b0b0", // CANCELLED (a server's; the client's own cancel is drawn the same)
    "#e377c2", // UNKNOWN
    "#8c6d31", // INVALID_ARGUMENT
    "#9467bd", // DEADLINE_EXCEEDED
    "#7b4173", // NOT_FOUND
    "#637939", // ALREADY_EXISTS
    "#843c39", // PERMISSION_DENIED
    "#d62728", // RESOURCE_EXHAUSTED
    "#bd9e39", // FAILED_PRECONDITION
    "#bcbd22", // ABORTED
    "#ad494a", // OUT_OF_RANGE
    "#17becf", // UNIMPLEMENTED
    "#8c564b", // INTERNAL
    "#ff7f0e", // UNAVAILABLE
    "#393b79", // DATA_LOSS
    "#a55194", // UNAUTHENTICATED
];

/// An attempt replayed transparently because it never left the client (R71).
const NOT_SENT: &str = "#9ecae1";
/// An attempt the server refused before its application saw it (R71).
const REFUSED: &str = "#6baed6";
/// An attempt still running when the run stopped.
pub const RUNNING: &str = "#ffffff";

/// The bar colour of an attempt that ended with `outcome` (`None`: still running).
pub fn outcome_colour(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        Some(Outcome::Status(code)) => code_colour(code),
        Some(Outcome::Cancelled) => CODE_COLOURS[Code::Cancelled as usize],
        Some(Outcome::NotSent) => NOT_SENT,
        Some(Outcome::Refused) => REFUSED,
        None => RUNNING,
    }
}

/// The colour of a status code (an attempt's, or the call's status label).
pub fn code_colour(code: Code) -> &'static str {
    CODE_COLOURS[code as usize]
}

/// The deadline line and its notes.
pub const DEADLINE: &str = "#c0392b";
/// A retry or hedge the throttle refused (R43).
pub const THROTTLED: &str = "#d62728";
/// Marks drawn over bars (commit, cancel) and the main text.
pub const INK: &str = "#222222";
/// Secondary text: captions, tick labels, notes.
pub const MUTED: &str = "#555555";
/// The band of a call's life, from its start to its end.
pub const CALL_SPAN: &str = "#e3eaf3";
/// Every other row's background.
pub const STRIPE: &str = "#f7f8fa";
/// Grid lines at the ticks.
pub const GRID: &str = "#dddddd";

/// The marks drawn over the bars, and in the legend the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The call committed to an attempt: a diamond centred on the point.
    Commit,
    /// The client cancelled an attempt: a cross centred on the point.
    Cancel,
    /// The wait before the next attempt of a lane: a dashed line from the point, `len` long.
    Wait,
    /// The throttle refused a retry or hedge: a triangle hanging from the point.
    Throttled,
    /// The deadline: a dashed line down from the point, `len` long.
    Deadline,
}

impl Mark {
    /// The `class` the mark's element carries.
    pub fn class(self) -> &'static str {
        match self {
            Mark::Commit => "commit",
            Mark::Cancel => "cancel",
            Mark::Wait => "gap",
            Mark::Throttled => "throttled",
            Mark::Deadline => "deadline",
        }
    }

    /// Writes the mark at `(x, y)` (`len` long where it is a line) with `title` as its
    /// tooltip (none when empty).
    pub fn write(self, out: &mut String, x: Px, y: i64, len: Px, title: &str) {
        let class = self.class();
        let _ = match self {
            Mark::Commit => write!(
                out,
                r#"<path class="{class}" d="M{x} {} l5 7 l-5 7 l-5 -7 z" fill="{INK}" stroke="white""#,
                y - 7
            ),
            Mark::Cancel => write!(
                out,
                r#"<path class="{class}" d="M{} {} l8 8 m0 -8 l-8 8" stroke="{INK}" stroke-width="2""#,
                x.minus(Px(40)),
                y - 4
            ),
            Mark::Wait => write!(
                out,
                r#"<path class="{class}" d="M{x} {y} h{len}" stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="3,2""#
            ),
            Mark::Throttled => write!(
                out,
                r#"<path class="{class}" d="M{} {y} l10 0 l-5 8 z" fill="{THROTTLED}""#,
                x.minus(Px(50))
            ),
            Mark::Deadline => write!(
                out,
                r#"<path class="{class}" d="M{x} {y} v{len}" stroke="{DEADLINE}" stroke-width="2" stroke-dasharray="5,3""#
            ),
        };
        if title.is_empty() {
            out.push_str("/>\n");
        } else {
            let _ = writeln!(out, "><title>{}</title></path>", Escaped(title));
        }
    }
}

/// A coordinate in tenths of a pixel, written with one fixed decimal (`12.3`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Px(pub i64);

impl Px {
    /// Whole pixels.
    pub const fn whole(px: i64) -> Px {
        Px(px * 10)
    }

    /// `self + other`.
    pub const fn plus(self, other: Px) -> Px {
        Px(self.0 + other.0)
    }

    /// `self - other`.
    pub const fn minus(self, other: Px) -> Px {
        Px(self.0 - other.0)
    }
}

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{}", abs / 10, abs % 10)
    }
}

/// Text made safe for SVG content and attribute values.
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                c => write!(f, "{c}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn px_prints_one_fixed_decimal() {
        assert_eq!(Px(123).to_string(), "12.3");
        assert_eq!(Px(-5).to_string(), "-0.5");
        assert_eq!(Px::whole(4).plus(Px(1)).to_string(), "4.1");
    }

    #[test]
    fn every_outcome_has_its_own_colour() {
        let mut colours: Vec<&str> = (0..17)
            .map(|n| code_colour(Code::from_value(n).expect("a code")))
            .chain([NOT_SENT, REFUSED, RUNNING])
            .collect();
        colours.sort_unstable();
        colours.dedup();
        assert_eq!(colours.len(), 20);
    }

    #[test]
    fn text_is_escaped() {
        let text = Escaped("a<b & \"c\">").to_string();
        assert_eq!(text, "a&lt;b &amp; &quot;c&quot;&gt;");
    }
}
