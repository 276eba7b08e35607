//! The trace as a picture (`hedgehog sim FILE --format svg`) on the three scenarios the docs
//! show: its structure read from the SVG's classes and `data-` attributes, snapshots of the
//! SVG text (byte-identical on every machine: integer arithmetic, fixed decimals), and the
//! committed pictures in docs/pictures/ equal to a fresh drawing.

mod svg_support;

use std::path::Path;

use hedgehog::scenario::Scenario;
use hedgehog::sim::picture::svg;
use hedgehog::sim::run::trace;
use svg_support::{count, rows};

/// The three scenarios of docs/pictures/: a retry story, hedging, a throttled storm.
const PICTURES: [&str; 3] = ["seed-demo", "hedging-basic", "throttling-20-failing-calls"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scenario(name: &str) -> Scenario {
    let mut s = Scenario::load(&root().join("sims").join(format!("{name}.json")))
        .unwrap_or_else(|e| panic!("{e}"));
    s.file = None;
    s
}

#[test]
fn one_row_per_call_one_bar_per_attempt_in_every_picture() {
    for name in PICTURES {
        let s = scenario(name);
        let seed = s.seeds[0];
        let (picture, t) = (svg(&s, seed), trace(&s, seed));
        let rows = rows(&picture);
        assert_eq!(rows.len(), t.calls.len(), "{name}");
        for (row, c) in rows.iter().zip(&t.calls) {
            assert!(row.contains(&format!(r#"data-status="{}""#, c.status.name())));
            assert_eq!(count(row, r#"class="attempt""#), c.attempts.len(), "{name}");
            // Every call of these scenarios has a deadline (client.deadline_ms, R81).
            assert_eq!(count(row, r#"class="deadline""#), 1, "{name}: {row}");
        }
        assert!(picture.contains(&format!("{name} · seed {seed} · sim")));
    }
}

/// Every picture is well-formed SVG, and read as XML (not as text) each call group holds its
/// attempts in order, each bar's outcome is the record's and its fill the legend's swatch for
/// that outcome.
#[test]
fn every_picture_is_well_formed_svg_with_bars_in_record_order() {
    for name in PICTURES {
        let s = scenario(name);
        let (picture, t) = (svg(&s, s.seeds[0]), trace(&s, s.seeds[0]));
        let doc = roxmltree::Document::parse(&picture).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let class = |n: &roxmltree::Node, c: &str| n.attribute("class") == Some(c);
        let swatch = |outcome: &str| {
            let mut swatches = doc.descendants().filter(|n| class(n, "legend"));
            let found = swatches.find(|n| n.attribute("data-outcome") == Some(outcome));
            found
                .and_then(|n| n.attribute("fill"))
                .expect("a swatch per outcome drawn")
        };
        let groups: Vec<_> = doc.descendants().filter(|n| class(n, "call")).collect();
        assert_eq!(groups.len(), t.calls.len(), "{name}");
        for (g, c) in groups.iter().zip(&t.calls) {
            assert_eq!(g.attribute("data-call"), Some(c.call.to_string().as_str()));
            let bars: Vec<_> = g.children().filter(|n| class(n, "attempt")).collect();
            assert_eq!(bars.len(), c.attempts.len(), "{name}");
            for (bar, a) in bars.iter().zip(&c.attempts) {
                let outcome = a.outcome.map(|o| o.as_str()).expect("ended");
                assert_eq!(
                    bar.attribute("data-attempt"),
                    Some(a.attempt.to_string().as_str())
                );
                assert_eq!(bar.attribute("data-outcome"), Some(outcome));
                assert_eq!(bar.attribute("fill"), Some(swatch(outcome)), "{name}");
            }
        }
    }
}

#[test]
fn the_seed_demo_draws_three_waits_and_one_commit() {
    let picture = svg(&scenario("seed-demo"), 1);
    let row = rows(&picture)[0];
    assert_eq!(count(row, r#"data-outcome="UNAVAILABLE""#), 3, "{row}");
    assert_eq!(count(row, r#"data-outcome="OK""#), 1);
    assert_eq!(count(row, r#"class="gap""#), 3, "three ~10ms backoffs");
    assert_eq!(count(row, r#"class="commit""#), 1);
    assert!(
        row.contains(r#"data-lanes="1""#),
        "retries follow each other"
    );
    // The 1s deadline lies far beyond a 34ms story: a note, not a squeezed axis.
    assert!(row.contains(r#"<text class="deadline""#), "{row}");
}

#[test]
fn hedges_stand_side_by_side_and_losers_are_cancelled() {
    let s = scenario("hedging-basic");
    let t = trace(&s, s.seeds[0]);
    let picture = svg(&s, s.seeds[0]);
    let row = rows(&picture)[0];
    let overlapping = t.calls[0].attempts.len() > 1;
    assert!(overlapping);
    assert!(
        !row.contains(r#"data-lanes="1""#),
        "hedges get lanes: {row}"
    );
    let cancelled = t.calls[0]
        .attempts
        .iter()
        .filter(|a| a.outcome.map(|o| o.as_str()) == Some("CANCELLED"))
        .count();
    assert_eq!(count(row, r#"class="cancel""#), cancelled);
    assert!(cancelled > 0);
}

#[test]
fn the_throttled_storm_marks_each_refused_retry() {
    let s = scenario("throttling-20-failing-calls");
    let t = trace(&s, 1);
    let refused = t
        .events
        .iter()
        .filter(|e| e.kind.as_str() == "throttled")
        .count();
    let picture = svg(&s, 1);
    let marks: usize = rows(&picture)
        .iter()
        .map(|row| count(row, r#"<path class="throttled""#))
        .sum();
    assert_eq!(marks, refused);
    assert!(refused >= 18, "R43: 18 calls make one attempt each");
    assert!(
        picture.contains("20 calls · 23 attempts · UNAVAILABLE 20"),
        "{picture}"
    );
}

#[test]
fn a_large_run_draws_its_first_calls_and_says_so() {
    let mut s = scenario("throttling-20-failing-calls");
    s.client.calls = 100;
    let picture = svg(&s, 1);
    assert_eq!(rows(&picture).len(), hedgehog::render::MAX_CALLS);
    assert!(picture.contains("showing the first 40 of 100 calls"));
}

#[test]
fn the_pictures_match_their_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for name in PICTURES {
        let s = scenario(name);
        settings.set_description(format!("hedgehog sim sims/{name}.json --format svg"));
        settings.bind(|| insta::assert_snapshot!(format!("picture-{name}"), svg(&s, s.seeds[0])));
    }
}

/// docs/pictures/*.svg are what the command draws today (regenerate them with the command in
/// docs/trace.md when a change to the picture is intended).
#[test]
fn the_committed_pictures_are_current() {
    for name in PICTURES {
        let s = scenario(name);
        let path = root().join("docs/pictures").join(format!("{name}.svg"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == svg(&s, s.seeds[0]),
            "{} is stale: hedgehog sim sims/{name}.json --format svg > docs/pictures/{name}.svg",
            path.display()
        );
    }
}
