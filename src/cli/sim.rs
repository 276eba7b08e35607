//! `hedgehog sim FILE`: run a scenario in virtual time and print its trace. Thin: loading,
//! running and formatting live in [`hedgehog::sim`]; this file maps arguments and exit codes.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use hedgehog::config::warning_line;
use hedgehog::json::{Map, Value};
use hedgehog::profile::Profile;
use hedgehog::scenario::Scenario;
use hedgehog::sim::head::{summary_for, trace_head};
use hedgehog::sim::run::{summary_and_stats, RunStats};
use hedgehog::time::to_ms;
use hedgehog::trace::render::{summary_to_yaml, Format};
use hedgehog::trace::StreamRecorder;

use super::format::SimFormat;

/// Arguments of `sim`.
#[derive(Debug, clap::Args)]
#[command(
    about = "Run a scenario in seeded virtual time and print every attempt and decision",
    long_about = "Run a scenario file (sims/*.json) in seeded virtual time: a scripted or random \
failing server, a client making calls with the scenario's service config, and the A6 engine in \
between. Prints each call's attempts (when sent, the grpc-previous-rpc-attempts value they \
carried, how they ended) and every decision (backoff drawn, pushback, throttle tokens, hedge \
timers, commit, cancel, deadline).\n\n\
The same file and seed always give a byte-identical trace, on every machine. Without --seed, \
every seed the file lists is run in turn. With --format json each seed's trace is one JSON \
document (the stable shape described in docs/trace.md), written one per line. With --format \
svg the output is a picture of one seed's run (--seed N, or the file's first seed): a row per \
call, attempts as bars coloured by outcome, the waits between them, hedges in lanes, commit \
and cancel marks, the deadline and a time axis in ms; at most the first 40 calls are drawn \
(docs/trace.md, \"The trace as a picture\").\n\n\
With --as PROFILE the run is what that gRPC runtime would do with the same config where the \
runtimes differ (docs/scenarios.md): e.g. grpc-go and c-core never hedge, grpc-js reads a \
malformed pushback with parseInt, and a config the runtime rejects fails as it would there. \
The client libraries (gax-go, gax-java, python-api-core) retry whole calls until the deadline \
with their own backoff formulas, and read configs without maxAttempts (docs/runtimes.md).\n\n\
Exit codes: 0 the run completed (whatever the calls' statuses), 2 the file cannot be read or \
is not a valid scenario (the file, the JSON path and what was expected are printed), or \
the profile is unknown, or --live was asked for with a profile other than a6, or \
--format svg is combined with --summary or --live.",
    after_help = "Examples:\n  hedgehog sim sims/seed-demo.json\n  \
hedgehog sim sims/hedging-basic.json --seed 2 --format yaml\n  \
hedgehog sim sims/hedging-basic.json --as grpc-go\n  \
hedgehog sim sims/throttling-20-failing-calls.json --summary --format json\n  \
hedgehog sim sims/hedging-basic.json --format svg > hedging-basic.svg"
)]
pub struct Args {
    /// The scenario file.
    pub file: PathBuf,
    /// Run only this seed (default: every seed in the file).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_parser = super::format::sim_format(), default_value = "text")]
    pub format: SimFormat,
    /// Keep no per-event trace; print only totals and latency percentiles.
    #[arg(long)]
    pub summary: bool,
    /// Run the scenario for real (its server on 127.0.0.1, real clock) and compare with the
    /// simulation: exit 1 if a live_comparable scenario disagrees.
    #[arg(long, conflicts_with = "summary")]
    pub live: bool,
    /// Run as this runtime or client library would (a6, grpc-go, grpc-go@1.33, grpc-java,
    /// c-core, grpc-js, gax-go, gax-java, python-api-core): its jitter, pushback reading,
    /// hedging, throttle and limits, and what it does with a config it rejects. Replaces the
    /// scenario's `profile`. Simulator only.
    #[arg(long = "as", value_name = "PROFILE")]
    pub profile: Option<String>,
}

