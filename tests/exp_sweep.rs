//! Sweeps: the load world agrees with the plain runner, `--jobs` does not change results, and
//! shard + merge equals one run (the properties `hedgehog sweep`/`merge` promise).
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

use std::path::Path;
use std::process::Command;

use hedgehog::code::Code;
use hedgehog::experiments::report;
use hedgehog::experiments::sweep::{self, Sweep};
use hedgehog::experiments::vary::Vary;
use hedgehog::scenario::{scenario_files, Scenario};
use hedgehog::sim::load::world;
use hedgehog::sim::run::summary;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn raw(file: &str) -> hedgehog::json::Value {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    hedgehog::json::parse(&text).unwrap()
}

/// A small tail-at-scale grid: 3 variants, 20 requests of 50 RPCs per seed.
fn small_variants() -> Vec<sweep::Variant> {
    let varies = [
        Vary::parse("client.calls=20").unwrap(),
        Vary::parse("load.fan_out=50").unwrap(),
        Vary::parse("service_config.methodConfig[0].hedgingPolicy.hedgingDelay=5ms,10ms,50ms")
            .unwrap(),
    ];
    let file = "sims/experiments/tail-at-scale.json";
    sweep::variants(&raw(file), &root().join("sims/experiments"), file, &varies).unwrap()
}

fn document(variants: &[sweep::Variant], seeds: &[u64], jobs: usize) -> Sweep {
    let totals = sweep::run_replicated(variants, seeds, jobs, &|| {}).unwrap();
    Sweep::of_variants(variants, sweep::ranges(seeds), None, totals)
}

#[test]
fn every_plain_scenario_gives_the_plain_runners_totals_in_the_load_world() {
    // Rule 1 streams and the same transport: without `load`, the load world is the plain one.
    for file in scenario_files(&root().join("sims")).unwrap() {
        let scenario = Scenario::load(&file).unwrap();
        for &seed in &scenario.seeds {
            let s = summary(&scenario, seed);
            let t = world::tally(&scenario, seed);
            let name = file.display();
            assert_eq!((t.requests, t.rpcs), (s.calls(), s.calls()), "{name}");
            assert_eq!(t.attempts, s.attempts(), "{name} seed {seed}");
            assert_eq!(t.served, s.served, "{name} seed {seed}");
            for code in Code::ALL {
                assert_eq!(t.status_count(code), s.status_count(code), "{name} {code}");
            }
            assert_eq!(t.max(), s.latency_at(1.0), "{name} seed {seed}");
        }
    }
}

#[test]
fn jobs_1_and_jobs_2_give_identical_results() {
    let variants = small_variants();
    let seeds: Vec<u64> = (1..=6).collect();
    let one = document(&variants, &seeds, 1);
    let two = document(&variants, &seeds, 2);
    assert_eq!(one.to_json(), two.to_json());
    assert_eq!(report::table(&one), report::table(&two));
    assert_eq!(one.variants[0].tally.requests, 6 * 20);
    assert_eq!(one.variants[0].tally.rpcs, 6 * 20 * 50);
}

#[test]
fn shards_merged_equal_one_run_over_all_seeds() {
    let variants = small_variants();
    let seeds: Vec<u64> = (1..=7).collect();
    let whole = document(&variants, &seeds, 2);
    let parts: Vec<Sweep> = (1..=3)
        .rev() // merge order must not matter
        .map(|k| {
            let mut d = document(&variants, &sweep::shard(&seeds, k, 3), 1);
            d.shard = Some((k, 3));
            // Through JSON, as between machines.
            Sweep::from_json(&d.to_json()).unwrap()
        })
        .collect();
    let merged = Sweep::merge(parts).unwrap();
    assert_eq!(merged.to_json(), whole.to_json());
    assert_eq!(report::table(&merged), report::table(&whole));
    assert_eq!(report::csv(&merged), report::csv(&whole));
}

#[test]
fn merge_refuses_overlapping_seeds_and_other_variants() {
    let variants = small_variants();
    let a = document(&variants, &[1, 2], 1);
    let b = document(&variants, &[2, 3], 1);
    let e = Sweep::merge(vec![a.clone(), b]).unwrap_err().to_string();
    assert!(e.contains("overlap"), "{e}");
    let c = document(&variants[..1], &[5], 1);
    let e = Sweep::merge(vec![a, c]).unwrap_err().to_string();
    assert!(e.contains("variants differ"), "{e}");
}

