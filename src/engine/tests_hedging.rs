//! Hedging rules of A6 (R52–R61), one test per rule.

use super::harness::*;
use super::{FinishReason, Input, Jitter, Note};
use crate::code::Code;
use crate::config::Policy;
use crate::time::ms;

const UNAVAILABLE: Code = Code::Unavailable;

fn hedge(n: u32, delay_ms: u64) -> Harness {
    Harness::new(Policy::Hedging(hedging(n, ms(delay_ms), &[UNAVAILABLE])))
}

#[test]
fn first_at_once_then_one_per_delay_with_index_header_r53_r76() {
    let mut h = hedge(3, 10);
    assert_eq!(sends(&h.start()), vec![(0, 1, None)]);
    assert_eq!(sends(&h.fire().unwrap()), vec![(1, 2, Some(1))]);
    assert_eq!(h.now, ms(10));
    assert_eq!(sends(&h.fire().unwrap()), vec![(2, 3, Some(2))]);
    assert_eq!(h.now, ms(20));
    assert!(
        h.engine.next_wakeup().is_none(),
        "maxAttempts reached: no more timers"
    );
}

#[test]
fn zero_delay_sends_all_at_once_r52() {
    let mut h = hedge(4, 0);
    assert_eq!(sends(&h.start()).len(), 4);
}

#[test]
fn headers_on_a_hedge_commit_and_cancel_the_rest_r55() {
    let mut h = hedge(3, 10);
    h.start();
    h.fire();
    let out = h.at(ms(12), Input::Headers { slot: 1 });
    assert_eq!(cancels(&out), vec![0]);
    assert_eq!(committed(&out), Some(1));
    assert!(
        h.engine.next_wakeup().is_none(),
        "no pending hedge after commit"
    );
    assert_eq!(
        finished(&h.close(ms(13), 1, Code::Ok)),
        (Code::Ok, FinishReason::Ok)
    );
}

#[test]
fn ok_from_any_attempt_wins_r55() {
    let mut h = hedge(2, 10);
    h.start();
    h.fire();
    let out = h.close(ms(11), 1, Code::Ok);
    assert_eq!(cancels(&out), vec![0]);
    assert_eq!(finished(&out), (Code::Ok, FinishReason::Ok));
}

#[test]
fn non_fatal_status_releases_next_hedge_at_once_r56() {
    let mut h = hedge(3, 10);
    h.start();
    let out = h.close(ms(3), 0, UNAVAILABLE);
    assert_eq!(sends(&out), vec![(1, 2, Some(1))], "sent at 3ms, not 10ms");
    assert!(notes(&out)
        .iter()
        .any(|n| matches!(n, Note::HedgeTimer { at, cause: "delay" } if *at == ms(13))));
}

#[test]
fn fatal_status_cancels_everything_and_returns_r57() {
    let mut h = hedge(3, 10);
    h.start();
    h.fire();
    let out = h.close(ms(12), 1, Code::InvalidArgument);
    assert_eq!(cancels(&out), vec![0]);
    assert_eq!(
        finished(&out),
        (Code::InvalidArgument, FinishReason::NotRetryable)
    );
}

#[test]
fn all_failed_returns_last_status_after_all_ended_r58() {
    let mut h = hedge(2, 10);
    h.start();
    h.fire();
    let out = h.close(ms(11), 1, UNAVAILABLE);
    assert!(finish(&out).is_none(), "attempt 1 is still out");
    let out = h.close(ms(12), 0, Code::ResourceExhausted);
    // RESOURCE_EXHAUSTED is fatal here; make sure a non-fatal last works too.
    assert_eq!(finished(&out).0, Code::ResourceExhausted);

    let mut h = hedge(2, 10);
    h.start();
    h.fire();
    h.close(ms(11), 1, UNAVAILABLE);
    let out = h.close(ms(12), 0, UNAVAILABLE);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Exhausted));
}

#[test]
fn stop_pushback_ends_new_hedges_but_not_live_ones_r59_d14() {
    let mut h = hedge(4, 10);
    h.start();
    h.fire(); // slots 0, 1 live
    let out = h.close_pushback(ms(11), 1, UNAVAILABLE, "-1");
    assert!(finish(&out).is_none());
    assert!(cancels(&out).is_empty(), "attempt 0 carries on");
    assert!(h.engine.next_wakeup().is_none());
    let out = h.close(ms(20), 0, UNAVAILABLE);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::PushbackStop));
}

