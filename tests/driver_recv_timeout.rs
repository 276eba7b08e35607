//! `perAttemptRecvTimeout` (R23) through the real driver on the simulator's executor: the
//! driver's one timer (the engine's next wakeup) gives up silent attempts, and the driver's
//! tie-break lets an answer at the very instant of the timeout count.

mod driver_support;

use driver_support::{retry, run_one};
use hedgehog::code::Code;
use hedgehog::driver::CallResult;
use hedgehog::engine::FinishReason;
use hedgehog::time::ms;
use hedgehog::trace::{EventKind, Outcome, Trace};
use serde_json::json;

/// One call to a server answering OK after `latency_ms`, under 3 attempts, 10ms backoff and a
/// per-attempt timeout of `timeout_ms`.
fn call(latency_ms: u64, timeout_ms: u64) -> (CallResult, Trace) {
    let server = json!({"schedule": {"fail_rate": 0.0}, "latency": {"fixed_ms": latency_ms}});
    run_one(server, retry(3, Some(ms(timeout_ms))), |_| {
        futures_util::stream::pending()
    })
}

#[test]
fn every_silent_attempt_is_given_up_and_the_call_ends_cancelled_r23_r22() {
    let (result, trace) = call(100, 30);
    assert_eq!(
        (result.status, result.reason),
        (Code::Cancelled, FinishReason::Exhausted)
    );
    let attempts = &trace.calls[0].attempts;
    let times: Vec<_> = attempts.iter().map(|a| (a.sent, a.ended)).collect();
    // 30ms each, 10ms of backoff between: given up at 30, 70 and 110ms.
    assert_eq!(
        times,
        [
            (ms(0), Some(ms(30))),
            (ms(40), Some(ms(70))),
            (ms(80), Some(ms(110)))
        ]
    );
    assert!(attempts
        .iter()
        .all(|a| a.outcome == Some(Outcome::Cancelled)));
    let timeouts = trace
        .events
        .iter()
        .filter(|e| e.kind == EventKind::RecvTimeout)
        .count();
    assert_eq!(timeouts, 3);
    assert_eq!(trace.calls[0].ended, ms(110));
}

#[test]
fn an_answer_at_the_instant_of_the_timeout_wins_the_tie_r23() {
    // Attempt events come before the timer (the driver's tie-break).
    let (result, trace) = call(30, 30);
    assert_eq!((result.status, result.reason), (Code::Ok, FinishReason::Ok));
    assert_eq!(trace.calls[0].attempts.len(), 1);
    assert!(trace
        .events
        .iter()
        .all(|e| e.kind != EventKind::RecvTimeout));
}
