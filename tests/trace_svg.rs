//! The picture renderer (`hedgehog::render::to_svg`) on a trace written by hand: one row per
//! call, one bar per attempt, a colour per outcome, lanes for hedges, the marks, the deadline
//! only where a call has one, the row cap, the title; read from the SVG's classes and `data-`
//! attributes. The pictures of real scenarios are in `trace_svg_pictures.rs`.

mod svg_support;

use hedgehog::render::{to_svg, SvgOptions};
use hedgehog::time::{Nanos, NANOS_PER_MS};
use hedgehog::Trace;
use svg_support::{count, rows};

fn ms(n: u64) -> Nanos {
    n * NANOS_PER_MS
}

/// Call 0 retries once and succeeds; call 1 hedges (attempt 1 cancelled when 2 wins); call 2
/// fails once and the throttle refuses its retry. Written as the JSON trace (docs/trace.md),
/// which is how a trace is built outside the crate.
fn sample() -> Trace {
    let attempt = |n: u32, sent: u32, ended: u32, outcome: &str| {
        let previous = if n == 1 {
            "null".to_string()
        } else {
            (n - 1).to_string()
        };
        format!(
            r#"{{"attempt": {n}, "previous": {previous}, "sent_ms": {sent}.0, "ended_ms": {ended}.0,
                "outcome": "{outcome}", "committed": {}, "pushback_ms": null}}"#,
            outcome == "OK"
        )
    };
    let call = |n: u32, status: &str, started: u32, ended: u32, attempts: &[String]| {
        format!(
            r#"{{"call": {n}, "status": "{status}", "message": null, "started_ms": {started}.0,
                "ended_ms": {ended}.0, "attempts": [{}]}}"#,
            attempts.join(",")
        )
    };
    let event = |at: u32, call: u32, attempt: &str, kind: &str| {
        format!(
            r#"{{"at_ms": {at}.0, "call": {call}, "attempt": {attempt}, "kind": "{kind}", "detail": ""}}"#
        )
    };
    let calls = [
        call(
            0,
            "OK",
            0,
            12,
            &[attempt(1, 0, 1, "UNAVAILABLE"), attempt(2, 11, 12, "OK")],
        ),
        call(
            1,
            "OK",
            5,
            25,
            &[attempt(1, 5, 25, "CANCELLED"), attempt(2, 15, 25, "OK")],
        ),
        call(
            2,
            "UNAVAILABLE",
            10,
            11,
            &[attempt(1, 10, 11, "UNAVAILABLE")],
        ),
    ];
    let events = [
        event(12, 0, "2", "commit"),
        event(25, 1, "2", "commit"),
        event(11, 2, "null", "throttled"),
    ];
    let json = format!(
        r#"{{"scenario": "a <sample>", "seed": 7, "mode": "sim", "calls": [{}], "events": [{}]}}"#,
        calls.join(","),
        events.join(",")
    );
    serde_json::from_str(&json).expect("a valid trace")
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
    let mut options = SvgOptions::default();
    options.max_calls = 2;
    let svg = to_svg(&sample(), &options);
    assert_eq!(rows(&svg).len(), 2);
    assert!(svg
        .contains("3 calls · 5 attempts · OK 2 · UNAVAILABLE 1 · showing the first 2 of 3 calls"));
}

#[test]
fn the_title_names_scenario_and_seed_escaped_and_the_caption_wraps() {
    let mut options = SvgOptions::default();
    options.caption = Some("word ".repeat(100));
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
    let trace: Trace = serde_json::from_str(
        r#"{"scenario": "empty", "seed": 1, "mode": "sim", "calls": [], "events": []}"#,
    )
    .expect("a trace");
    let svg = to_svg(&trace, &SvgOptions::default());
    assert!(svg.contains("0 calls · 0 attempts"));
    assert!(rows(&svg).is_empty());
}

#[test]
fn a_trace_read_from_json_with_odd_times_or_a_running_attempt_still_draws() {
    // A run stopped with attempt 1 still running; a record whose end precedes its start.
    let trace: Trace = serde_json::from_str(
        r#"{"scenario": "odd", "seed": 1, "mode": "live", "calls": [
            {"call": 0, "status": "UNKNOWN", "message": null, "started_ms": 5.0, "ended_ms": 9.0,
             "attempts": [{"attempt": 1, "previous": null, "sent_ms": 5.0, "ended_ms": null,
                           "outcome": null, "committed": false, "pushback_ms": null}]},
            {"call": 1, "status": "OK", "message": null, "started_ms": 8.0, "ended_ms": 2.0,
             "attempts": []}],
          "events": []}"#,
    )
    .expect("a trace");
    let svg = to_svg(&trace, &SvgOptions::default());
    let rows = rows(&svg);
    assert_eq!(rows.len(), 2);
    assert!(rows[0].contains(r#"data-outcome="RUNNING""#), "{}", rows[0]);
    assert!(rows[0].contains("still running"));
    assert_eq!(count(rows[1], r#"class="attempt""#), 0);
}
