use super::*;
use crate::code::Code;
use crate::time::NANOS_PER_MS;
use crate::trace::{AttemptRecord, TraceEvent};

fn ms(n: u64) -> Nanos {
    n * NANOS_PER_MS
}

fn attempt(n: u32, sent: u64, ended: u64, outcome: Outcome) -> AttemptRecord {
    let mut a = AttemptRecord::new(n, (n > 1).then_some(n - 1), ms(sent));
    a.ended = Some(ms(ended));
    a.outcome = Some(outcome);
    a
}

fn call(n: u64, status: Code, started: u64, attempts: Vec<AttemptRecord>) -> CallRecord {
    let ended = attempts
        .iter()
        .filter_map(|a| a.ended)
        .max()
        .unwrap_or(ms(started));
    let mut c = CallRecord::new(n, status, ms(started), ended);
    c.attempts = attempts;
    c
}

fn event(at: Nanos, call: u64, attempt: Option<u32>, kind: EventKind) -> TraceEvent {
    TraceEvent {
        at,
        call,
        attempt,
        kind,
        detail: String::new(),
    }
}

const UNAVAILABLE: Outcome = Outcome::Status(Code::Unavailable);
const OK: Outcome = Outcome::Status(Code::Ok);

/// Call 0 retries once and succeeds; call 1 hedges (attempt 1 cancelled when 2 wins); call 2
/// fails once and the throttle refuses its retry.
fn sample() -> Trace {
    let mut retried = call(
        0,
        Code::Ok,
        0,
        vec![attempt(1, 0, 1, UNAVAILABLE), attempt(2, 11, 12, OK)],
    );
    retried.attempts[1].committed = true;
    let mut hedged = call(
        1,
        Code::Ok,
        5,
        vec![
            attempt(1, 5, 25, Outcome::Cancelled),
            attempt(2, 15, 25, OK),
        ],
    );
    hedged.attempts[1].committed = true;
    let refused = call(
        2,
        Code::Unavailable,
        10,
        vec![attempt(1, 10, 11, UNAVAILABLE)],
    );
    Trace {
        scenario: "a <sample>".into(),
        seed: 7,
        mode: "sim".into(),
        calls: vec![retried, hedged, refused],
        events: vec![
            event(ms(12), 0, Some(2), EventKind::Commit),
            event(ms(25), 1, Some(2), EventKind::Commit),
            event(ms(11), 2, None, EventKind::Throttled),
        ],
    }
}

/// The text of each call's `<g class="call">` group, in order.
fn rows(svg: &str) -> Vec<&str> {
    svg.split(r#"<g class="call""#)
        .skip(1)
        .map(|g| &g[..g.find("</g>").expect("a closed group")])
        .collect()
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn one_row_per_call_and_one_bar_per_attempt() {
    let trace = sample();
    let svg = to_svg(&trace, &SvgOptions::default());
    let rows = rows(&svg);
    assert_eq!(rows.len(), trace.calls.len());
    for (row, c) in rows.iter().zip(&trace.calls) {
        assert!(
            row.starts_with(&format!(r#" data-call="{}""#, c.call)),
            "{row}"
        );
        assert_eq!(count(row, r#"class="attempt""#), c.attempts.len(), "{row}");
        assert_eq!(count(row, r#"class="span""#), 1);
    }
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
}

#[test]
fn each_outcome_has_its_colour_and_a_legend_swatch() {
    let svg = to_svg(&sample(), &SvgOptions::default());
    for (outcome, colour) in [
        ("UNAVAILABLE", "#ff7f0e"),
        ("OK", "#2ca02c"),
        ("CANCELLED", "#b0b0b0"),
    ] {
        let bar = format!(r#"data-outcome="{outcome}""#);
        let bars: Vec<&str> = svg.split('\n').filter(|l| l.contains(&bar)).collect();
        assert!(bars.len() >= 2, "a bar and a swatch for {outcome}");
        for line in bars {
            assert!(line.contains(&format!(r#"fill="{colour}""#)), "{line}");
        }
    }
    assert_eq!(
        count(&svg, r#"class="legend""#),
        3,
        "one swatch per outcome drawn"
    );
}

#[test]
fn hedges_stack_in_lanes_and_the_marks_are_drawn() {
    let svg = to_svg(&sample(), &SvgOptions::default());
    let rows = rows(&svg);
    assert!(
        rows[0].contains(r#"data-lanes="1""#),
        "retries share a lane"
    );
    assert!(
        rows[1].contains(r#"data-lanes="2""#),
        "the hedge gets its own lane"
    );
    assert_eq!(
        count(rows[0], r#"class="gap""#),
        1,
        "the backoff before attempt 2"
    );
    assert_eq!(count(rows[1], r#"class="gap""#), 0);
    assert_eq!(count(rows[0], r#"class="commit""#), 1);
    assert_eq!(count(rows[1], r#"class="cancel""#), 1);
    assert_eq!(count(rows[2], r#"class="throttled""#), 1);
    assert_eq!(count(rows[2], r#"class="commit""#), 0);
}

#[test]
fn the_deadline_is_drawn_only_for_calls_that_have_one() {
    let mut options = SvgOptions::default();
    options.deadlines.insert(0, ms(20)); // on the axis: a line
    options.deadlines.insert(1, ms(5_000)); // far beyond: a note right of the axis
    let svg = to_svg(&sample(), &options);
    let rows = rows(&svg);
    assert!(rows[0].contains(r#"<path class="deadline""#), "{}", rows[0]);
    assert!(rows[1].contains(r#"<text class="deadline""#), "{}", rows[1]);
    assert!(rows[1].contains("deadline +4.995s"), "{}", rows[1]);
    assert!(!rows[2].contains(r#"class="deadline""#));
}

#[test]
fn at_most_max_calls_rows_and_the_title_says_so() {
    let options = SvgOptions {
        max_calls: 2,
        ..SvgOptions::default()
    };
    let svg = to_svg(&sample(), &options);
    assert_eq!(rows(&svg).len(), 2);
    assert!(svg
        .contains("3 calls · 5 attempts · OK 2 · UNAVAILABLE 1 · showing the first 2 of 3 calls"));
}

#[test]
fn the_title_names_scenario_and_seed_escaped_and_the_caption_wraps() {
    let options = SvgOptions {
        caption: Some("word ".repeat(100)),
        ..SvgOptions::default()
    };
    let svg = to_svg(&sample(), &options);
    assert!(svg.contains("a &lt;sample&gt; · seed 7 · sim"));
    assert_eq!(count(&svg, r#"class="caption""#), 3);
    assert!(svg.contains(" …</text>"));
}

#[test]
fn coordinates_are_fixed_decimals_and_the_picture_is_deterministic() {
    let (a, b) = (sample(), sample());
    let svg = to_svg(&a, &SvgOptions::default());
    assert_eq!(svg, to_svg(&b, &SvgOptions::default()));
    for value in svg.split(" x=\"").skip(1) {
        let number = &value[..value.find('"').expect("closed")];
        assert!(number.parse::<f64>().is_ok(), "{number}");
        assert!(
            number.split('.').nth(1).is_none_or(|d| d.len() == 1),
            "{number}"
        );
    }
}

#[test]
fn an_empty_trace_is_still_a_picture() {
    let trace = Trace {
        scenario: "empty".into(),
        seed: 1,
        mode: "sim".into(),
        calls: vec![],
        events: vec![],
    };
    let svg = to_svg(&trace, &SvgOptions::default());
    assert!(svg.contains("0 calls · 0 attempts"));
    assert!(rows(&svg).is_empty());
}