#[test]
fn load_clients_each_run_the_arrival_process() {
    // Two clients at 50/s for 2 s, fixed spacing: 2 × 100 requests, none failing.
    let mut v = raw("sims/experiments/metastable.json");
    for (path, value) in [
        ("load.arrivals.rate_per_s", "50"),
        ("load.arrivals.duration_ms", "2000"),
        ("load.arrivals.process", "fixed"),
    ] {
        hedgehog::experiments::vary::apply(&mut v, path, value).unwrap();
    }
    v["load"]["clients"] = 2.into();
    v["load"]["server"]["outages"] = serde_json::json!([]).into();
    let s = Scenario::from_value(&v, &root().join("sims/experiments"), "test").unwrap();
    let t = world::tally(&s, 1);
    assert_eq!(t.requests, 200);
    assert_eq!(t.status_count(Code::Ok), 200);
    assert_eq!(t.series.offered, [100, 100]);
}

#[test]
fn an_unavailable_outage_fails_fast_and_costs_no_capacity() {
    let mut v = raw("sims/experiments/metastable.json");
    hedgehog::experiments::vary::apply(&mut v, "load.arrivals.duration_ms", "3000").unwrap();
    hedgehog::experiments::vary::apply(&mut v, "load.arrivals.process", "fixed").unwrap();
    v["service_config"] = "configs/no-retry.json".into();
    v["load"]["server"]["outages"] =
        serde_json::json!([{"from_ms": 1000, "to_ms": 2000, "mode": "unavailable"}]).into();
    let s = Scenario::from_value(&v, &root().join("sims/experiments"), "test").unwrap();
    let t = world::tally(&s, 1);
    assert_eq!(t.requests, 840);
    assert_eq!(
        t.status_count(Code::Unavailable),
        280,
        "exactly the window's arrivals"
    );
    // Served is counted when the work finishes: the request admitted just before t = 1 s
    // (arrivals are phased by up to one period) may finish just after it; nothing admitted in
    // the window is worked on.
    assert_eq!(
        t.series.served.iter().sum::<u64>(),
        560,
        "the server did no work for the window's arrivals: {:?}",
        t.series.served
    );
    assert!(t.series.served[1] <= 1, "{:?}", t.series.served);
}

