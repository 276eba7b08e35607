//! The scalars of a trace document appended to a byte buffer without `core::fmt`: integers,
//! times in the JSON's milliseconds and the text's `31.404ms`, JSON strings, padding. A
//! streamed trace writes several of each per attempt, and `write!` with its formatter costs
//! more than the simulation of the attempt; these cost a copy.
//!
//! Each one writes exactly what the formatting it replaces writes — serde_json's string
//! escaping and shortest float spelling, `Display` padding — and falls back to that formatting
//! itself wherever the fast spelling could differ (a string that needs escaping, a time too
//! large for the integer digits to be the float's), so the output never changes; the tests
//! below compare the two.

use crate::time::{to_ms, MsText, Nanos};

/// Appends `n` in decimal.
pub fn uint(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `n`, or `null`.
pub fn uint_or_null(out: &mut Vec<u8>, n: Option<u32>) {
    match n {
        Some(n) => uint(out, n.into()),
        None => out.extend_from_slice(b"null"),
    }
}

/// Below this many microseconds a time's integer digits are exactly serde_json's shortest
/// spelling of [`to_ms`]: the f64 nearest `micros / 1000` is within half a unit in the last
/// place, that unit is under 0.001 (the value is under 2⁴² ms), so no other decimal with
/// three or fewer places rounds to the same float, and the spelling stays in plain notation.
const EXACT_MICROS: u64 = 1_000_000_000_000_000;

/// Appends [`to_ms`] of `ns` as serde_json prints an f64 (`31.404`, `10.0`, `0.001`).
pub fn ms_json(out: &mut Vec<u8>, ns: Nanos) {
    let micros = ns.saturating_add(500) / 1_000;
    if micros >= EXACT_MICROS {
        let _ = serde_json::to_writer(&mut *out, &to_ms(ns));
        return;
    }
    uint(out, micros / 1_000);
    let frac = micros % 1_000;
    if frac == 0 {
        out.extend_from_slice(b".0");
        return;
    }
    let digits = [
        b'0' + (frac / 100) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ];
    let keep = if frac % 10 != 0 {
        3
    } else if frac % 100 != 0 {
        2
    } else {
        1
    };
    out.push(b'.');
    out.extend_from_slice(&digits[..keep]);
}

/// Appends [`to_ms`] of `ns`, or `null`.
pub fn ms_json_or_null(out: &mut Vec<u8>, ns: Option<Nanos>) {
    match ns {
        Some(ns) => ms_json(out, ns),
        None => out.extend_from_slice(b"null"),
    }
}

/// Whether `s` is printable ASCII without `"` and `\`: what both serde_json's escaping and
/// `{:?}` leave as it is between the quotes.
pub(crate) fn is_plain(s: &str) -> bool {
    // A fold without an early exit, which the compiler vectorizes: the strings are short.
    let escaped = s.bytes().fold(false, |any, b| {
        any | !(0x20..0x7f).contains(&b) | (b == b'"') | (b == b'\\')
    });
    !escaped
}

/// Appends a name the trace prints quoted (an event kind, a status, an outcome): plain ASCII
/// by construction, so it is copied without looking at it.
pub fn name_str(out: &mut Vec<u8>, name: &'static str) {
    debug_assert!(is_plain(name), "{name}");
    quoted(out, name);
}

fn quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// Appends `s` as a JSON string, as serde_json writes it.
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    if is_plain(s) {
        quoted(out, s);
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// Appends `s` as `{:?}` prints it.
pub fn debug_str(out: &mut Vec<u8>, s: &str) {
    use std::io::Write as _;
    if is_plain(s) {
        quoted(out, s);
    } else {
        let _ = write!(out, "{s:?}");
    }
}

/// Appends `s` as a JSON string, or `null`.
pub fn json_str_or_null(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Appends `text` right-aligned in `width` columns (the text is ASCII), as `{:>width}`.
pub fn right(out: &mut Vec<u8>, text: &[u8], width: usize) {
    out.resize(out.len() + width.saturating_sub(text.len()), b' ');
    out.extend_from_slice(text);
}

/// Appends a time as the text trace prints it ([`MsText`]), right-aligned in `width` columns.
pub fn ms_text(out: &mut Vec<u8>, ns: Nanos, width: usize) {
    match MsText(ns).parts() {
        Some((whole, rest)) => {
            let mut b = itoa::Buffer::new();
            let whole = b.format(whole).as_bytes();
            out.resize(
                out.len() + width.saturating_sub(whole.len() + rest.len()),
                b' ',
            );
            out.extend_from_slice(whole);
            out.extend_from_slice(&rest);
        }
        None => right(out, MsText(ns).text().as_bytes(), width),
    }
}

/// Pads what was written since `from` with spaces to `width` bytes (the text is ASCII), as
/// `{:<width}` would.
pub fn pad_to(out: &mut Vec<u8>, from: usize, width: usize) {
    let written = out.len() - from;
    out.resize(out.len() + width.saturating_sub(written), b' ');
}

/// Drops the whitespace that ends what was written since `from`, as `str::trim_end` would.
pub fn trim_end(out: &mut Vec<u8>, from: usize) {
    // ASCII whitespace is trimmed byte by byte; at a non-ASCII byte, `str` decides.
    while out.len() > from {
        match out[out.len() - 1] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                out.pop();
            }
            b if b < 0x80 => return,
            _ => {
                let kept = std::str::from_utf8(&out[from..])
                    .map_or(out.len() - from, |l| l.trim_end().len());
                out.truncate(from + kept);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        write(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn times_are_serde_jsons_spelling_of_to_ms() {
        let mut samples: Vec<u64> = (0..5_000).map(|us| us * 1_000).collect();
        samples.extend([
            499,
            500,
            1_499,
            999_999_999,
            31_404_000,
            u64::MAX,
            u64::MAX - 500,
        ]);
        // Every magnitude, with digits that end in zeros and in others.
        let mut ns = 1u64;
        while let Some(next) = ns.checked_mul(3) {
            for d in [0, 1, 999, 1_000, 10_000, 100_000, 123_456] {
                samples.push(ns.saturating_add(d));
                samples.push(ns / 1_000 * 1_000);
            }
            ns = next;
        }
        for edge in [EXACT_MICROS, 1 << 42, 1 << 53] {
            for d in [0, 1, 10, 100] {
                samples.push((edge - d).saturating_mul(1_000));
                samples.push((edge + d).saturating_mul(1_000));
            }
        }
        for ns in samples {
            let want = serde_json::to_string(&to_ms(ns)).unwrap();
            assert_eq!(text(|o| ms_json(o, ns)), want, "{ns}");
        }
    }

    #[test]
    fn strings_are_serde_jsons_escaping_and_debugs() {
        for s in [
            "",
            "OK",
            "Try \"and\" Success",
            "a\\b",
            "tab\t",
            "\u{1}",
            "\u{7f}",
            "café",
            "/",
        ] {
            assert_eq!(text(|o| json_str(o, s)), serde_json::to_string(s).unwrap());
            assert_eq!(text(|o| debug_str(o, s)), format!("{s:?}"));
        }
    }

    #[test]
    fn padding_and_trimming_are_the_formatters() {
        for ns in [
            0,
            31_404_000,
            123_456_789_012_345,
            (1 << 53) * 1_000,
            u64::MAX,
        ] {
            for width in [0, 12, 30] {
                let want = format!("{:>width$}", MsText(ns));
                assert_eq!(text(|o| ms_text(o, ns, width)), want);
            }
        }
        for line in [
            "a  ",
            "a",
            "  ",
            "a\t\u{b}\u{c} \r\n",
            "a\u{a0} ",
            "a\u{3000}",
            "é ",
        ] {
            let got = text(|o| {
                o.extend_from_slice(b"xx");
                o.extend_from_slice(line.as_bytes());
                trim_end(o, 2);
            });
            assert_eq!(got, format!("xx{}", line.trim_end()), "{line:?}");
        }
    }
}
