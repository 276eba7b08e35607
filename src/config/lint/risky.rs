//! Risky-code lints: retrying codes that may follow a server that already acted, and hedging,
//! where the method may not be idempotent.
//!
//! `DEADLINE_EXCEEDED`, `INTERNAL`, `UNKNOWN`, `ABORTED` and `RESOURCE_EXHAUSTED` can all come
//! back after the server did the work, so retrying them is safe only for idempotent methods;
//! `DEADLINE_EXCEEDED` moreover never helps once the call's own deadline has passed, because the
//! retry has no time left (R81). Hedging sends the same request several times by design, and
//! A6 allows it for idempotent methods only. Real configs retry these codes on purpose for
//! reads, so these lints fire only where the risk is visible in the config itself: a method
//! name that reads as a mutation (`CreateUser`, `SendMessage`), or one entry that covers a
//! whole service or every service, and with it any mutation they contain.

use super::{some_of, Lint, LintCode};
use crate::code::{Code, CodeSet};
use crate::config::{MethodConfig, MethodName, Policy};
use crate::json::path;

/// Codes that may arrive after the server has acted.
const RISKY: [Code; 5] = [
    Code::DeadlineExceeded,
    Code::Internal,
    Code::Unknown,
    Code::Aborted,
    Code::ResourceExhausted,
];

/// Leading verbs of method names that change state and are not safe to repeat in general.
/// `Execute`, `Run`, `Begin`, `Rollback`, `Cancel`, `Start`, `Stop` and `Reset` are left out on
/// purpose: in googleapis they name queries (`ExecuteQuery`, `RunReport`) or calls a retry
/// cannot harm, and they were the false positives of the study in docs/lints.md.
const MUTATING_VERBS: &[&str] = &[
    "Add",
    "Append",
    "Apply",
    "Assign",
    "Charge",
    "Commit",
    "Create",
    "Delete",
    "Import",
    "Increment",
    "Insert",
    "Merge",
    "Move",
    "Mutate",
    "Patch",
    "Post",
    "Publish",
    "Purchase",
    "Push",
    "Put",
    "Remove",
    "Rename",
    "Replace",
    "Send",
    "Set",
    "Submit",
    "Transfer",
    "Update",
    "Upload",
    "Write",
];

/// Adds the risky-code lints of one entry.
pub(super) fn lint(mc: &MethodConfig, lints: &mut Vec<Lint>) {
    let reasons: Vec<String> = mc.names.iter().filter_map(reason).collect();
    if reasons.is_empty() {
        return;
    }
    match &mc.policy {
        Policy::Retry(r) => {
            let risky: CodeSet = RISKY
                .into_iter()
                .filter(|c| r.retryable_codes.contains(*c))
                .collect();
            if risky.is_empty() {
                return;
            }
            let mut message = format!(
                "retries {risky} for {}: these codes can come after the server already acted, so a retry may do it twice; safe only for idempotent methods",
                some_of(&reasons)
            );
            if risky.contains(Code::DeadlineExceeded) {
                message.push_str(
                    "; and DEADLINE_EXCEEDED never helps once the call's own deadline has passed",
                );
            }
            let at = path::key(&path::key(&mc.path, "retryPolicy"), "retryableStatusCodes");
            let fix = "give mutating methods their own entry that retries only UNAVAILABLE (or make them idempotent, e.g. with a request id)";
            lints.push(Lint::new(LintCode::RiskyRetryCode, at, message).fix(fix));
        }
        Policy::Hedging(_) => {
            let message = format!(
                "hedges {}: hedging sends the same request several times, and A6 allows it only for idempotent methods",
                some_of(&reasons)
            );
            let at = path::key(&mc.path, "hedgingPolicy");
            let fix = "hedge only read-only or idempotent methods, each by name";
            lints.push(Lint::new(LintCode::RiskyHedging, at, message).fix(fix));
        }
        Policy::None => {}
    }
}

/// Why a name is risky: it reads as a mutation or covers a whole service; `None` otherwise.
fn reason(name: &MethodName) -> Option<String> {
    match (&name.service, &name.method) {
        (None, _) => Some("every service (the global default)".to_string()),
        (Some(s), None) => Some(format!("every method of {s}")),
        (Some(s), Some(m)) => looks_mutating(m).then(|| format!("{s}/{m} (reads as a mutation)")),
    }
}