/// Runs `sim`.
pub fn run(args: Args) -> ExitCode {
    let scenario = match Scenario::load(&args.file) {
        Ok(s) => s,
        Err(e) => {
            for line in e.to_string().lines() {
                eprintln!("hedgehog sim: {line}");
            }
            return ExitCode::from(2);
        }
    };
    let scenario = match args.profile.as_deref().map(Profile::by_name) {
        None => scenario,
        Some(Ok(profile)) => match scenario.as_profile(profile) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("hedgehog sim: {e}");
                return ExitCode::from(2);
            }
        },
        Some(Err(e)) => {
            eprintln!("hedgehog sim: --as: {e}");
            return ExitCode::from(2);
        }
    };
    if args.live && !scenario.profile.is_a6() {
        eprintln!(
            "hedgehog sim: --live runs hedgehog's own A6 client only; profile \"{}\" is for \
             the simulator (drop --live, or run --live with the a6 profile)",
            scenario.profile.name
        );
        return ExitCode::from(2);
    }
    for w in &scenario.warnings {
        eprintln!("hedgehog sim: warning: service_config: {}", warning_line(w));
    }
    let format = match args.format {
        SimFormat::Trace(format) => format,
        SimFormat::Svg => return super::sim_svg::run(&scenario, &args),
    };
    let seeds = args
        .seed
        .map_or_else(|| scenario.seeds.clone(), |s| vec![s]);
    if args.live {
        return super::sim_live::run(&scenario, &seeds, format);
    }
    // Buffered: a streamed trace is written a call at a time, and a line-buffered stdout would
    // make each line a system call.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    for (i, seed) in seeds.iter().copied().enumerate() {
        let sep = if i > 0 && format != Format::Json {
            "\n---\n"
        } else {
            ""
        };
        if write!(out, "{sep}").is_err() {
            return ExitCode::SUCCESS; // stdout closed (e.g. piped into head): nothing to add
        }
        let written = if args.summary {
            let (json, stats) = match scenario.load {
                None => {
                    let (summary, stats) = summary_and_stats(&scenario, seed);
                    (summary.to_json(), stats)
                }
                Some(_) => load_summary(&scenario, seed),
            };
            // A run that met the in-flight bound has no summary worth printing.
            if let Err(e) = stats.check(&scenario) {
                eprintln!("hedgehog sim: {e}");
                return ExitCode::from(2);
            }
            let text = match format {
                Format::Json => json.to_string() + "\n",
                Format::Yaml | Format::Text => summary_to_yaml(&json),
            };
            out.write_all(text.as_bytes()).map(|()| stats)
        } else {
            stream_trace(&scenario, seed, format, &mut out)
        };
        match written {
            Err(_) => return ExitCode::SUCCESS, // stdout closed (e.g. piped into head)
            Ok(stats) => {
                if let Err(e) = stats.check(&scenario) {
                    let _ = out.flush();
                    eprintln!("hedgehog sim: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// Runs `seed` of `scenario`, writing its trace to `out` as its calls finish (one JSON
/// document per line).
fn stream_trace(
    scenario: &Scenario,
    seed: u64,
    format: Format,
    out: &mut impl std::io::Write,
) -> std::io::Result<RunStats> {
    let head = trace_head(scenario, seed);
    let recorder =
        StreamRecorder::with_head(&mut *out, format, &head.as_head(), &scenario.description);
    let stats = super::observe::sim_run(scenario, seed, &recorder);
    recorder.finish()?;
    if format == Format::Json {
        out.write_all(b"\n")?;
    }
    Ok(stats)
}

/// The summary of a scenario with `load`: the totals of docs/trace.md (per RPC), plus user requests
/// (a request is `fan_out` RPCs) and the time series the plots use, per bucket.
fn load_summary(scenario: &Scenario, seed: u64) -> (Value, RunStats) {
    let recorder = summary_for(scenario, seed);
    let (stats, tally) = hedgehog::sim::load::world::run(scenario, seed, &recorder);
    let unfinished = stats.unfinished as u64;
    let mut json = recorder.finish(unfinished, stats.served).to_json();
    let s = &tally.series;
    json["requests"] = Value::from(tally.requests);
    json["request_latency_ms"] = tally.percentiles_json();
    let series: Map = [
        ("bucket_ms", Value::from(to_ms(s.bucket))),
        ("offered", Value::from(&s.offered)),
        ("attempts", Value::from(&s.attempts)),
        ("goodput", Value::from(&s.goodput)),
        ("served", Value::from(&s.served)),
    ]
    .into_iter()
    .collect();
    json["series"] = Value::Object(series);
    (json, stats)
}
