//! Brooker's backoff study: the post's orderings hold in our model (fixed seeds, 20 runs per
//! cell at N = 100 — the full 100-run table is a documented command).
#![cfg(feature = "experiments")] // needs the `experiments` feature

use hedgehog::experiments::occ::{claims, run_study, Algo, Study};

fn study(runs: u64) -> Study {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sims/experiments/backoff-jitter.json"),
    )
    .unwrap();
    let mut s = Study::parse(&hedgehog::json::parse(&text).unwrap()).unwrap();
    s.clients = vec![100];
    s.seeds = (1..=runs).collect();
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
