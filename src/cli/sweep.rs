//! `hedgehog sweep FILE`: run a scenario over many seeds (and variants) and report totals.
//! Thin: variants, parallel runs, merging, reports and plots live in
//! [`hedgehog::experiments`]; this file maps arguments, progress and exit codes.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hedgehog::config::warning_line;
use hedgehog::experiments::sweep::{self, Sweep};
use hedgehog::experiments::vary::Vary;
use hedgehog::experiments::{occ, plot, report};
use hedgehog::sim::in_flight::InFlightExceeded;

use super::format::TableFormat;

/// Arguments of `sweep`.
#[derive(Debug, clap::Args)]
#[command(
    about = "Run a scenario over many seeds and variants; report amplification, tail latency and server load",
    long_about = "Run a scenario file over many seeds, each in its own seeded virtual-time world \
(summary mode: no per-event trace), whole seeds in parallel, and report per variant: requests, \
RPCs, attempts per RPC (amplification), success rate, latency p50/p90/p99/p99.9/max of whole \
user requests, throttled RPCs and server load. Results are identical for any --jobs.\n\n\
Each figure but max comes with a 95 % confidence interval (table: value ±h, the larger side; \
csv: _ci95_lo/_ci95_hi columns; json: \"ci95\": [lo, hi]), a bootstrap over seeds; a \
percentile resting on too few requests to be bounded is ±inf, with a warning.\n\n\
--vary PATH=V1,V2,... edits one value of the scenario's JSON per variant (repeat it for a grid); \
durations such as 5ms are accepted where the file holds a Duration string.\n\n\
--shard K/N runs the K-th of N disjoint slices of the seeds and writes mergeable JSON; \
`hedgehog merge` combines the shards into exactly the report one machine prints.\n\n\
A file with \"model\": \"occ\" is Brooker's optimistic-concurrency backoff study instead (see \
docs/experiments.md).\n\n\
Exit codes: 0 done, 2 unreadable or invalid file, bad path or value in --vary, bad arguments.",
    after_help = "Examples:\n  hedgehog sweep sims/experiments/tail-at-scale.json --seeds 1..11\n  \
hedgehog sweep sims/experiments/tail-at-scale.json --vary 'service_config.methodConfig[0].hedgingPolicy.hedgingDelay=5ms,10ms,20ms'\n  \
hedgehog sweep sims/experiments/metastable.json --plot out/\n  \
hedgehog sweep sims/experiments/tail-at-scale.json --seeds 1..=8 --shard 2/4 > shard-2.json && hedgehog merge shard-*.json"
)]
pub struct Args {
    /// The scenario file.
    pub file: PathBuf,
    /// Seeds: A..B (B excluded), A..=B, or N (default: the seeds the file lists).
    #[arg(long, value_name = "RANGE")]
    pub seeds: Option<String>,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "J")]
    pub jobs: Option<usize>,
    /// PATH=V1,V2,...: one variant per value; repeat for a grid.
    #[arg(long, value_name = "PATH=V1,V2")]
    pub vary: Vec<String>,
    /// Output format (default table; json with --shard).
    #[arg(long, value_enum)]
    pub format: Option<TableFormat>,
    /// Write SVG plots into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// K/N: run only the K-th of N slices of the seeds and write mergeable JSON.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
}

