//! The call plan: what the engine is told about a call before its first attempt, made in one
//! place for the simulator and the live layer (so nothing about A6 is written twice).
//!
//! A plan has three parts, each with its A6 rule:
//! - the method's policy, chosen by the RPC's service and method (R15: exact method, then
//!   service, then global default, then none — the chosen entry applies whole);
//! - the deadline, the earlier of the application's and the method's `timeout` (R81);
//! - whether the request fits the retry buffer (R66), which [`buffer`] decides.
//!
//! Selection is split from the rest so a caller that knows its methods up front (the
//! simulator: a scenario names them) selects once per method with [`MethodPlan`] and pays
//! only a policy clone per call; the live layer, which learns the method from each request's
//! path, selects per request with [`MethodPlan::for_path`]. Both end in the same function.

pub mod buffer;

use crate::config::{MethodConfig, Policy, ServiceConfig};
use crate::engine::{CallPlan, Jitter};
use crate::time::{earliest, Nanos};

/// The per-method part of a plan: the selected policy and `timeout`, looked up once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MethodPlan {
    /// The selected entry's policy, or [`Policy::None`] when no entry covers the method (R1).
    pub policy: Policy,
    /// The selected entry's `timeout` (R81).
    pub timeout: Option<Nanos>,
}

impl MethodPlan {
    /// The plan of `service`/`method` under `config` (R15).
    pub fn select(config: &ServiceConfig, service: &str, method: &str) -> Self {
        Self::from_entry(config.select(service, method))
    }

    /// The plan of an RPC path (`/service/method`) under `config` (R15).
    pub fn for_path(config: &ServiceConfig, path: &str) -> Self {
        Self::from_entry(config.select_entry_for_path(path))
    }

    /// The plan of an already selected `methodConfig` entry, or of none (R1).
    pub fn from_entry(entry: Option<&MethodConfig>) -> Self {
        entry.map_or_else(MethodPlan::default, |mc| MethodPlan {
            policy: mc.policy.clone(),
            timeout: mc.timeout,
        })
    }

    /// The same method with configured retries and hedging switched off: one attempt per
    /// call (transparent retries aside), the `timeout` still applies (R79, D23).
    pub fn without_retries(self) -> Self {
        MethodPlan {
            policy: Policy::None,
            ..self
        }
    }

    /// The plan of a call of this method starting at `now`: the earlier of the application's
    /// `deadline` (relative to `now`) and the method's `timeout` (R81), the jitter mode (D6),
    /// and `fits`, whether the retry buffer holds the request (R66).
    pub fn call_plan(
        &self,
        deadline: Option<Nanos>,
        now: Nanos,
        jitter: Jitter,
        fits: bool,
    ) -> CallPlan {
        plan(
            self.policy.clone(),
            self.timeout,
            deadline,
            now,
            jitter,
            fits,
        )
    }

    /// [`MethodPlan::call_plan`] for a plan used once (no policy clone).
    pub fn into_call_plan(
        self,
        deadline: Option<Nanos>,
        now: Nanos,
        jitter: Jitter,
        fits: bool,
    ) -> CallPlan {
        plan(self.policy, self.timeout, deadline, now, jitter, fits)
    }
}

