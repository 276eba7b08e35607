//! Writing exact numbers: an integer count of `10^-digits` units as its decimal text, and that
//! text as a JSON number.
//!
//! Why text and not `f64`: a scenario or config written out must read back to the very same
//! integers (nanoseconds, thousandths, parts per billion), and a float in between could move
//! the last digit. `1_500_000` ns is written `1.5` ms, read back as exactly `1_500_000`.

use serde_json::value::RawValue;

/// `n × 10^-digits` as the shortest exact decimal: `decimal(1_500_000, 6)` is `"1.5"`,
/// `decimal(7, 3)` is `"0.007"`, `decimal(2000, 3)` is `"2"`.
pub fn decimal(n: u128, digits: u32) -> String {
    let unit = 10u128.pow(digits);
    let (whole, frac) = (n / unit, n % unit);
    if frac == 0 {
        return whole.to_string();
    }
    let width = usize::try_from(digits).unwrap_or(0);
    let frac = format!("{frac:0width$}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// [`decimal`] as a JSON number that serializes as exactly that text.
pub fn number(n: u128, digits: u32) -> Box<RawValue> {
    // A decimal's text is always a valid JSON number; the fallback (`null`) is never taken.
    RawValue::from_string(decimal(n, digits)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_and_shortest() {
        assert_eq!(decimal(1_500_000, 6), "1.5");
        assert_eq!(decimal(7, 3), "0.007");
        assert_eq!(decimal(2000, 3), "2");
        assert_eq!(decimal(0, 9), "0");
        assert_eq!(decimal(10_000_001, 9), "0.010000001");
        assert_eq!(number(123_456, 3).get(), "123.456");
    }
}
