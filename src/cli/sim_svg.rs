//! `hedgehog sim FILE --format svg`: one seed's run as a picture on stdout
//! ([`hedgehog::sim::picture::svg`]). Kept apart from `sim.rs`, as `--live` is, so the trace
//! formats' loop stays as it was.
//!
//! One picture is one seed: `--seed N`, or else the file's first seed, and then stderr says
//! which seed was drawn and how to draw another (stdout is the SVG alone, ready for `>`).
//! A picture draws a whole trace, so it cannot be combined with `--summary` (no trace) or
//! `--live` (a comparison of two traces): both are usage errors (exit 2).

use std::io::Write as _;
use std::process::ExitCode;

use hedgehog::scenario::Scenario;
use hedgehog::sim::picture::svg_and_stats;

use super::sim::Args;

/// Draws the chosen seed of `scenario` as SVG on stdout.
pub fn run(scenario: &Scenario, args: &Args) -> ExitCode {
    let conflict = if args.summary {
        Some("--summary")
    } else if args.live {
        Some("--live")
    } else {
        None
    };
    if let Some(flag) = conflict {
        eprintln!(
            "hedgehog sim: --format svg draws one simulated trace; it cannot be used with {flag}"
        );
        return ExitCode::from(2);
    }
    let seed = match (args.seed, scenario.seeds.as_slice()) {
        (Some(seed), _) => seed,
        (None, [only]) => *only,
        (None, [first, ..]) => {
            eprintln!(
                "hedgehog sim: --format svg draws one seed: seed {first}, the first of the {} \
                 the file lists (--seed N for another)",
                scenario.seeds.len()
            );
            *first
        }
        (None, []) => {
            eprintln!("hedgehog sim: the scenario lists no seeds; give one with --seed N");
            return ExitCode::from(2);
        }
    };
    let (picture, stats) = svg_and_stats(scenario, seed);
    if let Err(e) = stats.check(scenario) {
        eprintln!("hedgehog sim: {e}");
        return ExitCode::from(2);
    }
    // A closed stdout (piped into head) is not an error: there is nothing more to say.
    let _ = std::io::stdout().lock().write_all(picture.as_bytes());
    ExitCode::SUCCESS
}
