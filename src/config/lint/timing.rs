//! Timing lints: policies the deadline stops from acting, and the `maxAttempts` clamp.
//!
//! The deadline of a call is the earlier of the entry's `timeout` and the caller's own (R81),
//! and it covers every attempt and every backoff (R77). So a retry whose earliest possible
//! start lies past it can never happen, and the tail of a long ladder is cut off. The numbers
//! come from the engine's own [`BackoffLadder`] and the A6 jitter bounds ([`Jitter::Spec`]),
//! and every claim assumes attempts that fail at once: the best case for the policy, so a lint
//! here is never a guess.

use super::{Lint, LintCode, LintOptions};
use crate::config::{BackoffLadder, HedgingPolicy, Jitter, MethodConfig, Policy, RetryPolicy};
use crate::json::path;
use crate::time::{earliest, human, Nanos, NANOS_PER_MS};

/// Adds the timing lints of one entry.
pub(super) fn lint(mc: &MethodConfig, options: &LintOptions, lints: &mut Vec<Lint>) {
    let (key, limit) = match &mc.policy {
        Policy::None => return,
        Policy::Retry(r) => ("retryPolicy", (r.configured_max_attempts, r.max_attempts)),
        Policy::Hedging(h) => ("hedgingPolicy", (h.configured_max_attempts, h.max_attempts)),
    };
    let policy_path = path::key(&mc.path, key);
    clamped(&policy_path, limit, options, lints);
    let Some(deadline) = earliest(mc.timeout, options.deadline) else {
        lints.push(super::deadline::no_deadline(&mc.path, key));
        return;
    };
    let whose = if Some(deadline) == mc.timeout {
        format!("the {} timeout", human(deadline))
    } else {
        format!("the caller's {} deadline", human(deadline))
    };
    match &mc.policy {
        Policy::Retry(r) => lints.extend(ladder(&policy_path, r, deadline, &whose)),
        Policy::Hedging(h) => lints.extend(hedging(&policy_path, h, deadline, &whose)),
        Policy::None => {}
    }
}

/// `maxAttempts` above the client's limit (R16, D4).
fn clamped(at: &str, (configured, max): (u32, u32), options: &LintOptions, lints: &mut Vec<Lint>) {
    if configured <= max {
        return;
    }
    let message = format!(
        "maxAttempts {configured} is above the client's limit of {}: {max} attempts will really happen (C-core's limit is fixed at 5)",
        options.parse.max_attempts_limit
    );
    let fix = format!(
        "write \"maxAttempts\": {max}, or raise the client's limit (--client-max-attempts)"
    );
    lints.push(
        Lint::new(
            LintCode::MaxAttemptsClamped,
            path::key(at, "maxAttempts"),
            message,
        )
        .fix(fix),
    );
}

/// How many attempts can start before `deadline` when each retry k waits `delays[k]`:
/// `(sure, possible)`, with the longest and the shortest jitter draw.
fn attempts_that_fit(delays: &[Nanos], deadline: Nanos) -> (u32, u32) {
    let (mut sure, mut possible) = (1, 1);
    let (mut lo, mut hi): (Nanos, Nanos) = (0, 0);
    for nominal in delays {
        let (a, b) = Jitter::Spec.bounds(*nominal);
        lo = lo.saturating_add(a);
        hi = hi.saturating_add(b);
        possible += u32::from(lo < deadline);
        sure += u32::from(hi < deadline);
    }
    (sure, possible)
}

/// The retry ladder against the deadline: no retry at all, or only some of them.
fn ladder(at: &str, r: &RetryPolicy, deadline: Nanos, whose: &str) -> Option<Lint> {
    let mut steps = BackoffLadder::new(r);
    let delays: Vec<Nanos> = (1..r.max_attempts)
        .map(|_| steps.next_nominal().1)
        .collect();
    let (sure, possible) = attempts_that_fit(&delays, deadline);
    let first = Jitter::Spec.bounds(delays[0]).0;
    if possible == 1 {
        let message = format!(
            "the first retry waits at least {} (backoff {} less A6's 20% jitter), but {whose} ends the call first: no retry can ever happen",
            human(first),
            human(delays[0])
        );
        let fix = format!(
            "raise the timeout well above {}, or lower initialBackoff below {}",
            human(first),
            human(deadline.saturating_mul(5) / 4)
        );
        let at = path::key(at, "initialBackoff");
        return Some(Lint::new(LintCode::TimeoutBeforeFirstRetry, at, message).fix(fix));
    }
    if sure >= r.max_attempts {
        return None;
    }
    let worst: Nanos = delays
        .iter()
        .map(|d| Jitter::Spec.bounds(*d).1)
        .fold(0, Nanos::saturating_add);
    let never = if possible < r.max_attempts {
        format!(", and attempts after {possible} never can")
    } else {
        String::new()
    };
    let message = format!(
        "the worst-case backoff ladder ({} with A6 jitter) is longer than {whose}: only {sure} of {} attempts are sure to start even when each fails at once{never}",
        human(worst),
        r.max_attempts
    );
    let fix = format!(
        "write \"maxAttempts\": {}, or a timeout above {} plus the attempts' own time",
        sure.max(2),
        human(worst)
    );
    Some(
        Lint::new(
            LintCode::LadderExceedsTimeout,
            path::key(at, "maxAttempts"),
            message,
        )
        .fix(fix),
    )
}

