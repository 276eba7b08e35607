//! What each profile does differently from `a6` with one particular config
//! (`hedgehog check-config FILE --behaviour`).
//!
//! Derived from the profiles' data, never from a second table: for each profile, each choice
//! that differs from [`super::catalog::A6`]'s is put in words (`profile::words`), and only when the
//! config gives it something to act on — a jitter draw needs a `retryPolicy`, a hedging
//! shortcut a `hedgingPolicy`, a token precision a `retryThrottling`, a first-delay cap an
//! `initialBackoff` above `maxBackoff`. A profile whose runtime rejects the config says only
//! that (it runs nothing else). Identical lines of several profiles are merged, so the output
//! reads "grpc-go, c-core: hedgingPolicy ignored — one attempt per call".

use super::catalog::A6;
use super::choices::*;
use super::library::RetryLayer;
use super::words;
use super::Profile;
use crate::config::{check_value, ParseOptions, Policy, RetryPolicy, Selection, ServiceConfig};
use crate::json::Value;

/// One difference: the profiles that share it, what they do, and the rule it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The profiles, in [`Profile::every`] order.
    pub profiles: Vec<&'static str>,
    /// What they do, in words.
    pub text: String,
    /// The rule ids it is about (`R63`, `R39`…).
    pub rules: &'static str,
}

/// The differences of every profile from `a6` for the config `value`, read with `options`
/// (hedgehog's mode and client ceiling). Profiles with no difference are not listed.
pub fn differences(value: &Value, options: &ParseOptions) -> Vec<Difference> {
    let mut merged: Vec<Difference> = Vec::new();
    for profile in Profile::every().filter(|p| !p.is_a6()) {
        for (text, rules) in of_profile(profile, value, options) {
            match merged
                .iter_mut()
                .find(|d| d.text == text && d.rules == rules)
            {
                Some(d) => d.profiles.push(profile.name),
                None => merged.push(Difference {
                    profiles: vec![profile.name],
                    text,
                    rules,
                }),
            }
        }
    }
    merged
}

/// What the config gives the choices to act on.
struct Uses<'a> {
    retries: Vec<&'a RetryPolicy>,
    hedging: bool,
    throttling: bool,
    service_wide: bool,
    global_default: bool,
    retry_without_timeout: bool,
}

impl<'a> Uses<'a> {
    fn of(config: &'a ServiceConfig) -> Self {
        let names = config.method_configs.iter().flat_map(|mc| &mc.names);
        Uses {
            retries: config
                .method_configs
                .iter()
                .filter_map(|mc| match &mc.policy {
                    Policy::Retry(p) => Some(p),
                    _ => None,
                })
                .collect(),
            hedging: config
                .method_configs
                .iter()
                .any(|mc| matches!(mc.policy, Policy::Hedging(_))),
            throttling: config.retry_throttling.is_some(),
            service_wide: names.clone().any(|n| n.method.is_none()),
            global_default: names.clone().any(|n| n.service.is_none()),
            retry_without_timeout: config
                .method_configs
                .iter()
                .any(|mc| matches!(mc.policy, Policy::Retry(_)) && mc.timeout.is_none()),
        }
    }
}

