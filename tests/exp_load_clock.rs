//! The load world's clocks: when clients' first requests arrive, and which clock
//! `healthy_from` reads (fixed seeds; counts within a few standard errors, no float snapshots).
#![cfg(feature = "experiments")] // needs the `experiments` feature (sweeps and variants)

use std::path::Path;

use hedgehog::experiments::vary::apply;
use hedgehog::scenario::Scenario;
use hedgehog::sim::load::tally::Tally;
use hedgehog::sim::load::world;

/// The metastable scenario without its outage, with `edits` applied (`--vary` syntax).
fn tally(edits: &[(&str, &str)], seed: u64) -> Tally {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("sims/experiments/metastable.json")).unwrap();
    let mut v = hedgehog::json::parse(&text).unwrap();
    apply(&mut v, "load.server.outages", "[]").unwrap();
    apply(&mut v, "service_config", "configs/no-retry.json").unwrap();
    for (path, value) in edits {
        apply(&mut v, path, value).unwrap();
    }
    let s = Scenario::from_value(&v, &root.join("sims/experiments"), "test").unwrap();
    world::tally(&s, seed)
}

#[test]
fn many_clients_offer_their_rate_from_the_first_second_not_a_burst_at_zero() {
    // 1,000 clients at 0.28/s. Poisson: each client's count in [0, 1 s) is Poisson(0.28), the
    // total Poisson(280), sd √280 ≈ 16.7. Fixed: each client's one arrival in the first
    // 3.57 s period lands in [0, 1 s) with probability 0.28, the total Binomial(1000, 0.28),
    // sd ≈ 14.2. (When every client started at t = 0 the first second held 1,000+ requests.)
    for (process, sd) in [
        ("poisson", 280f64.sqrt()),
        ("fixed", (1000.0 * 0.28 * 0.72f64).sqrt()),
    ] {
        for seed in 1..=3 {
            let t = tally(
                &[
                    ("load.clients", "1000"),
                    ("load.arrivals.rate_per_s", "0.28"),
                    ("load.arrivals.duration_ms", "2000"),
                    ("load.arrivals.process", process),
                ],
                seed,
            );
            let first = t.series.offered[0] as f64;
            assert!(
                (first - 280.0).abs() < 4.0 * sd,
                "{process} seed {seed}: {first} requests in the first second, expected 280 ± {sd:.1}"
            );
        }
    }
}

#[test]
fn fixed_clients_are_phased_apart_not_in_lock_step() {
    // 10 fixed clients at 1/s for 1 s: one request each, at 10 distinct instants in [0, 1 s).
    let t = tally(
        &[
            ("load.clients", "10"),
            ("load.arrivals.rate_per_s", "1"),
            ("load.arrivals.duration_ms", "1000"),
            ("load.arrivals.process", "fixed"),
            ("load.series_ms", "100"),
        ],
        1,
    );
    assert_eq!(t.requests, 10);
    let max_per_100ms = t.series.offered.iter().max().copied().unwrap_or(0);
    assert!(
        max_per_100ms < 10,
        "all in one 100 ms bucket: {:?}",
        t.series.offered
    );
}

#[test]
fn a_healthy_run_is_healthy_from_0() {
    // Offered and goodput on one clock (start time): a run where every request succeeds is
    // healthy from its first window, at high and at very low utilization (one client at 3/s
    // of a 300/s server, where ~3 requests per bucket made a request that straddled a bucket
    // boundary look like a failure and the run "healthy from 210 s").
    for (rate, duration) in [("280", "5000"), ("3", "300000")] {
        for seed in 1..=3 {
            let t = tally(
                &[
                    ("load.arrivals.rate_per_s", rate),
                    ("load.arrivals.duration_ms", duration),
                ],
                seed,
            );
            assert_eq!(t.status_count(hedgehog::code::Code::Ok), t.requests);
            assert_eq!(t.healthy_from(), Some(0), "{rate}/s seed {seed}");
            assert_eq!(t.series.goodput, t.series.offered, "{rate}/s seed {seed}");
        }
    }
}
