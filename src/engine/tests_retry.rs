//! Retry-policy rules of A6, one test per rule (ids resolve in docs/a6-rules.md).

use super::harness::*;
use super::{FinishReason, Input, Jitter, Note, Pushback};
use crate::code::Code;
use crate::config::Policy;
use crate::time::ms;

const UNAVAILABLE: Code = Code::Unavailable;

#[test]
fn demo_succeeds_on_fourth_attempt_with_previous_headers_r74() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    let mut sent = sends(&h.start());
    for slot in 0..3 {
        let out = h.close(h.now + ms(1), slot, UNAVAILABLE);
        assert!(finish(&out).is_none());
        sent.extend(sends(&h.fire().unwrap()));
    }
    assert_eq!(
        sent,
        vec![
            (0, 1, None),
            (1, 2, Some(1)),
            (2, 3, Some(2)),
            (3, 4, Some(3))
        ]
    );
    let out = h.close(h.now + ms(1), 3, Code::Ok);
    assert_eq!(committed(&out), Some(3));
    assert_eq!(finished(&out), (Code::Ok, FinishReason::Ok));
    // 1ms latency + 10ms backoff (jitter none) per retry.
    assert_eq!(h.now, ms(34));
}

#[test]
fn no_policy_means_exactly_one_attempt_r1() {
    let mut h = Harness::new(Policy::None);
    assert_eq!(sends(&h.start()).len(), 1);
    let out = h.close(ms(1), 0, UNAVAILABLE);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::NoPolicy));
    assert!(sends(&out).is_empty());
}

#[test]
fn exhausted_attempts_return_last_status_unchanged_r22_d19() {
    let mut h = Harness::new(Policy::Retry(retry(2)));
    h.start();
    h.close(ms(1), 0, UNAVAILABLE);
    assert_eq!(sends(&h.fire().unwrap()).len(), 1);
    let out = h.close(h.now + ms(1), 1, UNAVAILABLE);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Exhausted));
}

#[test]
fn non_retryable_status_goes_straight_back_r21() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.start();
    let out = h.close(ms(1), 0, Code::InvalidArgument);
    assert_eq!(
        finished(&out),
        (Code::InvalidArgument, FinishReason::NotRetryable)
    );
}

#[test]
fn backoff_is_jittered_within_spec_bounds_r24() {
    let mut h = Harness::with(Policy::Retry(retry(5)), None, Jitter::Spec, true);
    h.start();
    let out = h.close(ms(1), 0, UNAVAILABLE);
    let Some(Note::Backoff {
        retry,
        nominal,
        delay,
        until,
    }) = notes(&out).first().cloned().cloned()
    else {
        panic!("expected a backoff note: {out:?}");
    };
    assert_eq!((retry, nominal), (1, ms(10)));
    assert!((ms(8)..=ms(12)).contains(&delay), "{delay}");
    assert_eq!(until, ms(1) + delay);
    assert_eq!(h.engine.next_wakeup(), Some(until));
}

#[test]
fn pushback_delay_is_exact_and_unjittered_r36_r29() {
    let mut h = Harness::with(Policy::Retry(retry(4)), None, Jitter::Spec, true);
    h.start();
    let out = h.close_pushback(ms(1), 0, UNAVAILABLE, "200");
    assert!(notes(&out).iter().any(|n| matches!(n,
        Note::Pushback { meaning: Pushback::Delay(d), until: Some(u), .. } if *d == ms(200) && *u == ms(201))));
    let out = h.fire().unwrap();
    assert_eq!(h.now, ms(201));
    assert_eq!(sends(&out), vec![(1, 2, Some(1))]);
}

#[test]
fn pushback_restarts_the_backoff_ladder_r28() {
    let mut p = retry(5);
    p.max_backoff = ms(1000);
    p.backoff_multiplier_ppb = 2_000_000_000;
    let mut h = Harness::new(Policy::Retry(p));
    h.start();
    h.close(ms(1), 0, UNAVAILABLE); // backoff 10ms
    h.fire();
    h.close(h.now + ms(1), 1, UNAVAILABLE); // backoff 20ms
    h.fire();
    h.close_pushback(h.now + ms(1), 2, UNAVAILABLE, "5");
    h.fire();
    let out = h.close(h.now + ms(1), 3, UNAVAILABLE);
    assert!(notes(&out)
        .iter()
        .any(|n| matches!(n, Note::Backoff { retry: 1, nominal, .. } if *nominal == ms(10))));
}

