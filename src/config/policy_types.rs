//! The validated service config: what the engine consumes, checked once at parse time.
//!
//! Everything here is already valid: durations are integer nanoseconds, codes are [`CodeSet`]s,
//! `maxAttempts` is clamped to the client's limit, the throttle's numbers are integer
//! thousandths. The engine never re-validates and never sees JSON.

use crate::code::CodeSet;
use crate::time::Nanos;

/// One `{service, method}` entry of a `methodConfig[i].name` list, with `""`, `null` and an
/// absent key all normalised to `None` (R12).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MethodName {
    /// Fully qualified service (`echo.Echo`), or `None` for the global default.
    pub service: Option<String>,
    /// Method (`UnaryEcho`), or `None` for the service's default.
    pub method: Option<String>,
}

impl MethodName {
    /// `echo.Echo/UnaryEcho`, `echo.Echo/*` or `*` (the global default), for people.
    pub fn display(&self) -> String {
        match (&self.service, &self.method) {
            (Some(s), Some(m)) => format!("{s}/{m}"),
            (Some(s), None) => format!("{s}/*"),
            _ => "*".to_string(),
        }
    }
}

/// A validated `retryPolicy` (R16–R23).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts allowed, original included, after the client limit's clamp (R16).
    pub max_attempts: u32,
    /// `maxAttempts` as written in the config, before the clamp.
    pub configured_max_attempts: u32,
    /// `initialBackoff`, > 0.
    pub initial_backoff: Nanos,
    /// `maxBackoff`, > 0.
    pub max_backoff: Nanos,
    /// `backoffMultiplier` in parts per billion (1.0 = 1_000_000_000), parsed from the JSON text
    /// so no float rounding enters the backoff ladder (D7). Always > 0.
    pub backoff_multiplier_ppb: u64,
    /// `retryableStatusCodes`; non-empty unless `per_attempt_recv_timeout` is set (lenient
    /// mode only, as grpc-java and C-core allow, R23).
    pub retryable_codes: CodeSet,
    /// `perAttemptRecvTimeout` (lenient mode only, R23, D24): an attempt that receives no
    /// response within it is cancelled and counts as a failure the policy may retry.
    pub per_attempt_recv_timeout: Option<Nanos>,
}

/// A validated `hedgingPolicy` (R52).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HedgingPolicy {
    /// Attempts allowed, original included, after the client limit's clamp (R16).
    pub max_attempts: u32,
    /// `maxAttempts` as written in the config, before the clamp.
    pub configured_max_attempts: u32,
    /// `hedgingDelay`; 0 when absent (D14).
    pub hedging_delay: Nanos,
    /// `nonFatalStatusCodes`; may be empty (then every non-OK status is fatal).
    pub non_fatal_codes: CodeSet,
}

/// The retry behaviour of one method: at most one policy per entry (D5).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// No policy: one configured attempt (R1); transparent retries still happen.
    #[default]
    None,
    /// `retryPolicy`.
    Retry(RetryPolicy),
    /// `hedgingPolicy`.
    Hedging(HedgingPolicy),
}

impl Policy {
    /// The effective attempt limit: 1 without a policy.
    pub fn max_attempts(&self) -> u32 {
        match self {
            Policy::None => 1,
            Policy::Retry(p) => p.max_attempts,
            Policy::Hedging(p) => p.max_attempts,
        }
    }
}

/// One validated `methodConfig` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodConfig {
    /// The entry's JSON path, `methodConfig[3]`, for messages that point back at the file.
    pub path: String,
    /// Its names (never empty: entries without names are skipped with a warning, D17).
    pub names: Vec<MethodName>,
    /// `waitForReady`.
    pub wait_for_ready: Option<bool>,
    /// `timeout`: the per-call deadline this entry sets (R81).
    pub timeout: Option<Nanos>,
    /// `maxRequestMessageBytes`.
    pub max_request_message_bytes: Option<u32>,
    /// `maxResponseMessageBytes`.
    pub max_response_message_bytes: Option<u32>,
    /// `retryPolicy` or `hedgingPolicy`, or neither.
    pub policy: Policy,
}

/// Validated top-level `retryThrottling` (R40–R47), in exact integer thousandths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ThrottleConfig {
    /// `maxTokens` × 1000 (an integer in strict mode; up to 3 decimals in lenient mode).
    pub max_tokens_milli: u32,
    /// `tokenRatio` × 1000, truncated from the JSON text (0.5466 → 546), always ≥ 1.
    pub token_ratio_milli: u32,
}
