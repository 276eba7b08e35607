//! The scenario's `client` object: which methods it calls, how often, with what deadline and
//! request size.
//!
//! `client.methods` (round-robin by call index) extends the stable core's `client.method` so
//! one scenario can show per-method selection (R15); `request_bytes` and `retry_buffer_bytes`
//! model the retry buffer limit (R66, D22) and `channel_buffer_bytes` the channel's budget
//! shared by the calls in flight (R64); `max_attempts_limit` is the client's ceiling for
//! `maxAttempts` (R16).

use std::fmt;

use crate::json::Value;

use super::fields::{self as parse, FieldError};
use super::limits::MAX_SIMULTANEOUS_CALLS;
use crate::profile::catalog::A6;
use crate::profile::choices::Limits;
use crate::time::Nanos;

/// The default per-RPC retry buffer: 1 MiB, as grpc-java and grpc-js (D22); the `a6`
/// profile's. Another profile brings its runtime's default (R68).
pub const DEFAULT_RETRY_BUFFER_BYTES: u64 = A6.limits.buffer_per_rpc;

/// The default per-channel retry buffer: 16 MiB, as grpc-java and grpc-js (D22); the `a6`
/// profile's. Another profile brings its runtime's default (R68).
pub const DEFAULT_CHANNEL_BUFFER_BYTES: u64 = match A6.limits.buffer_per_channel {
    Some(bytes) => bytes,
    None => u64::MAX,
};

/// A method a client calls: `echo.Echo/UnaryEcho`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodRef {
    /// Fully qualified service, `echo.Echo`.
    pub service: String,
    /// Method, `UnaryEcho`.
    pub method: String,
}

impl MethodRef {
    /// Parses `service/method` (a leading `/` is allowed).
    pub fn parse(text: &str) -> Option<MethodRef> {
        let text = text.strip_prefix('/').unwrap_or(text);
        let (service, method) = text.split_once('/')?;
        if service.is_empty() || method.is_empty() || method.contains('/') {
            return None;
        }
        Some(MethodRef {
            service: service.to_string(),
            method: method.to_string(),
        })
    }
}

impl fmt::Display for MethodRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.service, self.method)
    }
}

/// The `client` object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSpec {
    /// Methods, used round-robin by call index; never empty.
    pub methods: Vec<MethodRef>,
    /// The request message (echoed back by the server on success).
    pub message: String,
    /// Number of calls.
    pub calls: u64,
    /// Time between call starts.
    pub interval: Nanos,
    /// Each call's deadline, relative to its start.
    pub deadline: Option<Nanos>,
    /// Size of the request, for the retry buffer check.
    pub request_bytes: u64,
    /// The per-RPC retry buffer limit (default: the profile's, 1 MiB for `a6`, D22, R68).
    pub retry_buffer_bytes: u64,
    /// The channel's retry buffer, shared by the calls in flight (default: the profile's,
    /// 16 MiB for `a6`, D22, R68; no limit is `u64::MAX`).
    pub channel_buffer_bytes: u64,
    /// Whether the scenario set `retry_buffer_bytes`; if not, it follows the profile.
    pub retry_buffer_set: bool,
    /// Whether the scenario set `channel_buffer_bytes`; if not, it follows the profile.
    pub channel_buffer_set: bool,
    /// The client's `maxAttempts` ceiling.
    pub max_attempts_limit: u32,
}

const CLIENT_KEYS: [&str; 11] = [
    "method",
    "methods",
    "message",
    "calls",
    "interval_ms",
    "deadline_ms",
    "request_bytes",
    "retry_buffer_bytes",
    "channel_buffer_bytes",
    "max_attempts_limit",
    "$comment",
];

fn method_at(value: &Value, path: &str) -> Result<MethodRef, FieldError> {
    let text = parse::string(value, path)?;
    MethodRef::parse(text).ok_or_else(|| {
        FieldError::new(path, format!("expected \"service/Method\", got \"{text}\""))
    })
}

