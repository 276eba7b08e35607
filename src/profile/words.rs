//! Each profile choice in words, for `check-config --behaviour` ([`super::behaviour`]).
//!
//! One function per choice type, matching every variant, so a new variant cannot be added
//! without saying what it does; a choice equal to `a6`'s says nothing.

use super::choices::*;
use super::library::DeadlineWait;
use super::{Profile, Runtime};
use crate::code::Code;
use crate::config::{Jitter, RetryPolicy, Walk};

type Line = (String, &'static str);

fn line(text: &str, rules: &'static str) -> Line {
    (text.to_string(), rules)
}

/// A profile that rejects the config (R5): what it does instead, with its first reason.
pub(super) fn rejection(profile: &Profile, first: &str, n: usize) -> String {
    let more = match n {
        0 | 1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    let outcome = match (profile.runtime, profile.acceptance) {
        (Runtime::Library, _) => "no client is generated".to_string(),
        (_, Acceptance::FailsEveryCall { status, .. }) => {
            format!(
                "every call fails {} and nothing is sent",
                status_name(status)
            )
        }
        (_, Acceptance::NoCalls { .. }) => "no call is made".to_string(),
        (_, Acceptance::DropsPolicies) => {
            "the invalid policies are dropped: calls go out without retries".to_string()
        }
        (_, Acceptance::Hedgehog) => "the config does not load".to_string(),
    };
    format!("rejects this config ({first}{more}): {outcome}")
}

fn status_name(code: Code) -> &'static str {
    code.name()
}

/// A client library's calls (R30, R36, R74): retries around whole calls.
pub(super) const LIBRARY_CALLS: &str = "retries whole calls: response headers do not stop a \
    retry, grpc-retry-pushback-ms is not read, no grpc-previous-rpc-attempts is sent, no retry \
    buffer limits a call";

/// A client library's attempt limit (R16).
pub(super) const UNTIL_DEADLINE: &str =
    "maxAttempts ignored: retries go on until the method's timeout (or the call's deadline)";

/// What a library does when the next wait would pass the deadline (R77, D18).
pub(super) fn deadline(wait: DeadlineWait) -> &'static str {
    match wait {
        DeadlineWait::WaitsOut => "waits out a backoff that passes the deadline and ends DEADLINE_EXCEEDED at it, as a6 does",
        DeadlineWait::GivesUpKeepingStatus => "gives up as soon as the next wait would pass the deadline, returning the last attempt's status",
        DeadlineWait::GivesUpDeadlineExceeded => "gives up as soon as the next wait would pass the deadline, with a timeout error (DEADLINE_EXCEEDED)",
    }
}

/// A retrying entry without `timeout` (R81).
pub(super) fn no_timeout(default: Option<crate::time::Nanos>) -> String {
    match default {
        Some(t) => format!(
            "an entry that retries without a timeout gets {}",
            crate::time::human(t)
        ),
        None => "an entry that retries without a timeout retries until the application's deadline, or forever".to_string(),
    }
}

/// How a library walks the ladder (R18, D7), when this config shows it.
pub(super) fn walk(walk: Walk, retries: &[&RetryPolicy]) -> Option<String> {
    let shrinking = retries
        .iter()
        .any(|p| p.backoff_multiplier_ppb < 1_000_000_000);
    match walk {
        Walk::A6 => None,
        Walk::GaxGo if shrinking => Some(
            "durations cut to whole milliseconds, the multiplier to two decimals, and a \
             multiplier below 1 becomes 2"
                .to_string(),
        ),
        Walk::GaxGo if retries.iter().any(|p| !gax_go_exact(p)) => Some(
            "durations cut to whole milliseconds and the multiplier to two decimals".to_string(),
        ),
        Walk::GaxGo => None,
        Walk::GaxJava => Some("delays stepped in whole milliseconds".to_string()),
        Walk::CappedCarry if shrinking => Some(
            "the capped delay is carried, so a multiplier below 1 shrinks from maxBackoff"
                .to_string(),
        ),
        Walk::CappedCarry => None,
    }
}

