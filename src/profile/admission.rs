//! Whether a profile's runtime runs a config at all, and how it fails if not (R5).
//!
//! The verdict is not decided here: `check-config` already knows, from its one validation
//! pass, which runtime rejects which config (its per-peer portability verdicts), and this
//! file only reads that verdict for the profile's runtime and applies the profile's
//! [`Acceptance`] to it.

use super::choices::Acceptance;
use super::{Profile, Runtime};
use crate::code::Code;
use crate::config::{check_str, ParseOptions, Verdict};

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
        let Runtime::Peer(peer) = self.runtime else {
            return Admission::Runs;
        };
        let options = ParseOptions {
            max_attempts_limit,
            ..ParseOptions::default()
        };
        let Ok(report) = check_str(text, &options) else {
            return Admission::Runs;
        };
        let reasons = report
            .portability
            .iter()
            .find(|(p, _)| *p == peer)
            .and_then(|(_, verdict)| match verdict {
                Verdict::Rejects(reasons) => Some(reasons.join("; ")),
                _ => None,
            });
        let Some(reasons) = reasons else {
            return Admission::Runs;
        };
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
