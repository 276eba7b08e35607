//! Whether a profile's runtime runs a config at all, and how it fails if not (R5).
//!
//! The verdict is not decided here: `check-config` already knows, from its one validation
//! pass, which runtime rejects which config (its per-peer portability verdicts), and this
//! file only reads that verdict for the profile's runtime and applies the profile's
//! [`Acceptance`] to it.

use super::choices::Acceptance;
use super::{Profile, Runtime};
use crate::code::Code;
use crate::config::{check_value, ParseOptions, Report, Verdict};
use crate::json::Value;

/// What a profile's runtime does with one config, before any call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// The config is accepted: calls run as configured.
    Runs,
    /// The config's policies were dropped (grpc-go before 1.70): calls run with no configured
    /// retries or hedges; `why` names the runtime and the reasons.
    RunsWithoutPolicies {
        /// The runtime and its reasons, for the trace.
        why: String,
    },
    /// Every call ends at once with `status` and no attempt is sent (C-core's lame channel,
    /// grpc-java's UNKNOWN).
    FailsEveryCall {
        /// The status every call gets.
        status: Code,
        /// The runtime and its reasons, for the trace.
        why: String,
    },
    /// No call is made at all (grpc-go's failed dial, grpc-js's throwing constructor).
    NoCalls {
        /// The runtime and its reasons, for the trace.
        why: String,
    },
}

impl Admission {
    /// What the trace says about it: `None` when the config runs.
    pub fn note(&self) -> Option<&str> {
        match self {
            Admission::Runs => None,
            Admission::RunsWithoutPolicies { why }
            | Admission::FailsEveryCall { why, .. }
            | Admission::NoCalls { why } => Some(why),
        }
    }
}

impl Profile {
    /// What this profile's runtime does with the service config `text` (R5), read with the
    /// client's `maxAttempts` ceiling. A text hedgehog cannot read as JSON runs (it could not
    /// have loaded); only the runtime's own verdict matters here.
    pub fn admit(&self, text: &str, max_attempts_limit: u32) -> Admission {
        if self.runtime == Runtime::Hedgehog {
            return Admission::Runs;
        }
        let Ok(value) = crate::json::parse(text) else {
            return Admission::Runs;
        };
        let options = ParseOptions {
            max_attempts_limit,
            ..ParseOptions::default()
        };
        let Some(reasons) = self.rejection(&value, &options) else {
            return Admission::Runs;
        };
        let reasons = reasons.join("; ");
        match self.acceptance {
            Acceptance::Hedgehog => Admission::Runs,
            Acceptance::FailsEveryCall { status, how } => Admission::FailsEveryCall {
                status,
                why: format!("{how}: {reasons}"),
            },
            Acceptance::NoCalls { how } => Admission::NoCalls {
                why: format!("{how}: {reasons}"),
            },
            Acceptance::DropsPolicies => Admission::RunsWithoutPolicies {
                why: format!(
                    "{} drops the invalid policies (logged) and calls go out without \
                     retries: {reasons}",
                    self.name
                ),
            },
        }
    }

    /// Why this profile's runtime or library rejects the config `value` (as `path: message`
    /// lines), or `None` when it takes it. `options` are hedgehog's (mode and ceiling): the
    /// `a6` profile rejects what they reject; a runtime rejects what `check-config`'s
    /// portability verdict says it rejects; a client library rejects what hedgehog's AIP-4221
    /// reading rejects, plus the settings the library itself refuses.
    pub fn rejection(&self, value: &Value, options: &ParseOptions) -> Option<Vec<String>> {
        let lines = |report: &Report| -> Vec<String> {
            report.errors.iter().map(ToString::to_string).collect()
        };
        match self.runtime {
            Runtime::Hedgehog => {
                let report = check_value(value, options);
                (!report.valid).then(|| lines(&report))
            }
            Runtime::Peer(peer) => check_value(value, options)
                .portability
                .into_iter()
                .find(|(p, _)| *p == peer)
                .and_then(|(_, verdict)| match verdict {
                    Verdict::Rejects(reasons) => Some(reasons),
                    _ => None,
                }),
            Runtime::Library => {
                let report = check_value(value, &options.aip4221());
                match (&report.config, self.layer.library()) {
                    (Some(config), Some(library)) => {
                        let refused = library.refused(config, self.name);
                        (!refused.is_empty()).then_some(refused)
                    }
                    _ => Some(lines(&report)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalog::*;
    use super::*;

    /// The classic grpc-go demo config: PascalCase keys and `".01s"` (R5, R6, R8).
    const DEMO: &str = r#"{"methodConfig": [{"name": [{"service": "grpc.examples.echo.Echo"}],
        "retryPolicy": {"MaxAttempts": 4, "InitialBackoff": ".01s", "MaxBackoff": ".01s",
        "BackoffMultiplier": 1.0, "RetryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

    #[test]
    fn each_runtime_fails_a_config_it_rejects_its_own_way_r5() {
        assert_eq!(A6.admit(DEMO, 5), Admission::Runs);
        assert_eq!(
            GRPC_GO.admit(DEMO, 5),
            Admission::Runs,
            "grpc-go accepts it"
        );
        let core = C_CORE.admit(DEMO, 5);
        assert!(
            matches!(&core, Admission::FailsEveryCall { status: Code::InvalidArgument, why }
                if why.starts_with("C-core rejects the service config: the channel is lame")
                    && why.contains("methodConfig[0].retryPolicy")),
            "{core:?}"
        );
        assert!(matches!(
            GRPC_JAVA.admit(DEMO, 5),
            Admission::FailsEveryCall {
                status: Code::Unknown,
                ..
            }
        ));
        assert!(matches!(GRPC_JS.admit(DEMO, 5), Admission::NoCalls { .. }));
    }

    #[test]
    fn grpc_go_before_1_70_drops_what_it_rejects_and_later_ones_fail_the_dial_r5() {
        // maxTokens 1001: grpc-go and grpc-js reject it (R50); Java and C-core accept it.
        let text = r#"{"retryThrottling": {"maxTokens": 1001, "tokenRatio": 0.1}}"#;
        // hedgehog rejects it too, so such a scenario never loads; the verdict still reads.
        assert!(matches!(
            GRPC_GO_1_33.admit(text, 5),
            Admission::RunsWithoutPolicies { .. }
        ));
        assert!(matches!(GRPC_GO.admit(text, 5), Admission::NoCalls { .. }));
        assert_eq!(C_CORE.admit(text, 5), Admission::Runs);
        assert_eq!(GRPC_JAVA.admit(text, 5), Admission::Runs);
    }
}
