//! Key lints: keys no runtime reads (R4, A21), with a did-you-mean.
//!
//! A6 tells clients to ignore unknown keys, so `"InitialBakckoff"` is dropped in silence: as a
//! required key the config is then invalid with an error that names only the missing key, as an
//! optional one (`"timout"`) the setting just does not exist. This walk knows the keys valid at
//! each path of the config and suggests the nearest one by edit distance (Damerau–Levenshtein
//! from `strsim`, ignoring letter case, `_` and `-`), or the path where a key that is valid
//! elsewhere belongs (`timeout` inside `retryPolicy`).
//!
//! Known-but-unacted keys (R84: `loadBalancingConfig`, …) are known, and so is
//! `retryPolicy.perAttemptRecvTimeout`, which lenient mode acts on (R23, D24). Their values, like a load-balancing policy's own JSON, are opaque and never walked.
//! A key that differs from a known one only in letter case is not reported here: lenient mode
//! reads it, and the portability warnings already say which runtimes do not (D1).

use crate::json::Value;

use super::{entries, Lint, LintCode};
use crate::config::keys::squash;
use crate::json::path;

/// The objects of a service config whose keys are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Root,
    Entry,
    Name,
    Retry,
    Hedging,
    Throttling,
}

impl Level {
    /// The keys valid here (R84's ignored-but-valid keys and R23's `perAttemptRecvTimeout`
    /// included).
    fn keys(self) -> &'static [&'static str] {
        match self {
            Level::Root => &[
                "methodConfig",
                "retryThrottling",
                "loadBalancingConfig",
                "loadBalancingPolicy",
                "healthCheckConfig",
                "connectionScaling",
            ],
            Level::Entry => &[
                "name",
                "waitForReady",
                "timeout",
                "maxRequestMessageBytes",
                "maxResponseMessageBytes",
                "retryPolicy",
                "hedgingPolicy",
            ],
            Level::Name => &["service", "method"],
            Level::Retry => &[
                "maxAttempts",
                "initialBackoff",
                "maxBackoff",
                "backoffMultiplier",
                "retryableStatusCodes",
                "perAttemptRecvTimeout",
            ],
            Level::Hedging => &["maxAttempts", "hedgingDelay", "nonFatalStatusCodes"],
            Level::Throttling => &["maxTokens", "tokenRatio"],
        }
    }

    /// Where a key of this level belongs, in words.
    fn place(self) -> &'static str {
        match self {
            Level::Root => "at the top level",
            Level::Entry => "in the methodConfig entry",
            Level::Name => "in a name object",
            Level::Retry => "in retryPolicy",
            Level::Hedging => "in hedgingPolicy",
            Level::Throttling => "in the top-level retryThrottling",
        }
    }

    /// The level of the object under `key` at this level, if it has known keys.
    fn child(self, key: &str) -> Option<Level> {
        match (self, key) {
            (Level::Root, "retryThrottling") => Some(Level::Throttling),
            (Level::Entry, "retryPolicy") => Some(Level::Retry),
            (Level::Entry, "hedgingPolicy") => Some(Level::Hedging),
            _ => None,
        }
    }
}

const LEVELS: [Level; 6] = [
    Level::Root,
    Level::Entry,
    Level::Name,
    Level::Retry,
    Level::Hedging,
    Level::Throttling,
];

/// Adds the key lints of the whole document.
pub(super) fn lint(root: &Value, lints: &mut Vec<Lint>) {
    object(path::ROOT, root, Level::Root, lints);
    for (at, entry) in entries(root) {
        object(&at, entry, Level::Entry, lints);
        let Some(map) = entry.as_object() else {
            continue;
        };
        for (key, value) in map.iter() {
            if key.eq_ignore_ascii_case("name") {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    let at = path::index(&path::key(&at, key), i);
                    object(&at, item, Level::Name, lints);
                }
            }
        }
    }
}

/// Lints the keys of one object and walks into its policy objects.
fn object(at: &str, value: &Value, level: Level, lints: &mut Vec<Lint>) {
    let Some(map) = value.as_object() else {
        return;
    };
    for (key, child) in map.iter() {
        let known = level.keys().iter().find(|k| k.eq_ignore_ascii_case(key));
        match known {
            Some(k) => {
                if let Some(inner) = level.child(k) {
                    object(&path::key(at, key), child, inner, lints);
                }
            }
            None => lints.push(unknown(&path::key(at, key), key, level)),
        }
    }
}

/// The lint for `key`, unknown at `level`: misplaced, near miss, or plainly unknown.
fn unknown(at: &str, key: &str, level: Level) -> Lint {
    let elsewhere = LEVELS
        .into_iter()
        .filter(|l| *l != level)
        .find_map(|l| Some((l, *l.keys().iter().find(|k| squash(k) == squash(key))?)));
    if let Some((home, known)) = elsewhere {
        let message = format!(
            "{key:?} is not read {}: it belongs {}, so every runtime ignores it here (R4)",
            level.place(),
            home.place()
        );
        let fix = format!("move {known:?} to where it is read: {}", home.place());
        return Lint::new(LintCode::MisplacedKey, at, message).fix(fix);
    }
    let message = format!(
        "unknown key {key:?} {}: every runtime ignores it (R4), so it sets nothing",
        level.place()
    );
    let lint = Lint::new(LintCode::UnknownKey, at, message);
    match suggestion(key, level.keys()) {
        Some(best) => lint.fix(format!("did you mean {best:?}?")),
        None => lint.fix(format!(
            "remove it; the keys {} are {}",
            level.place(),
            level.keys().join(", ")
        )),
    }
}

