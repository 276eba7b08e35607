//! Policies in plain words, with the engine's own numbers (issue 2, `check-config`).
//!
//! The explanation of a retry policy walks the same backoff ladder the engine walks
//! ([`BackoffLadder`]) and asks the same jitter mode for its bounds ([`Jitter::bounds`]), so the
//! delays printed here cannot drift from the delays a simulated or live call waits. The worst
//! case is the sum, over the `maxAttempts − 1` retries, of each capped nominal delay's upper
//! jitter bound: the longest a call can spend waiting between attempts (attempt time itself
//! and pushback are not included — they depend on the server).

use super::{
    BackoffLadder, HedgingPolicy, Jitter, MethodConfig, Policy, RetryPolicy, ThrottleConfig,
    Warning,
};
use crate::time::{human, Nanos};

/// One `methodConfig` entry, explained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodExplanation {
    /// The entry's JSON path (`methodConfig[0]`).
    pub path: String,
    /// Its names for people (`echo.Echo/UnaryEcho`, `echo.Echo/*`, `*`).
    pub names: Vec<String>,
    /// `retry`, `hedging` or `none`.
    pub kind: &'static str,
    /// The policy in words, after the names.
    pub text: String,
    /// For retry: the longest total backoff wait of one call with A6 jitter.
    pub worst_case_backoff: Option<Nanos>,
}

impl MethodExplanation {
    /// `echo.Echo/UnaryEcho: retry, up to 4 attempts …`.
    pub fn line(&self) -> String {
        format!("{}: {}", self.names.join(", "), self.text)
    }
}

/// Explains one entry.
pub fn explain_method(mc: &MethodConfig) -> MethodExplanation {
    let (kind, mut text, worst) = match &mc.policy {
        Policy::None => (
            "none",
            "no retries or hedging: one attempt (transparent retries still happen)".to_string(),
            None,
        ),
        // Read as AIP-4221 (more attempts than written: the written value is ignored).
        Policy::Retry(r) if r.configured_max_attempts < r.max_attempts => {
            ("retry", until_deadline(r), None)
        }
        Policy::Retry(r) => {
            let (text, worst) = retry(r);
            ("retry", text, Some(worst))
        }
        Policy::Hedging(h) => ("hedging", hedging(h), None),
    };
    if let Some(t) = mc.timeout {
        text.push_str(&format!(
            "; timeout {} for the whole call, backoffs included",
            human(t)
        ));
    }
    if mc.wait_for_ready == Some(true) {
        text.push_str("; waits for a ready connection");
    }
    MethodExplanation {
        path: mc.path.clone(),
        names: mc.names.iter().map(|n| n.display()).collect(),
        kind,
        text,
        worst_case_backoff: worst,
    }
}

fn attempts(max: u32, configured: u32) -> String {
    if configured > max {
        format!("up to {max} attempts ({configured} configured, clamped to the client's limit)")
    } else {
        format!("up to {max} attempts")
    }
}

/// A retry policy read with AIP-4221's rules (see [`super::aip4221`]): no attempt limit, and
/// each client library draws its own jitter, so no A6 bound is printed.
fn until_deadline(r: &RetryPolicy) -> String {
    let written = match r.configured_max_attempts {
        0 => "no maxAttempts".to_string(),
        n => format!("maxAttempts {n} ignored"),
    };
    format!(
        "retry until the deadline ({written}, AIP-4221; at most {} attempts simulated) on {}; backoff {} ×{}, capped at {}",
        r.max_attempts,
        r.retryable_codes,
        human(r.initial_backoff),
        multiplier_text(r.backoff_multiplier_ppb),
        human(r.max_backoff),
    )
}

fn retry(r: &RetryPolicy) -> (String, Nanos) {
    let mut ladder = BackoffLadder::new(r);
    let (mut lo, mut hi, mut worst): (Nanos, Nanos, Nanos) = (Nanos::MAX, 0, 0);
    for _ in 1..r.max_attempts {
        let (_, nominal) = ladder.next_nominal();
        let (a, b) = Jitter::Spec.bounds(nominal);
        lo = lo.min(a);
        hi = hi.max(b);
        worst = worst.saturating_add(b);
    }
    let mut text = format!(
        "retry, {} on {}; backoff {} ×{}, capped at {}; with A6 jitter each delay is {}; worst-case added latency ≈ {}",
        attempts(r.max_attempts, r.configured_max_attempts),
        r.retryable_codes,
        human(r.initial_backoff),
        multiplier_text(r.backoff_multiplier_ppb),
        human(r.max_backoff),
        range(lo, hi),
        human(worst),
    );
    if let Some(t) = r.per_attempt_recv_timeout {
        let more = format!("; an attempt with no response within {} is cancelled and counts as a failure (perAttemptRecvTimeout)", human(t));
        text.push_str(&more);
    }
    (text, worst)
}