fn hedgehog(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hedgehog"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn cli_shards_then_merge_print_what_one_sweep_prints() {
    let dir = std::env::temp_dir().join(format!("hedgehog-exp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let common = [
        "sweep",
        "sims/experiments/tail-at-scale.json",
        "--seeds",
        "1..=4",
        "--vary",
        "client.calls=5",
        "--vary",
        "load.fan_out=20",
    ];
    let whole = hedgehog(&common);
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let mut files = Vec::new();
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let mut args = common.to_vec();
        args.extend(["--shard", &shard, "--jobs", "1"]);
        let out = hedgehog(&args);
        assert!(out.status.success());
        let f = dir.join(format!("shard-{k}.json"));
        std::fs::write(&f, &out.stdout).unwrap();
        files.push(f.display().to_string());
    }
    let plots = dir.join("plots").display().to_string();
    let mut args = vec!["merge", "--plot", &plots];
    args.extend(files.iter().map(String::as_str));
    let merged = hedgehog(&args);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&merged.stdout),
        String::from_utf8_lossy(&whole.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_names_a_missing_vary_path_and_exits_2() {
    let out = hedgehog(&[
        "sweep",
        "sims/experiments/tail-at-scale.json",
        "--vary",
        "service_config.methodConfig[0].retryPolicy.maxAttempts=3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no key \"retryPolicy\" at service_config.methodConfig[0]"),
        "{err}"
    );
    let out = hedgehog(&["merge", "sims/seed-demo.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a hedgehog sweep document"));
}

#[test]
fn sim_summary_of_a_load_scenario_carries_requests_and_the_series() {
    let out = hedgehog(&[
        "sim",
        "sims/experiments/tail-at-scale.json",
        "--seed",
        "1",
        "--summary",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["requests"], 100);
    assert_eq!(v["calls"], 100 * 1000, "calls counts RPCs");
    let offered: u64 = v["series"]["offered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(offered, 100);
}

#[test]
fn a_seed_range_runs_like_the_same_seeds_listed() {
    let variants = small_variants();
    let listed = sweep::run(&variants, &[3u64, 4, 5][..], 2, &|| {}).unwrap();
    let range = sweep::run(&variants, &(3u64..6), 2, &|| {}).unwrap();
    assert_eq!(listed, range);
}

#[test]
fn vary_profile_compares_the_runtimes_on_one_scenario_r63() {
    // hedging-ignored has no `profile` key: the sweep adds it per variant.
    let file = "sims/runtimes/hedging-ignored.json";
    let varies = [Vary::parse("profile=a6,grpc-go,grpc-js").unwrap()];
    let variants =
        sweep::variants(&raw(file), &root().join("sims/runtimes"), file, &varies).unwrap();
    let labels: Vec<&str> = variants.iter().map(|v| v.label.as_str()).collect();
    assert_eq!(labels, ["profile=a6", "profile=grpc-go", "profile=grpc-js"]);
    let names: Vec<&str> = variants.iter().map(|v| v.scenario.profile.name).collect();
    assert_eq!(names, ["a6", "grpc-go", "grpc-js"]);
    let doc = document(&variants, &[1, 2], 1);
    let json = doc.to_json().to_string();
    // The one call per seed hedges and succeeds, except under grpc-go (one attempt, R63).
    let totals: Vec<String> = doc
        .variants
        .iter()
        .map(|v| v.tally.to_json()["statuses"].to_string())
        .collect();
    assert_eq!(totals[0], totals[2], "{json}");
    assert_ne!(totals[0], totals[1], "{json}");
    let bad = sweep::variants(
        &raw(file),
        &root().join("sims/runtimes"),
        file,
        &[Vary::parse("profile=grpc-rust").unwrap()],
    );
    let err = bad.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.contains("unknown profile \"grpc-rust\"; expected one of: a6,"),
        "{err}"
    );
}

/// The y of the SVG text element holding `label` (plotters writes the text on its own line).
fn text_y(svg: &str, label: &str) -> f64 {
    let at = svg
        .find(&format!("\n{label}\n"))
        .unwrap_or_else(|| panic!("no {label}"));
    let open = &svg[..at][svg[..at].rfind("<text").unwrap()..];
    let y = &open[open.find(" y=\"").unwrap() + 4..];
    y[..y.find('"').unwrap()].parse().unwrap()
}

#[test]
fn plots_draw_bands_and_keep_legends_below_the_charts() {
    let dir = std::env::temp_dir().join(format!("hedgehog-plots-{}", std::process::id()));
    // Three variants of 1 s runs: a CDF with bands and a cost curve, no flat time series.
    let short = document(&small_variants(), &[1, 2, 3], 2);
    let files = hedgehog::experiments::plot::write_all(&short, &dir).unwrap();
    let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap()).collect();
    assert_eq!(names, ["latency-cdf.svg", "cost-curve.svg"]);
    let cdf = std::fs::read_to_string(dir.join("latency-cdf.svg")).unwrap();
    assert_eq!(
        cdf.matches("<polygon opacity=\"0.15\"").count(),
        3,
        "a band per variant"
    );
    for v in &short.variants {
        assert!(
            text_y(&cdf, &v.label) > 540.0,
            "{}: legend below the chart",
            v.label
        );
    }
    // One variant over 30 s: a time series, no cost curve.
    let mut v = raw("sims/experiments/metastable.json");
    hedgehog::experiments::vary::apply(&mut v, "load.arrivals.duration_ms", "30000").unwrap();
    let file = "sims/experiments/metastable.json";
    let long = sweep::variants(&v, &root().join("sims/experiments"), file, &[]).unwrap();
    let files = hedgehog::experiments::plot::write_all(&document(&long, &[1, 2], 2), &dir).unwrap();
    let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap()).collect();
    assert_eq!(names, ["latency-cdf.svg", "timeseries.svg"]);
    let ts = std::fs::read_to_string(dir.join("timeseries.svg")).unwrap();
    assert_eq!(
        ts.matches("<polygon opacity=\"0.15\"").count(),
        2,
        "attempts and goodput bands"
    );
    assert!(text_y(&ts, "base") > 720.0, "legend below both panels");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_summary_run_counts_the_load_worlds_attempts_as_a_full_trace_does() {
    // The tally counts attempts as they are sent, not from the call records, which a summary
    // keeps without their attempt lists: `sim --summary` once printed an empty attempts series.
    let mut v = raw("sims/experiments/metastable.json");
    hedgehog::experiments::vary::apply(&mut v, "load.arrivals.duration_ms", "3000").unwrap();
    v["load"]["server"]["outages"] =
        serde_json::json!([{"from_ms": 1000, "to_ms": 2000, "mode": "unavailable"}]).into();
    let s = Scenario::from_value(&v, &root().join("sims/experiments"), "test").unwrap();
    let summary = hedgehog::trace::Summary::new("test", 1);
    let (_, quiet) = world::run(&s, 1, &summary);
    let full = hedgehog::trace::TraceRecorder::new();
    let (_, traced) = world::run(&s, 1, &full);
    let sent = full
        .calls()
        .iter()
        .map(|c| c.attempts.len() as u64)
        .sum::<u64>();
    assert!(sent > traced.rpcs, "the outage's failures are retried");
    assert_eq!(traced.attempts, sent);
    assert_eq!(quiet.attempts, sent);
    assert_eq!(quiet.series.attempts, traced.series.attempts);
    assert_eq!(quiet.series.attempts.iter().sum::<u64>(), sent);
    assert_eq!(world::tally(&s, 1).series.attempts, traced.series.attempts);
}
