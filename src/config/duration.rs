//! Durations in proto3-JSON form, into integer nanoseconds (R6, D1).
//!
//! A6's form: an optional `-`, integer seconds that are a valid JSON number, optionally `.` and
//! 1–9 digits, then `s`. Lenient mode also takes grpc-go's habits — `".01s"` (leading dot) and
//! `"1.s"` (trailing dot) — and integer seconds with a leading zero, each with a warning naming
//! the peers that reject it; strict mode reports them. Neither mode takes more than 9 fraction
//! digits (only grpc-java does, truncating) or a bare JSON number (no peer does).

use crate::json::Value;

use super::ctx::Ctx;
use super::keys::Field;
use super::values::describe;
use super::Peer;
use crate::time::Nanos;

/// The largest seconds value a `google.protobuf.Duration` may hold (about 10,000 years).
const MAX_SECONDS: u64 = 315_576_000_000;

/// A parsed duration: sign and magnitude in nanoseconds (saturating at `u64::MAX`), plus the
/// non-canonical liberties its text took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Duration {
    /// Below zero.
    pub negative: bool,
    /// |value| in nanoseconds.
    pub nanos: Nanos,
    /// `".01s"`.
    pub leading_dot: bool,
    /// `"1.s"`.
    pub trailing_dot: bool,
    /// `"01s"`.
    pub leading_zero: bool,
    /// Beyond `u64::MAX` nanoseconds (about 584 years), so held as `u64::MAX`: never, in
    /// practice.
    pub saturated: bool,
}

/// Why a string is not a Duration, in words (after `not a Duration: "..."`).
pub(crate) fn parse(text: &str) -> Result<Duration, &'static str> {
    let body = text.strip_suffix('s').ok_or("it must end in \"s\"")?;
    let (negative, body) = match body.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int)
        || !frac.is_none_or(digits)
        || (int.is_empty() && frac.is_none_or(str::is_empty))
    {
        return Err("expected seconds like \"1.5s\"");
    }
    let frac = frac.unwrap_or("");
    if frac.len() > 9 {
        return Err("more than 9 fraction digits");
    }
    let seconds: u64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| "seconds out of range")?
    };
    if seconds > MAX_SECONDS {
        return Err("seconds out of range");
    }
    let frac_nanos: u64 = format!("{frac:0<9}").parse().unwrap_or(0);
    let exact = u128::from(seconds) * 1_000_000_000 + u128::from(frac_nanos);
    let nanos = u64::try_from(exact).unwrap_or(u64::MAX);
    Ok(Duration {
        negative: negative && nanos > 0,
        nanos,
        leading_dot: int.is_empty(),
        trailing_dot: body.ends_with('.'),
        leading_zero: int.len() > 1 && int.starts_with('0'),
        saturated: exact > u128::from(u64::MAX),
    })
}

/// How a duration field may be signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bound {
    /// Backoffs: strictly greater than 0 (R17, D15).
    Positive,
    /// `timeout`, `hedgingDelay`: 0 or more (R52, D25).
    NonNegative,
}

/// Reads a duration field, reporting every problem; `None` if it is not usable.
pub(crate) fn field(ctx: &mut Ctx, field: &Field, bound: Bound) -> Option<Nanos> {
    let text = match field.value {
        Value::String(s) => s,
        other => {
            let hint = match other {
                Value::Number(n) => format!(" (a Duration is a string like \"{n}s\")"),
                _ => String::new(),
            };
            ctx.error(
                &field.path,
                format!("not a Duration: {}{hint}", describe(other)),
            );
            return None;
        }
    };
    let d = match parse(text) {
        Ok(d) => d,
        Err(why) => {
            let accepted: &[Peer] = if why.starts_with("more than 9") {
                &[Peer::Java]
            } else {
                &[]
            };
            ctx.error_accepted_by(
                &field.path,
                format!("not a Duration: {}: {why}", describe(field.value)),
                accepted,
            );
            return None;
        }
    };
    let before = ctx.errors.len();
    if d.leading_dot {
        ctx.liberty(
            &field.path,
            &format!("not a Duration: {text:?} (no digit before the dot)"),
            &[Peer::Java, Peer::Core, Peer::Node],
        );
    }
    if d.trailing_dot {
        ctx.liberty(
            &field.path,
            &format!("not a Duration: {text:?} (no digit after the dot)"),
            &[Peer::Core, Peer::Node],
        );
    }
    if d.leading_zero {
        ctx.liberty(
            &field.path,
            &format!("not a Duration: {text:?} (leading zero: not a JSON number)"),
            &[],
        );
    }
    if d.saturated && !d.negative {
        ctx.warn(
            &field.path,
            format!(
                "{text:?} is beyond the {}s that time in nanoseconds can hold (about 584 years): \
                 capped there, so what waits for it never happens before a deadline or the \
                 end of the run",
                u64::MAX / 1_000_000_000
            ),
            &[],
            &[],
        );
    }
    match bound {
        Bound::Positive if d.negative || d.nanos == 0 => {
            let accepted: &[Peer] = if d.nanos == 0 { &[Peer::Node] } else { &[] };
            ctx.error_accepted_by(&field.path, "must be greater than 0s", accepted);
        }
        Bound::NonNegative if d.negative => ctx.error(&field.path, "must not be negative"),
        _ => {}
    }
    (ctx.errors.len() == before).then_some(d.nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nanos(text: &str) -> Nanos {
        parse(text).expect(text).nanos
    }

    #[test]
    fn canonical_forms_r6() {
        assert_eq!(nanos("1s"), 1_000_000_000);
        assert_eq!(nanos("1.5s"), 1_500_000_000);
        assert_eq!(nanos("0.01s"), 10_000_000);
        assert_eq!(nanos("0.000000001s"), 1);
        assert_eq!(nanos("0s"), 0);
        assert!(parse("-1.5s").expect("negative").negative);
        assert!(!parse("-0s").expect("minus zero").negative);
        assert_eq!(nanos("315576000000s"), u64::MAX, "saturates");
        assert!(parse("20000000000s").expect("valid").saturated);
        assert!(!parse("18446744073.709551615s").expect("valid").saturated);
        assert!(parse("18446744073.709551616s").expect("valid").saturated);
    }

    #[test]
    fn lenient_liberties_are_flagged_r6_d1() {
        let d = parse(".01s").expect("leading dot");
        assert!(d.leading_dot && d.nanos == 10_000_000);
        let d = parse("1.s").expect("trailing dot");
        assert!(d.trailing_dot && d.nanos == 1_000_000_000);
        assert!(parse("01s").expect("leading zero").leading_zero);
        assert!(!parse("0.5s").expect("canonical").leading_zero);
    }

    #[test]
    fn not_durations_r6() {
        for text in [
            "",
            "s",
            "1",
            ".s",
            "-s",
            "1.0000000001s",
            "1e3s",
            "+1s",
            " 1s",
            "1S",
            "1.5.2s",
            "315576000001s",
            "99999999999999999999999s",
            "1ms",
            "é",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }
}
