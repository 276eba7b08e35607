//! The stories of sims/*.json, asserted: each test states what the scenario's description
//! promises, with the A6 rule it shows (its R id). Timings are checked only where the
//! scenario pins them (`jitter: none` or pushback, which is never jittered, R29).

use std::path::Path;

use hedgehog::code::Code;
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::trace;
use hedgehog::time::ms;
use hedgehog::trace::{CallRecord, EventKind, Outcome, Trace};

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sims")
        .join(format!("{name}.json"));
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn run(name: &str, seed: u64) -> Trace {
    trace(&load(name), seed)
}

fn only_call(t: &Trace) -> &CallRecord {
    assert_eq!(t.calls.len(), 1, "{}: expected one call", t.scenario);
    &t.calls[0]
}

fn previous(c: &CallRecord) -> Vec<Option<u32>> {
    c.attempts.iter().map(|a| a.previous).collect()
}

fn sent(c: &CallRecord) -> Vec<u64> {
    c.attempts.iter().map(|a| a.sent).collect()
}

fn outcomes(c: &CallRecord) -> Vec<&'static str> {
    c.attempts
        .iter()
        .map(|a| a.outcome.map_or("-", Outcome::as_str))
        .collect()
}

#[test]
fn seed_demo_succeeds_on_attempt_4_with_previous_none_1_2_3_r74() {
    let s = load("seed-demo");
    assert_eq!(s.seeds, [1, 2, 3]);
    for seed in &s.seeds {
        let t = trace(&s, *seed);
        let c = only_call(&t);
        assert_eq!(c.status, Code::Ok);
        assert_eq!(c.message.as_deref(), Some("Try and Success"));
        assert_eq!(previous(c), [None, Some(1), Some(2), Some(3)]);
        assert_eq!(
            outcomes(c),
            ["UNAVAILABLE", "UNAVAILABLE", "UNAVAILABLE", "OK"]
        );
        // Spec jitter: each gap is 1ms latency + 10ms × U(0.8, 1.2) (R24).
        for pair in c.attempts.windows(2) {
            let gap = pair[1].sent - pair[0].sent;
            assert!((ms(9)..=ms(13)).contains(&gap), "gap {gap}ns, seed {seed}");
        }
    }
    // The demo config is grpc-go's, verbatim: lenient mode accepts it with warnings (D1, D2).
    assert!(!s.warnings.is_empty());
}

#[test]
fn seed_demo_without_retry_fails_at_once_r1() {
    let t = run("seed-demo-no-retry", 1);
    let c = only_call(&t);
    assert_eq!((c.status, c.attempts.len()), (Code::Unavailable, 1));
    assert_eq!(c.message, None);
}

#[test]
fn attempts_exhausted_returns_the_last_status_r22() {
    let c = run("retry-attempts-exhausted", 1).calls[0].clone();
    assert_eq!((c.status, c.attempts.len()), (Code::Unavailable, 3));
    assert_eq!(sent(&c), [0, ms(11), ms(22)]);
}

