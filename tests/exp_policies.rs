//! The client policies A6 is compared with (`load.client_policy`), in the load world, checked
//! against what their sources claim: Brooker's "Fixing retries with token buckets and circuit
//! breakers" (2022) and the Google SRE book's "Handling Overload" — scaled-down versions of
//! sims/experiments/brooker-retries.json and sre-overload.json, and of the metastable study.
//!
//! Every bound is either exact (a cap that cannot be exceeded) or a closed form with a
//! tolerance of at least four standard errors at the sample size used (stated beside it).
#![cfg(feature = "experiments")] // needs the `experiments` feature

use std::path::Path;

use hedgehog::code::Code;
use hedgehog::experiments::vary::apply;
use hedgehog::scenario::Scenario;
use hedgehog::sim::load::tally::Tally;
use hedgehog::sim::load::world;

const BUDGET_10: &str = r#"{"kind": "budget", "min_per_sec": 0, "retry_percent": 10}"#;

/// The scenario `file` (under sims/experiments/) with `edits` applied.
fn scenario(file: &str, edits: &[(&str, &str)]) -> Scenario {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("sims/experiments");
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut v = hedgehog::json::parse(&text).unwrap();
    for (path, value) in edits {
        apply(&mut v, path, value).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    Scenario::from_value(&v, &dir, file).unwrap_or_else(|e| panic!("{e}"))
}

/// Seeds `1..=seeds` merged.
fn tally(s: &Scenario, seeds: u64) -> Tally {
    let mut all = world::tally(s, 1);
    for seed in 2..=seeds {
        all.merge(&world::tally(s, seed));
    }
    all
}

fn amplification(t: &Tally) -> f64 {
    t.attempts as f64 / t.rpcs as f64
}

fn success(t: &Tally) -> f64 {
    t.status_count(Code::Ok) as f64 / t.requests as f64
}

/// Brooker's world, 20 clients × 10 calls/s × 10 s (2,000 calls per seed), at `fail_rate`.
fn brooker(policy: &str, fail_rate: &str, seeds: u64) -> Tally {
    let s = scenario(
        "brooker-retries.json",
        &[
            ("load.clients", "20"),
            ("load.client_policy", policy),
            ("server.schedule.fail_rate", fail_rate),
        ],
    );
    tally(&s, seeds)
}

#[test]
fn no_retries_and_three_retries_follow_their_closed_forms() {
    // 6,000 calls at f = 0.2. None: success 0.8, se 0.0052; exactly one attempt each.
    let none = brooker("none", "0.2", 3);
    assert_eq!(none.attempts, none.rpcs);
    assert_eq!(none.throttled, 0, "no retries is not throttling");
    assert!((success(&none) - 0.8).abs() < 0.021, "{}", success(&none));
    // Three retries: success 1 − f⁴ = 0.9984 (se 0.0005); load 1 + f + f² + f³ = 1.248
    // (per-call sd 0.54, se 0.007).
    let naive = brooker("naive", "0.2", 3);
    assert!(
        (success(&naive) - 0.9984).abs() < 0.003,
        "{}",
        success(&naive)
    );
    let load = amplification(&naive);
    assert!((load - 1.248).abs() < 0.03, "{load}");
}

#[test]
fn bucket_and_breaker_are_three_retries_when_failures_are_rare_and_near_none_when_common() {
    // f = 1 %: retries are 1 % of calls, far below the bucket's 10 % refill and the breaker's
    // 10 % threshold, so both retry like naive (load 1.0101; they may differ only by the
    // breaker's first calls, whose failure ratio starts at 1 / 1).
    let naive = amplification(&brooker("naive", "0.01", 3));
    for policy in ["bucket", "breaker"] {
        let load = amplification(&brooker(policy, "0.01", 3));
        assert!((load - naive).abs() < 0.004, "{policy}: {load} vs {naive}");
    }
    // f = 50 %: naive does 1.875× the work. The bucket pays a retry per 10 calls plus the 4
    // tokens each of 20 clients starts with: ≤ 1.1 + 80 / 2,000 = 1.14. The breaker stops
    // retrying as soon as failures pass 10 % of calls: barely above 1.
    let naive = amplification(&brooker("naive", "0.5", 3));
    assert!((naive - 1.875).abs() < 0.03, "{naive}");
    let bucket = amplification(&brooker("bucket", "0.5", 3));
    assert!((1.08..=1.145).contains(&bucket), "bucket {bucket}");
    let breaker = brooker("breaker", "0.5", 3);
    assert!(
        amplification(&breaker) < 1.01,
        "{}",
        amplification(&breaker)
    );
    assert!(breaker.throttled > 0);
}

#[test]
fn many_small_clients_make_the_bucket_naive_and_the_breaker_none() {
    // Brooker's client-count study: 100 calls/s in all for 10 s, split over N clients each
    // with its own bucket or breaker, f = 50 %, 5 seeds (5,000 calls).
    let run = |policy: &str, clients: &str, rate: &str| {
        let s = scenario(
            "brooker-retries.json",
            &[
                ("load.clients", clients),
                ("load.arrivals.rate_per_s", rate),
                ("load.client_policy", policy),
                ("server.schedule.fail_rate", "0.5"),
            ],
        );
        amplification(&tally(&s, 5))
    };
    // 1,000 clients make about one call each: every bucket is still full (5 tokens) — three
    // retries, 1.875 — and every breaker opens at its first failure (1 / 1 > 10 %).
    let bucket = run("bucket", "1000", "0.1");
    assert!(bucket > 1.8, "bucket, 1,000 clients: {bucket}");
    let breaker = run("breaker", "1000", "0.1");
    assert!(breaker < 1.01, "breaker, 1,000 clients: {breaker}");
    // 10 clients: the buckets run dry; 1.1 + 10 × 4 / 1,000 = 1.14 at most.
    let bucket = run("bucket", "10", "10");
    assert!(bucket < 1.15, "bucket, 10 clients: {bucket}");
}

/// The SRE book's failing backend: 10 clients × 100 requests/s, 10 s (10,000 per seed).
fn sre(policy: &str, fail_rate: &str, edits: &[(&str, &str)]) -> Tally {
    let mut all = vec![
        ("load.client_policy", policy),
        ("server.schedule.fail_rate", fail_rate),
        ("load.arrivals.duration_ms", "10000"),
    ];
    all.extend_from_slice(edits);
    tally(&scenario("sre-overload.json", &all), 1)
}

#[test]
fn a_cap_of_three_attempts_triples_the_load_and_a_ten_percent_budget_holds_it_near_1_1() {
    // Every attempt rejected: the cap is the load, exactly.
    let capped = sre("naive", "1", &[]);
    assert_eq!(
        capped.attempts,
        3 * capped.rpcs,
        "somewhat below 3X is at most 3X"
    );
    // 90 % rejected: 1 + 0.9 + 0.81 = 2.71 (per-request sd 0.47, se 0.0047).
    let load = amplification(&sre("naive", "0.9", &[]));
    assert!((load - 2.71).abs() < 0.02, "{load}");
    // The book's per-client 10 % budget on top: retries are at most 10 % of requests over
    // any 10 s window, and with 90 % rejected the demand always exceeds it — so 1.1, short
    // only by the first deposits (1.0995 over 60 s, 1.0996 over 10 s).
    for fail in ["0.9", "1"] {
        let load = amplification(&sre(BUDGET_10, fail, &[]));
        assert!(
            (1.09..=1.1).contains(&load),
            "10 % budget, f = {fail}: {load}"
        );
    }
}

#[test]
fn finagles_default_budget_keeps_its_promise_per_client_not_per_backend() {
    // 20 % of requests plus a reserve of 10 retries/s per client: at 100 requests/s per
    // client that is 1.3×, and the demand (1.71 retries per request) uses all of it.
    let load = amplification(&sre("budget", "0.9", &[]));
    assert!((1.28..=1.3).contains(&load), "{load}");
    // The same backend load from 1,000 clients at 1 request/s each: every client's reserve
    // (10/s) is above its whole retry demand (1.71/s), so the budget limits nothing and the
    // load is the cap's 2.71× — the book's 1.1× holds only for a ratio without a reserve.
    let many = [("load.clients", "1000"), ("load.arrivals.rate_per_s", "1")];
    let load = amplification(&sre("budget", "0.9", &many));
    assert!((load - 2.71).abs() < 0.02, "{load}");
    let load = amplification(&sre(BUDGET_10, "0.9", &many));
    assert!(load <= 1.1, "the ratio alone still holds: {load}");
}

#[test]
fn adaptive_throttling_sends_almost_nothing_to_a_backend_that_accepts_less_than_one_in_k() {
    // Accepts 10 % < 1 / K = 50 %: the rejection probability climbs to ≈ 1, and each
    // request is sent with probability about (K × accepts + 1) / (requests + 1).
    let t = sre("adaptive", "0.9", &[]);
    assert!(amplification(&t) < 0.05, "{}", amplification(&t));
    assert!(t.throttled > t.rpcs * 9 / 10);
    // A healthy backend is never throttled.
    let healthy = sre("adaptive", "0", &[]);
    assert_eq!((healthy.throttled, healthy.attempts), (0, healthy.rpcs));
}

#[test]
fn naive_is_a6_without_its_bucket() {
    // The same retryPolicy (maxAttempts 2) carried out by the engine and by the app-level
    // loop: 1 + f = 1.1 both (se 0.003 at 10,000 calls each).
    let edits = |policy| {
        [
            ("service_config", "configs/retry.json"),
            ("load.client_policy", policy),
        ]
    };
    let a6 = tally(&scenario("brooker-retries.json", &edits("a6")), 1);
    let naive = tally(&scenario("brooker-retries.json", &edits("naive")), 1);
    let (a, n) = (amplification(&a6), amplification(&naive));
    assert!(
        (a - 1.1).abs() < 0.012 && (n - 1.1).abs() < 0.012,
        "{a} {n}"
    );
    assert_eq!((a6.throttled, naive.throttled), (0, 0));
}

#[test]
fn policies_are_deterministic_per_seed() {
    let s = scenario(
        "sre-overload.json",
        &[
            ("load.client_policy", "adaptive"),
            ("server.schedule.fail_rate", "0.5"),
            ("load.arrivals.duration_ms", "2000"),
        ],
    );
    let one = world::tally(&s, 4);
    assert_eq!(one.attempts, world::tally(&s, 4).attempts);
    assert_eq!(one.series.attempts, world::tally(&s, 4).series.attempts);
    assert_ne!(one.attempts, world::tally(&s, 5).attempts, "seeds differ");
}

/// The metastable study compressed as in tests/exp_metastable.rs (100 ms front-end timeout,
/// 1 s hold at t = 5 s, 40 s at 280/s fixed against 300/s), under `policy`: mean
/// (attempts/s, goodput/s) over t = 30..40 s.
fn metastable(policy: &str) -> (f64, f64) {
    let s = scenario(
        "metastable.json",
        &[
            ("service_config", "configs/retry-throttled.json"),
            ("load.client_policy", policy),
            ("load.arrivals.duration_ms", "40000"),
            ("load.arrivals.process", "fixed"),
            ("load.server.timeout_ms", "100"),
            ("load.server.outages[0].from_ms", "5000"),
            ("load.server.outages[0].to_ms", "6000"),
        ],
    );
    let t = world::tally(&s, 1);
    let mean = |v: &[u64]| {
        (30..40)
            .map(|i| v.get(i).copied().unwrap_or(0))
            .sum::<u64>() as f64
            / 10.0
    };
    (mean(&t.series.attempts), mean(&t.series.goodput))
}

#[test]
fn after_an_outage_a_retry_ratio_is_not_enough_at_93_percent_utilization() {
    // A budget or Brooker's bucket bounds retries to 10–20 % of requests; 1.1 × 280 = 308 is
    // already over the 300/s the server has, so the storm sustains itself as with naive.
    for policy in ["naive", "budget", BUDGET_10, "bucket"] {
        let (attempts, goodput) = metastable(policy);
        assert!(attempts > 1.05 * 280.0, "{policy}: attempts/s {attempts}");
        assert!(goodput < 0.05 * 280.0, "{policy}: goodput/s {goodput}");
    }
    // Policies that stop retrying outright once failures dominate recover like no retries.
    for policy in ["a6", "none", "breaker"] {
        let (attempts, goodput) = metastable(policy);
        assert!(goodput > 0.95 * 280.0, "{policy}: goodput/s {goodput}");
        assert!(attempts < 1.05 * 280.0, "{policy}: attempts/s {attempts}");
    }
    // Adaptive throttling sheds first tries too: the server drains, but the two-minute memory
    // of failures keeps rejecting locally long after (its rejection probability falls by
    // roughly half per window once accepts resume).
    let (attempts, goodput) = metastable("adaptive");
    assert!(attempts < 0.9 * 280.0, "adaptive: attempts/s {attempts}");
    assert!(
        goodput > 0.0 && goodput < 0.9 * 280.0,
        "adaptive: {goodput}"
    );
}

#[test]
fn every_policy_kind_is_written_out_with_its_parameters_and_reads_back_equal() {
    for policy in [
        "none",
        "naive",
        r#"{"kind": "budget", "ttl_ms": 2500, "min_per_sec": 3, "retry_percent": 12.5}"#,
        r#"{"kind": "adaptive", "k": 1.1, "window_ms": 60000}"#,
        r#"{"kind": "breaker", "max_failure_percent": 7.5}"#,
        r#"{"kind": "bucket", "deposit": 0.25, "size": 3}"#,
    ] {
        let s = scenario("brooker-retries.json", &[("load.client_policy", policy)]);
        let text = s.to_json();
        let again = Scenario::from_json(&text, &std::env::temp_dir(), "again").unwrap();
        assert_eq!(again.load, s.load, "{policy}: {text}");
    }
}
