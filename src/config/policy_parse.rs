//! `retryPolicy` and `hedgingPolicy` (R16–R23, R52, D4, D7, D14, D16, D24).
//!
//! Every field is checked even after one fails, so a user sees all problems at once (R4). A
//! policy is returned only when every field is usable; the caller then knows the engine can run
//! it without re-checking anything.

use super::codes::{self, List};
use super::ctx::Ctx;
use super::duration::{self, Bound};
use super::keys::Obj;
use super::values;
use super::{HedgingPolicy, Peer, RetryPolicy};
use crate::time::{human, Nanos};

/// Reads a `retryPolicy` object.
pub(crate) fn retry(ctx: &mut Ctx, obj: &Obj) -> Option<RetryPolicy> {
    let attempts = max_attempts(ctx, obj);
    let initial = obj
        .required(ctx, "initialBackoff")
        .and_then(|f| duration::field(ctx, &f, Bound::Positive));
    let max = obj
        .required(ctx, "maxBackoff")
        .and_then(|f| duration::field(ctx, &f, Bound::Positive));
    let multiplier = backoff_multiplier(ctx, obj);
    let timeout = per_attempt_recv_timeout(ctx, obj);
    let codes = obj
        .required(ctx, "retryableStatusCodes")
        .and_then(|f| match timeout {
            // grpc-java and C-core accept an empty list next to a per-attempt timeout: the
            // timeout alone then triggers retries (R23).
            Some(Some(_)) if f.value.as_array().is_some_and(|a| a.is_empty()) => {
                Some(Default::default())
            }
            // AIP-4221 clients take an empty list as "retry nothing".
            _ if super::aip4221::empty_codes(ctx, &f) => Some(Default::default()),
            _ => codes::list(ctx, &f, List::Retryable),
        });
    if let (Some(i), Some(m)) = (initial, max) {
        if i > m {
            let what = format!(
                "initialBackoff {} exceeds maxBackoff {}: the first delay is capped at {} (as grpc-go and C-core do; grpc-java and grpc-js wait {} first)",
                human(i), human(m), human(m), human(i)
            );
            ctx.warn(&obj.path, what, &[], &[]);
        }
    }
    let (max_attempts, configured_max_attempts) = attempts?;
    Some(RetryPolicy {
        max_attempts,
        configured_max_attempts,
        initial_backoff: initial?,
        max_backoff: max?,
        backoff_multiplier_ppb: multiplier?,
        retryable_codes: codes?,
        per_attempt_recv_timeout: timeout?,
    })
}

/// `perAttemptRecvTimeout` (R23, D24): not part of A6. Strict mode ignores it, as before; lenient
/// mode acts on it as C-core does behind its experimental flag (see [`crate::engine`]), so the
/// value must be a Duration > 0. `Some(None)` when absent or ignored, `None` when unusable.
fn per_attempt_recv_timeout(ctx: &mut Ctx, obj: &Obj) -> Option<Option<Nanos>> {
    let Some(field) = obj.get(ctx, "perAttemptRecvTimeout") else {
        return Some(None);
    };
    if ctx.strict {
        let what = "not part of A6, ignored in strict mode (lenient mode acts on it)";
        ctx.warn(
            &field.path,
            what,
            &[],
            &[Peer::Go, Peer::Java, Peer::Core, Peer::Node],
        );
        return Some(None);
    }
    let timeout = duration::field(ctx, &field, Bound::Positive)?;
    let what = format!(
        "not part of A6: each attempt with no response within {} is cancelled and counts as a failure (as C-core does behind an experimental flag; grpc-java parses it but never applies it)",
        human(timeout)
    );
    ctx.warn(
        &field.path,
        what,
        &[],
        &[Peer::Go, Peer::Java, Peer::Core, Peer::Node],
    );
    Some(Some(timeout))
}

/// Reads a `hedgingPolicy` object.
pub(crate) fn hedging(ctx: &mut Ctx, obj: &Obj) -> Option<HedgingPolicy> {
    ctx.warn(
        &obj.path,
        "hedging: grpc-go and C-core do not implement it and send one attempt",
        &[],
        &[Peer::Go, Peer::Core],
    );
    let attempts = max_attempts(ctx, obj);
    let delay = match obj.get(ctx, "hedgingDelay") {
        Some(f) => duration::field(ctx, &f, Bound::NonNegative),
        None => {
            ctx.warn(
                &obj.child("hedgingDelay"),
                "missing, means 0s (all attempts at once)",
                &[Peer::Java],
                &[],
            );
            Some(0)
        }
    };
    let codes = match obj.get(ctx, "nonFatalStatusCodes") {
        Some(f) => codes::list(ctx, &f, List::NonFatal),
        None => Some(Default::default()),
    };
    let (max_attempts, configured_max_attempts) = attempts?;
    Some(HedgingPolicy {
        max_attempts,
        configured_max_attempts,
        hedging_delay: delay?,
        non_fatal_codes: codes?,
    })
}

/// `maxAttempts`: an integer ≥ 2, clamped to the client's limit with a warning (R16, D4).
/// Returns `(effective, configured)`. Read with AIP-4221's rules instead when asked.
fn max_attempts(ctx: &mut Ctx, obj: &Obj) -> Option<(u32, u32)> {
    if ctx.aip4221 {
        return super::aip4221::max_attempts(ctx, obj);
    }
    let field = obj.required(ctx, "maxAttempts")?;
    let value = values::integer(ctx, &field)?;
    if value < 2 {
        ctx.error(
            &field.path,
            format!("expected an integer >= 2, got {value}"),
        );
        return None;
    }
    let configured = u32::try_from(value).unwrap_or(u32::MAX);
    if configured > ctx.limit {
        let what = format!(
            "{value} clamped to {} (the client's limit; C-core's is fixed at 5)",
            ctx.limit
        );
        ctx.warn(&field.path, what, &[], &[]);
    }
    Some((configured.min(ctx.limit), configured))
}

/// `backoffMultiplier`: a number > 0, in parts per billion from its text (R18, D7).
fn backoff_multiplier(ctx: &mut Ctx, obj: &Obj) -> Option<u64> {
    let field = obj.required(ctx, "backoffMultiplier")?;
    let (ppb, _) = values::positive_fixed(ctx, &field, 9, &[])?;
    Some(u64::try_from(ppb).unwrap_or(u64::MAX))
}
