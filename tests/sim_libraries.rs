//! The AIP-4221 client-library profiles (`hedgehog sim --as gax-go | gax-java |
//! python-api-core`) on the scenarios of sims/libraries/: one test per library choice, each
//! naming its rule id, and every scenario × profile (`a6` and the three libraries) × seed as
//! a YAML trace snapshot in snapshots/libraries/ (`INSTA_UPDATE=always cargo test --test
//! sim_libraries`).

mod profile_support;

use std::path::Path;

use hedgehog::code::Code;
use hedgehog::config::ParseOptions;
use hedgehog::profile::Profile;
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::trace;
use hedgehog::time::{ms, Nanos, NANOS_PER_MS};
use hedgehog::trace::{CallRecord, EventKind, Trace};

const LIBRARIES: [&str; 3] = ["gax-go", "gax-java", "python-api-core"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Scenario {
    let path = root().join("sims/libraries").join(format!("{name}.json"));
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn run_as(name: &str, profile: &str, seed: u64) -> Trace {
    let profile = Profile::by_name(profile).expect("a known profile");
    let scenario = load(name)
        .as_profile(profile)
        .unwrap_or_else(|e| panic!("{e}"));
    trace(&scenario, seed)
}

fn only_call(t: &Trace) -> &CallRecord {
    assert_eq!(t.calls.len(), 1, "{}: expected one call", t.scenario);
    &t.calls[0]
}

/// (status, attempts) of the one call.
fn outcome(t: &Trace) -> (Code, usize) {
    let c = only_call(t);
    (c.status, c.attempts.len())
}

/// Each wait between one attempt's end and the next one's start.
fn waits(t: &Trace) -> Vec<Nanos> {
    let c = only_call(t);
    c.attempts
        .windows(2)
        .map(|w| w[1].sent - w[0].ended.expect("ended"))
        .collect()
}

#[test]
fn a6_refuses_an_aip4221_config_and_names_the_libraries_r16() {
    let e = load("until-deadline")
        .as_profile(Profile::a6())
        .expect_err("A6 requires maxAttempts");
    let text = e.to_string();
    assert!(text.contains("retryPolicy.maxAttempts: required"), "{text}");
    assert!(text.contains("looks like an AIP-4221 config"), "{text}");
    for library in LIBRARIES {
        assert!(text.contains(library), "{text}");
    }
}

#[test]
fn libraries_retry_until_the_deadline_and_stop_their_own_way_r16_r77_d18() {
    let deadline = ms(1000);
    for seed in [1, 2] {
        // gax-go: `gax.Sleep` ends with the context's deadline, as D18.
        let go = run_as("until-deadline", "gax-go", seed);
        let call = only_call(&go);
        assert_eq!(
            (call.status, call.ended),
            (Code::DeadlineExceeded, deadline)
        );
        // gax-java: stops when under a millisecond would remain after the wait, last status.
        let java = run_as("until-deadline", "gax-java", seed);
        let call = only_call(&java);
        assert_eq!(call.status, Code::Unavailable, "seed {seed}");
        assert!(call.ended < deadline, "seed {seed}: {}", call.ended);
        // python-api-core: stops when the wait would end past the deadline, a timeout error.
        let python = run_as("until-deadline", "python-api-core", seed);
        let call = only_call(&python);
        assert_eq!(call.status, Code::DeadlineExceeded, "seed {seed}");
        assert!(call.ended < deadline, "seed {seed}: {}", call.ended);
        for t in [&go, &java, &python] {
            // No maxAttempts and no ceiling of 5: far more attempts than A6 would make.
            assert!(only_call(t).attempts.len() > 5, "{t:?}");
        }
    }
}

#[test]
fn each_library_draws_and_walks_its_own_backoff_r24_r27_d7() {
    // timeout 1s, initialBackoff 100ms, multiplier 1.3, maxBackoff 60s; latency 5ms.
    for seed in [1, 2] {
        let go = waits(&run_as("until-deadline", "gax-go", seed));
        let java = waits(&run_as("until-deadline", "gax-java", seed));
        let python = waits(&run_as("until-deadline", "python-api-core", seed));
        let mut nominal = ms(100);
        let mut java_nominal = 100;
        for k in 0..go.len().min(java.len()).min(python.len()) {
            // gax-go `Backoff.Pause`: 1 + Int63n(cur) ns, in [1ns, cur].
            assert!(
                (1..=nominal).contains(&go[k]),
                "gax-go retry {k}: {}",
                go[k]
            );
            // python-api-core: uniform(0, m), in [0, m].
            assert!(python[k] <= nominal, "python retry {k}: {}", python[k]);
            // gax-java: nextLong(d) whole milliseconds, in {0 … d−1}, d stepped in whole ms.
            assert_eq!(java[k] % NANOS_PER_MS, 0, "gax-java retry {k}");
            assert!(java[k] < java_nominal * NANOS_PER_MS, "gax-java retry {k}");
            nominal = nominal * 13 / 10;
            java_nominal = java_nominal * 13 / 10;
        }
        // Full-range draws, not ±20 %: some wait falls below 80 % of its nominal delay.
        assert!(go.iter().any(|w| *w < ms(80)), "{go:?}");
    }
}

#[test]
fn library_retries_are_whole_calls_r30_r36_r40_r74() {
    // Headers, then UNAVAILABLE: a runtime has committed (R30, R31); a library retries.
    assert_eq!(
        outcome(&run_as("headers-then-unavailable", "a6", 1)),
        (Code::Unavailable, 1)
    );
    for library in LIBRARIES {
        let t = run_as("headers-then-unavailable", library, 1);
        assert_eq!(outcome(&t), (Code::Ok, 2), "{library}");
        // Each retry is a new call: no grpc-previous-rpc-attempts (R74).
        assert!(only_call(&t).attempts.iter().all(|a| a.previous.is_none()));
    }
    // A 500ms pushback: the runtime waits exactly that (R36); a library never reads it.
    let a6 = waits(&run_as("pushback-ignored", "a6", 1));
    assert_eq!(a6, [ms(500)]);
    for library in LIBRARIES {
        let w = waits(&run_as("pushback-ignored", library, 1));
        assert!(w.len() == 1 && w[0] <= ms(10), "{library}: {w:?}");
    }
    // retryThrottling is not read (R40): twenty failing calls, no token is ever counted.
    let path = root().join("sims/throttling-20-failing-calls.json");
    let throttled = Scenario::load(&path).expect("loads");
    for library in LIBRARIES {
        let profile = Profile::by_name(library).unwrap();
        let t = trace(&throttled.clone().as_profile(profile).expect("valid"), 1);
        let kinds = [EventKind::Tokens, EventKind::Throttled];
        assert!(
            !t.events.iter().any(|e| kinds.contains(&e.kind)),
            "{library}"
        );
    }
}

#[test]
fn python_reads_only_exact_method_names_r15() {
    for (profile, expected) in [
        ("a6", (Code::Ok, 2)),
        ("gax-go", (Code::Ok, 2)),
        ("gax-java", (Code::Ok, 2)),
        ("python-api-core", (Code::Unavailable, 1)),
    ] {
        assert_eq!(
            outcome(&run_as("service-entry", profile, 1)),
            expected,
            "{profile}"
        );
    }
}

#[test]
fn gax_java_refuses_a_multiplier_below_one_and_an_inverted_backoff_r18_r20() {
    let config = |initial: &str, multiplier: &str| {
        let text = format!(
            r#"{{"methodConfig": [{{"name": [{{"service": "s"}}], "timeout": "1s",
            "retryPolicy": {{"initialBackoff": "{initial}", "maxBackoff": "1s",
            "backoffMultiplier": {multiplier}, "retryableStatusCodes": ["UNAVAILABLE"]}}}}]}}"#
        );
        hedgehog::json::parse(&text).expect("JSON")
    };
    let options = ParseOptions::default();
    let rejection = |name: &str, value| Profile::by_name(name).unwrap().rejection(&value, &options);
    assert_eq!(rejection("gax-java", config("0.1s", "1.3")), None);
    let slow = rejection("gax-java", config("0.1s", "0.5")).expect("refused");
    assert!(
        slow[0].contains("backoffMultiplier: gax-java refuses"),
        "{slow:?}"
    );
    let inverted = rejection("gax-java", config("5s", "2")).expect("refused");
    assert!(
        inverted[0].contains("maxBackoff: gax-java refuses"),
        "{inverted:?}"
    );
    // gax-go and python-api-core take both; A6 needs maxAttempts first (R16).
    for name in ["gax-go", "python-api-core"] {
        assert_eq!(rejection(name, config("5s", "0.5")), None, "{name}");
    }
    assert!(rejection("a6", config("0.1s", "1.3")).is_some());
}

#[test]
fn every_library_scenario_and_profile_matches_its_snapshot() {
    let scenarios = profile_support::scenarios("libraries");
    assert!(scenarios.len() >= 4, "found {}", scenarios.len());
    for (stem, loaded) in scenarios {
        for profile in std::iter::once(Profile::a6()).chain(Profile::LIBRARIES.iter().copied()) {
            // An AIP-4221 config does not load as A6 (tested above).
            let Ok(scenario) = loaded.clone().as_profile(profile) else {
                assert_eq!((stem.as_str(), profile.name), ("until-deadline", "a6"));
                continue;
            };
            profile_support::snapshot_each_seed("libraries", &stem, profile.name, &scenario);
        }
    }
}