pub(crate) fn parse_client(value: &Value) -> Result<ClientSpec, FieldError> {
    let map = parse::object(value, "client", &CLIENT_KEYS)?;
    let methods = match (map.get("method"), map.get("methods")) {
        (Some(m), None) => vec![method_at(m, "client.method")?],
        (None, Some(Value::Array(list))) if !list.is_empty() => list
            .iter()
            .enumerate()
            .map(|(i, m)| method_at(m, &parse::index("client.methods", i)))
            .collect::<Result<_, _>>()?,
        (None, Some(_)) => {
            return Err(FieldError::new(
                "client.methods",
                "expected a non-empty array of methods",
            ))
        }
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "client",
                "expected either \"method\" or \"methods\", not both",
            ))
        }
        (None, None) => return Err(FieldError::new("client.method", "missing required key")),
    };
    let message = match map.get("message") {
        Some(v) => parse::string(v, "client.message")?.to_string(),
        None => "Try and Success".to_string(),
    };
    let uint_or = |key: &str, default: u64| -> Result<u64, FieldError> {
        map.get(key)
            .map_or(Ok(default), |v| parse::uint(v, &format!("client.{key}")))
    };
    let calls = uint_or("calls", 1)?;
    let interval = match map.get("interval_ms") {
        Some(v) => parse::millis(v, "client.interval_ms")?,
        None => 0,
    };
    if interval == 0 && calls > MAX_SIMULTANEOUS_CALLS {
        return Err(FieldError::new(
            "client.calls",
            format!(
                "{calls} calls with interval_ms 0 is over the limit of {MAX_SIMULTANEOUS_CALLS} \
                 (they would all be in flight at once); set interval_ms"
            ),
        ));
    }
    let deadline = match map.get("deadline_ms") {
        Some(v) => Some(parse::millis(v, "client.deadline_ms")?),
        None => None,
    };
    let request_bytes = uint_or("request_bytes", message.len() as u64)?;
    let retry_buffer_bytes = uint_or("retry_buffer_bytes", DEFAULT_RETRY_BUFFER_BYTES)?;
    let channel_buffer_bytes = uint_or("channel_buffer_bytes", DEFAULT_CHANNEL_BUFFER_BYTES)?;
    let limit = uint_or("max_attempts_limit", 5)?;
    let max_attempts_limit = u32::try_from(limit)
        .ok()
        .filter(|l| *l >= 2)
        .ok_or_else(|| {
            FieldError::new(
                "client.max_attempts_limit",
                format!("expected an integer >= 2, got {limit}"),
            )
        })?;
    Ok(ClientSpec {
        methods,
        message,
        calls,
        interval,
        deadline,
        request_bytes,
        retry_buffer_bytes,
        channel_buffer_bytes,
        retry_buffer_set: map.get("retry_buffer_bytes").is_some(),
        channel_buffer_set: map.get("channel_buffer_bytes").is_some(),
        max_attempts_limit,
    })
}

impl ClientSpec {
    /// The buffers the scenario left unset take `limits`' defaults (R68).
    pub(crate) fn default_buffers(&mut self, limits: &Limits) {
        if !self.retry_buffer_set {
            self.retry_buffer_bytes = limits.buffer_per_rpc;
        }
        if !self.channel_buffer_set {
            self.channel_buffer_bytes = limits.buffer_per_channel.unwrap_or(u64::MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;

    #[test]
    fn client_defaults_and_methods() {
        let c = parse_client(&json!({"method": "echo.Echo/UnaryEcho"})).unwrap();
        assert_eq!(c.methods[0].to_string(), "echo.Echo/UnaryEcho");
        assert_eq!((c.calls, c.interval, c.deadline), (1, 0, None));
        assert_eq!(c.request_bytes, "Try and Success".len() as u64);
        assert_eq!(c.retry_buffer_bytes, 1 << 20);
        let c = parse_client(&json!({"methods": ["a.S/X", "/a.S/Y"], "deadline_ms": 1.5})).unwrap();
        assert_eq!(c.methods[1].method, "Y");
        assert_eq!(c.deadline, Some(1_500_000));
    }

    #[test]
    fn client_errors_have_paths() {
        let e = parse_client(&json!({"method": "UnaryEcho"})).unwrap_err();
        assert_eq!(e.path, "client.method");
        let e = parse_client(&json!({"methods": ["a/b", "x"]})).unwrap_err();
        assert_eq!(e.path, "client.methods[1]");
        let e = parse_client(&json!({"method": "a/b", "calls": -1})).unwrap_err();
        assert_eq!(e.path, "client.calls");
        let e = parse_client(&json!({"method": "a/b", "deadline": 5})).unwrap_err();
        assert_eq!(e.path, "client.deadline");
        assert!(e.message.contains("deadline_ms"));
    }
}
