//! Helpers shared by the tests that run `hedgehog sim`: the binary, its output, and scenario
//! files written to a temp directory.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `hedgehog` binary in the crate root.
pub fn hedgehog(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgehog"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("hedgehog runs")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scenario file in a fresh temp directory, removed on drop; `tag` keeps tests apart.
pub struct TempScenario(PathBuf);

impl TempScenario {
    /// Writes `text` to `<tmp>/hedgehog-sim-<pid>-<tag>/scenario.json`.
    pub fn new(tag: &str, text: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hedgehog-sim-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("scenario.json");
        std::fs::write(&file, text).expect("write scenario");
        TempScenario(file)
    }

    /// The file's path.
    pub fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 temp path")
    }
}

impl Drop for TempScenario {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
