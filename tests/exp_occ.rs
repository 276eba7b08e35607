//! Brooker's backoff study: the post's orderings hold in our model (fixed seeds, 20 runs per
//! cell at N = 100 — the full 100-run table is a documented command).
#![cfg(feature = "experiments")] // needs the `experiments` feature

use hedgehog::experiments::occ::{claims, run_once, run_study, Algo, Study};

fn study(runs: u64) -> Study {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sims/experiments/backoff-jitter.json"),
    )
    .unwrap();
    let mut s = Study::parse(&hedgehog::json::parse(&text).unwrap()).unwrap();
    s.clients = vec![100];
    s.seeds = 1..runs + 1;
    s
}

#[test]
fn the_posts_claims_hold_at_100_clients() {
    let s = study(20);
    let cells = run_study(&s, 2, &|| {}).unwrap();
    let checked = claims(&s, &cells);
    assert_eq!(checked.len(), 3);
    for (claim, holds, numbers) in checked {
        assert!(holds, "{claim}: {numbers}");
    }
    // And the baseline ordering the post starts from: any backoff beats none on calls.
    let calls = |a: Algo| cells[s.algorithms.iter().position(|x| *x == a).unwrap()].mean_calls();
    assert!(calls(Algo::Exponential) < calls(Algo::None));
    assert!(calls(Algo::A6) < calls(Algo::Exponential));
}

#[test]
fn results_do_not_depend_on_jobs() {
    let s = study(4);
    assert_eq!(
        run_study(&s, 1, &|| {}).unwrap(),
        run_study(&s, 2, &|| {}).unwrap()
    );
}

/// Mean and standard error of the paired difference `a − b` over `runs` seeds at `n` clients
/// (calls, or completion time in ms). The algorithms share the network draws of a seed
/// (common random numbers), so pairing by seed removes most of the run-to-run variance.
fn paired(s: &Study, n: u64, a: Algo, b: Algo, runs: u64, time: bool) -> (f64, f64) {
    let d: Vec<f64> = (1..=runs)
        .map(|seed| {
            let (x, y) = (run_once(s, n, a, seed), run_once(s, n, b, seed));
            if time {
                (x.1 as f64 - y.1 as f64) / 1e6
            } else {
                x.0 as f64 - y.0 as f64
            }
        })
        .collect();
    let k = d.len() as f64;
    let mean = d.iter().sum::<f64>() / k;
    let var = d.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (k - 1.0);
    (mean, (var / k).sqrt())
}

#[test]
fn full_and_equal_jitter_cost_the_same_calls_within_3_percent() {
    // The report's "full ≈ equal" claim, at the tolerance the runs support: at N = 100 one
    // run of full jitter makes 795 ± 6.5 calls (sd), and equal − full, paired by seed, is
    // +16.0 ± 1.0 calls (se, 100 runs) = +2.0 % ± 0.12 %. So equal jitter costs measurably
    // more, and "≈" means within 3 % (the old tolerance was 25 %). 50 runs: the
    // difference's 4-se upper bound must stay inside 3 %.
    let s = study(50);
    let full = run_study(
        &Study {
            algorithms: vec![Algo::Full],
            ..s.clone()
        },
        2,
        &|| {},
    )
    .unwrap()[0]
        .mean_calls();
    let (d, se) = paired(&s, 100, Algo::Equal, Algo::Full, 50, false);
    assert!(
        d.abs() + 4.0 * se < 0.03 * full,
        "equal − full = {d:.1} ± {se:.1} calls of {full:.1}"
    );
    assert!(d > 3.0 * se, "equal costs more: {d:.1} ± {se:.1}");
}

#[test]
fn decorrelated_jitter_takes_longer_than_full_at_190_clients() {
    // The post's "decorrelated takes less time than full jitter" holds at N = 100 (−0.17 s,
    // z = −2.1 over 100 runs), is a tie at N = 130..140 and reverses from N = 150 on
    // (+0.27 s, z = 2.9; at N = 190 +0.59 s, z = 6.5). With 20 runs at N = 190:
    let s = study(20);
    let (d, se) = paired(&s, 190, Algo::Decorrelated, Algo::Full, 20, true);
    assert!(d > 2.0 * se, "decorrelated − full = {d:.0} ± {se:.0} ms");
}