/// Whether gapic-generator-go writes `p`'s numbers unchanged: whole milliseconds and a
/// multiplier of at most two decimals.
fn gax_go_exact(p: &RetryPolicy) -> bool {
    let ms = crate::time::NANOS_PER_MS;
    p.initial_backoff % ms == 0
        && p.max_backoff % ms == 0
        && p.backoff_multiplier_ppb % 10_000_000 == 0
}

/// A jitter draw in words (R24–R26).
pub(super) fn jitter(jitter: Jitter) -> &'static str {
    match jitter {
        Jitter::Spec => "as b × U(0.8, 1.2)",
        Jitter::Full => "as U(0, b) instead of b × U(0.8, 1.2)",
        Jitter::None => "as exactly b",
        Jitter::LegacyJava => "as b × U(0.4, 1.2) instead of b × U(0.8, 1.2)",
        Jitter::GaxGo => "uniformly in (0, b] (Backoff.Pause)",
        Jitter::GaxJava => "in whole milliseconds, uniformly in {0 … b−1 ms}",
        Jitter::PythonApiCore => "uniformly in [0, b] (exponential_sleep_generator)",
    }
}

/// Hedging where it differs from a6's (R52–R63).
pub(super) fn hedging(support: HedgingSupport, throttling: bool) -> Vec<Line> {
    let HedgingSupport::Hedges {
        shortcut,
        throttle,
        stop_pushback,
    } = support
    else {
        return vec![line("hedgingPolicy ignored — one attempt per call", "R63")];
    };
    let mut out = Vec::new();
    match shortcut {
        NonFatalShortcut::Immediate => {}
        NonFatalShortcut::OnlyWithPushback => out.push(line(
            "a non-fatal status sends the next hedge early only with a positive pushback",
            "R56, R63",
        )),
    }
    match (throttling, throttle) {
        (false, _) | (_, HedgeThrottleCheck::WhenSent) => {}
        (true, HedgeThrottleCheck::WhenScheduled) => out.push(line(
            "asks the throttle when a hedge is scheduled, not when it is sent",
            "R60, R63",
        )),
        (true, HedgeThrottleCheck::Never) => {
            out.push(line("never asks the throttle before a hedge", "R60, R63"))
        }
    }
    match stop_pushback {
        HedgeStopPushback::StopsHedging => {}
        HedgeStopPushback::EndsCall => out.push(line(
            "a stop pushback ends the call and cancels the other hedges",
            "R59, R63",
        )),
    }
    out
}

/// Appends `words(value)` when `value` is not a6's choice.
fn differs<T: PartialEq>(out: &mut Vec<Line>, value: T, a6: T, words: fn(T) -> Line) {
    if value != a6 {
        out.push(words(value));
    }
}

/// Pushback reading where it differs from a6's (R39).
pub(super) fn pushback(p: &PushbackReading, a6: &PushbackReading, retries: bool) -> Vec<Line> {
    let mut out = Vec::new();
    differs(&mut out, p.several, a6.several, several);
    differs(&mut out, p.malformed, a6.malformed, malformed);
    if retries && p.retries_non_retryable && !a6.retries_non_retryable {
        out.push(line(
            "retries after a positive pushback even on a non-retryable status",
            "R39, D9",
        ));
    }
    out
}

fn several(v: SeveralPushbacks) -> Line {
    match v {
        SeveralPushbacks::Refuse => line("several pushback values mean stop", "R39"),
        SeveralPushbacks::First => line("several pushback values: the first counts", "R39"),
        SeveralPushbacks::Last => line("several pushback values: the last counts", "R39"),
    }
}

fn malformed(v: MalformedPushback) -> Line {
    match v {
        MalformedPushback::Refuse => line("a malformed pushback means stop", "R37, R39"),
        MalformedPushback::ParseInt => line(
            "a malformed pushback retries after ~0 ms (read with parseInt)",
            "R39",
        ),
        MalformedPushback::FailInternal => line(
            "a malformed pushback fails the call INTERNAL, hiding its status",
            "R39",
        ),
    }
}

