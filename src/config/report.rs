//! Everything `check-config` shows, computed by the library so other front ends can reuse it.

use crate::json::Value;

use super::explain::{explain_method, explain_throttling, MethodExplanation};
use super::portability::{verdicts, Verdict};
use super::validate::validate;
use super::{ConfigError, ParseOptions, Peer, ServiceConfig, Warning};

/// The full result of checking one config.
#[derive(Clone, Debug)]
pub struct Report {
    /// No errors.
    pub valid: bool,
    /// Every error, sorted by path.
    pub errors: Vec<ConfigError>,
    /// Every warning, sorted by path.
    pub warnings: Vec<Warning>,
    /// Each named entry explained (only for a valid config: an invalid one does nothing).
    pub methods: Vec<MethodExplanation>,
    /// `retryThrottling` in words, if set and the config is valid.
    pub throttling: Option<String>,
    /// What each peer would do with this config.
    pub portability: Vec<(Peer, Verdict)>,
    /// The validated config, if valid.
    pub config: Option<ServiceConfig>,
}

/// Parses JSON text (duplicate keys rejected, D3), validates it and explains it; `Err` when the
/// text is not JSON.
pub fn check_str(text: &str, options: &ParseOptions) -> Result<Report, super::JsonError> {
    crate::json::parse(text).map(|value| check_value(&value, options))
}

/// Validates `value` and explains it.
pub fn check_value(value: &Value, options: &ParseOptions) -> Report {
    let outcome = validate(value, options);
    let portability = verdicts(&outcome.errors, &outcome.warnings);
    let valid = outcome.errors.is_empty();
    let (methods, throttling, config) = if valid {
        let methods = outcome
            .config
            .method_configs
            .iter()
            .map(explain_method)
            .collect();
        let throttling = outcome
            .config
            .retry_throttling
            .as_ref()
            .map(explain_throttling);
        (methods, throttling, Some(outcome.config))
    } else {
        (Vec::new(), None, None)
    };
    Report {
        valid,
        errors: outcome.errors.into_iter().map(|i| i.error).collect(),
        warnings: outcome.warnings,
        methods,
        throttling,
        portability,
        config,
    }
}

impl std::fmt::Display for ConfigError {
    /// `methodConfig[0].retryPolicy.maxAttempts: required`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::fmt::Display for super::Invalid {
    /// `invalid service config (2 errors): path: message; path: message`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "invalid service config ({n} error{}): ",
            if n == 1 { "" } else { "s" }
        )?;
        let all: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        f.write_str(&all.join("; "))?;
        if super::aip4221::looks_like_aip4221(&self.errors) {
            write!(f, "; {}", super::aip4221::hint())?;
        }
        Ok(())
    }
}

impl std::fmt::Display for super::ParseError {
    /// The JSON error with its position, or the list of validation errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            super::ParseError::Json(e) => write!(f, "not valid JSON: {e}"),
            super::ParseError::Invalid(i) => i.fmt(f),
        }
    }
}

impl std::error::Error for super::ParseError {}

impl std::error::Error for ConfigError {}

impl std::error::Error for super::Invalid {}

#[cfg(test)]
mod tests {
    use super::super::{parse_str, ParseOptions};

    #[test]
    fn errors_display_with_paths() {
        let err =
            parse_str(r#"{"retryThrottling": {}}"#, &ParseOptions::default()).expect_err("invalid");
        assert_eq!(
            err.to_string(),
            "invalid service config (2 errors): retryThrottling.maxTokens: required; retryThrottling.tokenRatio: required"
        );
        let err = parse_str("{", &ParseOptions::default()).expect_err("not JSON");
        assert!(
            err.to_string()
                .starts_with("not valid JSON: line 1, column "),
            "{err}"
        );
    }
}
