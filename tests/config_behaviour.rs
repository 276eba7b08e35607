//! `hedgehog check-config FILE --behaviour`: what each runtime and client library does
//! differently from a6 with the config, derived from the profiles' data. The whole text
//! output for the seed demo config and a hedging config is committed under `snapshots/`.
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

mod sim_support;

use std::process::Output;

use sim_support::{hedgehog, stdout};

/// `hedgehog check-config ARGS…`.
fn run(args: &[&str]) -> Output {
    let mut all = vec!["check-config"];
    all.extend_from_slice(args);
    hedgehog(&all)
}

/// The `behaviour` lines, `profiles: text [rules]`.
fn behaviour(text: &str) -> Vec<&str> {
    text.split("\nbehaviour (")
        .nth(1)
        .expect("a behaviour section")
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect()
}

#[test]
fn the_hedging_config_names_who_ignores_hedging_and_how_the_hedgers_differ_r63() {
    let text = stdout(&run(&["sims/configs/a6-hedging.json", "--behaviour"]));
    let lines = behaviour(&text);
    let expect = [
        "grpc-go, grpc-go@1.33, c-core, gax-go, gax-java, python-api-core: hedgingPolicy ignored — one attempt per call [R63]",
        "grpc-java: a non-fatal status sends the next hedge early only with a positive pushback [R56, R63]",
        "grpc-js: never asks the throttle before a hedge [R60, R63]",
        "grpc-js: a malformed pushback retries after ~0 ms (read with parseInt) [R39]",
        "gax-go, gax-java, python-api-core: retryThrottling ignored [R40]",
    ];
    for line in expect {
        assert!(lines.contains(&line), "missing {line:?} in {lines:#?}");
    }
}

#[test]
fn the_demo_config_names_who_rejects_it_and_the_draws_r5_r24_r25() {
    let text = stdout(&run(&["sims/configs/grpc-go-demo.json", "--behaviour"]));
    let lines = behaviour(&text);
    let starts = [
        "grpc-go@1.33: backoff drawn as U(0, b) instead of b × U(0.8, 1.2)",
        "c-core: rejects this config (",
        "grpc-js: rejects this config (",
        "gax-go, gax-java, python-api-core: maxAttempts ignored",
        "gax-java: gives up as soon as the next wait would pass the deadline",
    ];
    for start in starts {
        assert!(
            lines.iter().any(|l| l.starts_with(start)),
            "missing {start:?} in {lines:#?}"
        );
    }
    // a6 itself is never listed, and grpc-go, which accepts the demo, has no rejection line.
    assert!(lines
        .iter()
        .all(|l| !l.starts_with("a6") && !l.starts_with("grpc-go: rejects")));
}

#[test]
fn behaviour_in_json_is_a_list_of_profiles_text_and_rules() {
    let out = run(&[
        "sims/configs/a6-hedging.json",
        "--behaviour",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let all = v["behaviour"].as_array().expect("a behaviour array");
    let first = &all[0];
    assert_eq!(first["rules"], "R63");
    assert_eq!(first["profiles"][0], "grpc-go");
    assert!(first["text"]
        .as_str()
        .unwrap()
        .contains("one attempt per call"));
    // Without the flag the JSON has no such field (the contract only grows on request).
    let plain = run(&["sims/configs/a6-hedging.json", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&plain)).expect("JSON");
    assert!(v.get("behaviour").is_none() && v.get("profile").is_none());
}

#[test]
fn text_output_snapshots() {
    for (name, file) in [
        (
            "check_config_behaviour_demo",
            "sims/configs/grpc-go-demo.json",
        ),
        (
            "check_config_behaviour_hedging",
            "sims/configs/a6-hedging.json",
        ),
    ] {
        let out = run(&[file, "--behaviour"]);
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, stdout(&out));
        });
    }
}
