//! A parsed service config written back as JSON text: the canonical spelling of what the
//! engine consumes.
//!
//! Canonical means the A6 key names in camelCase, durations as exact decimal seconds
//! (`"0.01s"`), the multiplier and the throttle's numbers as exact decimals, codes by name, and
//! `maxAttempts` as configured (before the client's ceiling clamps it), so the text parses back
//! to an equal [`ServiceConfig`] with the same ceiling. A config that came from text keeps that
//! text instead (a scenario's `config_text`); this is for configs built as Rust values.

use serde::Serialize;
use serde_json::value::RawValue;

use super::{HedgingPolicy, MethodConfig, MethodName, Policy, RetryPolicy, ServiceConfig};
use crate::code::CodeSet;
use crate::json::write::{decimal, number};
use crate::time::Nanos;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigOut<'a> {
    method_config: Vec<MethodOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_throttling: Option<ThrottleOut>,
}

#[derive(Serialize)]
struct ThrottleOut {
    #[serde(rename = "maxTokens")]
    max_tokens: Box<RawValue>,
    #[serde(rename = "tokenRatio")]
    token_ratio: Box<RawValue>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MethodOut<'a> {
    name: Vec<NameOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wait_for_ready: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_request_message_bytes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_response_message_bytes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_policy: Option<RetryOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hedging_policy: Option<HedgingOut>,
}

#[derive(Serialize)]
struct NameOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RetryOut {
    max_attempts: u32,
    initial_backoff: String,
    max_backoff: String,
    backoff_multiplier: Box<RawValue>,
    retryable_status_codes: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_attempt_recv_timeout: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HedgingOut {
    max_attempts: u32,
    hedging_delay: String,
    non_fatal_status_codes: Vec<&'static str>,
}

/// `ns` as a protobuf JSON duration: exact decimal seconds and `s`.
fn duration(ns: Nanos) -> String {
    format!("{}s", decimal(u128::from(ns), 9))
}

fn codes(set: CodeSet) -> Vec<&'static str> {
    set.iter().map(|c| c.name()).collect()
}

fn name(n: &MethodName) -> NameOut<'_> {
    NameOut {
        service: n.service.as_deref(),
        method: n.method.as_deref(),
    }
}

fn retry(p: &RetryPolicy) -> RetryOut {
    RetryOut {
        max_attempts: p.configured_max_attempts,
        initial_backoff: duration(p.initial_backoff),
        max_backoff: duration(p.max_backoff),
        backoff_multiplier: number(u128::from(p.backoff_multiplier_ppb), 9),
        retryable_status_codes: codes(p.retryable_codes),
        per_attempt_recv_timeout: p.per_attempt_recv_timeout.map(duration),
    }
}

fn hedging(p: &HedgingPolicy) -> HedgingOut {
    HedgingOut {
        max_attempts: p.configured_max_attempts,
        hedging_delay: duration(p.hedging_delay),
        non_fatal_status_codes: codes(p.non_fatal_codes),
    }
}

fn method(m: &MethodConfig) -> MethodOut<'_> {
    MethodOut {
        name: m.names.iter().map(name).collect(),
        wait_for_ready: m.wait_for_ready,
        timeout: m.timeout.map(duration),
        max_request_message_bytes: m.max_request_message_bytes,
        max_response_message_bytes: m.max_response_message_bytes,
        retry_policy: match &m.policy {
            Policy::Retry(p) => Some(retry(p)),
            _ => None,
        },
        hedging_policy: match &m.policy {
            Policy::Hedging(p) => Some(hedging(p)),
            _ => None,
        },
    }
}

impl ServiceConfig {
    /// The config as canonical JSON text (see the module docs), pretty-printed.
    pub fn to_json(&self) -> String {
        let out = ConfigOut {
            method_config: self.method_configs.iter().map(method).collect(),
            retry_throttling: self.retry_throttling.map(|t| ThrottleOut {
                max_tokens: number(u128::from(t.max_tokens_milli), 3),
                token_ratio: number(u128::from(t.token_ratio_milli), 3),
            }),
        };
        serde_json::to_string_pretty(&out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{parse_str, ParseOptions};

    #[test]
    fn a_config_written_out_reads_back_equal() {
        let text = r#"{"methodConfig": [
            {"name": [{"service": "a.S", "method": "M"}, {"service": "b.S"}],
             "waitForReady": true, "timeout": "1.5s", "maxRequestMessageBytes": 10,
             "retryPolicy": {"MaxAttempts": 9, "InitialBackoff": ".01s", "MaxBackoff": "2s",
                "BackoffMultiplier": 1.6, "RetryableStatusCodes": ["UNAVAILABLE", "ABORTED"]}},
            {"name": [{}], "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.000000001s",
                "nonFatalStatusCodes": ["INTERNAL"]}}],
            "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.5466}}"#;
        let options = ParseOptions::default();
        let first = parse_str(text, &options).unwrap().config;
        let written = first.to_json();
        assert!(
            written.contains("\"initialBackoff\": \"0.01s\""),
            "{written}"
        );
        assert!(written.contains("\"tokenRatio\": 0.546"), "{written}");
        assert!(written.contains("\"maxAttempts\": 9"), "{written}");
        let again = parse_str(&written, &options).unwrap().config;
        assert_eq!(again, first);
    }
}
