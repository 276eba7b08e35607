//! `hedgehog sim FILE --live`: run the scenario over real HTTP/2, print the live trace in the
//! chosen format, then compare it with the simulated run of the same seed
//! ([`hedgehog::live::compare`]). Kept apart from `sim.rs` so the simulator's CLI only gains a
//! flag and one call.

use std::process::ExitCode;

use hedgehog::live::compare::{compare, Comparison, Tolerance};
use hedgehog::live::run::run_live_with;
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::trace;
use hedgehog::time::to_ms;
use hedgehog::trace::render::{to_json_string, to_text, to_yaml, Format};
use serde::Serialize;

fn report(scenario: &Scenario, seed: u64, c: &Comparison, tolerance: Tolerance) -> String {
    let mut out = format!("\nlive vs sim · {} · seed {seed}\n", scenario.name);
    if !scenario.live_comparable {
        out.push_str(
            "  note: this scenario is not marked \"live_comparable\": the comparison below is \
             for information only and cannot fail the run\n",
        );
    }
    out.push_str(&format!(
        "  compared {} calls, {} attempts; times: {}; largest differences: gap {:.3}ms, \
         time {:.3}ms\n",
        c.calls,
        c.attempts,
        tolerance.describe(),
        to_ms(c.max_gap_diff),
        to_ms(c.max_time_diff)
    ));
    if c.agrees() {
        out.push_str("  agree: attempt counts, previous values, outcomes and commits identical\n");
    } else {
        for d in &c.disagreements() {
            out.push_str(&format!("  DISAGREE: {d}\n"));
        }
    }
    out
}

/// Runs every seed live and compares; exit 1 if a live-comparable scenario disagrees.
pub fn run(scenario: &Scenario, seeds: &[u64], format: Format) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hedgehog sim --live: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let tolerance = Tolerance::default();
    let mut failed = false;
    for (i, &seed) in seeds.iter().enumerate() {
        let sim = trace(scenario, seed);
        let live = match runtime.block_on(run_live_with(scenario, seed, super::observe::spans())) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("hedgehog sim --live: {}: {e}", scenario.name);
                return ExitCode::from(2);
            }
        };
        let c = compare(&sim, &live.trace, tolerance);
        failed |= scenario.live_comparable && !c.agrees();
        match format {
            Format::Json => {
                println!("{}", to_json_string(&live.trace));
                let verdict = JsonVerdict {
                    scenario: &scenario.name,
                    seed,
                    comparison: JsonComparison {
                        live_comparable: scenario.live_comparable,
                        agree: c.agrees(),
                        calls: c.calls,
                        attempts: c.attempts,
                        max_time_diff_ms: to_ms(c.max_time_diff),
                        max_gap_diff_ms: to_ms(c.max_gap_diff),
                        tolerance: tolerance.describe(),
                        structure: &c.structure,
                        timing: &c.timing,
                    },
                };
                println!("{}", serde_json::to_string(&verdict).unwrap_or_default());
            }
            Format::Yaml | Format::Text => {
                if i > 0 {
                    println!("\n---");
                }
                let body = match format {
                    Format::Yaml => to_yaml(&live.trace),
                    _ => to_text(&live.trace, &scenario.description),
                };
                print!("{body}");
                print!("{}", report(scenario, seed, &c, tolerance));
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The `--format json` verdict line after each live trace, fields in output order.
#[derive(Serialize)]
struct JsonVerdict<'a> {
    scenario: &'a str,
    seed: u64,
    comparison: JsonComparison<'a>,
}

/// How the live trace compared with the simulated one.
#[derive(Serialize)]
struct JsonComparison<'a> {
    live_comparable: bool,
    agree: bool,
    calls: usize,
    attempts: usize,
    max_time_diff_ms: f64,
    max_gap_diff_ms: f64,
    tolerance: String,
    structure: &'a [String],
    timing: &'a [String],
}
