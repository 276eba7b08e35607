//! Scenarios in Rust: a scenario written out (`Scenario::to_json`) and read back is the same
//! scenario — same config text, same trace for every seed — and the builder checks what it
//! builds as a file is checked, with typed errors.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hedgehog::code::Code;
use hedgehog::config::{parse_str, ParseOptions};
use hedgehog::scenario::schedule::{Schedule, ScriptStep, Then};
use hedgehog::scenario::{scenario_files, BuildError, Scenario};
use hedgehog::sim::run::{summary, trace};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn reread(scenario: &Scenario, label: &str) -> Scenario {
    // Read from another directory than the original's: the written file stands alone.
    Scenario::from_json(&scenario.to_json(), &std::env::temp_dir(), label)
        .unwrap_or_else(|e| panic!("{label} written out does not read back: {e}"))
}

#[test]
fn every_sims_scenario_written_out_and_read_back_gives_the_identical_trace() {
    let files = scenario_files(&root().join("sims")).expect("sims/");
    assert!(files.len() >= 24, "{} scenarios", files.len());
    for file in files {
        let label = file.display().to_string();
        let original = Scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let again = reread(&original, &label);
        assert_eq!(again.config_text, original.config_text, "{label}");
        assert_eq!(again.config, original.config, "{label}");
        assert_eq!(
            (&again.server, &again.client, &again.load),
            (&original.server, &original.client, &original.load),
            "{label}"
        );
        assert_eq!(
            again.to_json(),
            original.to_json(),
            "{label}: not a fixpoint"
        );
        for &seed in &original.seeds {
            assert_eq!(
                trace(&again, seed),
                trace(&original, seed),
                "{label} seed {seed}"
            );
        }
    }
}

#[test]
fn the_config_text_survives_verbatim() {
    let original = Scenario::load(&root().join("sims/seed-demo.json")).expect("seed-demo");
    // The grpc-go demo config, named by path: its text is inlined as written.
    for spelling in [
        r#""MaxAttempts":4"#,
        r#""InitialBackoff":".01s""#,
        r#""BackoffMultiplier":1.0"#,
    ] {
        assert!(original.config_text.contains(spelling), "{spelling}");
        assert!(original.to_json().contains(spelling), "{spelling}");
        assert!(reread(&original, "seed-demo")
            .config_text
            .contains(spelling));
    }
}

#[test]
fn load_scenarios_written_out_read_back_equal() {
    let files = scenario_files(&root().join("sims/experiments")).expect("sims/experiments");
    let with_load: Vec<Scenario> = files
        .iter()
        // The directory also holds experiment specs, which are not scenarios.
        .filter_map(|f| Scenario::load(f).ok())
        .filter(|s| s.load.is_some())
        .collect();
    assert!(
        !with_load.is_empty(),
        "no load scenario in sims/experiments"
    );
    for original in with_load {
        let again = reread(&original, &original.name);
        assert_eq!(again.load, original.load, "{}", original.name);
        assert_eq!(again.to_json(), original.to_json(), "{}", original.name);
        let mut small = original.clone();
        if let Some(load) = &mut small.load {
            if let Some(a) = &mut load.arrivals {
                a.duration = a.duration.min(200_000_000);
            }
        }
        let seed = original.seeds[0];
        let (a, b) = (
            summary(&small, seed),
            summary(&reread(&small, "small"), seed),
        );
        assert_eq!(
            (a.calls(), a.attempts(), a.unfinished),
            (b.calls(), b.attempts(), b.unfinished)
        );
    }
}

