//! Determinism rules 1 and 6: same scenario + same seed ⇒ byte-identical trace, and
//! adding a call does not shift the draws of the others. A failure prints the command that
//! replays the run.

use std::path::Path;

use hedgehog::scenario::{scenario_files, Scenario};
use hedgehog::sim::run::{summary, trace};
use hedgehog::trace::render::to_json;

/// Every scenario, its `file` relative to the repository so replay commands are copyable.
fn scenarios() -> Vec<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    scenario_files(&root.join("sims"))
        .expect("sims/ is readable")
        .iter()
        .map(|f| {
            let mut s = Scenario::load(f).unwrap_or_else(|e| panic!("{e}"));
            s.file = f.strip_prefix(root).ok().map(Path::to_path_buf);
            s
        })
        .collect()
}

#[test]
fn every_scenario_and_seed_replays_byte_identically_rule_6() {
    let all = scenarios();
    // Run everything once, then everything again in reverse order: no state may leak between
    // runs (thread-locals, global counters) and no order may depend on memory addresses.
    let first: Vec<(String, String)> = all
        .iter()
        .flat_map(|s| {
            s.seeds.iter().map(move |seed| {
                (
                    s.replay_command(*seed),
                    to_json(&trace(s, *seed)).to_string(),
                )
            })
        })
        .collect();
    let mut second = Vec::new();
    for s in all.iter().rev() {
        for seed in s.seeds.iter().rev() {
            second.push((
                s.replay_command(*seed),
                to_json(&trace(s, *seed)).to_string(),
            ));
        }
    }
    second.reverse();
    for ((cmd, a), (_, b)) in first.iter().zip(&second) {
        assert!(
            a == b,
            "trace differs between two runs; replay with `{cmd}`"
        );
    }
}

#[test]
fn seeds_matter_where_something_is_random() {
    let all = scenarios();
    let jitter = all
        .iter()
        .find(|s| s.name == "jitter-spec")
        .expect("jitter-spec.json");
    let a = to_json(&trace(jitter, 1)).to_string();
    let b = to_json(&trace(jitter, 2)).to_string();
    assert_ne!(a, b, "different seeds should draw different jitter (R24)");
}

#[test]
fn adding_calls_does_not_shift_earlier_calls_rule_1() {
    let all = scenarios();
    let base = all
        .iter()
        .find(|s| s.name == "jitter-full")
        .expect("jitter-full.json");
    // Calls far apart (10s) so they never interact through the server: call 0's jitter stream
    // must be the same whether the run has 1 call or 5.
    let mut one = base.clone();
    one.client.calls = 1;
    one.client.interval = 10_000_000_000;
    let mut five = one.clone();
    five.client.calls = 5;
    let t1 = trace(&one, 7);
    let t5 = trace(&five, 7);
    assert_eq!(t5.calls.len(), 5);
    assert_eq!(
        t1.calls[0],
        t5.calls[0],
        "replay with `{}`",
        five.replay_command(7)
    );
}

#[test]
fn summary_agrees_with_the_full_trace() {
    for s in scenarios() {
        for seed in &s.seeds {
            let t = trace(&s, *seed);
            let sum = summary(&s, *seed);
            let cmd = s.replay_command(*seed);
            assert_eq!(sum.calls(), t.calls.len() as u64, "{cmd}");
            let attempts: usize = t.calls.iter().map(|c| c.attempts.len()).sum();
            assert_eq!(sum.attempts(), attempts as u64, "{cmd}");
            assert_eq!(sum.unfinished, 0, "{cmd}");
            let max = t
                .calls
                .iter()
                .map(|c| c.ended - c.started)
                .max()
                .unwrap_or(0);
            assert_eq!(sum.latency_at(1.0), max, "{cmd}");
        }
    }
}