/// The one rule every plan goes through: the policy as selected (R15), the earlier of the
/// application's `deadline` (relative to `now`) and the method's `timeout` (R81), the jitter
/// mode (D6), and `fits`: whether the retry buffer holds the request (R66).
fn plan(
    policy: Policy,
    timeout: Option<Nanos>,
    deadline: Option<Nanos>,
    now: Nanos,
    jitter: Jitter,
    fits: bool,
) -> CallPlan {
    CallPlan {
        policy,
        deadline: earliest(deadline, timeout).map(|d| now.saturating_add(d)),
        jitter,
        request_fits_buffer: fits,
        profile: crate::profile::Profile::a6(),
        config_rejected: None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{parse_str, ParseOptions};
    use crate::time::NANOS_PER_MS;

    /// A method entry with a retry policy and a `timeout`, and a service entry with neither
    /// (also the live layer's tests' config).
    pub(crate) const CONFIG: &str = r#"{"methodConfig": [
        {"name": [{"service": "echo.Echo", "method": "UnaryEcho"}], "timeout": "0.5s",
         "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
                         "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}},
        {"name": [{"service": "echo.Echo"}]}]}"#;

    fn config() -> ServiceConfig {
        parse_str(CONFIG, &ParseOptions::default())
            .expect("valid")
            .config
    }

    fn plan_of(path: &str, deadline: Option<Nanos>, now: Nanos) -> CallPlan {
        MethodPlan::for_path(&config(), path).into_call_plan(deadline, now, Jitter::Spec, true)
    }

    #[test]
    fn the_path_selects_the_method_config_r15() {
        assert_eq!(
            plan_of("/echo.Echo/UnaryEcho", None, 0)
                .policy
                .max_attempts(),
            3
        );
        // The service-wide entry has no policy: one attempt (R1).
        let plan = plan_of("/echo.Echo/ServerStreamingEcho", None, 0);
        assert_eq!(plan.policy, Policy::None);
        let plan = plan_of("/other.Svc/M", None, 0);
        assert_eq!((plan.policy, plan.deadline), (Policy::None, None));
    }

    #[test]
    fn selecting_by_name_and_by_path_agree_r15() {
        let c = config();
        for (service, method) in [("echo.Echo", "UnaryEcho"), ("echo.Echo", "X"), ("o.S", "M")] {
            let by_path = MethodPlan::for_path(&c, &format!("/{service}/{method}"));
            assert_eq!(MethodPlan::select(&c, service, method), by_path);
        }
    }

    #[test]
    fn the_earlier_of_the_deadline_and_config_timeout_wins_r81() {
        let now = 7 * NANOS_PER_MS;
        let ms = |n: u64| Some(n * NANOS_PER_MS);
        let plan = plan_of("/echo.Echo/UnaryEcho", None, now);
        assert_eq!(plan.deadline, Some(now + 500 * NANOS_PER_MS));
        let plan = plan_of("/echo.Echo/UnaryEcho", ms(100), now);
        assert_eq!(plan.deadline, Some(now + 100 * NANOS_PER_MS));
        let plan = plan_of("/echo.Echo/UnaryEcho", ms(2_000), now);
        assert_eq!(plan.deadline, Some(now + 500 * NANOS_PER_MS));
        let plan = plan_of("/echo.Echo/ServerStreamingEcho", ms(2_000), now);
        assert_eq!(plan.deadline, Some(now + 2_000 * NANOS_PER_MS));
    }

    #[test]
    fn a_deadline_past_the_end_of_time_saturates_r81() {
        let plan = plan_of("/other.Svc/M", Some(u64::MAX), 5);
        assert_eq!(plan.deadline, Some(u64::MAX));
    }

    #[test]
    fn retries_off_keeps_the_deadline_but_not_the_policy_r79_d23() {
        let method = MethodPlan::for_path(&config(), "/echo.Echo/UnaryEcho").without_retries();
        let plan = method.into_call_plan(None, 0, Jitter::Spec, true);
        assert_eq!(plan.policy, Policy::None);
        assert_eq!(plan.deadline, Some(500 * NANOS_PER_MS));
    }

    #[test]
    fn jitter_and_buffer_fit_pass_through_d6_r66() {
        let method = MethodPlan::select(&config(), "echo.Echo", "UnaryEcho");
        let plan = method.call_plan(None, 0, Jitter::None, false);
        assert_eq!(
            (plan.jitter, plan.request_fits_buffer),
            (Jitter::None, false)
        );
        assert_eq!(
            plan.policy.max_attempts(),
            3,
            "a borrowed plan keeps its policy"
        );
    }
}
