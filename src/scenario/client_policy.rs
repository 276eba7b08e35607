//! `load.client_policy`: who decides whether a load client sends or retries — A6's engine, or
//! one of the client policies A6 is compared with (retry budgets, adaptive throttling, a retry
//! circuit breaker, a retry token bucket, naive retries, none).
//!
//! ```json
//! "client_policy": "budget"
//! "client_policy": {"kind": "budget", "ttl_ms": 10000, "min_per_sec": 10, "retry_percent": 20}
//! ```
//!
//! A string names a kind with its defaults; an object names the kind and any parameters. The
//! default, `a6`, leaves everything to the service config (retryPolicy, hedgingPolicy,
//! retryThrottling), exactly as before this key existed.
//!
//! Why the comparison policies are not A6 and do not touch its engine: they are what other
//! stacks do (Finagle and tower retry budgets, the Google SRE book's client-side throttling,
//! Brooker's token bucket and retry breaker), so they are carried out the way those stacks
//! carry them out — above the RPC, each attempt one call with no configured retries. The
//! method's `retryPolicy` still supplies what every stack has: the attempt cap, the backoff
//! ladder and the retryable codes; the policy only decides *whether* (see
//! [`crate::sim::load::policy`]). `retryThrottling` belongs to A6 and is not consulted by
//! them.
//!
//! Every parameter is held as an integer (thousandths, nanoseconds), so the policies'
//! arithmetic is exact and a run is the same on every machine.

use crate::json::Value;

use super::fields::{self as parse, FieldError};
use crate::time::{Nanos, NANOS_PER_SEC};

/// The kinds, in the order an unknown kind lists them.
pub const KINDS: [&str; 7] = [
    "a6", "none", "naive", "budget", "adaptive", "breaker", "bucket",
];

/// A retry budget as Finagle's `RetryBudget` and tower's `TpsBudget` keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetSpec {
    /// How long a deposit counts (`ttl_ms`, 1 s to 60 s as Finagle requires; default 10 s).
    pub ttl: Nanos,
    /// Retries allowed per second whatever the request rate (`min_per_sec`, default 10).
    pub min_per_sec: u64,
    /// Retries allowed per 100 requests, in thousandths of a percent (`retry_percent`,
    /// default 20 %).
    pub retry_percent_milli: u64,
}

/// Client-side adaptive throttling (Google SRE book, "Handling Overload").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdaptiveSpec {
    /// The multiplier K in thousandths (`k`, default 2).
    pub k_milli: u64,
    /// The window over which requests and accepts are counted (`window_ms`, default 2 min).
    pub window: Nanos,
}

/// Brooker's retry circuit breaker: retries stop while the client's failures exceed a
/// fraction of its calls (first tries always go out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerSpec {
    /// The threshold in thousandths of a percent (`max_failure_percent`, default 10 %).
    pub max_failure_percent_milli: u64,
}

/// Brooker's retry token bucket ("adaptive retries").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketSpec {
    /// Milli-tokens each call puts in (`deposit`, default 0.1 token).
    pub deposit_milli: u64,
    /// Milli-tokens the bucket holds at most, and at start (`size`, default 5 tokens).
    pub size_milli: u64,
}

/// A parsed `load.client_policy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientPolicySpec {
    /// A6 as the service config says (the engine retries, hedges and throttles).
    #[default]
    A6,
    /// One attempt per call.
    None,
    /// The retryPolicy's attempts, always.
    Naive,
    /// A retry budget (Finagle, tower).
    Budget(BudgetSpec),
    /// Adaptive throttling of every attempt (SRE book), retries as the retryPolicy says.
    Adaptive(AdaptiveSpec),
    /// A retry circuit breaker (Brooker 2022).
    Breaker(BreakerSpec),
    /// A retry token bucket (Brooker 2022).
    Bucket(BucketSpec),
}

impl BudgetSpec {
    /// Finagle's defaults (`RetryBudget()`): 10 s, 10 per second, 20 %.
    pub const DEFAULT: BudgetSpec = BudgetSpec {
        ttl: 10 * NANOS_PER_SEC,
        min_per_sec: 10,
        retry_percent_milli: 20_000,
    };
}

impl AdaptiveSpec {
    /// The book's K = 2 over two minutes.
    pub const DEFAULT: AdaptiveSpec = AdaptiveSpec {
        k_milli: 2_000,
        window: 120 * NANOS_PER_SEC,
    };
}

impl BreakerSpec {
    /// Brooker's `breaker_10pct`.
    pub const DEFAULT: BreakerSpec = BreakerSpec {
        max_failure_percent_milli: 10_000,
    };
}

