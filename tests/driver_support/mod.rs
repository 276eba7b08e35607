//! Helpers shared by the driver tests: one call through the real driver on the simulator's
//! executor, against a scripted server.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::Stream;
use hedgehog::clock::Clock;
use hedgehog::code::{Code, CodeSet};
use hedgehog::config::{Policy, RetryPolicy};
use hedgehog::driver::{run_call_until, CallContext, CallResult, Signal};
use hedgehog::engine::{CallPlan, Jitter};
use hedgehog::scenario::server::{ServerModel, ServerSpec};
use hedgehog::sim::clock::SimClock;
use hedgehog::sim::executor::Executor;
use hedgehog::sim::transport::SimTransport;
use hedgehog::time::{ms, Nanos};
use hedgehog::trace::{Mode, Trace, TraceRecorder};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A retry policy: `n` attempts, 10ms backoff, UNAVAILABLE, and `recv_timeout` if any.
pub fn retry(n: u32, recv_timeout: Option<Nanos>) -> Policy {
    Policy::Retry(RetryPolicy {
        max_attempts: n,
        configured_max_attempts: n,
        initial_backoff: ms(10),
        max_backoff: ms(10),
        backoff_multiplier_ppb: 1_000_000_000,
        retryable_codes: [Code::Unavailable].into_iter().collect::<CodeSet>(),
        per_attempt_recv_timeout: recv_timeout,
    })
}

/// Runs call 0 under `policy` (no deadline, no jitter) against the `server` object, with the
/// application's signals made from the run's clock by `signals`.
pub fn run_one<S>(
    server: serde_json::Value,
    policy: Policy,
    signals: impl FnOnce(&SimClock) -> S,
) -> (CallResult, Trace)
where
    S: Stream<Item = Signal>,
{
    let spec = ServerSpec::parse(&server.into(), "server").expect("valid server");
    let server = RefCell::new(ServerModel::new(&spec, 1));
    let plan = CallPlan {
        policy,
        deadline: None,
        jitter: Jitter::None,
        request_fits_buffer: true,
        profile: hedgehog::profile::Profile::a6(),
        config_rejected: None,
    };
    let recorder = TraceRecorder::new();
    let result = RefCell::new(None);
    let mut executor = Executor::new();
    let clock = executor.clock().clone();
    let signals = signals(&clock);
    let (server_ref, recorder_ref, result_ref) = (&server, &recorder, &result);
    executor.spawn(async move {
        let transport = SimTransport::new(clock.clone(), server_ref, Rc::from("hi"));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let ctx = CallContext {
            call: 0,
            plan,
            started: clock.now(),
            throttle: None,
            rng: &mut rng,
            recorder: recorder_ref,
        };
        let r = run_call_until(&clock, &transport, ctx, |_| {}, signals).await;
        *result_ref.borrow_mut() = Some(r);
    });
    assert_eq!(executor.run(), 0, "the call task finished");
    drop(executor);
    let result = result.into_inner().expect("a result");
    (result, recorder.into_trace("driver", 1, Mode::Sim))
}