type Line = (String, &'static str);

/// One profile's differences from `a6` that this config exposes.
fn of_profile(profile: &Profile, value: &Value, options: &ParseOptions) -> Vec<Line> {
    if let Some(reasons) = profile.rejection(value, options) {
        // The path of the first reason: the messages are in check-config's errors above.
        let first = reasons
            .first()
            .map_or("", |r| r.split_once(": ").map_or(r.as_str(), |(p, _)| p));
        return vec![(words::rejection(profile, first, reasons.len()), "R5")];
    }
    let report = check_value(value, &profile.parse_options(options.max_attempts_limit));
    let Some(config) = report.config.as_ref() else {
        return Vec::new();
    };
    let uses = Uses::of(config);
    let mut out: Vec<Line> = Vec::new();
    let retries = !uses.retries.is_empty();
    // Whether the profile makes more than one attempt with this config at all.
    let active = retries || (uses.hedging && profile.hedges());
    if let RetryLayer::Library(library) = &profile.layer {
        if retries {
            out.push((words::LIBRARY_CALLS.to_string(), "R30, R36, R74"));
            out.push((words::UNTIL_DEADLINE.to_string(), "R16"));
            out.push((words::deadline(library.deadline).to_string(), "R77, D18"));
            if uses.retry_without_timeout {
                out.push((words::no_timeout(library.default_timeout), "R81"));
            }
            if let Some(text) = words::walk(library.walk, &uses.retries) {
                out.push((text, "R18, D7"));
            }
        }
        if uses.throttling {
            out.push(("retryThrottling ignored".to_string(), "R40"));
        }
        let unread = match library.selection {
            Selection::ExactOnly if uses.service_wide || uses.global_default => {
                Some("entries named by service only, and the global default, apply to nothing (exact method names only)")
            }
            Selection::NoGlobalDefault if uses.global_default => {
                Some("the global default entry applies to nothing")
            }
            _ => None,
        };
        if let Some(text) = unread {
            out.push((text.to_string(), "R15"));
        }
    }
    if uses.hedging && profile.hedging != A6.hedging {
        out.extend(words::hedging(profile.hedging, uses.throttling));
    }
    if !uses.retries.is_empty() {
        if profile.jitter != A6.jitter {
            out.push((
                format!("backoff drawn {}", words::jitter(profile.jitter)),
                "R24, R25",
            ));
        }
        let inverted = uses
            .retries
            .iter()
            .any(|p| p.initial_backoff > p.max_backoff);
        if inverted && profile.first_delay == FirstDelay::Uncapped {
            let text = "the first delay is initialBackoff, not capped at maxBackoff";
            out.push((text.to_string(), "R27"));
        }
    }
    if active && profile.layer == RetryLayer::Channel {
        out.extend(words::pushback(&profile.pushback, &A6.pushback, retries));
        out.extend(words::limits(&profile.limits, &A6.limits, &uses.retries));
    }
    if active && uses.throttling && profile.layer == RetryLayer::Channel {
        out.extend(words::throttle(&profile.throttle, &A6.throttle));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Vec<Difference> {
        let value = crate::json::parse(text).expect("JSON");
        differences(&value, &ParseOptions::default())
    }

    fn find<'a>(all: &'a [Difference], needle: &str) -> &'a Difference {
        all.iter()
            .find(|d| d.text.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} in {all:#?}"))
    }

    #[test]
    fn hedging_ignored_by_grpc_go_and_c_core_r63() {
        let all = of(r#"{"methodConfig": [{"name": [{"service": "s"}],
            "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.05s"}}]}"#);
        let d = find(&all, "hedgingPolicy ignored");
        // The client libraries do not read hedgingPolicy either.
        let one = [
            "grpc-go",
            "grpc-go@1.33",
            "c-core",
            "gax-go",
            "gax-java",
            "python-api-core",
        ];
        assert_eq!(d.profiles, one);
        let java = find(&all, "only with a positive pushback");
        assert_eq!(java.profiles, ["grpc-java"]);
        assert_eq!(find(&all, "cancels the other hedges").profiles, ["grpc-js"]);
        // No retry policy: no jitter line.
        assert!(
            all.iter().all(|d| !d.text.starts_with("backoff drawn")),
            "{all:#?}"
        );
    }

    #[test]
    fn a_retry_config_shows_draws_pushback_and_first_delay_r24_r27_r39() {
        let all = of(
            r#"{"methodConfig": [{"name": [{"service": "s"}], "timeout": "1s",
            "retryPolicy": {"maxAttempts": 3, "initialBackoff": "2s", "maxBackoff": "1s",
            "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
        );
        assert_eq!(
            find(&all, "not capped").profiles,
            ["grpc-java", "grpc-js", "gax-go"]
        );
        assert_eq!(find(&all, "retries after ~0 ms").profiles, ["grpc-js"]);
        assert_eq!(find(&all, "U(0, b) instead").profiles, ["grpc-go@1.33"]);
        assert!(find(&all, "rejects this config")
            .profiles
            .contains(&"gax-java"));
    }
}
