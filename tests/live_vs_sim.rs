//! Live vs simulated: every `sims/` scenario marked `"live_comparable": true`, every seed it
//! lists, run over real HTTP/2 on 127.0.0.1, must tell the simulated story: same attempts,
//! `previous` values, outcomes and commits, times within the stated tolerance (DESIGN.md: the
//! attempt sequence the simulator prints is the one the live client performs).

use std::path::Path;

use hedgehog::live::compare::{compare, Tolerance};
use hedgehog::live::run::run_live;
use hedgehog::sim::run::trace;
use hedgehog::sim::scenario::Scenario;
use std::time::Duration;
use tokio::time::timeout;

fn comparable() -> Vec<Scenario> {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("sims"))
        .expect("sims/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| Scenario::load(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        .filter(|s| s.live_comparable)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_live_comparable_scenario_agrees_with_its_simulation() {
    let scenarios = comparable();
    assert!(
        scenarios.len() >= 10,
        "only {} live-comparable scenarios",
        scenarios.len()
    );
    let mut failures = Vec::new();
    for scenario in &scenarios {
        for &seed in &scenario.seeds {
            let sim = trace(scenario, seed);
            // Structure must agree on every run. Timing is real time on a shared machine (a
            // loaded 2-core box sometimes stretches a 1ms attempt to 10-20ms): a run whose only
            // differences are timing gets up to two more tries, and one must agree.
            for attempt in 1..=3 {
                let live = timeout(Duration::from_secs(60), run_live(scenario, seed))
                    .await
                    .unwrap_or_else(|_| panic!("{} seed {seed}: timed out", scenario.name))
                    .unwrap_or_else(|e| panic!("{} seed {seed}: {e}", scenario.name));
                let c = compare(&sim, &live.trace, Tolerance::default());
                if c.agrees() {
                    break;
                }
                if !c.structure.is_empty() || attempt == 3 {
                    let what = c.disagreements();
                    let name = &scenario.name;
                    failures.push(format!("{name} seed {seed} (run {attempt}): {what:#?}"));
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_demo_is_live_comparable() {
    assert!(comparable().iter().any(|s| s.name == "seed-demo"));
}