/// Hedges sent every `hedgingDelay` against the deadline (R52).
fn hedging(at: &str, h: &HedgingPolicy, deadline: Nanos, whose: &str) -> Option<Lint> {
    let delay = h.hedging_delay;
    if delay == 0 {
        return None;
    }
    let hedges = u64::from(h.max_attempts - 1);
    let last = delay.saturating_mul(hedges);
    if last < deadline {
        return None;
    }
    // Attempt k+1 goes out at k × delay and needs k × delay < deadline.
    let fit = 1 + deadline.saturating_sub(1) / delay;
    let message = format!(
        "hedgingDelay {} × {hedges} = {} reaches past {whose}: only {fit} of {} attempts can be sent",
        human(delay),
        human(last),
        h.max_attempts
    );
    let fix = format!(
        "write \"maxAttempts\": {}, or a hedgingDelay under {}",
        fit.max(2),
        human(round_down_ms(deadline / hedges))
    );
    Some(
        Lint::new(
            LintCode::HedgingExceedsTimeout,
            path::key(at, "hedgingDelay"),
            message,
        )
        .fix(fix),
    )
}

/// Whole milliseconds when the value is at least one, for fixes people can type.
fn round_down_ms(ns: Nanos) -> Nanos {
    if ns >= NANOS_PER_MS {
        ns / NANOS_PER_MS * NANOS_PER_MS
    } else {
        ns
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, codes_with, only};
    use super::super::{LintCode::*, LintOptions};
    use crate::time::ms;
    use serde_json::json;

    fn retry(timeout: Option<&str>, attempts: u32, initial: &str, max: &str) -> serde_json::Value {
        let mut entry = json!({"name": [{"service": "a.B", "method": "Get"}],
            "retryPolicy": {"maxAttempts": attempts, "initialBackoff": initial, "maxBackoff": max,
                "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}});
        if let Some(t) = timeout {
            entry["timeout"] = json!(t);
        }
        json!({"methodConfig": [entry]})
    }

    fn hedge(timeout: &str, attempts: u32, delay: &str) -> serde_json::Value {
        json!({"methodConfig": [{"name": [{"service": "a.B", "method": "Get"}], "timeout": timeout,
            "hedgingPolicy": {"maxAttempts": attempts, "hedgingDelay": delay}}]})
    }

    #[test]
    fn timeout_before_the_earliest_first_retry_fires_r81() {
        // First retry after 1s × [0.8, 1.2]: a 0.8s timeout ends the call first.
        let lints = only(
            retry(Some("0.8s"), 3, "1s", "2s"),
            TimeoutBeforeFirstRetry,
            &Default::default(),
        );
        assert_eq!(lints.len(), 1);
        assert_eq!(lints[0].path, "methodConfig[0].retryPolicy.initialBackoff");
        assert!(
            lints[0].message.contains("at least 800ms"),
            "{}",
            lints[0].message
        );
        // 0.81s: the retry may start (ladder-exceeds-timeout says it is not sure to); 1.21s: it will.
        assert_eq!(
            codes(retry(Some("0.81s"), 2, "1s", "2s")),
            [LadderExceedsTimeout]
        );
        assert_eq!(codes(retry(Some("1.21s"), 2, "1s", "2s")), []);
    }

    #[test]
    fn caller_deadline_counts_too_r81() {
        let options = LintOptions {
            deadline: Some(ms(50)),
            ..Default::default()
        };
        let lints = only(
            retry(Some("5s"), 3, "0.1s", "1s"),
            TimeoutBeforeFirstRetry,
            &options,
        );
        assert!(
            lints[0].message.contains("the caller's 50ms deadline"),
            "{}",
            lints[0].message
        );
        let options = LintOptions {
            deadline: Some(ms(500)),
            ..Default::default()
        };
        assert_eq!(codes_with(retry(Some("5s"), 2, "0.1s", "1s"), &options), []);
    }

    #[test]
    fn ladder_longer_than_timeout_says_how_many_attempts_fit() {
        // Worst case 1.2 + 2.4 + 4.8 = 8.4s; best 0.8 + 1.6 + 3.2 = 5.6s; timeout 3s.
        let lints = only(
            retry(Some("3s"), 4, "1s", "10s"),
            LadderExceedsTimeout,
            &Default::default(),
        );
        assert_eq!(lints[0].path, "methodConfig[0].retryPolicy.maxAttempts");
        let m = &lints[0].message;
        assert!(m.contains("(8.4s with A6 jitter)"), "{m}");
        assert!(m.contains("only 2 of 4 attempts are sure to start"), "{m}");
        assert!(m.contains("attempts after 3 never can"), "{m}");
        assert_eq!(codes(retry(Some("8.5s"), 4, "1s", "10s")), []);
    }

    #[test]
    fn hedging_beyond_timeout_fires_r52() {
        let lints = only(
            hedge("1s", 5, "0.3s"),
            HedgingExceedsTimeout,
            &Default::default(),
        );
        let m = &lints[0].message;
        assert!(m.contains("300ms × 4 = 1.2s"), "{m}");
        assert!(m.contains("only 4 of 5 attempts can be sent"), "{m}");
        assert_eq!(codes(hedge("1.3s", 5, "0.3s")), []);
        assert_eq!(codes(hedge("1s", 5, "0s")), []);
    }

    #[test]
    fn clamped_max_attempts_says_how_many_happen_r16_d4() {
        let lints = only(
            retry(Some("60s"), 7, "0.1s", "1s"),
            MaxAttemptsClamped,
            &Default::default(),
        );
        assert!(lints[0].message.contains("5 attempts will really happen"));
        assert_eq!(
            lints[0].fix.as_deref(),
            Some("write \"maxAttempts\": 5, or raise the client's limit (--client-max-attempts)")
        );
        let mut options = LintOptions::default();
        options.parse.max_attempts_limit = 7;
        assert_eq!(
            codes_with(retry(Some("60s"), 7, "0.1s", "1s"), &options),
            []
        );
    }
}
