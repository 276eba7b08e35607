//! `perAttemptRecvTimeout` (R23) through the real driver on the simulator's executor: the
//! driver's one timer (the engine's next wakeup) gives up silent attempts, and the driver's
//! tie-break lets an answer at the very instant of the timeout count.

use std::cell::RefCell;
use std::rc::Rc;

use hedgehog::code::{Code, CodeSet};
use hedgehog::config::{Policy, RetryPolicy};
use hedgehog::driver::{run_call, CallContext, CallResult};
use hedgehog::engine::{CallPlan, FinishReason, Jitter};
use hedgehog::scenario::server::{ServerModel, ServerSpec};
use hedgehog::sim::executor::Executor;
use hedgehog::sim::transport::SimTransport;
use hedgehog::time::ms;
use hedgehog::trace::{EventKind, Mode, Outcome, Trace, TraceRecorder};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

/// One call to a server answering OK after `latency_ms`, under 3 attempts, 10ms backoff and a
/// per-attempt timeout of `timeout_ms`.
fn call(latency_ms: u64, timeout_ms: u64) -> (CallResult, Trace) {
    let spec = ServerSpec::parse(
        &json!({"schedule": {"fail_rate": 0.0}, "latency": {"fixed_ms": latency_ms}}).into(),
        "server",
    )
    .expect("valid server");
    let server = RefCell::new(ServerModel::new(&spec, 1));
    let policy = Policy::Retry(RetryPolicy {
        max_attempts: 3,
        configured_max_attempts: 3,
        initial_backoff: ms(10),
        max_backoff: ms(10),
        backoff_multiplier_ppb: 1_000_000_000,
        retryable_codes: [Code::Unavailable].into_iter().collect::<CodeSet>(),
        per_attempt_recv_timeout: Some(ms(timeout_ms)),
    });
    let plan = CallPlan {
        policy,
        deadline: None,
        jitter: Jitter::None,
        request_fits_buffer: true,
    };
    let recorder = TraceRecorder::new();
    let result = RefCell::new(None);
    let mut executor = Executor::new();
    let clock = executor.clock().clone();
    let (server_ref, recorder_ref, result_ref) = (&server, &recorder, &result);
    executor.spawn(async move {
        let transport = SimTransport::new(clock.clone(), server_ref, Rc::from("hi"));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let ctx = CallContext {
            call: 0,
            plan,
            throttle: None,
            rng: &mut rng,
            recorder: recorder_ref,
        };
        let r = run_call(&clock, &transport, ctx, |_| {}).await;
        *result_ref.borrow_mut() = Some(r);
    });
    assert_eq!(executor.run(), 0, "the call task finished");
    drop(executor);
    let result = result.into_inner().expect("a result");
    (result, recorder.into_trace("recv-timeout", 1, Mode::Sim))
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