/// `CreateUser`, `Delete`, `SendMessage`: a mutating verb, then the end or a capital letter.
fn looks_mutating(method: &str) -> bool {
    MUTATING_VERBS.iter().any(|verb| {
        method
            .strip_prefix(verb)
            .is_some_and(|rest| rest.chars().next().is_none_or(|c| c.is_ascii_uppercase()))
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, only};
    use super::super::LintCode::*;
    use super::*;
    use serde_json::json;

    fn retrying(name: serde_json::Value, codes: serde_json::Value) -> serde_json::Value {
        json!({"methodConfig": [{"name": [name], "timeout": "10s",
            "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                "backoffMultiplier": 2, "retryableStatusCodes": codes}}]})
    }

    fn hedging(name: serde_json::Value) -> serde_json::Value {
        json!({"methodConfig": [{"name": [name], "timeout": "10s",
            "hedgingPolicy": {"maxAttempts": 2, "hedgingDelay": "0.5s"}}]})
    }

    #[test]
    fn mutation_names_are_recognised() {
        for m in [
            "CreateUser",
            "Delete",
            "SendMessage",
            "UpdateFoo",
            "InsertRows",
            "SetIamPolicy",
        ] {
            assert!(looks_mutating(m), "{m}");
        }
        for m in [
            "GetSettings",
            "ListCreators",
            "Settle",
            "Sendable",
            "Read",
            "StreamingPull",
        ] {
            assert!(!looks_mutating(m), "{m}");
        }
    }

    #[test]
    fn risky_code_on_a_mutation_fires() {
        let config = retrying(
            json!({"service": "a.B", "method": "CreateOrder"}),
            json!(["UNAVAILABLE", "ABORTED"]),
        );
        let lints = only(config, RiskyRetryCode, &Default::default());
        assert_eq!(
            lints[0].path,
            "methodConfig[0].retryPolicy.retryableStatusCodes"
        );
        assert!(
            lints[0]
                .message
                .starts_with("retries ABORTED for a.B/CreateOrder (reads as a mutation)"),
            "{}",
            lints[0].message
        );
        assert!(!lints[0].message.contains("DEADLINE_EXCEEDED never helps"));
    }

    #[test]
    fn deadline_exceeded_on_a_whole_service_fires_and_says_why() {
        let lints = only(
            retrying(json!({"service": "a.B"}), json!(["DEADLINE_EXCEEDED"])),
            RiskyRetryCode,
            &Default::default(),
        );
        assert!(lints[0].message.contains("every method of a.B"));
        assert!(lints[0]
            .message
            .contains("DEADLINE_EXCEEDED never helps once the call's own deadline has passed"));
        assert_eq!(
            codes(retrying(json!({}), json!(["INTERNAL"]))),
            [RiskyRetryCode]
        );
    }

    #[test]
    fn reads_and_safe_codes_do_not_fire() {
        assert_eq!(
            codes(retrying(
                json!({"service": "a.B", "method": "GetOrder"}),
                json!(["DEADLINE_EXCEEDED", "UNKNOWN"])
            )),
            []
        );
        assert_eq!(
            codes(retrying(
                json!({"service": "a.B", "method": "CreateOrder"}),
                json!(["UNAVAILABLE"])
            )),
            []
        );
        assert_eq!(
            codes(retrying(json!({"service": "a.B"}), json!(["UNAVAILABLE"]))),
            []
        );
    }

    #[test]
    fn hedging_a_mutation_or_a_whole_service_fires() {
        let lints = only(
            hedging(json!({"service": "a.B", "method": "SendMail"})),
            RiskyHedging,
            &Default::default(),
        );
        assert_eq!(lints[0].path, "methodConfig[0].hedgingPolicy");
        assert_eq!(codes(hedging(json!({"service": "a.B"}))), [RiskyHedging]);
        assert_eq!(
            codes(hedging(json!({"service": "a.B", "method": "GetMail"}))),
            []
        );
    }
}