/// Prints a usage or input error (a message, or any error type: they print the same words).
fn usage(message: impl std::fmt::Display) -> ExitCode {
    for line in message.to_string().lines() {
        eprintln!("hedgehog sweep: {line}");
    }
    ExitCode::from(2)
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let bad = || format!("--shard {text}: expected K/N with 1 <= K <= N");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n) = (
        k.parse::<usize>().map_err(|_| bad())?,
        n.parse::<usize>().map_err(|_| bad())?,
    );
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// A progress bar on a terminal, nothing otherwise.
pub fn progress(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {pos}/{len} runs, eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Prints `sweep` in `format` and writes plots; shared with `merge`.
pub fn emit(sweep: &Sweep, format: TableFormat, plot_dir: Option<&Path>, cmd: &str) -> ExitCode {
    let text = match format {
        TableFormat::Table => report::table(sweep),
        TableFormat::Csv => report::csv(sweep),
        TableFormat::Json => report::json(sweep).to_string() + "\n",
    };
    if let Some(dir) = plot_dir {
        match plot::write_all(sweep, dir) {
            Ok(files) => {
                for f in files {
                    eprintln!("hedgehog {cmd}: wrote {}", f.display());
                }
            }
            Err(e) => {
                eprintln!("hedgehog {cmd}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// Runs `sweep`.
pub fn run(args: Args) -> ExitCode {
    let label = args.file.display().to_string();
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => return usage(format!("{label}: cannot read the file: {e}")),
    };
    let raw = match hedgehog::json::parse(&text) {
        Ok(v) => v,
        Err(e) => {
            return usage(format!(
                "{label}: line {}, column {}: {}",
                e.line, e.column, e.message
            ))
        }
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return usage("--jobs 0: expected at least 1");
    }
    let varies = match args
        .vary
        .iter()
        .map(|v| Vary::parse(v))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    if raw.get("model").is_some() {
        return occ_run(&raw, &label, &args, jobs, &varies, shard);
    }
    let base = args.file.parent().unwrap_or(Path::new("."));
    let variants = match sweep::variants(&raw, base, &label, &varies) {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    if let Some(first) = variants.first() {
        for w in &first.scenario.warnings {
            eprintln!(
                "hedgehog sweep: warning: service_config: {}",
                warning_line(w)
            );
        }
    }
    // A --seeds range is iterated, never collected (10⁸ seeds are two numbers).
    let (seed_ranges, tallies) = match &args.seeds {
        Some(s) => {
            let mut range = match sweep::parse_seed_range(s) {
                Ok(r) => r,
                Err(e) => return usage(e),
            };
            if let Some((k, n)) = shard {
                range = sweep::shard_range(&range, k, n);
            }
            let ranges = if range.is_empty() {
                vec![]
            } else {
                vec![(range.start, range.end - 1)]
            };
            (ranges, run_seeds(&variants, &range, jobs))
        }
        None => {
            let first = variants.first();
            let mut seeds = first.map(|v| v.scenario.seeds.clone()).unwrap_or_default();
            if let Some((k, n)) = shard {
                seeds = sweep::shard(&seeds, k, n);
            }
            (sweep::ranges(&seeds), run_seeds(&variants, &seeds, jobs))
        }
    };
    let tallies = match tallies {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    // A run that met the in-flight bound (`hedgehog::sim::in_flight`) makes the sweep's
    // numbers not the scenario's: an error, exit 2.
    for ((tally, _), variant) in tallies.iter().zip(&variants) {
        if let Some(limit) = tally.in_flight_exceeded {
            let e = InFlightExceeded::new(&label, &variant.scenario, limit);
            return usage(e);
        }
    }
    let result = Sweep::of_variants(&variants, seed_ranges, shard, tallies);
    let format = args.format.unwrap_or(if shard.is_some() {
        TableFormat::Json
    } else {
        TableFormat::Table
    });
    emit(&result, format, args.plot.as_deref(), "sweep")
}

/// Per variant: totals and the seed-group summaries of its intervals.
type Totals = (
    hedgehog::sim::load::tally::Tally,
    hedgehog::experiments::replicates::Replicates,
);

/// Runs every variant over `seeds` with a progress bar on a terminal.
fn run_seeds<S: sweep::SeedList + ?Sized>(
    variants: &[sweep::Variant],
    seeds: &S,
    jobs: usize,
) -> Result<Vec<Totals>, hedgehog::experiments::error::WorkersError> {
    let bar = progress((seeds.count() * variants.len()) as u64);
    let tick = || bar.inc(1);
    let tallies = sweep::run_replicated(variants, seeds, jobs, &tick);
    bar.finish_and_clear();
    tallies
}

fn occ_run(
    raw: &hedgehog::json::Value,
    label: &str,
    args: &Args,
    jobs: usize,
    varies: &[Vary],
    shard: Option<(usize, usize)>,
) -> ExitCode {
    if !varies.is_empty() || shard.is_some() || args.plot.is_some() {
        return usage(format!(
            "{label}: an \"occ\" study takes --seeds, --jobs and --format only"
        ));
    }
    let mut spec = match occ::Study::parse(raw) {
        Ok(s) => s,
        Err(e) => return usage(format!("{label}: {e}")),
    };
    if let Some(s) = &args.seeds {
        match sweep::parse_seed_range(s) {
            Ok(seeds) => spec.seeds = seeds,
            Err(e) => return usage(e),
        }
    }
    let bar = progress(spec.total_runs());
    let tick = || bar.inc(1);
    let table = match occ::run_study(&spec, jobs, &tick) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    bar.finish_and_clear();
    let text = match args.format.unwrap_or(TableFormat::Table) {
        TableFormat::Table => occ::table(&spec, &table),
        TableFormat::Csv => occ::csv(&spec, &table),
        TableFormat::Json => occ::json(&spec, &table).to_string() + "\n",
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}
