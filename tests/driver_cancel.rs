//! The application signals a running call — cancels it (R33), or reports that its request
//! outgrew the retry buffer (R30b, R61, R66) — through the real driver, on the simulator's
//! executor.

mod driver_support;

use driver_support::{retry, run_one};
use futures_util::StreamExt;
use hedgehog::clock::Clock;
use hedgehog::code::Code;
use hedgehog::driver::{CallResult, Signal};
use hedgehog::engine::FinishReason;
use hedgehog::time::ms;
use hedgehog::trace::{EventKind, Outcome};
use serde_json::json;

/// Runs one call against a server that fails every attempt after 20ms, with a retry policy of
/// 5 attempts and 10ms backoff, and the application cancelling at `cancel_at_ms`.
fn cancelled_at(cancel_at_ms: u64) -> (CallResult, hedgehog::trace::Trace) {
    signalled_at(cancel_at_ms, Signal::Cancel)
}

/// The same call, with the application sending `signal` at `at_ms`.
fn signalled_at(at_ms: u64, signal: Signal) -> (CallResult, hedgehog::trace::Trace) {
    let server = json!({"schedule": {"fail_rate": 1.0}, "latency": {"fixed_ms": 20}});
    run_one(server, retry(5, None), |clock| {
        futures_util::stream::once(clock.sleep_until(ms(at_ms))).map(move |()| signal)
    })
}

#[test]
fn cancel_during_an_attempt_cancels_it_and_ends_cancelled_r33() {
    let (result, trace) = cancelled_at(5);
    assert_eq!(
        (result.status, result.reason),
        (Code::Cancelled, FinishReason::Cancelled)
    );
    let attempts = &trace.calls[0].attempts;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, Some(Outcome::Cancelled));
    assert_eq!(attempts[0].ended, Some(ms(5)));
    assert_eq!(trace.calls[0].ended, ms(5));
}

#[test]
fn cancel_during_backoff_starts_nothing_more_r33() {
    // Attempt 1 fails at 20ms, backoff until 30ms; cancelled at 25ms.
    let (result, trace) = cancelled_at(25);
    assert_eq!(result.status, Code::Cancelled);
    assert_eq!(trace.calls[0].attempts.len(), 1);
    assert_eq!(
        trace.calls[0].attempts[0].outcome,
        Some(Outcome::Status(Code::Unavailable))
    );
    let sent = trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Sent)
        .count();
    assert_eq!(sent, 1);
}

#[test]
fn an_answer_at_the_cancel_instant_wins_the_tie() {
    // Attempt 1 closes at 20ms, the same instant as the cancel: the documented tie-break
    // handles the attempt first (its backoff starts), then the cancel ends the call.
    let (result, trace) = cancelled_at(20);
    assert_eq!(result.status, Code::Cancelled);
    assert_eq!(
        trace.calls[0].attempts[0].outcome,
        Some(Outcome::Status(Code::Unavailable))
    );
    assert!(trace.events.iter().any(|e| e.kind == EventKind::Backoff));
}

fn sent(trace: &hedgehog::trace::Trace) -> usize {
    trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Sent)
        .count()
}

#[test]
fn overflow_mid_attempt_commits_it_and_its_failure_ends_the_call_r30_r66() {
    let overflow = Signal::BufferOverflow { slot: Some(0) };
    let (result, trace) = signalled_at(5, overflow);
    assert_eq!(
        (result.status, result.reason),
        (Code::Unavailable, FinishReason::Committed)
    );
    assert_eq!(sent(&trace), 1, "no retry after the commit (R31)");
    assert!(trace.calls[0].attempts[0].committed);
    let commit = trace.events.iter().find(|e| e.kind == EventKind::Commit);
    assert_eq!(
        commit.map(|e| (e.at, e.detail.as_str())),
        Some((ms(5), "buffer overflow"))
    );
}

#[test]
fn an_overflow_at_the_instant_of_an_answer_goes_first_r66() {
    // Attempt 1 closes UNAVAILABLE at 20ms, the instant the overflow is reported: the overflow
    // happened first (the driver's causality rule), so the failure is the committed result.
    let (result, trace) = signalled_at(20, Signal::BufferOverflow { slot: Some(0) });
    assert_eq!(
        (result.status, result.reason),
        (Code::Unavailable, FinishReason::Committed)
    );
    assert_eq!(sent(&trace), 1);
}

#[test]
fn overflow_during_backoff_commits_the_next_attempt_r66() {
    // Attempt 1 fails at 20ms; the overflow at 25ms finds nothing live: attempt 2 (sent at
    // 30ms) is committed and its failure at 50ms ends the call.
    let (result, trace) = signalled_at(25, Signal::BufferOverflow { slot: None });
    assert_eq!(
        (result.status, result.reason),
        (Code::Unavailable, FinishReason::Committed)
    );
    assert_eq!(sent(&trace), 2);
    assert!(trace.calls[0].attempts[1].committed);
    assert_eq!(trace.calls[0].ended, ms(50));
}
