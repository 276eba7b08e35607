//! Every scenario in sims/ × every seed it lists, as a YAML trace snapshot in snapshots/.
//!
//! A new scenario file gets its snapshots with no new code: run `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test sim_snapshots`), read the new `.snap` files, commit.
//! CI runs with CI=true, where insta writes nothing and a missing or changed snapshot fails.

use std::path::Path;

use hedgehog::scenario::{scenario_files, Scenario};
use hedgehog::sim::run::trace;
use hedgehog::trace::render::{to_text, to_yaml};

#[test]
fn every_scenario_and_seed_matches_its_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = scenario_files(&root.join("sims")).expect("sims/ is readable");
    assert!(
        files.len() >= 24,
        "issue 3 asks for at least 24 scenarios, found {}",
        files.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for file in files {
        let mut scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        // Paths in snapshots are relative to the repository, so they match on every checkout.
        scenario.file = file.strip_prefix(root).ok().map(Path::to_path_buf);
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario")
            .to_string();
        assert_eq!(
            scenario.name,
            stem,
            "{}: name should match the file name",
            file.display()
        );
        for seed in &scenario.seeds {
            settings.set_description(format!(
                "{}\nreplay: {}",
                scenario.description,
                scenario.replay_command(*seed)
            ));
            settings.bind(|| {
                insta::assert_snapshot!(
                    format!("{stem}-seed{seed}"),
                    to_yaml(&trace(&scenario, *seed))
                );
            });
        }
    }
}

/// Scenarios whose text traces are held to snapshots: between them every event kind the
/// simulator writes in sims/ (hedge timers, pushback, throttling, receive timeouts, deadlines,
/// commits, cancellations), attempts still running and pushback values in the attempt lines.
const TEXT_SNAPSHOTS: &[&str] = &[
    "buffer-budget-pressure",
    "deadline-across-attempts",
    "hedging-basic",
    "hedging-pushback-stop",
    "hedging-throttled",
    "per-attempt-timeout",
    "pushback-past-deadline",
    "pushback-resets-backoff",
    "throttling-20-failing-calls",
];

/// The text trace (the people's format, which no other test pins) of a few scenarios, so a
/// change to its layout or to how it prints times shows up as a snapshot diff.
#[test]
fn text_traces_match_their_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for stem in TEXT_SNAPSHOTS {
        let file = root.join("sims").join(format!("{stem}.json"));
        let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        for seed in &scenario.seeds {
            settings.bind(|| {
                insta::assert_snapshot!(
                    format!("text-{stem}-seed{seed}"),
                    to_text(&trace(&scenario, *seed), &scenario.description)
                );
            });
        }
    }
}
