//! The streaming trace is the collected one, byte for byte: for every scenario in sims/ and
//! every seed it lists, in all three formats, what a `StreamRecorder` writes while the run goes
//! equals what the whole-trace renderers print from the collected trace (the JSON one is
//! serde's own rendering of the records, an independent path; YAML is also held to the
//! committed snapshots by `sim_snapshots`).

use std::path::Path;

use hedgehog::scenario::{scenario_files, Scenario};
use hedgehog::sim::run::{run_with, trace};
use hedgehog::trace::render::{to_json_string, to_text, to_yaml, Format};
use hedgehog::trace::{Mode, StreamRecorder};

fn streamed(scenario: &Scenario, seed: u64, format: Format) -> String {
    let (name, description) = (&scenario.name, &scenario.description);
    let recorder = StreamRecorder::new(Vec::new(), format, name, seed, Mode::Sim, description);
    run_with(scenario, seed, &recorder);
    let bytes = recorder.finish().expect("writing to a Vec cannot fail");
    String::from_utf8(bytes).expect("the trace is UTF-8")
}

#[test]
fn every_scenario_and_seed_streams_what_the_renderers_print() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = scenario_files(&root.join("sims")).expect("sims/ is readable");
    assert!(!files.is_empty());
    for file in files {
        let scenario = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        for &seed in &scenario.seeds {
            let t = trace(&scenario, seed);
            let at = format!("{} seed {seed}", file.display());
            assert_eq!(
                streamed(&scenario, seed, Format::Json),
                to_json_string(&t),
                "{at}"
            );
            assert_eq!(streamed(&scenario, seed, Format::Yaml), to_yaml(&t), "{at}");
            let text = to_text(&t, &scenario.description);
            assert_eq!(streamed(&scenario, seed, Format::Text), text, "{at}");
        }
    }
}
