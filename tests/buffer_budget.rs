//! One retry-buffer budget, two worlds: sims/buffer-budget-pressure.json in the simulator and
//! over real HTTP/2 must make the same commit decisions (R64–R67, D22). The story hinges on a
//! refused call adding nothing to the channel's total: a client that counted it (as the live
//! layer once did) refuses call 2 as well, and call 2's retry disappears.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

use std::path::Path;
use std::time::Duration;

use hedgehog::code::Code;
use hedgehog::live::run::run_live;
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::trace;
use hedgehog::time::ms;
use hedgehog::trace::{CallRecord, Trace};

/// Real-time runs allowed to tell the story (a stalled machine can stretch a 30 ms margin).
const LIVE_TRIES: usize = 5;

fn scenario() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sims/buffer-budget-pressure.json");
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Per call: its status, its attempts, and which attempt it committed to.
fn decisions(t: &Trace) -> Vec<(Code, usize, Option<usize>)> {
    let committed = |c: &CallRecord| c.attempts.iter().position(|a| a.committed);
    let calls = t.calls.iter();
    calls
        .map(|c| (c.status, c.attempts.len(), committed(c)))
        .collect()
}

#[test]
fn a_refused_call_does_not_use_up_the_budget_r64_r66_r67_d22() {
    let t = trace(&scenario(), 1);
    let (c0, c1, c2) = (&t.calls[0], &t.calls[1], &t.calls[2]);
    // Call 1 starts while call 0 holds 100 of the 150 bytes: refused, sent once, and its
    // retryable UNAVAILABLE is final (R66).
    assert!(c1.started < c0.ended);
    assert_eq!((c1.status, c1.attempts.len()), (Code::Unavailable, 1));
    assert!(c1.attempts[0].committed, "committed from the start (R66)");
    // Call 2 starts after call 0 gave its bytes back (R67), with call 1 still in flight: the
    // refused call holds nothing, so 100 <= 150 fits and the UNAVAILABLE is retried.
    assert!(c0.ended < c2.started && c2.started < c1.ended);
    assert_eq!((c2.status, c2.attempts.len()), (Code::Ok, 2));
    assert_eq!(
        c2.attempts[1].sent,
        ms(131),
        "after the 10 ms backoff (jitter none)"
    );
    assert_eq!(
        decisions(&t),
        [
            (Code::Ok, 1, Some(0)),
            (Code::Unavailable, 1, Some(0)),
            (Code::Ok, 2, Some(1)),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_layer_makes_the_simulated_buffer_decisions() {
    let scenario = scenario();
    let want = decisions(&trace(&scenario, 1));
    let mut seen = Vec::new();
    for _ in 0..LIVE_TRIES {
        let live = tokio::time::timeout(Duration::from_secs(60), run_live(&scenario, 1))
            .await
            .expect("live run timed out")
            .unwrap_or_else(|e| panic!("{e}"));
        let got = decisions(&live.trace);
        if got == want {
            return;
        }
        seen.push(got);
    }
    panic!("live never made the simulated decisions {want:?}; it made {seen:?}");
}
