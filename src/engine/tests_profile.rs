//! The profile choices no scenario file can show (refused streams, never-sent attempts, a
//! profile of one's own), stepped by hand; each test names its rule id. The choices a
//! scenario shows are tested on sims/runtimes/ (tests/sim_runtimes.rs).

use super::harness::*;
use super::{FinishReason, Input, Note};
use crate::code::Code;
use crate::config::Policy;
use crate::profile::catalog::{A6, C_CORE, GRPC_GO, GRPC_JAVA, GRPC_JS};
use crate::profile::choices::{AttemptCeiling, HedgingSupport, Limits};
use crate::profile::Profile;
use crate::time::ms;

const UNAVAILABLE: Code = Code::Unavailable;

/// A profile of one's own, as a library user (or a client-library profile) would write it.
fn leaked(profile: Profile) -> &'static Profile {
    Box::leak(Box::new(profile))
}

#[test]
fn a_refused_stream_is_replayed_as_each_runtime_allows_r70_r73() {
    // (profile, replayed after an attempt reached the server, replayed on attempt 2)
    let cases = [
        (&A6, false, false),
        (&GRPC_JAVA, false, false),
        (&C_CORE, true, true),
        (&GRPC_JS, true, true),
        (&GRPC_GO, false, false),
    ];
    for (profile, after_reached, on_second) in cases {
        let mut h = Harness::as_profile(Policy::Retry(retry(3)), None, profile);
        h.start();
        h.close(ms(1), 0, UNAVAILABLE);
        h.fire();
        let out = h.at(h.now + ms(1), Input::Refused { slot: 1 });
        let replayed = notes(&out)
            .iter()
            .any(|n| matches!(n, Note::Transparent { .. }));
        assert_eq!(replayed, after_reached && on_second, "{}", profile.name);
    }
    // grpc-go replays a refused first attempt (R73).
    let mut h = Harness::as_profile(Policy::Retry(retry(3)), None, &GRPC_GO);
    h.start();
    let out = h.at(ms(1), Input::Refused { slot: 0 });
    assert_eq!(sends(&out), vec![(1, 1, None)], "same attempt, replayed");
}

#[test]
fn never_sent_attempts_are_capped_only_where_the_runtime_caps_them_r69_r73_d21() {
    let cap = crate::profile::catalog::TRANSPARENT_CAP;
    for (profile, capped) in [(&GRPC_JAVA, true), (&GRPC_JS, false), (&C_CORE, false)] {
        let mut h = Harness::as_profile(Policy::None, Some(ms(10)), profile);
        h.start();
        let mut last = Vec::new();
        for slot in 0..=cap {
            last = h.at(ms(1), Input::NotSent { slot });
        }
        let reason = finish(&last).map(|f| f.reason);
        let want = capped.then_some(FinishReason::TransparentLimit);
        assert_eq!(reason, want, "{}", profile.name);
    }
}

#[test]
fn without_an_attempt_ceiling_a_call_retries_until_its_deadline_r16() {
    let until_deadline = leaked(Profile {
        name: "library",
        limits: Limits {
            attempts: AttemptCeiling::UntilDeadline,
            ..A6.limits
        },
        ..A6
    });
    let mut h = Harness::as_profile(Policy::Retry(retry(2)), Some(ms(100)), until_deadline);
    h.start();
    let mut slot = 0;
    loop {
        let out = h.close(h.now + ms(1), slot, UNAVAILABLE);
        assert!(finish(&out).is_none(), "maxAttempts 2 is ignored");
        let out = h.fire().expect("a backoff or the deadline");
        if let Some(f) = finish(&out) {
            assert_eq!(f.reason, FinishReason::Deadline);
            break;
        }
        slot += 1;
    }
    // 1ms latency + 10ms backoff per attempt within 100ms: 10 attempts, not 2.
    assert_eq!(h.engine.attempts(), 10);
}

#[test]
fn hedges_carry_their_index_unless_the_profile_says_not_r76() {
    let silent = leaked(Profile {
        name: "no-hedge-header",
        limits: Limits {
            hedge_previous_header: false,
            ..A6.limits
        },
        ..A6
    });
    let policy = Policy::Hedging(hedging(3, ms(10), &[UNAVAILABLE]));
    for (profile, second) in [(&A6, Some(1)), (silent, None)] {
        let mut h = Harness::as_profile(policy.clone(), None, profile);
        h.start();
        let out = h.fire().expect("the hedge timer");
        assert_eq!(sends(&out), vec![(1, 2, second)], "{}", profile.name);
    }
    assert!(matches!(GRPC_GO.hedging, HedgingSupport::OneAttempt));
}

#[test]
fn grpc_java_releases_the_next_hedge_on_a_positive_pushback_ignoring_its_value_r63() {
    let policy = Policy::Hedging(hedging(3, ms(100), &[UNAVAILABLE]));
    // a6 waits the pushback (R59); grpc-java sends at once.
    for (profile, at) in [(&A6, ms(31)), (&GRPC_JAVA, ms(1))] {
        let mut h = Harness::as_profile(policy.clone(), None, profile);
        h.start();
        let out = h.close_pushback(ms(1), 0, UNAVAILABLE, "30");
        let timer = notes(&out).into_iter().find_map(|n| match n {
            Note::HedgeTimer { at, .. } => Some(*at),
            _ => None,
        });
        assert_eq!(timer, Some(at), "{}", profile.name);
    }
}

#[test]
fn a_fixed_ceiling_caps_what_the_client_raised_r16() {
    let mut h = Harness::as_profile(Policy::Retry(retry(7)), None, &C_CORE);
    h.start();
    let mut slot = 0;
    let attempts = loop {
        h.close(h.now + ms(1), slot, UNAVAILABLE);
        match h.fire() {
            Some(out) if finish(&out).is_none() => slot += 1,
            _ => break h.engine.attempts(),
        }
    };
    assert_eq!(attempts, 5);
}

#[test]
fn c_core_takes_a_token_after_an_overflow_commit_only_for_trailers_only_r49_d11() {
    // (profile, headers before the failure, tokens left of 3000)
    for (profile, headers, left) in [
        (&C_CORE, false, 2_000),
        (&C_CORE, true, 3_000),
        (&A6, false, 3_000),
    ] {
        let mut h = Harness::as_profile(Policy::Retry(retry(3)), None, profile)
            .with_plan(|p| p.request_fits_buffer = false);
        h.throttle = throttle(3, 1000);
        h.start();
        if headers {
            h.at(ms(1), Input::Headers { slot: 0 });
        }
        let out = h.close(ms(2), 0, UNAVAILABLE);
        assert_eq!(finished(&out), (UNAVAILABLE, FinishReason::Committed));
        assert_eq!(h.tokens(), left, "{} headers {headers}", profile.name);
    }
}
