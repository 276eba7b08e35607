//! Throttling lints: a `retryThrottling` that never lets a retry through, or that recovers
//! from an outage more slowly than the stated horizon (R41–R47).
//!
//! The arithmetic is the engine's, in milli-tokens (R47): the count starts at `maxTokens`;
//! each qualifying failure subtracts one *before* the check (R45); a retry is allowed only
//! while `count > maxTokens / 2` (R43); each successful RPC adds `tokenRatio`. So a retry is
//! possible at all only if `maxTokens − 1 > maxTokens / 2`, i.e. `maxTokens > 2`; and after an
//! outage has emptied the bucket, retries resume after `⌊maxTokens / (2 × tokenRatio)⌋ + 1`
//! successes, which at a given call rate is a time.

use super::{Lint, LintCode, LintOptions};
use crate::config::explain::milli_text;
use crate::config::{Policy, ServiceConfig, ThrottleConfig};
use crate::time::{human, Nanos, NANOS_PER_SEC};

/// Adds the throttling lints, if the config throttles anything.
pub(super) fn lint(config: &ServiceConfig, options: &LintOptions, lints: &mut Vec<Lint>) {
    let Some(t) = &config.retry_throttling else {
        return;
    };
    let policies = config.method_configs.iter().map(|m| &m.policy);
    let retries = policies.clone().any(|p| matches!(p, Policy::Retry(_)));
    if !policies.clone().any(|p| !matches!(p, Policy::None)) {
        return;
    }
    if retries && t.max_tokens_milli <= 2000 {
        let message = format!(
            "maxTokens {}: the first failure leaves a count of {}, not above half of {} (R43, R45), so no retry is ever allowed",
            milli_text(t.max_tokens_milli.into()),
            milli_text(t.max_tokens_milli.saturating_sub(1000).into()),
            milli_text(t.max_tokens_milli.into())
        );
        let fix = "write \"maxTokens\": 10 (3 is the least that lets one retry through)";
        lints.push(
            Lint::new(
                LintCode::ThrottlingNeverRetries,
                "retryThrottling.maxTokens",
                message,
            )
            .fix(fix),
        );
        return;
    }
    let needed = successes_to_recover(t);
    let rate = u64::from(options.calls_per_second.max(1));
    let time = (u128::from(needed) * u128::from(NANOS_PER_SEC) / u128::from(rate))
        .min(u128::from(Nanos::MAX)) as Nanos;
    if time <= options.recovery_horizon {
        return;
    }
    let message = format!(
        "after an outage empties the bucket, retries resume only after {needed} successful calls (to climb above {} tokens at {} per success, R42, R43): {} at {rate} call/s, beyond the {} horizon",
        milli_text(u64::from(t.max_tokens_milli) / 2),
        milli_text(t.token_ratio_milli.into()),
        human(time),
        human(options.recovery_horizon)
    );
    let allowed =
        u128::from(options.recovery_horizon) * u128::from(rate) / u128::from(NANOS_PER_SEC);
    let fix = match u64::try_from(allowed).ok().filter(|n| *n > 0) {
        Some(n) => {
            let ratio = u64::from(t.max_tokens_milli) / (2 * n) + 1;
            format!(
                "raise tokenRatio to at least {} (or lower maxTokens)",
                milli_text(ratio)
            )
        }
        None => "raise tokenRatio or lower maxTokens".to_string(),
    };
    lints.push(
        Lint::new(
            LintCode::ThrottlingSlowRecovery,
            "retryThrottling.tokenRatio",
            message,
        )
        .fix(fix),
    );
}

/// Successes needed from an empty bucket until `count > maxTokens / 2` (R43).
fn successes_to_recover(t: &ThrottleConfig) -> u64 {
    // n × ratio > max / 2  ⇔  2 × n × ratio > max.
    u64::from(t.max_tokens_milli) / (2 * u64::from(t.token_ratio_milli.max(1))) + 1
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, codes_with, only};
    use super::super::{LintCode::*, LintOptions};
    use super::*;
    use serde_json::json;

    fn throttled(max_tokens: serde_json::Value, ratio: serde_json::Value) -> serde_json::Value {
        json!({"methodConfig": [{"name": [{"service": "a.B", "method": "Get"}], "timeout": "5s",
            "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}],
            "retryThrottling": {"maxTokens": max_tokens, "tokenRatio": ratio}})
    }

    #[test]
    fn recovery_counts_follow_r42_r43() {
        let t = |max, ratio| ThrottleConfig {
            max_tokens_milli: max,
            token_ratio_milli: ratio,
        };
        // grpc-go's demo: 10 tokens, 0.1 each: 51 successes lift the count from 0 to 5.1.
        assert_eq!(successes_to_recover(&t(10_000, 100)), 51);
        assert_eq!(successes_to_recover(&t(3_000, 2_000)), 1);
        assert_eq!(successes_to_recover(&t(1_000_000, 1)), 500_001);
    }

    #[test]
    fn two_tokens_never_let_a_retry_through_r43_r45() {
        let lints = only(
            throttled(json!(2), json!(1)),
            ThrottlingNeverRetries,
            &Default::default(),
        );
        assert_eq!(lints[0].path, "retryThrottling.maxTokens");
        assert!(
            lints[0].message.contains("leaves a count of 1,"),
            "{}",
            lints[0].message
        );
        assert_eq!(codes(throttled(json!(3), json!(1))), []);
        // No retry policy: nothing to throttle, nothing to say.
        let hedging_only = json!({"methodConfig": [{"name": [{"service": "a.B", "method": "Get"}],
            "timeout": "5s", "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0.1s"}}],
            "retryThrottling": {"maxTokens": 1, "tokenRatio": 1}});
        assert_eq!(codes(hedging_only), []);
    }

    #[test]
    fn slow_recovery_is_computed_against_the_horizon() {
        // 1000 tokens at 0.001: 500001 successes, 5.8 days at 1 call/s.
        let lints = only(
            throttled(json!(1000), json!(0.001)),
            ThrottlingSlowRecovery,
            &Default::default(),
        );
        let m = &lints[0].message;
        assert!(m.contains("after 500001 successful calls"), "{m}");
        assert!(
            m.contains("500001s at 1 call/s, beyond the 60s horizon"),
            "{m}"
        );
        // 60 successes allowed: 1000 / 120 = 8.33 → 8.334 per success.
        assert_eq!(
            lints[0].fix.as_deref(),
            Some("raise tokenRatio to at least 8.334 (or lower maxTokens)")
        );
        // grpc-go's demo: 51 successes take 51s at 1 call/s, within a minute.
        assert_eq!(codes(throttled(json!(10), json!(0.1))), []);
        let fast = LintOptions {
            calls_per_second: 10_000,
            ..Default::default()
        };
        assert_eq!(codes_with(throttled(json!(1000), json!(0.001)), &fast), []);
    }
}
