//! The call bookkeeping both policies share, one test per rule (ids resolve in docs/a6-rules.md):
//! throttle accounting, the retry buffer, transparent retries, cancellation, exactly-once finish.

use super::harness::*;
use super::{FinishReason, Input, Jitter, Note, Output};
use crate::code::Code;
use crate::config::Policy;
use crate::time::ms;

const UNAVAILABLE: Code = Code::Unavailable;

#[test]
fn throttle_subtracts_then_checks_even_on_last_attempt_r45() {
    // maxTokens 4: retries allowed while tokens > 2.
    let mut h = Harness::new(Policy::Retry(retry(5)));
    h.throttle = throttle(4, 100);
    h.start();
    h.close(ms(1), 0, UNAVAILABLE); // 3 left: retry
    assert_eq!(h.tokens(), 3_000);
    h.fire();
    let out = h.close(h.now + ms(1), 1, UNAVAILABLE); // 2 left: refused
    assert_eq!(h.tokens(), 2_000);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Throttled));
    assert!(notes(&out)
        .iter()
        .any(|n| matches!(n, Note::Throttled { milli: 2_000, .. })));
}

#[test]
fn only_qualifying_failures_cost_tokens_r44() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.throttle = throttle(10, 100);
    h.start();
    h.close(ms(1), 0, Code::InvalidArgument);
    assert_eq!(h.tokens(), 10_000);
}

#[test]
fn success_earns_token_ratio_once_per_rpc_d10() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.throttle = throttle(10, 250);
    h.start();
    h.close(ms(1), 0, UNAVAILABLE);
    h.fire();
    h.close(h.now + ms(1), 1, Code::Ok);
    assert_eq!(h.tokens(), 9_250);
}

#[test]
fn nothing_is_counted_after_commit_d11() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.throttle = throttle(10, 100);
    h.start();
    h.at(ms(1), Input::Headers { slot: 0 });
    h.close(ms(2), 0, UNAVAILABLE);
    assert_eq!(h.tokens(), 10_000);
}

#[test]
fn request_too_large_for_buffer_is_sent_once_r66() {
    let mut h = Harness::with(Policy::Retry(retry(4)), None, Jitter::None, false);
    let out = h.start();
    assert_eq!(committed(&out), Some(0));
    let out = h.close(ms(1), 0, UNAVAILABLE);
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Committed));
}

#[test]
fn buffer_overflow_mid_call_commits_r30() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.start();
    assert_eq!(
        committed(&h.at(ms(1), Input::BufferOverflow { slot: Some(0) })),
        Some(0)
    );
    assert_eq!(
        finished(&h.close(ms(2), 0, UNAVAILABLE)).1,
        FinishReason::Committed
    );
}

#[test]
fn buffer_overflow_during_backoff_commits_the_next_attempt_r30_r66() {
    // No attempt is live: the next one sent is committed, and its failure ends the call.
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.start();
    h.close(ms(1), 0, UNAVAILABLE);
    assert_eq!(
        committed(&h.at(ms(2), Input::BufferOverflow { slot: Some(0) })),
        None
    );
    let out = h.fire().expect("the backoff timer");
    assert_eq!(sends(&out), vec![(1, 2, Some(1))]);
    assert_eq!(committed(&out), Some(1));
    assert_eq!(
        finished(&h.close(ms(20), 1, UNAVAILABLE)),
        (UNAVAILABLE, FinishReason::Committed)
    );
}

#[test]
fn not_sent_is_replayed_with_same_number_r69_r71() {
    let mut h = Harness::new(Policy::Retry(retry(2)));
    h.throttle = throttle(10, 100);
    h.start();
    let out = h.at(ms(1), Input::NotSent { slot: 0 });
    assert_eq!(sends(&out), vec![(1, 1, None)]);
    assert_eq!(h.tokens(), 10_000);
    h.close(ms(2), 1, UNAVAILABLE);
    // The configured retry is still available: transparent replays do not count.
    assert_eq!(sends(&h.fire().unwrap()), vec![(2, 2, Some(1))]);
}

#[test]
fn refused_stream_is_replayed_once_then_policy_decides_r70() {
    let mut h = Harness::new(Policy::None);
    h.start();
    assert_eq!(
        sends(&h.at(ms(1), Input::Refused { slot: 0 })),
        vec![(1, 1, None)]
    );
    let out = h.at(ms(2), Input::Refused { slot: 1 });
    assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::NoPolicy));
}

#[test]
fn refused_after_an_attempt_reached_the_server_is_not_replayed_d21() {
    let mut h = Harness::new(Policy::Retry(retry(3)));
    h.start();
    h.close(ms(1), 0, UNAVAILABLE);
    h.fire();
    let out = h.at(h.now + ms(1), Input::Refused { slot: 1 });
    assert!(
        notes(&out)
            .iter()
            .any(|n| matches!(n, Note::Backoff { .. })),
        "policy retries it"
    );
    assert!(sends(&out).is_empty());
}

#[test]
fn endless_not_sent_gives_up_with_internal_d21() {
    let mut h = Harness::new(Policy::None);
    h.start();
    let mut last = Vec::new();
    for slot in 0..=crate::profile::catalog::TRANSPARENT_CAP {
        last = h.at(ms(1), Input::NotSent { slot });
    }
    assert_eq!(
        finished(&last),
        (Code::Internal, FinishReason::TransparentLimit)
    );
}

#[test]
fn application_cancel_stops_everything_r33() {
    let mut h = Harness::new(Policy::Retry(retry(4)));
    h.start();
    let out = h.at(ms(1), Input::Cancel);
    assert_eq!(cancels(&out), vec![0]);
    assert_eq!(finished(&out), (Code::Cancelled, FinishReason::Cancelled));
    assert!(h.engine.next_wakeup().is_none());
    assert!(
        h.at(ms(2), Input::Tick).is_empty(),
        "a finished call does nothing"
    );
}

#[test]
fn finish_is_emitted_exactly_once() {
    let mut h = Harness::new(Policy::Retry(retry(2)));
    h.start();
    let out = h.close(ms(1), 0, Code::Ok);
    assert!(finish(&out).is_some());
    assert!(h.close(ms(2), 0, Code::Ok).is_empty());
    assert!(matches!(out.last(), Some(Output::Finish(_))));
}
