//! Reading scalar fields: numbers (exact, from text), integers, booleans (R9, D25).
//!
//! A6 asks for JSON numbers. grpc-java and C-core also take numbers written as strings
//! (`"3"`), grpc-go and grpc-js do not (R9); lenient mode takes them with a warning, strict mode
//! reports them. Everything goes through [`Dec`], so no value is ever rounded by a float.

use crate::json::Value;

use super::ctx::Ctx;
use super::keys::Field;
use super::number::Dec;
use super::Peer;

/// A number field as `(value, text)`: a JSON number, or in lenient mode a string holding one.
/// Reports `expected {expected}` for anything else.
pub(crate) fn number(ctx: &mut Ctx, field: &Field, expected: &str) -> Option<(Dec, String)> {
    match field.value {
        Value::Number(n) => {
            let text = n.to_string();
            match Dec::parse(&text) {
                Some(dec) => Some((dec, text)),
                None => {
                    ctx.error(&field.path, format!("expected {expected}, got {text}"));
                    None
                }
            }
        }
        Value::String(s) if Dec::parse(s).is_some() => {
            ctx.liberty(
                &field.path,
                &format!("expected {expected}, got {s:?} (a number written as a string)"),
                &[Peer::Go, Peer::Node],
            );
            if ctx.strict {
                None
            } else {
                Dec::parse(s).map(|dec| (dec, s.clone()))
            }
        }
        other => {
            ctx.error(
                &field.path,
                format!("expected {expected}, got {}", describe(other)),
            );
            None
        }
    }
}

/// An integer field (a number without a fractional part; `4.0` counts as 4).
pub(crate) fn integer(ctx: &mut Ctx, field: &Field) -> Option<i128> {
    let (dec, text) = number(ctx, field, "an integer")?;
    match dec.integer() {
        Some(v) => Some(v),
        None => {
            ctx.error(&field.path, format!("expected an integer, got {text}"));
            None
        }
    }
}

/// `maxRequestMessageBytes` / `maxResponseMessageBytes`: an integer in 0..=4294967295 (R83).
pub(crate) fn message_bytes(ctx: &mut Ctx, field: &Field) -> Option<u32> {
    const EXPECTED: &str = "expected an integer in 0..=4294967295";
    if !matches!(field.value, Value::Number(_) | Value::String(_)) {
        ctx.error(&field.path, EXPECTED);
        return None;
    }
    let (dec, text) = number(ctx, field, "an integer in 0..=4294967295")?;
    match dec.integer().and_then(|v| u32::try_from(v).ok()) {
        Some(v) => Some(v),
        None => {
            ctx.error(&field.path, format!("{EXPECTED}, got {text}"));
            None
        }
    }
}

/// A number > 0 in fixed point with `scale` decimals, truncated from its text (R18, R46, D7).
/// Reports a value ≤ 0, and one that truncates to 0 (which `accepted_by` peers would run with).
/// Returns the scaled value, saturating, and whether digits were dropped.
pub(crate) fn positive_fixed(
    ctx: &mut Ctx,
    field: &Field,
    scale: u32,
    accepted_by: &[Peer],
) -> Option<(u128, bool)> {
    let (dec, text) = number(ctx, field, "a number")?;
    if dec.is_negative() || dec.is_zero() {
        ctx.error(&field.path, format!("must be greater than 0, got {text}"));
        return None;
    }
    let scaled = dec.scaled_abs(scale);
    if scaled == 0 {
        let message = format!("{text} truncates to 0 ({scale} decimals kept)");
        ctx.error_accepted_by(&field.path, message, accepted_by);
        return None;
    }
    Some((scaled, dec.decimals() > u64::from(scale)))
}

/// A boolean field.
pub(crate) fn boolean(ctx: &mut Ctx, field: &Field) -> Option<bool> {
    match field.value {
        Value::Bool(b) => Some(*b),
        _ => {
            ctx.error(&field.path, "expected a boolean");
            None
        }
    }
}

/// A short description of a JSON value for messages: `"abc"`, `2.5`, `null`, `an array`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() <= 40 => format!("{s:?}"),
        Value::String(_) => "a long string".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}
