//! Top-level `retryThrottling`, into exact milli-tokens (R40, R46, R47, D13).
//!
//! `maxTokens` must be an integer in (0, 1000] (strict) — lenient mode also takes up to three
//! decimals, as grpc-go, grpc-java and grpc-js do. `tokenRatio` keeps three decimals, truncated
//! from the number's text, and must not truncate to 0 (C-core rejects that too; grpc-java and
//! grpc-js would run with a ratio of 0, so a throttled client never recovers).

use super::ctx::Ctx;
use super::keys::Obj;
use super::values;
use super::{Peer, ThrottleConfig};

const MAX_TOKENS: u128 = 1000;

/// Reads `retryThrottling`; `None` if anything is wrong (the errors are in `ctx`).
pub(crate) fn parse(ctx: &mut Ctx, obj: &Obj) -> Option<ThrottleConfig> {
    let max = max_tokens(ctx, obj);
    let ratio = token_ratio(ctx, obj);
    Some(ThrottleConfig {
        max_tokens_milli: max?,
        token_ratio_milli: ratio?,
    })
}

fn max_tokens(ctx: &mut Ctx, obj: &Obj) -> Option<u32> {
    let field = obj.required(ctx, "maxTokens")?;
    let (dec, text) = values::number(ctx, &field, "an integer")?;
    let decimals = dec.decimals();
    if decimals > 0 {
        if ctx.strict {
            ctx.error_accepted_by(
                &field.path,
                format!("expected an integer, got {text}"),
                &[Peer::Go, Peer::Java, Peer::Node],
            );
            return None;
        }
        if decimals > 3 {
            ctx.error(
                &field.path,
                format!("expected at most 3 decimals, got {text}"),
            );
            return None;
        }
    }
    let milli = dec.scaled_abs(3);
    if dec.is_negative() || milli == 0 || milli > MAX_TOKENS * 1000 {
        let accepted: &[Peer] = if milli > MAX_TOKENS * 1000 && !dec.is_negative() {
            &[Peer::Java, Peer::Core]
        } else {
            &[]
        };
        ctx.error_accepted_by(
            &field.path,
            format!("must be in (0, 1000], got {text}"),
            accepted,
        );
        return None;
    }
    if decimals > 0 {
        ctx.warn(
            &field.path,
            format!("fractional maxTokens {text}, accepted in lenient mode"),
            &[Peer::Core],
            &[],
        );
    }
    u32::try_from(milli).ok()
}

fn token_ratio(ctx: &mut Ctx, obj: &Obj) -> Option<u32> {
    let field = obj.required(ctx, "tokenRatio")?;
    let (milli, truncated) = values::positive_fixed(ctx, &field, 3, &[Peer::Java, Peer::Node])?;
    if truncated {
        let kept = super::explain::milli_text(u64::try_from(milli).unwrap_or(u64::MAX));
        let what = format!("counts as {kept} (digits after the third decimal are dropped)");
        ctx.warn(&field.path, what, &[], &[]);
    }
    Some(u32::try_from(milli).unwrap_or(u32::MAX))
}