#[test]
fn delay_pushback_moves_the_next_hedge_r59() {
    let mut h = hedge(3, 10);
    h.start();
    let out = h.close_pushback(ms(2), 0, UNAVAILABLE, "50");
    assert!(sends(&out).is_empty());
    let out = h.fire().unwrap();
    assert_eq!(h.now, ms(52));
    assert_eq!(sends(&out), vec![(1, 2, Some(1))]);
    h.fire();
    assert_eq!(
        h.now,
        ms(62),
        "later hedges follow hedgingDelay from then on"
    );
}

#[test]
fn throttle_gates_hedges_after_the_first_r60() {
    let mut h = hedge(3, 0);
    h.throttle = throttle(2, 100);
    h.throttle.as_ref().unwrap().lock().unwrap().on_failure(); // 1 of 2: not above half
    let out = h.start();
    assert_eq!(sends(&out).len(), 1, "the first attempt always goes");
    assert!(notes(&out)
        .iter()
        .any(|n| matches!(n, Note::Throttled { .. })));
    assert!(notes(&out)
        .iter()
        .any(|n| matches!(n, Note::HedgingStopped { cause: "throttled" })));
    let out = h.close(ms(5), 0, UNAVAILABLE);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Throttled));
}

#[test]
fn non_fatal_failures_cost_tokens_r60() {
    let mut h = hedge(2, 10);
    h.throttle = throttle(10, 100);
    h.start();
    h.close(ms(1), 0, UNAVAILABLE);
    assert_eq!(h.tokens(), 9_000);
}

#[test]
fn overflow_commits_to_the_oldest_live_attempt_r61() {
    let mut h = hedge(3, 10);
    h.start();
    h.fire();
    let out = h.at(ms(11), Input::BufferOverflow { slot: None });
    assert_eq!(committed(&out), Some(0));
    assert_eq!(cancels(&out), vec![1]);
    assert!(h.engine.next_wakeup().is_none());
}

#[test]
fn overflow_commits_to_the_attempt_holding_the_data_r61_r66() {
    // The second hedge pulled the overflowing message: only it can carry on.
    let mut h = hedge(3, 10);
    h.start();
    h.fire();
    let out = h.at(ms(11), Input::BufferOverflow { slot: Some(1) });
    assert_eq!(committed(&out), Some(1));
    assert_eq!(cancels(&out), vec![0]);
    assert!(h.engine.next_wakeup().is_none(), "no further hedge (R61)");
    assert_eq!(
        finished(&h.close(ms(30), 1, UNAVAILABLE)),
        (UNAVAILABLE, FinishReason::Committed)
    );
}

#[test]
fn overflow_naming_an_ended_attempt_commits_the_oldest_live_r61() {
    let mut h = hedge(3, 10);
    h.start();
    h.fire();
    h.fire();
    h.close(ms(21), 0, UNAVAILABLE);
    let out = h.at(ms(22), Input::BufferOverflow { slot: Some(0) });
    assert_eq!(committed(&out), Some(1));
    assert_eq!(cancels(&out), vec![2]);
}

#[test]
fn deadline_cancels_every_hedge_r77() {
    let mut h = Harness::with(
        Policy::Hedging(hedging(3, ms(10), &[UNAVAILABLE])),
        Some(ms(15)),
        Jitter::None,
        true,
    );
    h.start();
    h.fire();
    let out = h.fire().unwrap();
    assert_eq!(h.now, ms(15));
    assert_eq!(cancels(&out), vec![0, 1]);
    assert_eq!(
        finished(&out),
        (Code::DeadlineExceeded, FinishReason::Deadline)
    );
}

#[test]
fn never_more_than_max_attempts_even_with_non_fatal_shortcuts_r52() {
    let mut h = hedge(3, 0);
    let mut total = sends(&h.start()).len();
    for slot in 0..3 {
        total += sends(&h.close(ms(1 + slot as u64), slot, UNAVAILABLE)).len();
    }
    assert_eq!(total, 3);
}

#[test]
fn a_hedging_delay_past_the_end_of_time_waits_forever_rather_than_overflow() {
    // A config may say "20000000000s" (valid JSON Duration, far past u64 nanoseconds from a
    // late start): the next hedge is due at the end of time, never sooner and never a panic.
    let mut h = hedge(3, u64::MAX / 1_000_000);
    h.now = u64::MAX - ms(1);
    assert_eq!(sends(&h.start()).len(), 1);
    assert_eq!(h.engine.next_wakeup(), Some(u64::MAX));
}