#[test]
fn negative_pushback_stops_and_returns_own_status_r37() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.throttle = throttle(10, 100);
    h.start();
    let out = h.close_pushback(ms(1), 0, UNAVAILABLE, "-1");
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::PushbackStop));
    assert_eq!(h.tokens(), 9_000, "a stop counts as one throttle failure");
}

#[test]
fn malformed_pushback_stops_d8() {
    for raw in ["abc", "1.5", "+5", ""] {
        let mut h = Harness::new(Policy::Retry(retry(4)));
        h.start();
        let out = h.close_pushback(ms(1), 0, UNAVAILABLE, raw);
        assert_eq!(
            finished(&out),
            (UNAVAILABLE, FinishReason::PushbackStop),
            "{raw:?}"
        );
    }
}

#[test]
fn stop_pushback_with_non_retryable_status_still_costs_a_token_d11() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.throttle = throttle(10, 100);
    h.start();
    let out = h.close_pushback(ms(1), 0, Code::InvalidArgument, "-1");
    assert_eq!(
        finished(&out),
        (Code::InvalidArgument, FinishReason::NotRetryable)
    );
    assert_eq!(h.tokens(), 9_000);
}

#[test]
fn pushback_cannot_add_attempts_r38() {
    let mut h = Harness::new(Policy::Retry(retry(2)));
    h.start();
    h.close(ms(1), 0, UNAVAILABLE);
    h.fire();
    let out = h.close_pushback(h.now + ms(1), 1, UNAVAILABLE, "10");
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Exhausted));
}

#[test]
fn pushback_past_deadline_waits_then_deadline_exceeded_r38_d18() {
    let mut h = Harness::with(Policy::Retry(retry(4)), Some(ms(100)), Jitter::None, true);
    h.start();
    let out = h.close_pushback(ms(1), 0, UNAVAILABLE, "500");
    assert!(finish(&out).is_none(), "no early give-up");
    let out = h.fire().unwrap();
    assert_eq!(h.now, ms(100));
    assert_eq!(
        finished(&out),
        (Code::DeadlineExceeded, FinishReason::Deadline)
    );
    assert!(sends(&out).is_empty());
}

#[test]
fn headers_commit_and_nothing_follows_r30_r31() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.start();
    let out = h.at(ms(1), Input::Headers { slot: 0 });
    assert_eq!(committed(&out), Some(0));
    let out = h.close(ms(2), 0, UNAVAILABLE);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Committed));
    assert!(sends(&out).is_empty());
}

#[test]
fn deadline_during_backoff_ends_the_call_r77() {
    let mut h = Harness::with(Policy::Retry(retry(4)), Some(ms(5)), Jitter::None, true);
    h.start();
    h.close(ms(1), 0, UNAVAILABLE); // backoff until 11ms, deadline 5ms
    let out = h.fire().unwrap();
    assert_eq!(h.now, ms(5));
    assert_eq!(
        finished(&out),
        (Code::DeadlineExceeded, FinishReason::Deadline)
    );
}

#[test]
fn deadline_cancels_live_attempt_r77() {
    let mut h = Harness::with(Policy::Retry(retry(4)), Some(ms(5)), Jitter::None, true);
    h.start();
    let out = h.fire().unwrap();
    assert_eq!(cancels(&out), vec![0]);
    assert_eq!(
        finished(&out),
        (Code::DeadlineExceeded, FinishReason::Deadline)
    );
}

#[test]
fn expired_deadline_sends_nothing_d25() {
    let mut h = Harness::with(Policy::Retry(retry(4)), Some(0), Jitter::None, true);
    let out = h.start();
    assert!(sends(&out).is_empty());
    assert_eq!(
        finished(&out),
        (Code::DeadlineExceeded, FinishReason::Deadline)
    );
}

#[test]
fn deadline_beats_a_timer_due_at_the_same_instant_r77() {
    let mut h = Harness::with(Policy::Retry(retry(4)), Some(ms(11)), Jitter::None, true);
    h.start();
    h.close(ms(1), 0, UNAVAILABLE); // retry due at 11ms = deadline
    let out = h.fire().unwrap();
    assert!(sends(&out).is_empty());
    assert_eq!(finished(&out).1, FinishReason::Deadline);
}