impl BucketSpec {
    /// Brooker's `adaptive_10pct`: 0.1 token per call, 5 tokens.
    pub const DEFAULT: BucketSpec = BucketSpec {
        deposit_milli: 100,
        size_milli: 5_000,
    };
}

/// A number ≥ 0 in thousandths, at most `max` (in the number's own unit).
fn milli(value: &Value, path: &str, max: f64) -> Result<u64, FieldError> {
    let x = parse::non_negative(value, path)?;
    if x > max {
        return Err(FieldError::new(
            path,
            format!("expected at most {max}, got {}", parse::show(value)),
        ));
    }
    Ok((x * 1000.0).round() as u64)
}

impl ClientPolicySpec {
    /// The kind's name, as a file spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientPolicySpec::A6 => "a6",
            ClientPolicySpec::None => "none",
            ClientPolicySpec::Naive => "naive",
            ClientPolicySpec::Budget(_) => "budget",
            ClientPolicySpec::Adaptive(_) => "adaptive",
            ClientPolicySpec::Breaker(_) => "breaker",
            ClientPolicySpec::Bucket(_) => "bucket",
        }
    }

    /// Parses `load.client_policy` found at `path`: a kind, or `{"kind": ..., params}`.
    pub fn parse(value: &Value, path: &str) -> Result<ClientPolicySpec, FieldError> {
        if let Some(kind) = value.as_str() {
            return Self::defaults(kind, path);
        }
        let map = parse::object(value, path, &ALL_KEYS)?;
        let at = |k: &str| parse::join(path, k);
        let kind = parse::string(parse::required(map, path, "kind")?, &at("kind"))?;
        let spec = Self::defaults(kind, &at("kind"))?;
        let allowed: &[&str] = match spec {
            ClientPolicySpec::Budget(_) => &["ttl_ms", "min_per_sec", "retry_percent"],
            ClientPolicySpec::Adaptive(_) => &["k", "window_ms"],
            ClientPolicySpec::Breaker(_) => &["max_failure_percent"],
            ClientPolicySpec::Bucket(_) => &["deposit", "size"],
            _ => &[],
        };
        if let Some(key) = map
            .keys()
            .find(|k| !matches!(k.as_str(), "kind" | "$comment") && !allowed.contains(&k.as_str()))
        {
            return Err(FieldError::new(
                &at(key),
                format!(
                    "not a parameter of \"{kind}\" (its parameters: {})",
                    if allowed.is_empty() {
                        "none".to_string()
                    } else {
                        allowed.join(", ")
                    }
                ),
            ));
        }
        let get = |k: &str| map.get(k).map(|v| (v, at(k)));
        Ok(match spec {
            ClientPolicySpec::Budget(mut b) => {
                if let Some((v, p)) = get("ttl_ms") {
                    b.ttl = parse::millis(v, &p)?;
                    if !(NANOS_PER_SEC..=60 * NANOS_PER_SEC).contains(&b.ttl) {
                        return Err(FieldError::new(&p, "expected 1000 to 60000 (1 s to 60 s)"));
                    }
                }
                if let Some((v, p)) = get("min_per_sec") {
                    b.min_per_sec = parse::uint(v, &p)?.min(i32::MAX as u64);
                }
                if let Some((v, p)) = get("retry_percent") {
                    b.retry_percent_milli = milli(v, &p, 100_000.0)?;
                }
                ClientPolicySpec::Budget(b)
            }
            ClientPolicySpec::Adaptive(mut a) => {
                if let Some((v, p)) = get("k") {
                    a.k_milli = milli(v, &p, 1_000_000.0)?;
                }
                if let Some((v, p)) = get("window_ms") {
                    a.window = parse::millis(v, &p)?;
                    if a.window < WINDOW_SLICES {
                        return Err(FieldError::new(&p, "expected a window of at least 10 ns"));
                    }
                }
                ClientPolicySpec::Adaptive(a)
            }
            ClientPolicySpec::Breaker(mut b) => {
                if let Some((v, p)) = get("max_failure_percent") {
                    b.max_failure_percent_milli = milli(v, &p, 100.0)?;
                }
                ClientPolicySpec::Breaker(b)
            }
            ClientPolicySpec::Bucket(mut b) => {
                if let Some((v, p)) = get("deposit") {
                    b.deposit_milli = milli(v, &p, 1e12)?;
                }
                if let Some((v, p)) = get("size") {
                    b.size_milli = milli(v, &p, 1e12)?;
                }
                ClientPolicySpec::Bucket(b)
            }
            other => other,
        })
    }

    /// The kind `kind` with its defaults.
    fn defaults(kind: &str, path: &str) -> Result<ClientPolicySpec, FieldError> {
        Ok(match kind {
            "a6" => ClientPolicySpec::A6,
            "none" => ClientPolicySpec::None,
            "naive" => ClientPolicySpec::Naive,
            "budget" => ClientPolicySpec::Budget(BudgetSpec::DEFAULT),
            "adaptive" => ClientPolicySpec::Adaptive(AdaptiveSpec::DEFAULT),
            "breaker" => ClientPolicySpec::Breaker(BreakerSpec::DEFAULT),
            "bucket" => ClientPolicySpec::Bucket(BucketSpec::DEFAULT),
            other => {
                return Err(FieldError::new(
                    path,
                    format!(
                        "unknown client policy \"{other}\"; expected one of {}",
                        KINDS.join(", ")
                    ),
                ))
            }
        })
    }
}

