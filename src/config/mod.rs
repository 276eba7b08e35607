//! Service config: parse, validate, select, explain (R1–R23, R40–R52, R81–R84).
//!
//! The engine, the simulator and live mode code against the types here. The design in short:
//!
//! - **One pass, every problem.** [`parse_value`] walks the JSON once and reports every error
//!   with its JSON path, sorted by path (R4, D3), plus portability warnings (D2). A config with
//!   any error is rejected whole, as gRPC rejects it (R5).
//! - **Validated types.** What comes out ([`ServiceConfig`]) needs no further checks: integer
//!   nanoseconds, code sets, fixed-point multiplier and token numbers read from the JSON *text*
//!   (never through a float), `maxAttempts` already clamped.
//! - **Two modes (D1).** Lenient (the default) also accepts grpc-go's habits — keys in any
//!   letter case, `".01s"`, `"1.s"` — plus numbers written as strings and a fractional
//!   `maxTokens`, each with a warning; the classic grpc-go demo config therefore works verbatim.
//!   Strict accepts exactly A6's form and reports those liberties as errors. snake_case keys
//!   (`max_attempts`) are accepted by no peer and by neither mode: inside a policy they leave a
//!   required field missing (the error names the key it found), elsewhere they are ignored with
//!   a warning.
//! - **Explained.** [`check_value`] adds per-entry explanations in words and a per-peer verdict
//!   (accepts / rejects / ignores), which `hedgehog check-config` prints.
//! - **One ladder.** The backoff ladder and jitter modes ([`BackoffLadder`], [`Jitter`]) are
//!   arithmetic on a policy's numbers, so they live here: the engine waits them and the
//!   explanation prints them from the same code, and config depends on nothing above it.

pub mod aip4221;
mod codes;
mod ctx;
mod duration;
mod explain;
mod keys;
mod ladder;
pub mod lint;
mod names;
mod number;
mod peer;
mod policy_parse;
mod policy_types;
mod portability;
mod report;
mod select;
mod throttling;
mod validate;
mod values;
mod walk;
mod write;

pub use explain::{explain_method, explain_throttling, warning_line, MethodExplanation};
pub use ladder::{BackoffLadder, Jitter};
pub use lint::{lint_value, Lint, LintCode, LintOptions};
pub use policy_types::{
    HedgingPolicy, MethodConfig, MethodName, Policy, RetryPolicy, ThrottleConfig,
};
pub use portability::Verdict;
pub use report::{check_str, check_value, Report};
pub use select::Selection;
pub use walk::Walk;

/// How to parse (D1, D4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Strict mode accepts only A6's canonical form; lenient (default) also accepts grpc-go's
    /// habits, each with a portability warning.
    pub strict: bool,
    /// The client's `maxAttempts` ceiling (default 5, at least 2).
    pub max_attempts_limit: u32,
    /// Read `maxAttempts` as Google's client libraries do (AIP-4221): it may be absent, a
    /// written value is ignored, and retries go on until the deadline (see [`aip4221`]).
    pub aip4221: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            strict: false,
            max_attempts_limit: 5,
            aip4221: false,
        }
    }
}

impl ParseOptions {
    /// The default client ceiling for `maxAttempts` (R16).
    pub const DEFAULT_MAX_ATTEMPTS_LIMIT: u32 = 5;

    /// Lenient mode, limit 5 (D1).
    pub fn lenient() -> Self {
        ParseOptions::default()
    }

    /// Strict mode, limit 5 (D1).
    pub fn strict() -> Self {
        ParseOptions {
            strict: true,
            ..ParseOptions::default()
        }
    }

    /// The same options, reading `maxAttempts` as AIP-4221 clients do (see [`aip4221`]).
    pub fn aip4221(self) -> Self {
        ParseOptions {
            aip4221: true,
            ..self
        }
    }

