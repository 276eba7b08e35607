//! Exact decimal numbers from JSON text (R46, R47, D7).
//!
//! hedgehog's JSON reader keeps each number's text ([`crate::json::Number`]); this module reads it
//! as `digits × 10^exp` and converts it to fixed point by moving the decimal point, so
//! `tokenRatio` 0.7 is exactly 700 milli-tokens and `backoffMultiplier` 1.6 exactly
//! 1_600_000_000 parts per billion. No float is involved, so the result is the same on every
//! machine and never off by one (f32 0.7 × 1000 truncates to 699). Digits beyond the scale are
//! truncated, never rounded; values too large saturate.

/// A decimal number: `(-1)^negative × digits × 10^exp`, digits without leading zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dec {
    negative: bool,
    digits: String,
    exp: i64,
}

impl Dec {
    /// Parses text in the JSON number grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    pub fn parse(text: &str) -> Option<Dec> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (mantissa, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(int) || (int.len() > 1 && int.starts_with('0')) {
            return None;
        }
        if frac.is_some_and(|f| !all_digits(f)) {
            return None;
        }
        let exp = match exponent {
            None => 0,
            Some(e) => {
                let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
                if !all_digits(unsigned) {
                    return None;
                }
                // Absurd exponents saturate; 10^±10^12 is far outside anything we scale to.
                let magnitude: i64 = unsigned
                    .parse()
                    .unwrap_or(i64::MAX / 4)
                    .min(1_000_000_000_000);
                if e.starts_with('-') {
                    -magnitude
                } else {
                    magnitude
                }
            }
        };
        let frac = frac.unwrap_or("");
        let all = format!("{int}{frac}");
        let digits = all.trim_start_matches('0').to_string();
        Some(Dec {
            negative,
            digits,
            exp: exp - frac.len() as i64,
        })
    }

    /// Whether the value is 0.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Whether the value is below 0.
    pub fn is_negative(&self) -> bool {
        self.negative && !self.is_zero()
    }

    /// The number of decimals after the point that are not zero-padded away (0 for integers).
    pub fn decimals(&self) -> u64 {
        let trimmed = self.digits.trim_end_matches('0');
        let exp = self.exp + (self.digits.len() - trimmed.len()) as i64;
        if trimmed.is_empty() || exp >= 0 {
            0
        } else {
            exp.unsigned_abs()
        }
    }

    /// |value| × 10^scale, truncated toward zero, saturating at `u128::MAX`.
    pub fn scaled_abs(&self, scale: u32) -> u128 {
        let shift = self.exp + i64::from(scale);
        let digits = if shift >= 0 {
            &self.digits[..]
        } else {
            let drop = shift.unsigned_abs().min(self.digits.len() as u64) as usize;
            &self.digits[..self.digits.len() - drop]
        };
        let mut value: u128 = 0;
        for b in digits.bytes() {
            value = value
                .saturating_mul(10)
                .saturating_add(u128::from(b - b'0'));
        }
        if shift > 0 && value > 0 {
            for _ in 0..shift.min(40) {
                value = value.saturating_mul(10);
            }
        }
        value
    }

    /// The value if it is an integer, saturating at ±`i128::MAX`.
    pub fn integer(&self) -> Option<i128> {
        if self.decimals() > 0 {
            return None;
        }
        let magnitude = i128::try_from(self.scaled_abs(0)).unwrap_or(i128::MAX);
        Some(if self.negative { -magnitude } else { magnitude })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(text: &str, scale: u32) -> u128 {
        Dec::parse(text).expect(text).scaled_abs(scale)
    }

    #[test]
    fn fixed_point_is_exact_and_truncates_r46_r47() {
        assert_eq!(scaled("0.7", 3), 700);
        assert_eq!(scaled("1.001", 3), 1001);
        assert_eq!(scaled("0.5466", 3), 546);
        assert_eq!(scaled("0.0004", 3), 0);
        assert_eq!(scaled("1.6", 9), 1_600_000_000);
        assert_eq!(scaled("1e0", 9), 1_000_000_000);
        assert_eq!(scaled("15E-1", 9), 1_500_000_000);
        assert_eq!(scaled("0.1234567891", 9), 123_456_789);
        assert_eq!(scaled("1e400", 9), u128::MAX);
        assert_eq!(scaled("1e-400", 9), 0);
        assert_eq!(scaled("0", 9), 0);
    }

    #[test]
    fn integers_and_decimals() {
        assert_eq!(Dec::parse("4").and_then(|d| d.integer()), Some(4));
        assert_eq!(Dec::parse("4.0").and_then(|d| d.integer()), Some(4));
        assert_eq!(Dec::parse("-1").and_then(|d| d.integer()), Some(-1));
        assert_eq!(Dec::parse("2.5").and_then(|d| d.integer()), None);
        assert_eq!(Dec::parse("10.5").map(|d| d.decimals()), Some(1));
        assert_eq!(Dec::parse("1.2340").map(|d| d.decimals()), Some(3));
        assert_eq!(Dec::parse("25e-1").map(|d| d.decimals()), Some(1));
        assert!(Dec::parse("-0").is_some_and(|d| d.is_zero() && !d.is_negative()));
    }

    #[test]
    fn rejects_non_json_numbers() {
        for text in [
            "", "-", ".5", "1.", "01", "+1", "1e", "1e+", "0x10", " 1", "1 ", "NaN", "1.5.2",
        ] {
            assert_eq!(Dec::parse(text), None, "{text:?}");
        }
    }
}
