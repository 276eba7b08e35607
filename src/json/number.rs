//! A JSON number as its text: what makes `tokenRatio` exact (R47, D7).

use std::fmt;
use std::str::FromStr;

use serde::ser::{Serialize, Serializer};

/// A JSON number kept as its text (`0.7`, `1e+2`, `12345678901234567890123`).
///
/// Read numbers are normalised the way serde_json writes exponents (`1E5` becomes `1e+5`);
/// the digits are never touched, so a decimal is never rounded through a float.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// Wraps number text that follows the JSON number grammar; exponents are normalised to
    /// `e+N`/`e-N`. The caller guarantees the grammar (the parser does).
    pub(crate) fn from_json_text(text: &str) -> Number {
        match text.find(['e', 'E']) {
            None => Number(text.to_string()),
            Some(i) => {
                let (mantissa, exponent) = (&text[..i], &text[i + 1..]);
                let sign = if exponent.starts_with(['+', '-']) {
                    ""
                } else {
                    "+"
                };
                Number(format!("{mantissa}e{sign}{exponent}"))
            }
        }
    }

    /// A finite float as serde_json prints it (shortest round trip: `1.0`, `0.1`, `1e-7`);
    /// `None` for NaN and infinities, which JSON cannot hold.
    pub fn from_f64(f: f64) -> Option<Number> {
        f.is_finite()
            .then(|| Number(serde_json::to_string(&f).unwrap_or_default()))
    }

    /// The number's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value if the text is an integer in `u64`'s range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The value if the text is an integer in `i64`'s range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The nearest float, if finite.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// Whether the text is exactly what serde_json prints for the same integer or float, so
    /// any serializer can be handed the number instead of its text.
    fn native(&self) -> Option<Native> {
        if let Some(u) = self.as_u64().filter(|u| u.to_string() == self.0) {
            return Some(Native::U64(u));
        }
        if let Some(i) = self.as_i64().filter(|i| i.to_string() == self.0) {
            return Some(Native::I64(i));
        }
        self.as_f64()
            .filter(|f| Number::from_f64(*f).is_some_and(|n| n.0 == self.0))
            .map(Native::F64)
    }
}

enum Native {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Number {
    /// Integers and floats in serde_json's own spelling go out as numbers, so every
    /// serializer (YAML, insta) sees a number; any other text (`1.10`, `1e+0`, digits beyond
    /// `u64`) goes out verbatim through serde_json's `RawValue`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.native() {
            Some(Native::U64(u)) => s.serialize_u64(u),
            Some(Native::I64(i)) => s.serialize_i64(i),
            Some(Native::F64(f)) => s.serialize_f64(f),
            None => serde_json::value::RawValue::from_string(self.0.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}

impl FromStr for Number {
    type Err = NotANumber;

    /// Number text in JSON's grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), kept as
    /// written apart from the exponent's spelling: `"1.10".parse::<Number>()` stays `1.10`.
    fn from_str(text: &str) -> Result<Number, NotANumber> {
        let starts_like_a_number = text.starts_with(|c: char| c == '-' || c.is_ascii_digit());
        let one_token = !text.contains(|c: char| c.is_ascii_whitespace());
        let grammatical = starts_like_a_number
            && one_token
            && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
        if grammatical {
            Ok(Number::from_json_text(text))
        } else {
            Err(NotANumber(text.to_string()))
        }
    }
}

/// Text that is not a JSON number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotANumber(pub String);

impl fmt::Display for NotANumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a JSON number", self.0)
    }
}

impl std::error::Error for NotANumber {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_text_parses_as_written() {
        for (text, kept) in [
            ("1.10", "1.10"),
            ("-0", "-0"),
            ("1E5", "1e+5"),
            ("1e400", "1e+400"),
        ] {
            assert_eq!(
                text.parse::<Number>().map(|n| n.to_string()),
                Ok(kept.to_string())
            );
        }
        for bad in [
            "", "01", "1.", "+1", " 1", "1 ", "\"1\"", "[1]", "1,2", "NaN", "0x10",
        ] {
            assert_eq!(
                bad.parse::<Number>(),
                Err(NotANumber(bad.to_string())),
                "{bad}"
            );
        }
    }
}
