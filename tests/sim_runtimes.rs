//! The runtime profiles (`hedgehog sim --as`), on the scenarios of sims/runtimes/ where the
//! runtimes differ: one table per profile choice, each row a profile and what its runtime
//! does, each table naming its rule id; and every scenario × profile × seed as a YAML trace
//! snapshot in snapshots/runtimes/ (`INSTA_UPDATE=always cargo test --test sim_runtimes`).

mod profile_support;

use std::path::Path;

use hedgehog::code::Code;
use hedgehog::profile::Profile;
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::trace;
use hedgehog::time::{ms, Nanos};
use hedgehog::trace::render::to_yaml;
use hedgehog::trace::{CallRecord, EventKind, Trace};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Scenario {
    let path = root().join("sims/runtimes").join(format!("{name}.json"));
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn run_as(name: &str, profile: &str, seed: u64) -> Trace {
    let profile = Profile::by_name(profile).expect("a known profile");
    trace(&load(name).with_profile(profile), seed)
}

fn only_call(t: &Trace) -> &CallRecord {
    assert_eq!(t.calls.len(), 1, "{}: expected one call", t.scenario);
    &t.calls[0]
}

/// (status, attempts, ended) of the one call.
fn outcome(t: &Trace) -> (Code, usize, Nanos) {
    let c = only_call(t);
    (c.status, c.attempts.len(), c.ended)
}

/// The scenario's trace under every profile, in [`Profile::ALL`] order, against `expected`.
fn table<T: PartialEq + std::fmt::Debug>(
    name: &str,
    expected: &[(&str, T)],
    observe: impl Fn(&Trace) -> T,
) {
    assert_eq!(
        expected.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        Profile::ALL.iter().map(|p| p.name).collect::<Vec<_>>(),
        "a row per profile"
    );
    for (profile, want) in expected {
        let got = observe(&run_as(name, profile, 1));
        assert_eq!(&got, want, "{name} as {profile}");
    }
}

#[test]
fn hedging_is_ignored_by_grpc_go_and_c_core_r63() {
    let hedged = (Code::Ok, 2, ms(60));
    let one = (Code::Unavailable, 1, ms(100));
    table(
        "hedging-ignored",
        &[
            ("a6", hedged),
            ("grpc-go", one),
            ("grpc-go@1.33", one),
            ("grpc-java", hedged),
            ("c-core", one),
            ("grpc-js", hedged),
        ],
        outcome,
    );
}

#[test]
fn a_non_fatal_status_releases_the_next_hedge_except_in_grpc_java_r56_r63() {
    // (status, when the second attempt was sent, when the call ended)
    let second = |t: &Trace| {
        let c = only_call(t);
        (c.status, c.attempts.get(1).map(|a| a.sent), c.ended)
    };
    let at_once = (Code::Ok, Some(ms(10)), ms(30));
    let one = (Code::Unavailable, None, ms(10));
    table(
        "hedging-non-fatal-shortcut",
        &[
            ("a6", at_once),
            ("grpc-go", one),
            ("grpc-go@1.33", one),
            ("grpc-java", (Code::Ok, Some(ms(100)), ms(120))),
            ("c-core", one),
            ("grpc-js", at_once),
        ],
        second,
    );
}

#[test]
fn a_stop_pushback_stops_hedging_or_ends_the_call_in_grpc_js_r59_r63() {
    let carries_on = (Code::Ok, 2, ms(50));
    let one = (Code::Unavailable, 1, ms(30));
    table(
        "hedging-stop-pushback",
        &[
            ("a6", carries_on),
            ("grpc-go", one),
            ("grpc-go@1.33", one),
            ("grpc-java", carries_on),
            ("c-core", one),
            ("grpc-js", (Code::Unavailable, 2, ms(30))),
        ],
        outcome,
    );
}

#[test]
fn a_hedge_asks_the_throttle_when_sent_when_scheduled_or_never_r60_r63() {
    let one = (Code::Unavailable, 1, ms(10));
    table(
        "hedging-throttle",
        &[
            ("a6", one),
            ("grpc-go", one),
            ("grpc-go@1.33", one),
            ("grpc-java", (Code::Ok, 2, ms(60))),
            ("c-core", one),
            ("grpc-js", (Code::Ok, 2, ms(20))),
        ],
        outcome,
    );
}

/// Each backoff's (nominal, drawn) from the trace's backoff events.
fn draws(t: &Trace) -> Vec<(Nanos, Nanos)> {
    let only = only_call(t);
    let sends: Vec<Nanos> = only.attempts.iter().map(|a| a.sent).collect();
    let ends: Vec<Nanos> = only.attempts.iter().filter_map(|a| a.ended).collect();
    let nominal = [100, 200, 400, 800].map(ms);
    // Latency 1ms: attempt k+1 goes out its drawn delay after attempt k ended.
    (0..4)
        .map(|k| (nominal[k], sends[k + 1] - ends[k]))
        .collect()
}

#[test]
fn each_profile_draws_its_own_jitter_unless_the_scenario_sets_one_r24_r25() {
    for profile in Profile::ALL {
        for seed in [1, 2] {
            let t = run_as("jitter-draw", profile.name, seed);
            for (nominal, drawn) in draws(&t) {
                let (lo, hi) = match profile.name {
                    // R25: U(0, b) — grpc-go before v1.69.
                    "grpc-go@1.33" => (0, nominal - 1),
                    // R24: b × U(0.8, 1.2) in every current runtime.
                    _ => (nominal * 8 / 10, nominal * 12 / 10),
                };
                assert!(
                    (lo..=hi).contains(&drawn),
                    "{} seed {seed}: {drawn} outside [{lo}, {hi}]",
                    profile.name
                );
            }
        }
    }
    // Seed 1's full-jitter draws fall below 80 % of nominal somewhere: not ±20 % by accident.
    let full = draws(&run_as("jitter-draw", "grpc-go@1.33", 1));
    assert!(full.iter().any(|(n, d)| *d < n * 8 / 10), "{full:?}");
    // An explicit `jitter` wins over the profile's draw.
    let mut pinned = load("jitter-draw");
    pinned.jitter = hedgehog::config::Jitter::None;
    pinned.jitter_explicit = true;
    let pinned = pinned.with_profile(Profile::by_name("grpc-go@1.33").unwrap());
    let exact = draws(&trace(&pinned, 1));
    assert!(exact.iter().all(|(n, d)| n == d), "{exact:?}");
}

#[test]
fn the_first_delay_is_capped_or_not_r27() {
    let waits = |t: &Trace| {
        let c = only_call(t);
        (1..c.attempts.len())
            .map(|k| c.attempts[k].sent - c.attempts[k - 1].ended.unwrap_or(0))
            .collect::<Vec<_>>()
    };
    let capped = vec![ms(100), ms(100)];
    let uncapped = vec![ms(500), ms(100)];
    table(
        "first-delay-cap",
        &[
            ("a6", capped.clone()),
            ("grpc-go", capped.clone()),
            ("grpc-go@1.33", capped.clone()),
            ("grpc-java", uncapped.clone()),
            ("c-core", capped),
            ("grpc-js", uncapped),
        ],
        waits,
    );
}

#[test]
fn a_malformed_pushback_stops_retries_parses_or_fails_internal_r37_r39() {
    for (name, js_wait) in [("pushback-malformed", ms(1)), ("pushback-not-a-number", 0)] {
        let stop = (Code::Unavailable, 1, ms(1));
        table(
            name,
            &[
                ("a6", stop),
                ("grpc-go", stop),
                ("grpc-go@1.33", stop),
                ("grpc-java", stop),
                ("c-core", (Code::Internal, 1, ms(1))),
                ("grpc-js", (Code::Ok, 2, ms(2) + js_wait)),
            ],
            outcome,
        );
    }
}

#[test]
fn only_grpc_java_retries_a_non_retryable_status_after_a_pushback_r39_d9() {
    let returned = (Code::ResourceExhausted, 1, ms(1));
    table(
        "pushback-non-retryable",
        &[
            ("a6", returned),
            ("grpc-go", returned),
            ("grpc-go@1.33", returned),
            ("grpc-java", (Code::Ok, 2, ms(22))),
            ("c-core", returned),
            ("grpc-js", returned),
        ],
        outcome,
    );
}

#[test]
fn a_rejected_config_runs_as_each_runtime_fails_it_r5() {
    // (statuses, attempts per call, whether the trace says the config was rejected)
    let summary = |t: &Trace| {
        let statuses: Vec<Code> = t.calls.iter().map(|c| c.status).collect();
        let attempts: Vec<usize> = t.calls.iter().map(|c| c.attempts.len()).collect();
        (statuses, attempts, t.config_rejected.is_some())
    };
    use Code::*;
    table(
        "config-rejected",
        &[
            ("a6", (vec![Ok, Ok], vec![2, 1], false)),
            ("grpc-go", (vec![], vec![], true)),
            ("grpc-go@1.33", (vec![Unavailable, Ok], vec![1, 1], true)),
            ("grpc-java", (vec![Unknown, Unknown], vec![0, 0], true)),
            (
                "c-core",
                (vec![InvalidArgument, InvalidArgument], vec![0, 0], true),
            ),
            ("grpc-js", (vec![], vec![], true)),
        ],
        summary,
    );
    let core = run_as("config-rejected", "c-core", 1);
    let why = core.config_rejected.as_deref().unwrap_or_default();
    assert!(why.starts_with("C-core rejects the service config: the channel is lame"));
    assert!(
        why.contains("methodConfig[0].retryPolicy.retryableStatusCodes[0]"),
        "{why}"
    );
    assert!(
        core.calls.iter().all(|c| c.ended == c.started),
        "fails at once"
    );
}

/// The statuses of the scenario's calls.
fn statuses(t: &Trace) -> Vec<Code> {
    t.calls.iter().map(|c| c.status).collect()
}

#[test]
fn grpc_java_counts_a_success_at_headers_r48() {
    use Code::*;
    let a6 = vec![Unavailable, Unavailable];
    table(
        "throttle-success-at-headers",
        &[
            ("a6", a6.clone()),
            ("grpc-go", a6.clone()),
            ("grpc-go@1.33", a6.clone()),
            ("grpc-java", vec![Unavailable, Ok]),
            ("c-core", a6.clone()),
            ("grpc-js", a6),
        ],
        statuses,
    );
}

#[test]
fn a_stop_pushback_on_a_non_retryable_status_takes_a_token_or_not_r49_d11() {
    use Code::*;
    let taken = vec![ResourceExhausted, Unavailable];
    let kept = vec![ResourceExhausted, Ok];
    table(
        "throttle-stop-pushback-non-retryable",
        &[
            ("a6", taken.clone()),
            ("grpc-go", taken.clone()),
            ("grpc-go@1.33", taken.clone()),
            ("grpc-java", taken),
            ("c-core", kept.clone()),
            ("grpc-js", kept),
        ],
        statuses,
    );
}

#[test]
fn grpc_js_asks_the_throttle_when_the_backoff_ends_r49() {
    use Code::*;
    let at_failure = vec![Unavailable, Ok];
    table(
        "throttle-check-after-backoff",
        &[
            ("a6", at_failure.clone()),
            ("grpc-go", at_failure.clone()),
            ("grpc-go@1.33", at_failure.clone()),
            ("grpc-java", at_failure.clone()),
            ("c-core", at_failure),
            ("grpc-js", vec![Ok, Ok]),
        ],
        statuses,
    );
    let js = run_as("throttle-check-after-backoff", "grpc-js", 1);
    assert_eq!(
        js.calls[0].attempts[1].sent,
        ms(101),
        "retried when the wait ended"
    );
}

#[test]
fn c_core_fixes_the_attempt_ceiling_at_5_r16() {
    let attempts = |t: &Trace| only_call(t).attempts.len();
    table(
        "attempt-ceiling",
        &[
            ("a6", 7),
            ("grpc-go", 7),
            ("grpc-go@1.33", 7),
            ("grpc-java", 7),
            ("c-core", 5),
            ("grpc-js", 7),
        ],
        attempts,
    );
}

#[test]
fn only_a_non_a6_trace_names_its_profile() {
    let a6 = run_as("hedging-ignored", "a6", 1);
    assert_eq!(a6.profile, None);
    let yaml = to_yaml(&a6);
    assert!(!yaml.contains("profile"), "{yaml}");
    let go = run_as("hedging-ignored", "grpc-go", 1);
    assert_eq!(go.profile.as_deref(), Some("grpc-go"));
    assert!(to_yaml(&go).contains("\nprofile: \"grpc-go\"\n"));
    let kinds: Vec<EventKind> = go.events.iter().map(|e| e.kind).collect();
    assert!(!kinds.contains(&EventKind::HedgeTimer), "{kinds:?}");
}

#[test]
fn every_runtime_scenario_and_profile_matches_its_snapshot() {
    let scenarios = profile_support::scenarios("runtimes");
    assert!(scenarios.len() >= 12, "found {}", scenarios.len());
    for (stem, loaded) in scenarios {
        for profile in Profile::ALL {
            let scenario = loaded.clone().with_profile(profile);
            profile_support::snapshot_each_seed("runtimes", &stem, profile.name, &scenario);
        }
    }
}

#[test]
fn each_runtime_buffers_by_its_own_default_and_commits_at_or_past_the_limit_r66_r68() {
    let retried = (Code::Ok, 2, ms(12));
    let once = (Code::Unavailable, 1, ms(1));
    table(
        "buffer-default",
        &[
            ("a6", retried),
            ("grpc-go", once),
            ("grpc-go@1.33", once),
            ("grpc-java", retried),
            ("c-core", once),
            ("grpc-js", retried),
        ],
        outcome,
    );
    table(
        "buffer-exact-limit",
        &[
            ("a6", retried),
            ("grpc-go", retried),
            ("grpc-go@1.33", retried),
            ("grpc-java", retried),
            ("c-core", once),
            ("grpc-js", retried),
        ],
        outcome,
    );
    // A buffer the scenario sets is the scenario's, whatever the runtime's default.
    let mut set = load("buffer-default");
    set.client.retry_buffer_bytes = 1 << 20;
    set.client.retry_buffer_set = true;
    let go = set.with_profile(Profile::by_name("grpc-go").unwrap());
    assert_eq!(outcome(&trace(&go, 1)), retried);
}

#[test]
fn grpc_java_keeps_the_token_ratio_as_an_f32_r47_r50() {
    let last_tokens = |t: &Trace| {
        let tokens = t.events.iter().rev().find(|e| e.kind == EventKind::Tokens);
        tokens.map(|e| e.detail.clone()).unwrap_or_default()
    };
    let exact = "2.700 of 3.000 tokens".to_string();
    table(
        "throttle-ratio-precision",
        &[
            ("a6", exact.clone()),
            ("grpc-go", exact.clone()),
            ("grpc-go@1.33", exact.clone()),
            ("grpc-java", "2.699 of 3.000 tokens".to_string()),
            ("c-core", exact.clone()),
            ("grpc-js", exact),
        ],
        last_tokens,
    );
}

#[cfg(feature = "echo")]
#[test]
fn live_mode_runs_only_the_a6_profile() {
    let scenario = load("hedging-ignored").with_profile(Profile::by_name("grpc-js").unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let err = rt
        .block_on(hedgehog::live::run::run_live(&scenario, 1))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "live mode runs hedgehog's own A6 client only; profile \"grpc-js\" is for the \
             simulator"
        )
    );
}

