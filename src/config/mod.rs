//! Service config: parse, validate, select, explain (A6-DIGEST §1–3, §7–8, validation table).
//!
//! INTERFACE STUB — the config helper fills this in (see issue 2). The types and signatures
//! below are what the engine, simulator and live mode code against; keep them.

mod policy;

pub use policy::{HedgingPolicy, MethodConfig, MethodName, Policy, RetryPolicy, ThrottleConfig};

/// How to parse (D1, D4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Strict mode accepts only A6's canonical form; lenient (default) also accepts grpc-go's
    /// habits, each with a portability warning.
    pub strict: bool,
    /// The client's `maxAttempts` ceiling (default 5, at least 2).
    pub max_attempts_limit: u32,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            strict: false,
            max_attempts_limit: 5,
        }
    }
}

/// A gRPC runtime whose behaviour a portability warning describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
pub struct ConfigError {
    /// `methodConfig[0].retryPolicy.maxAttempts`, or `<root>`.
    pub path: String,
    /// `expected an integer >= 2, got 1`.
    pub message: String,
}

/// A portability warning (D2): valid for hedgehog, but some peers reject or ignore it.
#[derive(Clone, Debug, PartialEq, Eq)]
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
        let _ = (service, method);
        todo!("config helper")
    }
}

/// A config that parsed, with its portability warnings.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The config.
    pub config: ServiceConfig,
    /// Portability warnings (both modes), sorted by path.
    pub warnings: Vec<Warning>,
}

/// A config that did not validate: every error, sorted by path (R4, D3).
#[derive(Clone, Debug)]
pub struct Invalid {
    /// Every error, sorted by path.
    pub errors: Vec<ConfigError>,
    /// Warnings found along the way.
    pub warnings: Vec<Warning>,
}

/// Parses and validates service config JSON text.
pub fn parse_str(text: &str, options: &ParseOptions) -> Result<Parsed, ParseError> {
    let _ = (text, options);
    todo!("config helper")
}

/// Validates an already-parsed JSON value (e.g. a scenario's inline `service_config`).
/// Errors carry paths relative to `value` (`methodConfig[0]...`).
pub fn parse_value(value: &serde_json::Value, options: &ParseOptions) -> Result<Parsed, Invalid> {
    let _ = (value, options);
    todo!("config helper")
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
pub struct JsonError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser expected.
    pub message: String,
}
