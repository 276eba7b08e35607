//! `hedgehog check-config FILE` — STUB, the config helper fills it in.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `check-config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The service config JSON file.
    pub file: PathBuf,
}

/// Runs `check-config`.
pub fn run(args: Args) -> ExitCode {
    let _ = args;
    ExitCode::from(2)
}
