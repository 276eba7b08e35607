//! The sweep's 95 % intervals: shards merged give exactly one machine's intervals (the CI-merge
//! test), a percentile with too few requests behind it is reported open above with a warning,
//! and an interval from few seeds covers an independent estimate from many more.
#![cfg(feature = "experiments")]

use std::path::Path;

use hedgehog::experiments::figures::{figures, Figure};
use hedgehog::experiments::report;
use hedgehog::experiments::sweep::{self, Sweep};
use hedgehog::experiments::vary::Vary;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The tail-at-scale model, small: `calls` requests of `fan_out` RPCs per seed, one variant per
/// hedging delay.
fn variants(calls: u32, fan_out: u32, delays: &str) -> Vec<sweep::Variant> {
    let file = "sims/experiments/tail-at-scale.json";
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let raw = hedgehog::json::parse(&text).unwrap();
    let varies = [
        Vary::parse(&format!("client.calls={calls}")).unwrap(),
        Vary::parse(&format!("load.fan_out={fan_out}")).unwrap(),
        Vary::parse(&format!(
            "service_config.methodConfig[0].hedgingPolicy.hedgingDelay={delays}"
        ))
        .unwrap(),
    ];
    sweep::variants(&raw, &root().join("sims/experiments"), file, &varies).unwrap()
}

fn document(variants: &[sweep::Variant], seeds: &[u64]) -> Sweep {
    let totals = sweep::run_replicated(variants, seeds, 2, &|| {}).unwrap();
    Sweep::of_variants(variants, sweep::ranges(seeds), None, totals)
}

fn bounded(f: &Figure) -> (f64, f64) {
    match f.ci95 {
        Some((lo, Some(hi))) => (lo, hi),
        other => panic!("expected a bounded interval, got {other:?}"),
    }
}

#[test]
fn shards_merged_give_exactly_one_runs_intervals() {
    // Seeds 1..=8 and 101..=104: groups 1..4 hold two seeds each, split across shards, so the
    // merge must add groups, not just append them.
    let vs = variants(10, 20, "3600s,10ms");
    let seeds: Vec<u64> = (1..=8).chain(101..=104).collect();
    let whole = document(&vs, &seeds);
    for n in [2, 3, 5] {
        let parts: Vec<Sweep> = (1..=n)
            .rev() // merge order must not matter
            .map(|k| {
                let mut d = document(&vs, &sweep::shard(&seeds, k, n));
                d.shard = Some((k, n));
                // Through the JSON the CLI writes, as between machines.
                let text = report::json(&d).to_string();
                Sweep::from_json(&hedgehog::json::parse(&text).unwrap()).unwrap()
            })
            .collect();
        let merged = Sweep::merge(parts).unwrap();
        assert_eq!(merged, whole, "{n} shards");
        assert_eq!(report::json(&merged), report::json(&whole), "{n} shards");
        assert_eq!(report::table(&merged), report::table(&whole), "{n} shards");
        assert_eq!(report::csv(&merged), report::csv(&whole), "{n} shards");
    }
    // Not vacuous: the intervals exist, have width and hold their point values.
    for v in &whole.variants {
        let f = figures(v);
        for fig in [&f.attempts_per_rpc, &f.latency_ms[0], &f.latency_ms[1]] {
            let (lo, hi) = bounded(fig);
            assert!(lo <= fig.value && fig.value <= hi, "{}: {fig:?}", v.label);
        }
        let (lo, hi) = bounded(&f.latency_ms[0]);
        assert!(lo < hi, "{}: p50 {lo}..{hi}", v.label);
    }
    let (lo, hi) = bounded(&figures(&whole.variants[1]).attempts_per_rpc);
    assert!(lo < hi, "hedging at 10 ms varies between seeds: {lo}..{hi}");
    assert_eq!(whole.variants[1].replicates.seeds(), 12);
    assert_eq!(whole.variants[1].replicates.groups().count(), 8);
}

#[test]
fn p999_of_200_requests_is_open_above_and_warned() {
    // 2 seeds × 100 requests: p99.9 is the slowest request, and nothing bounds it from above
    // (0.999²⁰⁰ = 0.82 > 0.025); p99 needs 368 requests, p90 36.
    let vs = variants(100, 1, "10ms");
    let d = document(&vs, &[1, 2]);
    let f = figures(&d.variants[0]);
    assert!(matches!(f.latency_ms[3].ci95, Some((_, None))), "{f:?}");
    assert!(matches!(f.latency_ms[2].ci95, Some((_, None))), "{f:?}");
    bounded(&f.latency_ms[1]);
    let table = report::table(&d);
    assert!(table.contains(" ±inf"), "{table}");
    assert!(
        table.contains("warning: p99.9_ms rests on too few requests")
            && table.contains("fewer than 3688")
            && table.contains("(200 requests)"),
        "{table}"
    );
    assert!(table.contains("intervals from only 2 seeds"), "{table}");
    let csv = report::csv(&d);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row[col("p99.9_ms_ci95_hi")], "inf");
    assert_eq!(col("success_%"), 6, "the old columns keep their places");
    let json = report::json(&d);
    let p999 = &json["variants"][0]["figures"]["p999_ms"];
    assert!(p999["ci95"][1].is_null() && p999["ci95"][0].as_f64().is_some());
}

#[test]
fn one_seed_gives_no_interval_and_says_why() {
    let vs = variants(20, 5, "10ms");
    let d = document(&vs, &[7]);
    let f = figures(&d.variants[0]);
    assert_eq!(f.success_pct.ci95, None);
    assert_eq!(f.latency_ms[0].ci95, None);
    let table = report::table(&d);
    assert!(!table.contains('±'), "{table}");
    assert!(table.contains("no 95 % intervals: they need at least two seeds"));
}

#[test]
fn an_interval_from_20_seeds_covers_an_estimate_from_200_others() {
    // The 10-ms hedge on 20-RPC requests: the p50, p90 and amplification of seeds 1..=20 with
    // their intervals, against the same figures from seeds 1001..=1200 (ten times the data,
    // independent). Deterministic seeds: this either always holds or never does.
    let vs = variants(20, 20, "10ms");
    let few = figures(&document(&vs, &(1..=20).collect::<Vec<_>>()).variants[0]);
    let many = figures(&document(&vs, &(1001..=1200).collect::<Vec<_>>()).variants[0]);
    for (name, a, b) in [
        ("attempts/rpc", few.attempts_per_rpc, many.attempts_per_rpc),
        ("p50", few.latency_ms[0], many.latency_ms[0]),
        ("p90", few.latency_ms[1], many.latency_ms[1]),
    ] {
        let (lo, hi) = bounded(&a);
        assert!(
            lo <= b.value && b.value <= hi,
            "{name}: 200 seeds give {}, outside 20 seeds' {lo}..{hi}",
            b.value
        );
        // And the interval narrows with ten times the seeds (by about √10).
        let (l2, h2) = bounded(&b);
        assert!(
            h2 - l2 < (hi - lo) / 2.0,
            "{name}: {l2}..{h2} vs {lo}..{hi}"
        );
    }
}