fn hedging(h: &HedgingPolicy) -> String {
    let timing = if h.hedging_delay == 0 {
        format!("all {} attempts at once", h.max_attempts)
    } else {
        format!(
            "a new attempt every {} until one succeeds",
            human(h.hedging_delay)
        )
    };
    let codes = if h.non_fatal_codes.is_empty() {
        "every non-OK status ends the call".to_string()
    } else {
        format!(
            "{} sends the next hedge at once, any other failure ends the call",
            h.non_fatal_codes
        )
    };
    format!(
        "hedging, {}; {timing}; {codes}",
        attempts(h.max_attempts, h.configured_max_attempts)
    )
}

/// Throttling in words, derived from the milli-token numbers the engine uses (R43, R47).
pub fn explain_throttling(t: &ThrottleConfig) -> String {
    let max = u64::from(t.max_tokens_milli);
    // Retries are allowed while 2 × count > max; n failures from full leave max − 1000n.
    let failures = max.div_ceil(2000);
    let ratio = u64::from(t.token_ratio_milli);
    let unit = if ratio > 1000 { "tokens" } else { "token" };
    format!(
        "{} tokens, starting full: retries and hedges stop after ≈{failures} net failures (while the count is at or below {}); each success earns back {} {unit}",
        milli_text(max),
        milli_text(max / 2),
        milli_text(ratio),
    )
}

/// Thousandths as a decimal: 100 → `0.1`, 10000 → `10`, 546 → `0.546`.
pub(crate) fn milli_text(milli: u64) -> String {
    decimal(milli, 1000, 3, false)
}

/// Parts per billion as a decimal with at least one decimal: `1.0`, `1.6`.
fn multiplier_text(ppb: u64) -> String {
    decimal(ppb, 1_000_000_000, 9, true)
}

fn decimal(value: u64, unit: u64, digits: usize, keep_one: bool) -> String {
    let (whole, frac) = (value / unit, value % unit);
    let frac = format!("{frac:0digits$}");
    let frac = frac.trim_end_matches('0');
    match (frac.is_empty(), keep_one) {
        (true, true) => format!("{whole}.0"),
        (true, false) => whole.to_string(),
        _ => format!("{whole}.{frac}"),
    }
}

/// `8–12ms` when both ends share a unit, else `800us–1.2ms`.
fn range(lo: Nanos, hi: Nanos) -> String {
    if lo > hi {
        return "0s".to_string();
    }
    let (a, b) = (human(lo), human(hi));
    let unit = |s: &str| {
        s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
            .to_string()
    };
    if a == b {
        a
    } else if unit(&a) == unit(&b) {
        format!(
            "{}–{b}",
            a.trim_end_matches(|c: char| c.is_ascii_alphabetic())
        )
    } else {
        format!("{a}–{b}")
    }
}

/// A warning for people: `path: message (rejected by …; ignored by …)`.
pub fn warning_line(w: &Warning) -> String {
    let mut peers = Vec::new();
    if !w.rejected_by.is_empty() {
        peers.push(format!("rejected by {}", super::peer::list(&w.rejected_by)));
    }
    if !w.ignored_by.is_empty() {
        peers.push(format!("ignored by {}", super::peer::list(&w.ignored_by)));
    }
    if peers.is_empty() {
        format!("{}: {}", w.path, w.message)
    } else {
        format!("{}: {} ({})", w.path, w.message, peers.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ms;

    #[test]
    fn decimals_and_ranges() {
        assert_eq!(milli_text(100), "0.1");
        assert_eq!(milli_text(10_000), "10");
        assert_eq!(milli_text(546), "0.546");
        assert_eq!(multiplier_text(1_000_000_000), "1.0");
        assert_eq!(multiplier_text(1_600_000_000), "1.6");
        assert_eq!(range(ms(8), ms(12)), "8–12ms");
        assert_eq!(range(800_000, 1_200_000), "800us–1.2ms");
        assert_eq!(range(ms(10), ms(10)), "10ms");
    }

    #[test]
    fn throttling_words_follow_r43() {
        let t = ThrottleConfig {
            max_tokens_milli: 10_000,
            token_ratio_milli: 100,
        };
        let text = explain_throttling(&t);
        assert!(text.contains("stop after ≈5 net failures"), "{text}");
        assert!(text.contains("each success earns back 0.1 token"), "{text}");
        // 3 tokens: one failure leaves 2 (> 1.5, still allowed), two leave 1: stop after 2.
        let t = ThrottleConfig {
            max_tokens_milli: 3_000,
            token_ratio_milli: 2_000,
        };
        assert!(explain_throttling(&t).contains("≈2 net failures"));
        assert!(explain_throttling(&t).contains("earns back 2 tokens"));
    }
}