#[test]
fn a_summary_names_a_non_a6_profile_like_the_trace() {
    let keys = |profile: &str| {
        let scenario = load("config-rejected").with_profile(Profile::by_name(profile).unwrap());
        let json = hedgehog::simulate_summary(&scenario, 1).to_json();
        let keys: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        (keys, json["calls"].to_string())
    };
    let (a6, calls) = keys("a6");
    assert_eq!(&a6[..4], ["scenario", "seed", "mode", "calls"]);
    assert_eq!(calls, "2");
    let (js, calls) = keys("grpc-js");
    assert_eq!(
        &js[..5],
        ["scenario", "seed", "mode", "profile", "config_rejected"]
    );
    assert_eq!(calls, "0", "grpc-js makes no call (R5)");
}

#[test]
fn c_core_takes_a_token_for_a_failure_after_an_overflow_commit_r49_d11() {
    let tokens = |t: &Trace| {
        t.events
            .iter()
            .filter(|e| e.kind == EventKind::Tokens)
            .map(|e| e.detail.clone())
            .collect::<Vec<_>>()
    };
    let none: Vec<String> = vec![];
    let core = vec![
        "2.000 of 3.000 tokens".to_string(),
        "1.000 of 3.000 tokens".to_string(),
    ];
    table(
        "throttle-after-overflow-commit",
        &[
            ("a6", none.clone()),
            ("grpc-go", none.clone()),
            ("grpc-go@1.33", none.clone()),
            ("grpc-java", none.clone()),
            ("c-core", core),
            ("grpc-js", none),
        ],
        tokens,
    );
}