/// The known key nearest to `key`, if near enough to be a slip: at most one edit per four
/// letters (at least one, at most three), ignoring letter case, `_` and `-`.
fn suggestion(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let typed = squash(key);
    let allowed = (typed.chars().count() / 4).clamp(1, 3);
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&typed, &squash(k)), *k))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, only};
    use super::super::LintCode::*;
    use super::*;
    use serde_json::json;

    fn retry(extra: (&str, serde_json::Value)) -> serde_json::Value {
        let mut policy = json!({"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
            "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]});
        policy[extra.0] = extra.1;
        json!({"methodConfig": [{"name": [{}], "timeout": "5s", "retryPolicy": policy}]})
    }

    #[test]
    fn misspelt_key_suggests_the_nearest_in_any_case_r4() {
        let lints = only(
            retry(("InitialBakckoff", json!(".01s"))),
            UnknownKey,
            &Default::default(),
        );
        assert_eq!(lints.len(), 1);
        assert_eq!(lints[0].path, "methodConfig[0].retryPolicy.InitialBakckoff");
        assert_eq!(
            lints[0].fix.as_deref(),
            Some("did you mean \"initialBackoff\"?")
        );
        let lints = only(
            retry(("retryable_status_codes", json!([]))),
            UnknownKey,
            &Default::default(),
        );
        assert_eq!(
            lints[0].fix.as_deref(),
            Some("did you mean \"retryableStatusCodes\"?")
        );
    }

    #[test]
    fn far_keys_get_no_suggestion() {
        assert_eq!(suggestion("colour", Level::Retry.keys()), None);
        assert_eq!(suggestion("timout", Level::Entry.keys()), Some("timeout"));
        assert_eq!(suggestion("nme", Level::Entry.keys()), Some("name"));
        let lints = only(retry(("colour", json!(1))), UnknownKey, &Default::default());
        assert!(lints[0].fix.as_deref().unwrap().starts_with("remove it"));
    }

    #[test]
    fn per_attempt_recv_timeout_belongs_in_retry_policy_only_r23() {
        let config = json!({"methodConfig": [{"name": [{}], "hedgingPolicy": {
            "maxAttempts": 2, "hedgingDelay": "0.1s", "perAttemptRecvTimeout": "1s"}}]});
        let lints = super::super::test_support::lints(config, &Default::default());
        let at = "methodConfig[0].hedgingPolicy.perAttemptRecvTimeout";
        let lint = lints.iter().find(|l| l.path == at).expect("fires");
        assert!(matches!(lint.code, UnknownKey | MisplacedKey), "{lint:?}");
    }

    #[test]
    fn known_keys_case_variants_and_opaque_subtrees_do_not_fire_d24_r84() {
        assert_eq!(codes(retry(("perAttemptRecvTimeout", json!("1s")))), []);
        // A case variant is read by lenient mode; portability warnings cover it.
        assert_eq!(codes(retry(("MaxBackoff", json!("1s")))), []);
        let config = json!({
            "loadBalancingConfig": [{"round_robin": {"anyKeyAtAll": 1}}],
            "loadBalancingPolicy": "round_robin",
            "healthCheckConfig": {"serviceName": "x"},
            "connectionScaling": {"whatever": true},
            "methodConfig": []
        });
        assert_eq!(codes(config), []);
    }

    #[test]
    fn keys_valid_elsewhere_are_misplaced() {
        let config = json!({"methodConfig": [{"name": [{}], "maxAttempts": 3,
            "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}}]});
        let lints = only(config, MisplacedKey, &Default::default());
        assert_eq!(lints.len(), 2);
        assert_eq!(lints[0].path, "methodConfig[0].maxAttempts");
        assert_eq!(
            lints[1].fix.as_deref(),
            Some("move \"retryThrottling\" to where it is read: at the top level")
        );
        let timeout_in_policy = retry(("timeout", json!("1s")));
        assert_eq!(codes(timeout_in_policy), [MisplacedKey]);
    }

    #[test]
    fn unknown_keys_at_every_level() {
        let config = json!({"methodconfigs": [], "methodConfig": [{"name": [{"servce": "a.B"}]}],
            "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1, "maxToken": 3}});
        let lints = only(config, UnknownKey, &Default::default());
        let paths: Vec<&str> = lints.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "methodConfig[0].name[0].servce",
                "methodconfigs",
                "retryThrottling.maxToken"
            ]
        );
        assert_eq!(
            lints[1].fix.as_deref(),
            Some("did you mean \"methodConfig\"?")
        );
    }
}