    /// The same options with another `maxAttempts` ceiling. A limit below 2 is a usage error
    /// (D4): it is refused here, and if a caller sets the field directly to 0 or 1 anyway,
    /// parsing treats it as 2.
    pub fn with_max_attempts_limit(self, limit: u32) -> Result<Self, LimitTooLow> {
        if limit < 2 {
            return Err(LimitTooLow { limit });
        }
        Ok(ParseOptions {
            max_attempts_limit: limit,
            ..self
        })
    }
}

/// A client `maxAttempts` ceiling below 2 (D4): such a client could never retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the maxAttempts limit must be at least 2, got {limit}")]
#[non_exhaustive]
pub struct LimitTooLow {
    /// The limit that was asked for.
    pub limit: u32,
}

/// A gRPC runtime whose behaviour a portability warning describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Peer {
    /// grpc-go
    Go,
    /// grpc-java
    Java,
    /// C-core (grpcio, C++, Ruby, PHP)
    Core,
    /// grpc-js
    Node,
}

/// One validation error: the JSON path of the failing field and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigError {
    /// `methodConfig[0].retryPolicy.maxAttempts`, or `<root>`.
    pub path: String,
    /// `expected an integer >= 2, got 1`.
    pub message: String,
}

/// A portability warning (D2): valid for hedgehog, but some peers reject or ignore it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Warning {
    /// JSON path the warning is about.
    pub path: String,
    /// What hedgehog did, in words.
    pub message: String,
    /// Peers that reject the whole config because of this.
    pub rejected_by: Vec<Peer>,
    /// Peers that accept the config but ignore this part.
    pub ignored_by: Vec<Peer>,
}

/// A validated service config.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceConfig {
    /// The `methodConfig` entries that have names, in file order.
    pub method_configs: Vec<MethodConfig>,
    /// Top-level `retryThrottling`.
    pub retry_throttling: Option<ThrottleConfig>,
}

impl ServiceConfig {
    /// The entry that applies to `service`/`method` (R15): exact name, else the service's
    /// default, else the global default, else `None`. The whole entry, never a merge.
    pub fn select(&self, service: &str, method: &str) -> Option<&MethodConfig> {
        self.select_impl(service, method)
    }
}

/// A config that parsed, with its portability warnings.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Parsed {
    /// The config.
    pub config: ServiceConfig,
    /// Portability warnings (both modes), sorted by path.
    pub warnings: Vec<Warning>,
}

/// A config that did not validate: every error, sorted by path (R4, D3).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Invalid {
    /// Every error, sorted by path.
    pub errors: Vec<ConfigError>,
    /// Warnings found along the way.
    pub warnings: Vec<Warning>,
}

/// Parses and validates service config JSON text.
pub fn parse_str(text: &str, options: &ParseOptions) -> Result<Parsed, ParseError> {
    let value = crate::json::parse(text).map_err(ParseError::Json)?;
    parse_value(&value, options).map_err(ParseError::Invalid)
}

/// Validates an already-parsed JSON value (e.g. a scenario's inline `service_config`).
/// Errors carry paths relative to `value` (`methodConfig[0]...`).
pub fn parse_value(value: &crate::json::Value, options: &ParseOptions) -> Result<Parsed, Invalid> {
    let outcome = validate::validate(value, options);
    if outcome.errors.is_empty() {
        Ok(Parsed {
            config: outcome.config,
            warnings: outcome.warnings,
        })
    } else {
        let errors = outcome.errors.into_iter().map(|i| i.error).collect();
        Err(Invalid {
            errors,
            warnings: outcome.warnings,
        })
    }
}

/// Why [`parse_str`] failed: not JSON at all, or JSON that is not a valid config.
#[derive(Clone, Debug)]
pub enum ParseError {
    /// Malformed JSON (or a duplicate key), with 1-based line and column.
    Json(JsonError),
    /// Valid JSON, invalid config.
    Invalid(Invalid),
}

/// Malformed JSON: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser expected.
    pub message: String,
}
