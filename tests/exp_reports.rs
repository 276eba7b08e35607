//! The committed reports under docs/experiments/ come from the commands listed beside them
//! (scripts/experiment-reports.tsv, run by scripts/regenerate-experiments.sh): every report is
//! listed, and every `small` line, run now with this build, prints the committed file byte for
//! byte. So a report cannot go stale: a change to what the code computes or renders fails here
//! until the script is rerun.
#![cfg(feature = "cli")] // needs the `cli` feature (runs the binary)

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(size, output, arguments)` of each manifest line.
fn manifest() -> Vec<(String, String, Vec<String>)> {
    let text = std::fs::read_to_string(root().join("scripts/experiment-reports.tsv")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split_whitespace().map(str::to_string);
            let size = words.next().unwrap();
            let output = words.next().expect("an output file");
            assert!(size == "small" || size == "big", "size of {l}");
            (size, output, words.collect())
        })
        .collect()
}

#[test]
fn every_committed_report_is_listed_with_its_command() {
    let listed: Vec<String> = manifest().into_iter().map(|(_, o, _)| o).collect();
    let dir = root().join("docs/experiments");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        // timings.txt is a log of measured wall times, not a computed report.
        let report = name.ends_with(".txt") || name.ends_with(".json");
        if report && name != "timings.txt" {
            assert!(
                listed.contains(&name),
                "{name} has no command in the manifest"
            );
        }
    }
    for name in &listed {
        assert!(
            dir.join(name).is_file(),
            "{name} is listed but not committed"
        );
    }
}

#[test]
fn the_small_reports_equal_a_fresh_run() {
    let small: Vec<_> = manifest()
        .into_iter()
        .filter(|(s, _, _)| s == "small")
        .collect();
    assert!(small.len() >= 4, "the manifest lost its small lines");
    for (_, output, args) in small {
        let run = Command::new(env!("CARGO_BIN_EXE_hedgehog"))
            .args(&args)
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "hedgehog {}: {:?}",
            args.join(" "),
            run
        );
        let committed = std::fs::read(root().join("docs/experiments").join(&output)).unwrap();
        assert!(
            run.stdout == committed,
            "docs/experiments/{output} is stale: `hedgehog {}` prints something else; rerun \
             scripts/regenerate-experiments.sh and review the diff",
            args.join(" ")
        );
    }
}
