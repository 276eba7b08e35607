//! Helpers shared by the profile snapshot tests (`sim_runtimes.rs`, `sim_libraries.rs`): the
//! scenarios of one `sims/` folder, and one snapshot per seed of a scenario under a profile.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;

use hedgehog::scenario::{scenario_files, Scenario};
use hedgehog::sim::run::trace;
use hedgehog::trace::render::to_yaml;

/// Every scenario of `sims/<dir>/`, each with its file stem, checked to be named after it.
pub fn scenarios(dir: &str) -> Vec<(String, Scenario)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = scenario_files(&root.join("sims").join(dir)).expect("the sims folder");
    files
        .into_iter()
        .map(|file| {
            let loaded = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("s");
            assert_eq!(loaded.name, stem, "{}: name should match", file.display());
            (stem.to_string(), loaded)
        })
        .collect()
}

/// Snapshots `scenario` (already under `profile`) for each of its seeds in `snapshots/<dir>/`,
/// named `<stem>-<profile>-seed<N>`, each with the command that replays it.
pub fn snapshot_each_seed(dir: &str, stem: &str, profile: &str, scenario: &Scenario) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("snapshots").join(dir));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for seed in &scenario.seeds {
        settings.set_description(format!(
            "{}\nreplay: hedgehog sim sims/{dir}/{stem}.json --as {profile} --seed {seed}",
            scenario.description
        ));
        settings.bind(|| {
            insta::assert_snapshot!(
                format!("{stem}-{profile}-seed{seed}"),
                to_yaml(&trace(scenario, *seed))
            );
        });
    }
}
