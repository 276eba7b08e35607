//! Lints: mistakes in a service config that A6 allows but its author did not mean.
//!
//! Validation answers "will a runtime accept this?"; a lint answers "will it do what you
//! wrote it for?". The runtimes are silent about both kinds of mistake here: they ignore unknown
//! keys (R4), match names literally (R15) and skip entries without names (D17), so a policy can
//! be valid and never apply. Every lint is therefore a *warning*, never an error — the config
//! stays exactly as valid as A6 says — with a stable [`LintCode`], a JSON path, a one-line
//! reason and, where there is one, the fix.
//!
//! The design:
//!
//! - **Two inputs.** Name and key lints read the JSON itself, so they also run on an invalid
//!   config (a misspelt required key is the commonest reason a config is invalid, and the
//!   did-you-mean is what the user needs then). Policy, code and deadline lints read the
//!   validated [`ServiceConfig`] — as far as validation got, so an entry
//!   with a broken policy is simply not linted — and reuse the engine's own backoff ladder and
//!   jitter bounds, so a lint's numbers are the numbers a call would see.
//! - **One family per file**: `names`, `keys`, `timing` (timeouts, ladders, hedging, clamp),
//!   `throttling`, `risky`, `deadline`.
//! - **False positives near zero.** A lint fires only on a definite claim (a name no RPC can
//!   carry, a retry that can never start), or, for risky codes, only where the method name reads
//!   as a mutation or one entry covers a whole service. `docs/lints.md` records how many fire on
//!   googleapis' published configs.

mod catalog;
mod deadline;
mod keys;
mod names;
mod risky;
mod throttling;
mod timing;

pub use catalog::{LintCode, LintFamily};

use crate::json::Value;

use super::{ParseOptions, ServiceConfig};
use crate::time::{Nanos, NANOS_PER_SEC};

/// One lint: what, where, why, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// The stable code.
    pub code: LintCode,
    /// The JSON path the lint is about (`methodConfig[0].name[0].service`).
    pub path: String,
    /// The reason, one line.
    pub message: String,
    /// The fix, when there is one.
    pub fix: Option<String>,
}

impl Lint {
    fn new(code: LintCode, path: impl Into<String>, message: impl Into<String>) -> Lint {
        Lint {
            code,
            path: path.into(),
            message: message.into(),
            fix: None,
        }
    }

    fn fix(mut self, fix: impl Into<String>) -> Lint {
        self.fix = Some(fix.into());
        self
    }
}

/// What the lints assume about the client that will run the config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LintOptions {
    /// How the config is parsed (mode and `maxAttempts` ceiling).
    pub parse: ParseOptions,
    /// A deadline the application sets on every call, if any (R81: the earlier one wins).
    pub deadline: Option<Nanos>,
    /// RPCs per second on one channel, for the throttling recovery time (default 1).
    pub calls_per_second: u32,
    /// The longest acceptable throttling recovery after an outage (default 60 s).
    pub recovery_horizon: Nanos,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            parse: ParseOptions::default(),
            deadline: None,
            calls_per_second: 1,
            recovery_horizon: 60 * NANOS_PER_SEC,
        }
    }
}

/// Every lint of a parsed JSON document, sorted by path (then code).
pub fn lint_value(value: &Value, options: &LintOptions) -> Vec<Lint> {
    let mut lints = Vec::new();
    names::lint(value, &mut lints);
    keys::lint(value, &mut lints);
    let outcome = super::validate::validate(value, &options.parse);
    lint_config(&outcome.config, options, &mut lints);
    lints.sort_by_cached_key(|l| (crate::json::path::sort_key(&l.path), l.code));
    lints
}

/// The lints that read the validated config.
fn lint_config(config: &ServiceConfig, options: &LintOptions, lints: &mut Vec<Lint>) {
    for mc in &config.method_configs {
        timing::lint(mc, options, lints);
        risky::lint(mc, lints);
    }
    throttling::lint(config, options, lints);
}

/// The value of `key` in `object`: the exact key, else one equal ignoring letter case (what
/// lenient mode reads, D1). Returns the key as written too.
fn field<'a>(object: &'a Value, key: &str) -> Option<(&'a str, &'a Value)> {
    let map = object.as_object()?;
    map.iter()
        .find(|(k, _)| k.as_str() == key)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
        .map(|(k, v)| (k.as_str(), v))
}

/// Each `methodConfig` entry with its path.
fn entries(root: &Value) -> Vec<(String, &Value)> {
    let Some((key, list)) = field(root, "methodConfig") else {
        return Vec::new();
    };
    let Some(items) = list.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| (crate::json::path::index(key, i), v))
        .collect()
}

/// Up to three items joined with commas, then `and N more`.
fn some_of(items: &[String]) -> String {
    match items.len() {
        0..=3 => items.join(", "),
        n => format!("{} and {} more", items[..3].join(", "), n - 3),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The codes `lint_value` finds in `json`, with default options.
    pub fn codes(json: serde_json::Value) -> Vec<LintCode> {
        codes_with(json, &LintOptions::default())
    }

    /// The codes `lint_value` finds in `json`.
    pub fn codes_with(json: serde_json::Value, options: &LintOptions) -> Vec<LintCode> {
        lints(json, options).iter().map(|l| l.code).collect()
    }

    /// The lints of one code.
    pub fn only(json: serde_json::Value, code: LintCode, options: &LintOptions) -> Vec<Lint> {
        let all = lints(json, options);
        all.into_iter().filter(|l| l.code == code).collect()
    }

    /// Tests write configs with `json!`; the lints read what the crate's own parser makes of
    /// their text, as they read a file.
    pub fn lints(json: serde_json::Value, options: &LintOptions) -> Vec<Lint> {
        let value = crate::json::parse(&json.to_string()).expect("valid JSON");
        lint_value(&value, options)
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::codes;
    use serde_json::json;

    #[test]
    fn a_clean_config_has_no_lints() {
        let config = json!({"methodConfig": [{
            "name": [{"service": "echo.Echo", "method": "UnaryEcho"}],
            "timeout": "5s",
            "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.1s", "maxBackoff": "1s",
                "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
        }], "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}});
        assert_eq!(codes(config), []);
    }

    #[test]
    fn lints_come_sorted_by_path() {
        let config = json!({"methodConfig": [
            {"name": [{"service": "Echo"}], "Timeout": "1s", "timeot": "1s"},
            {"nme": []}
        ]});
        let lints = super::test_support::lints(config, &Default::default());
        let paths: Vec<&str> = lints.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "methodConfig[0].name[0].service",
                "methodConfig[0].timeot",
                "methodConfig[1]",
                "methodConfig[1].nme"
            ]
        );
    }
}
