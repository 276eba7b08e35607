//! `hedgehog merge FILES...`: combine the JSON of `sweep --shard K/N` runs into the report one
//! machine would have printed (exactly, intervals included: tallies and replicate groups are
//! integers and fixed-bound histograms).

use std::path::PathBuf;
use std::process::ExitCode;

use hedgehog::experiments::sweep::Sweep;

use super::format::TableFormat;
use super::sweep::emit;

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
#[command(
    about = "Merge the JSON of sweep shards into one report",
    long_about = "Merge documents written by `hedgehog sweep --shard K/N` (or `--format json`) \
for the same scenario and --vary, over disjoint seeds, and print the report one machine running \
every seed would have printed, 95 % intervals included (the documents keep the per-seed-group \
summaries the intervals are computed from).\n\n\
Exit codes: 0 merged, 2 a file is unreadable, not a sweep document, from another scenario or \
variant set, or overlaps another file's seeds."
)]
pub struct Args {
    /// Sweep JSON files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
    /// Write SVG plots into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
}

/// Runs `merge`.
pub fn run(args: Args) -> ExitCode {
    let mut parts = Vec::new();
    for f in &args.files {
        let label = f.display().to_string();
        let parsed = std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the file: {e}"))
            .and_then(|t| {
                hedgehog::json::parse(&t)
                    .map_err(|e| format!("line {}, column {}: {}", e.line, e.column, e.message))
            })
            .and_then(|v| Sweep::from_json(&v).map_err(|e| e.to_string()));
        match parsed {
            Ok(s) => parts.push(s),
            Err(e) => {
                eprintln!("hedgehog merge: {label}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    match Sweep::merge(parts) {
        Ok(s) => emit(&s, args.format, args.plot.as_deref(), "merge"),
        Err(e) => {
            eprintln!("hedgehog merge: {e}");
            ExitCode::from(2)
        }
    }
}
