//! The deadline lint: a policy that nothing bounds in time (R35, R36, R81).
//!
//! Without an entry `timeout` and without a deadline from the caller, a call with a policy can
//! wait as long as the server asks: a pushback is any signed 32-bit count of milliseconds (R35)
//! and is waited without jitter (R36). The message computes that longest wait in days.

use super::{Lint, LintCode};

/// The largest pushback a server can send: a signed 32-bit count of milliseconds (R35).
const MAX_PUSHBACK_MS: u64 = i32::MAX as u64;

/// A policy with no deadline: backoffs and pushbacks add up without bound.
pub(super) fn no_deadline(entry: &str, key: &str) -> Lint {
    let days_tenths = MAX_PUSHBACK_MS / (86_400_000 / 10);
    let message = format!(
        "{key} with no timeout: nothing bounds the call; one server pushback of {MAX_PUSHBACK_MS} ms (the largest R35 allows) holds it for {}.{} days",
        days_tenths / 10,
        days_tenths % 10
    );
    Lint::new(LintCode::NoDeadline, entry, message).fix(
        "add \"timeout\" to the entry (it covers every attempt and backoff, R81), or set a deadline on every call and pass it here with --deadline-ms",
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, codes_with, only};
    use super::super::{LintCode::*, LintOptions};
    use crate::time::ms;
    use serde_json::json;

    fn retry(timeout: Option<&str>) -> serde_json::Value {
        let mut entry = json!({"name": [{"service": "a.B", "method": "Get"}],
            "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}});
        if let Some(t) = timeout {
            entry["timeout"] = json!(t);
        }
        json!({"methodConfig": [entry]})
    }

    #[test]
    fn no_deadline_names_the_longest_pushback_r35() {
        let lints = only(retry(None), NoDeadline, &Default::default());
        assert_eq!(lints[0].path, "methodConfig[0]");
        assert!(lints[0].message.contains("2147483647 ms"));
        assert!(lints[0].message.contains("24.8 days"));
        let options = LintOptions {
            deadline: Some(ms(10_000)),
            ..Default::default()
        };
        assert_eq!(codes_with(retry(None), &options), []);
        let no_policy = json!({"methodConfig": [{"name": [{"service": "a.B"}]}]});
        assert_eq!(codes(no_policy), []);
    }

    #[test]
    fn a_timeout_is_a_bound_r81() {
        assert_eq!(codes(retry(Some("10s"))), []);
    }
}
