//! `perAttemptRecvTimeout` (R23, D24), with C-core's semantics (module docs of `recv_timeout`).

use super::harness::*;
use super::{FinishReason, Input, Note};
use crate::code::Code;
use crate::config::{Policy, RetryPolicy};
use crate::time::{ms, Nanos};

fn timed(n: u32, timeout: Nanos) -> Policy {
    Policy::Retry(RetryPolicy {
        per_attempt_recv_timeout: Some(timeout),
        ..retry(n)
    })
}

#[test]
fn a_silent_attempt_is_cancelled_at_the_timeout_and_retried_r23() {
    let mut h = Harness::new(timed(3, ms(50)));
    assert_eq!(sends(&h.start()), [(0, 1, None)]);
    assert_eq!(h.engine.next_wakeup(), Some(ms(50)));
    let out = h.fire().unwrap();
    assert_eq!(h.now, ms(50));
    assert_eq!(cancels(&out), [0]);
    assert!(notes(&out).contains(&&Note::RecvTimeout {
        slot: 0,
        timeout: ms(50)
    }));
    assert!(finish(&out).is_none());
    // The normal backoff follows (10ms, no jitter), then attempt 2 with its own full timeout.
    assert_eq!(sends(&h.fire().unwrap()), [(1, 2, Some(1))]);
    assert_eq!(h.now, ms(60));
    assert_eq!(h.engine.next_wakeup(), Some(ms(110)));
    let out = h.close(ms(70), 1, Code::Ok);
    assert_eq!(finished(&out), (Code::Ok, FinishReason::Ok));
}

#[test]
fn headers_stop_the_timer_r23() {
    let mut h = Harness::new(timed(3, ms(50)));
    h.start();
    let out = h.at(ms(40), Input::Headers { slot: 0 });
    assert_eq!(committed(&out), Some(0));
    assert_eq!(h.engine.next_wakeup(), None);
    let out = h.close(ms(500), 0, Code::Ok);
    assert_eq!(finished(&out), (Code::Ok, FinishReason::Ok));
}

#[test]
fn a_timeout_retries_even_when_cancelled_is_not_a_retryable_code_r23_r21() {
    // retry() lists UNAVAILABLE only; C-core asks ShouldRetry with no status.
    let mut h = Harness::new(timed(2, ms(50)));
    h.start();
    h.fire().unwrap();
    assert_eq!(sends(&h.fire().unwrap()).len(), 1);
    // The last attempt times out too: maxAttempts reached, the call ends CANCELLED.
    let out = h.fire().unwrap();
    assert_eq!(cancels(&out), [1]);
    assert_eq!(finished(&out), (Code::Cancelled, FinishReason::Exhausted));
}

#[test]
fn a_timeout_is_a_failure_for_the_throttle_r23_r42() {
    let mut h = Harness::new(timed(3, ms(50)));
    h.throttle = throttle(10, 100);
    h.start();
    h.fire().unwrap();
    assert_eq!(h.tokens(), 9000);
}

#[test]
fn a_committed_attempt_that_stays_silent_ends_the_call_cancelled_r23_r66() {
    // The request does not fit the buffer: committed to attempt 1 from the start; its timer
    // still runs (C-core keeps it on a committed attempt) and ends the call.
    let mut h = Harness::with(timed(3, ms(50)), None, super::Jitter::None, false);
    assert_eq!(committed(&h.start()), Some(0));
    let out = h.fire().unwrap();
    assert_eq!(cancels(&out), [0]);
    assert_eq!(finished(&out), (Code::Cancelled, FinishReason::RecvTimeout));
}

#[test]
fn the_call_deadline_wins_over_a_timeout_at_the_same_instant_r77() {
    let mut h = Harness::with(timed(3, ms(50)), Some(ms(50)), super::Jitter::None, true);
    h.start();
    let out = h.fire().unwrap();
    assert_eq!(
        finished(&out),
        (Code::DeadlineExceeded, FinishReason::Deadline)
    );
}

#[test]
fn a_transparent_replay_gets_a_fresh_timeout_r23_r71() {
    let mut h = Harness::new(timed(3, ms(50)));
    h.start();
    let out = h.at(ms(30), Input::Refused { slot: 0 });
    assert_eq!(sends(&out), [(1, 1, None)]);
    assert_eq!(h.engine.next_wakeup(), Some(ms(80)));
}

#[test]
fn an_answer_before_the_timeout_cancels_nothing_r23() {
    let mut h = Harness::new(timed(3, ms(50)));
    h.start();
    h.close(ms(20), 0, Code::Unavailable);
    // Only the backoff remains; attempt 2's timer starts when it is sent.
    assert_eq!(h.engine.next_wakeup(), Some(ms(30)));
    let out = h.fire().unwrap();
    assert!(cancels(&out).is_empty());
    assert_eq!(h.engine.next_wakeup(), Some(ms(80)));
}

#[test]
fn hedging_and_no_policy_have_no_per_attempt_timeout_r23() {
    let mut h = Harness::new(Policy::Retry(retry(3)));
    h.start();
    assert_eq!(h.engine.next_wakeup(), None);
    let mut h = Harness::new(Policy::Hedging(hedging(3, ms(100), &[])));
    h.start();
    assert_eq!(h.engine.next_wakeup(), Some(ms(100)));
}