/// Limits where they differ from a6's (R16, R68, R73).
pub(super) fn limits(l: &Limits, a6: &Limits, retries: &[&RetryPolicy]) -> Vec<Line> {
    let mut out = Vec::new();
    if let AttemptCeiling::Fixed(n) = l.attempts {
        if retries.iter().any(|p| p.configured_max_attempts > n) {
            out.push((
                format!("maxAttempts capped at {n}, whatever the client asks"),
                "R16",
            ));
        }
    }
    if (l.buffer_per_rpc, l.buffer_per_channel) != (a6.buffer_per_rpc, a6.buffer_per_channel) {
        let channel = match l.buffer_per_channel {
            None => "no channel limit".to_string(),
            Some(b) => format!("{} KiB per channel", b >> 10),
        };
        let text = format!(
            "retry buffer {} KiB per call, {channel}",
            l.buffer_per_rpc >> 10
        );
        out.push((text, "R68"));
    }
    if l.buffer_commit == BufferCommit::Reaches {
        out.push(line(
            "commits when the retry buffer reaches its limit, not when it exceeds it",
            "R68",
        ));
    }
    if l.transparent_cap != a6.transparent_cap {
        out.push(line(
            "never-sent attempts are replayed until the deadline, with no cap",
            "R69, R73",
        ));
    }
    if l.refused_replay != a6.refused_replay {
        out.push(match l.refused_replay {
            RefusedReplay::OnceBeforeAppReached => line("a refused stream is replayed once, before any attempt reached the server application", "R73"),
            RefusedReplay::OncePerCall => line("a refused stream is replayed once per call, whatever earlier attempts did", "R70, R73"),
            RefusedReplay::FirstAttemptOnly => line("a refused stream is replayed only on the call's first attempt", "R73"),
        });
    }
    out
}

/// The throttle where it differs from a6's (R48–R51).
pub(super) fn throttle(t: &ThrottleAccounting, a6: &ThrottleAccounting) -> Vec<Line> {
    let mut out = Vec::new();
    differs(&mut out, t.success, a6.success, success);
    differs(
        &mut out,
        t.stop_pushback_takes_token,
        a6.stop_pushback_takes_token,
        stop_token,
    );
    differs(&mut out, t.check, a6.check, check);
    differs(&mut out, t.precision, a6.precision, precision);
    differs(&mut out, t.scope, a6.scope, scope);
    out
}

fn success(v: ThrottleSuccess) -> Line {
    match v {
        ThrottleSuccess::CallOk => line("counts a success when the call ends OK", "R48"),
        ThrottleSuccess::AttemptOk => line("counts a success when an attempt ends OK", "R48"),
        ThrottleSuccess::CommittedHeaders => line(
            "counts a success when the committed attempt gets response headers, even if the call then fails",
            "R48",
        ),
    }
}

fn stop_token(takes: bool) -> Line {
    match takes {
        true => line(
            "a stop pushback on a non-retryable status takes a token",
            "R49",
        ),
        false => line(
            "a stop pushback on a non-retryable status takes no token",
            "R49",
        ),
    }
}

fn check(v: ThrottleCheck) -> Line {
    match v {
        ThrottleCheck::AtFailure => line("asks the throttle right after the failure", "R49"),
        ThrottleCheck::WhenBackoffEnds => line(
            "asks the throttle when the backoff ends, not at the failure",
            "R49",
        ),
    }
}

fn precision(v: TokenPrecision) -> Line {
    match v {
        TokenPrecision::TruncateText => {
            line("keeps tokenRatio to three decimals, truncated", "R50")
        }
        TokenPrecision::Round => line(
            "rounds tokenRatio to three decimals (0.5466 → 0.547)",
            "R50",
        ),
        TokenPrecision::TruncateF32 => line(
            "keeps tokenRatio through an f32 (0.7 counts as 0.699)",
            "R50",
        ),
        TokenPrecision::Float => line("keeps tokenRatio as a float, not truncated", "R50"),
    }
}

fn scope(v: BucketScope) -> Line {
    match v {
        BucketScope::PerTarget => line("one token bucket per target", "R51"),
        BucketScope::PerChannel => line(
            "one token bucket per channel, full again with each new config",
            "R51",
        ),
    }
}