const CONFIG: &str = r#"{"methodConfig": [{"name": [{"service": "demo.Demo"}],
    "retryPolicy": {"MaxAttempts": 4, "InitialBackoff": ".01s", "MaxBackoff": ".01s",
    "BackoffMultiplier": 1.0, "RetryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

#[test]
fn a_built_scenario_keeps_its_config_text_and_runs_like_its_file() {
    let built = Scenario::builder("built")
        .description("three calls against a flaky server")
        .service_config_text(CONFIG)
        .schedule(Schedule::ReqModulo {
            n: 3,
            status: Code::Unavailable,
        })
        .method("demo.Demo/Call")
        .calls(3)
        .interval(Duration::from_micros(1_000_500))
        .deadline(Duration::from_millis(800))
        .seeds([4, 5])
        .build()
        .expect("valid");
    assert_eq!(built.config_text, CONFIG);
    assert_eq!(built.client.interval, 1_000_500_000);
    let json = built.to_json();
    assert!(json.contains(r#""interval_ms": 1000.5"#), "{json}");
    let again = reread(&built, "built");
    assert_eq!(again.config_text, CONFIG);
    for seed in [4, 5] {
        let t = trace(&built, seed);
        // Calls a second apart never overlap, so with req_modulo 3 and maxAttempts 4 each
        // succeeds on its 3rd attempt.
        assert!(t.calls.iter().all(|c| c.status == Code::Ok));
        assert_eq!(t.calls[0].attempts.len(), 3);
        assert_eq!(trace(&again, seed), t);
    }
}

#[test]
fn a_parsed_config_is_written_canonically_and_reads_back_equal() {
    let config = parse_str(CONFIG, &ParseOptions::default())
        .expect("valid")
        .config;
    let built = Scenario::builder("parsed")
        .service_config(config.clone())
        .method("demo.Demo/Call")
        .build()
        .expect("valid");
    assert_eq!(built.config, config);
    assert!(
        built.config_text.contains(r#""initialBackoff": "0.01s""#),
        "{}",
        built.config_text
    );
    assert_eq!(reread(&built, "parsed").config, config);
}

#[test]
fn builder_misuse_is_a_typed_error_naming_what_is_wrong() {
    let base = || Scenario::builder("x").service_config_text(CONFIG);
    assert_eq!(base().build().unwrap_err(), BuildError::NoMethod);
    assert_eq!(
        Scenario::builder("x").method("a.S/M").build().unwrap_err(),
        BuildError::NoServiceConfig
    );
    let bad_config = r#"{"methodConfig": [{"name": [{"service": "a.S"}],
        "retryPolicy": {"maxAttempts": 1, "initialBackoff": "1s", "maxBackoff": "1s",
        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;
    match Scenario::builder("x")
        .service_config_text(bad_config)
        .method("a.S/M")
        .build()
    {
        Err(BuildError::InvalidConfig(e)) => {
            assert_eq!(
                e.problems[0].path,
                "methodConfig[0].retryPolicy.maxAttempts"
            );
        }
        other => panic!("{other:?}"),
    }
    match Scenario::builder("x")
        .service_config_text("{\"methodConfig\": [")
        .method("a.S/M")
        .build()
    {
        Err(BuildError::InvalidConfig(e)) => assert!(e.to_string().contains("line 1"), "{e}"),
        other => panic!("{other:?}"),
    }
    match base().method("no-slash").build() {
        Err(BuildError::Invalid(e)) => assert_eq!(e.problems[0].path, "client.method"),
        other => panic!("{other:?}"),
    }
    // What would panic a server (a period of 0, an empty script) is refused.
    let zero = Schedule::ReqModulo {
        n: 0,
        status: Code::Unavailable,
    };
    match base().method("a.S/M").schedule(zero).build() {
        Err(BuildError::Invalid(e)) => {
            assert_eq!(e.problems[0].path, "server.schedule.req_modulo")
        }
        other => panic!("{other:?}"),
    }
    let empty = Schedule::Script {
        steps: Vec::<ScriptStep>::new(),
        then: Then::Last,
    };
    assert!(matches!(
        base().method("a.S/M").schedule(empty).build(),
        Err(BuildError::Invalid(_))
    ));
    assert!(matches!(
        base().method("a.S/M").seeds([]).build(),
        Err(BuildError::Invalid(_))
    ));
}

#[test]
fn the_replay_hint_names_the_file_only_while_it_describes_the_scenario() {
    let file = PathBuf::from("sims/seed-demo.json");
    let loaded = Scenario::load(&root().join(&file)).expect("seed-demo");
    assert_eq!(
        loaded.replay_command(2),
        format!("hedgehog sim {} --seed 2", root().join(&file).display())
    );
    let mut changed = loaded.clone();
    changed.client.calls = 7;
    let hint = changed.replay_command(2);
    assert!(
        hint.starts_with(
            "save this scenario as seed-demo.json and run `hedgehog sim seed-demo.json --seed 2`:"
        ),
        "{hint}"
    );
    let json = hint.split_once(":\n").expect("the JSON follows").1;
    let saved = Scenario::from_json(json, Path::new("."), "hint").expect("the JSON reads");
    assert_eq!(saved.client.calls, 7);
    assert_eq!(trace(&saved, 2), trace(&changed, 2));
}

#[test]
fn a_profile_is_built_written_and_read_back_and_its_jitter_follows_unless_set_r25() {
    use hedgehog::config::Jitter;
    use hedgehog::profile::Profile;
    let go_1_33 = Profile::by_name("grpc-go@1.33").expect("known");
    let built = Scenario::builder("as-old-go")
        .service_config_text(CONFIG)
        .method("demo.Demo/Call")
        .profile(go_1_33)
        .build()
        .expect("valid");
    assert_eq!(built.profile.name, "grpc-go@1.33");
    assert_eq!(built.jitter, Jitter::Full, "the profile's draw (R25)");
    let json = built.to_json();
    assert!(json.contains(r#""profile": "grpc-go@1.33""#), "{json}");
    assert!(
        !json.contains(r#""jitter""#),
        "the draw follows the profile: {json}"
    );
    let again = reread(&built, "as-old-go");
    assert_eq!((again.profile, again.jitter), (go_1_33, Jitter::Full));
    // Run as a6, the same scenario draws A6's ±20 % (R24).
    assert_eq!(again.with_profile(Profile::a6()).jitter, Jitter::Spec);
    // A jitter the scenario sets wins over any profile's, and is written out.
    let pinned = Scenario::builder("pinned")
        .service_config_text(CONFIG)
        .method("demo.Demo/Call")
        .jitter(Jitter::None)
        .build()
        .expect("valid")
        .with_profile(go_1_33);
    assert_eq!(pinned.jitter, Jitter::None);
    assert!(pinned.to_json().contains(r#""jitter": "none""#));
    assert!(!Scenario::builder("a6")
        .service_config_text(CONFIG)
        .method("demo.Demo/Call")
        .build()
        .expect("valid")
        .to_json()
        .contains(r#""profile""#));
}