/// Every key a policy object may hold (each kind then allows only its own).
const ALL_KEYS: [&str; 10] = [
    "kind",
    "$comment",
    "ttl_ms",
    "min_per_sec",
    "retry_percent",
    "k",
    "window_ms",
    "max_failure_percent",
    "deposit",
    "size",
];

/// The windows of the budget and of adaptive throttling are kept in this many slices, as
/// Finagle's `WindowedAdder` and tower's `TpsBudget` keep theirs.
pub const WINDOW_SLICES: u64 = 10;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;

    fn parse(v: Value) -> Result<ClientPolicySpec, FieldError> {
        ClientPolicySpec::parse(&v, "load.client_policy")
    }

    #[test]
    fn a_kind_alone_takes_the_published_defaults() {
        assert_eq!(parse(json!("a6")), Ok(ClientPolicySpec::A6));
        assert_eq!(parse(json!("naive")), Ok(ClientPolicySpec::Naive));
        let Ok(ClientPolicySpec::Budget(b)) = parse(json!("budget")) else {
            panic!("budget")
        };
        // Finagle's RetryBudget(): ttl 10 s, 10 retries/s, 20 %.
        assert_eq!(
            (b.ttl, b.min_per_sec, b.retry_percent_milli),
            (10_000_000_000, 10, 20_000)
        );
        let Ok(ClientPolicySpec::Adaptive(a)) = parse(json!("adaptive")) else {
            panic!("adaptive")
        };
        assert_eq!((a.k_milli, a.window), (2_000, 120_000_000_000));
        assert_eq!(
            parse(json!({"kind": "bucket"})),
            Ok(ClientPolicySpec::Bucket(BucketSpec::DEFAULT))
        );
    }

    #[test]
    fn parameters_are_exact_thousandths() {
        let p = parse(
            json!({"kind": "budget", "retry_percent": 12.5, "min_per_sec": 0,
            "ttl_ms": 60000}),
        );
        let Ok(ClientPolicySpec::Budget(b)) = p else {
            panic!("{p:?}")
        };
        assert_eq!(
            (b.ttl, b.min_per_sec, b.retry_percent_milli),
            (60_000_000_000, 0, 12_500)
        );
        let p = parse(json!({"kind": "adaptive", "k": 1.1, "window_ms": 60000}));
        assert_eq!(
            p,
            Ok(ClientPolicySpec::Adaptive(AdaptiveSpec {
                k_milli: 1_100,
                window: 60_000_000_000
            }))
        );
    }

    #[test]
    fn errors_name_the_path_and_what_was_expected() {
        let e = parse(json!("retry")).unwrap_err();
        assert_eq!(e.path, "load.client_policy");
        assert!(e.message.contains("budget, adaptive"), "{e:?}");
        let e = parse(json!({"kind": "budget", "k": 2})).unwrap_err();
        assert_eq!(e.path, "load.client_policy.k");
        assert!(
            e.message.contains("ttl_ms, min_per_sec, retry_percent"),
            "{e:?}"
        );
        let e = parse(json!({"kind": "budget", "ttl_ms": 500})).unwrap_err();
        assert_eq!(e.path, "load.client_policy.ttl_ms");
        let e = parse(json!({"kind": "breaker", "max_failure_percent": 101})).unwrap_err();
        assert_eq!(e.path, "load.client_policy.max_failure_percent");
        let e = parse(json!({"ttl_ms": 1})).unwrap_err();
        assert_eq!(e.path, "load.client_policy.kind");
        let e = parse(json!({"kind": "none", "size": 1})).unwrap_err();
        assert!(e.message.contains("none"), "{e:?}");
    }
}
