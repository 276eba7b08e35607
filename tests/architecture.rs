//! The import rules of docs/architecture.md, checked on the source: each module may name only
//! the modules below it. A rule broken here is a design decision to make on purpose (and to
//! write down in docs/architecture.md), never an accident of a convenient `use`.

use std::fs;
use std::path::{Path, PathBuf};

/// (module, the modules it must not name, why).
const RULES: &[(&str, &[&str], &str)] = &[
    (
        "engine",
        &[
            "driver",
            "sim",
            "live",
            "scenario",
            "cli",
            "experiments",
            "plan",
            "observe",
        ],
        "the engine is the sans-I/O state machine everything else drives",
    ),
    (
        "sim",
        &["live", "observe"],
        "the two worlds share what lies below them; observers plug in as recorders",
    ),
    (
        "live",
        &["sim", "observe"],
        "the two worlds share what lies below them; observers plug in as recorders",
    ),
    (
        "config",
        &["engine", "profile"],
        "config is data; the engine consumes it, and profiles read config's verdicts",
    ),
    (
        "profile",
        &[
            "engine",
            "driver",
            "plan",
            "sim",
            "live",
            "scenario",
            "trace",
            "cli",
            "experiments",
            "observe",
        ],
        "a profile is data the engine consults; it reads only config (and json, code, time)",
    ),
    (
        "trace",
        &[
            "driver", "sim", "live", "engine", "scenario", "cli", "plan", "observe", "profile",
        ],
        "the trace is the language every layer speaks, so it imports none of them",
    ),
    (
        "scenario",
        &["sim", "live", "driver", "cli", "experiments"],
        "a scenario is what both worlds run, so it knows neither",
    ),
    (
        "observe",
        &[
            "driver",
            "engine",
            "sim",
            "live",
            "scenario",
            "plan",
            "cli",
            "experiments",
        ],
        "spans and metrics are recorders: they read the trace's events and records, nothing else",
    ),
    (
        "driver",
        &["observe"],
        "a recorder needs no hook in the driver",
    ),
    (
        "plan",
        &["sim", "live", "driver", "scenario", "cli"],
        "one call plan for both worlds",
    ),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::NAME` a file's code (not its comments) names.
fn named_modules(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::{a, b}` names several at once.
            if name.is_empty() && after.starts_with('{') {
                let group = after[1..].split('}').next().unwrap_or("");
                for part in group.split(',') {
                    let part = part.trim().split("::").next().unwrap_or("").to_string();
                    found.push((i + 1, part));
                }
            } else {
                found.push((i + 1, name));
            }
            rest = &after[1..];
        }
    }
    found
}

#[test]
fn each_module_names_only_the_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (module, forbidden, why) in RULES {
        let mut files = Vec::new();
        let dir = src.join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        }
        let single = src.join(format!("{module}.rs"));
        if single.is_file() {
            files.push(single);
        }
        assert!(!files.is_empty(), "module {module} has no source files");
        for file in files {
            let text = fs::read_to_string(&file).expect("readable source");
            for (line, name) in named_modules(&text) {
                if forbidden.contains(&name.as_str()) {
                    broken.push(format!(
                        "{}:{line}: {module} names crate::{name} ({why})",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "import rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_nested_paths() {
    let text =
        "use crate::{engine::Backoff, time};\nlet x = crate::sim::run::trace; // crate::live\n";
    let names: Vec<String> = named_modules(text).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["engine", "time", "sim"]);
}