#[test]
fn max_attempts_above_the_limit_is_clamped_to_5_r16() {
    let s = load("retry-max-attempts-clamped");
    let c = trace(&s, 1).calls[0].clone();
    assert_eq!(c.attempts.len(), 5);
    assert!(
        s.warnings.iter().any(|w| w.path.ends_with("maxAttempts")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn non_retryable_code_is_returned_after_one_attempt_r21() {
    let c = run("retry-non-retryable-code", 1).calls[0].clone();
    assert_eq!((c.status, c.attempts.len()), (Code::Internal, 1));
}

#[test]
fn pushback_delays_the_retry_exactly_r36() {
    for seed in [1, 2] {
        let c = run("pushback-delay", seed).calls[0].clone();
        assert_eq!(c.attempts[0].pushback.as_deref(), Some("200"));
        assert_eq!(
            sent(&c),
            [0, ms(201)],
            "no jitter on pushback (R29), seed {seed}"
        );
        assert_eq!(c.status, Code::Ok);
    }
}

#[test]
fn pushback_resets_the_backoff_exponent_r28() {
    let c = run("pushback-resets-backoff", 1).calls[0].clone();
    // Waits: 10, 40 (×4), pushback 5, then 10 again (reset), each after a 1ms attempt.
    assert_eq!(sent(&c), [0, ms(11), ms(52), ms(58), ms(69)]);
    assert_eq!(c.status, Code::Ok);
}

#[test]
fn negative_and_malformed_pushback_stop_retries_r37() {
    for name in ["pushback-negative", "pushback-malformed"] {
        let c = run(name, 1).calls[0].clone();
        assert_eq!(
            (c.status, c.attempts.len()),
            (Code::Unavailable, 1),
            "{name}"
        );
    }
}

#[test]
fn pushback_past_the_deadline_waits_then_fails_at_the_deadline_r38() {
    let c = run("pushback-past-deadline", 1).calls[0].clone();
    assert_eq!(
        (c.status, c.ended, c.attempts.len()),
        (Code::DeadlineExceeded, ms(100), 1)
    );
}

#[test]
fn pushback_cannot_add_attempts_r38() {
    let c = run("pushback-attempts-exhausted", 1).calls[0].clone();
    assert_eq!((c.status, c.attempts.len()), (Code::Unavailable, 2));
    assert_eq!(sent(&c), [0, ms(11)]);
}

#[test]
fn backoff_ladder_hits_its_cap_d7() {
    let c = run("backoff-cap", 1).calls[0].clone();
    let s = sent(&c);
    let waits: Vec<u64> = s
        .windows(2)
        .map(|w| (w[1] - w[0] - ms(1)) / ms(1))
        .collect();
    assert_eq!(waits, [10, 20, 40, 50, 50, 50]);
}

#[test]
fn headers_commit_and_prevent_retries_r31() {
    let c = run("headers-first-commit", 1).calls[0].clone();
    assert_eq!((c.status, c.attempts.len()), (Code::Unavailable, 1));
    assert!(c.attempts[0].committed);
}

#[test]
fn deadline_covers_all_attempts_r77() {
    let c = run("deadline-across-attempts", 1).calls[0].clone();
    assert_eq!(sent(&c), [0, ms(110), ms(220)]);
    assert_eq!((c.status, c.ended), (Code::DeadlineExceeded, ms(250)));
}

#[test]
fn method_timeout_shorter_than_the_client_deadline_wins_r81() {
    let c = run("method-timeout", 1).calls[0].clone();
    assert_eq!((c.status, c.ended), (Code::DeadlineExceeded, ms(50)));
    assert!(c.attempts.iter().all(|a| a.sent < ms(50)));
}

#[test]
fn throttling_stops_retries_across_calls_r43() {
    let t = run("throttling-20-failing-calls", 1);
    let counts: Vec<usize> = t.calls.iter().map(|c| c.attempts.len()).collect();
    assert_eq!(counts.len(), 20);
    // 10 tokens: call 0 spends 3 (10→7), call 1 spends 2 (→5, not above half), then 1 each.
    assert_eq!(&counts[..3], [3, 2, 1]);
    assert!(counts[2..].iter().all(|n| *n == 1));
    assert!(t.events.iter().any(|e| e.kind == EventKind::Throttled));
}

#[test]
fn throttling_recovers_after_successes_r42() {
    let t = run("throttling-recovery", 1);
    let counts: Vec<usize> = t.calls.iter().map(|c| c.attempts.len()).collect();
    assert_eq!(counts, [2, 1, 1, 1, 1, 1, 1, 2, 1, 1]);
    assert_eq!(
        t.calls[7].status,
        Code::Ok,
        "call 7 retries again once the bucket refilled"
    );
}

#[test]
fn hedge_wins_and_the_slow_first_attempt_is_cancelled_r55() {
    let c = run("hedging-basic", 1).calls[0].clone();
    assert_eq!(outcomes(&c), ["CANCELLED", "OK"]);
    assert_eq!(sent(&c), [0, ms(50)]);
    assert_eq!(previous(&c), [None, Some(1)], "hedge index header (R76)");
    assert_eq!((c.status, c.ended), (Code::Ok, ms(60)));
}

#[test]
fn non_fatal_failure_sends_the_next_hedge_at_once_r56() {
    let c = run("hedging-non-fatal-shortcut", 1).calls[0].clone();
    assert_eq!(sent(&c), [0, ms(10)]);
    assert_eq!(c.status, Code::Ok);
}

#[test]
fn fatal_status_cancels_the_rest_r57() {
    let c = run("hedging-fatal-cancels", 1).calls[0].clone();
    assert_eq!(outcomes(&c), ["CANCELLED", "INTERNAL"]);
    assert_eq!((c.status, c.ended), (Code::Internal, ms(15)));
}

#[test]
fn hedging_pushback_sets_the_next_hedge_time_r59() {
    let c = run("hedging-pushback", 1).calls[0].clone();
    assert_eq!(sent(&c), [0, ms(40)]);
    let c = run("hedging-pushback-stop", 1).calls[0].clone();
    assert_eq!(sent(&c), [0, ms(20)], "no hedge after a negative pushback");
    assert_eq!((c.status, c.ended), (Code::Ok, ms(60)));
}

#[test]
fn zero_hedging_delay_sends_everything_at_once_r53() {
    let c = run("hedging-delay-zero", 1).calls[0].clone();
    assert_eq!(sent(&c), [0, 0, 0]);
    assert_eq!(previous(&c), [None, Some(1), Some(2)]);
    assert_eq!(outcomes(&c), ["CANCELLED", "CANCELLED", "OK"]);
}

#[test]
fn throttle_gates_hedges_but_never_the_first_attempt_r60() {
    let t = run("hedging-throttled", 1);
    let counts: Vec<usize> = t.calls.iter().map(|c| c.attempts.len()).collect();
    assert_eq!(counts, [3, 1, 1]);
}

#[test]
fn method_override_beats_the_service_default_r15() {
    let t = run("per-method-selection", 1);
    assert_eq!(
        t.calls[0].attempts.len(),
        4,
        "echo.Echo/UnaryEcho has its own entry"
    );
    assert_eq!(
        t.calls[1].attempts.len(),
        2,
        "echo.Echo/OtherEcho uses the service default"
    );
}

#[test]
fn spec_and_full_jitter_draw_within_their_bounds_r24_r25() {
    // Nominal waits 100, 200, 400, 800 ms; attempts take 1ms.
    let nominal = [100u64, 200, 400, 800];
    for seed in [1, 2, 3] {
        for (name, lo, hi) in [("jitter-spec", 800, 1200), ("jitter-full", 0, 1000)] {
            let c = run(name, seed).calls[0].clone();
            let s = sent(&c);
            assert_eq!(s.len(), 5);
            for (i, w) in s.windows(2).enumerate() {
                let wait = w[1] - w[0] - ms(1);
                let (min, max) = (ms(nominal[i]) * lo / 1000, ms(nominal[i]) * hi / 1000);
                assert!(
                    (min..=max).contains(&wait),
                    "{name} seed {seed}: wait {wait}"
                );
            }
        }
    }
}

#[test]
fn request_larger_than_the_buffer_is_not_retried_r66_d22() {
    let c = run("buffer-limit-non-retryable", 1).calls[0].clone();
    assert_eq!((c.status, c.attempts.len()), (Code::Unavailable, 1));
    let c = run("buffer-limit-exact-fit", 1).calls[0].clone();
    assert_eq!(
        (c.status, c.attempts.len()),
        (Code::Ok, 2),
        "exactly the limit still fits"
    );
}

#[test]
fn flaky_server_run_ends_every_call_and_differs_by_seed() {
    let a = run("fail-rate-lognormal", 1);
    let b = run("fail-rate-lognormal", 2);
    assert_eq!(a.calls.len(), 25);
    assert!(a.calls.iter().all(|c| c.attempts.len() <= 3));
    assert_ne!(a, b);
}

#[test]
fn channel_buffer_is_shared_by_calls_in_flight_r64_r66_r67() {
    let t = run("buffer-channel-limit", 1);
    let (c0, c1, c2) = (&t.calls[0], &t.calls[1], &t.calls[2]);
    assert_eq!(
        outcomes(c0),
        ["UNAVAILABLE", "UNAVAILABLE", "OK"],
        "call 0 holds room and retries"
    );
    // Call 1 starts while call 0 holds 600 of the channel's 1000 kB: no room, sent once.
    assert_eq!(outcomes(c1), ["UNAVAILABLE"]);
    assert!(c1.attempts[0].committed, "committed from the start (R66)");
    assert_eq!(c1.status, Code::Unavailable);
    // Call 2 starts after call 0 released its bytes (R67): buffered again, retried to OK.
    assert!(c2.started > c0.ended);
    assert_eq!(outcomes(c2), ["UNAVAILABLE", "OK"]);
}

/// Every call record names its method (round-robin over `client.methods`), for recorders;
/// the rendered trace does not show it (its snapshots are unchanged).
#[test]
fn each_record_carries_its_method_path() {
    let t = run("per-method-selection", 1);
    assert!(t.calls.len() >= 2);
    for c in &t.calls {
        let expected = ["/echo.Echo/UnaryEcho", "/echo.Echo/OtherEcho"][(c.call % 2) as usize];
        assert_eq!(c.method.as_deref(), Some(expected), "call {}", c.call);
    }
    let json = hedgehog::trace::render::to_json(&t).to_string();
    assert!(!json.contains("/echo.Echo/OtherEcho"));
}
