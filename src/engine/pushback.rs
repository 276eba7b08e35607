//! Reading `grpc-retry-pushback-ms` (R35–R37, D8).
//!
//! Why so strict: peers disagree wildly on malformed values (grpc-js retries on `parseInt`
//! garbage, grpcio turns it into INTERNAL). Hedgehog accepts exactly `-?[0-9]+` that fits in an
//! i32, one value only, and treats everything else as the server asking for no retry, returning
//! the attempt's own status. A server can therefore never make hedgehog retry by accident.

use crate::time::{ms, Nanos};

/// What a pushback trailer asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushback {
    /// Retry after exactly this long, no jitter (R36, R29).
    Delay(Nanos),
    /// Do not retry: a negative value (R37).
    Stop,
    /// Do not retry: a value that is not a single decimal i32 (D8).
    Malformed,
}

impl Pushback {
    /// Reads the raw trailer values; `None` when there are none.
    pub fn parse(values: &[String]) -> Option<Pushback> {
        match values {
            [] => None,
            [one] => Some(parse_one(one)),
            _ => Some(Pushback::Malformed),
        }
    }

    /// Whether this pushback forbids a retry.
    pub fn stops(self) -> bool {
        !matches!(self, Pushback::Delay(_))
    }
}

fn parse_one(raw: &str) -> Pushback {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Pushback::Malformed;
    }
    match raw.parse::<i32>() {
        Ok(v) if v < 0 => Pushback::Stop,
        Ok(v) => Pushback::Delay(ms(v as u64)),
        Err(_) => Pushback::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(values: &[&str]) -> Option<Pushback> {
        Pushback::parse(&values.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn decimal_values_are_exact_delays_r36() {
        assert_eq!(p(&["200"]), Some(Pushback::Delay(ms(200))));
        assert_eq!(p(&["0"]), Some(Pushback::Delay(0)));
        assert_eq!(
            p(&["0200"]),
            Some(Pushback::Delay(ms(200))),
            "leading zeros tolerated (D8)"
        );
        assert_eq!(p(&["2147483647"]), Some(Pushback::Delay(ms(2_147_483_647))));
    }

    #[test]
    fn negative_means_stop_r37() {
        assert_eq!(p(&["-1"]), Some(Pushback::Stop));
        assert_eq!(p(&["-2147483648"]), Some(Pushback::Stop));
    }

    #[test]
    fn anything_else_is_malformed_d8() {
        for raw in [
            "",
            "abc",
            "1.5",
            "+5",
            " 5",
            "5 ",
            "1e3",
            "2147483648",
            "-",
            "--1",
            "٣",
        ] {
            assert_eq!(p(&[raw]), Some(Pushback::Malformed), "{raw:?}");
        }
        assert_eq!(
            p(&["100", "200"]),
            Some(Pushback::Malformed),
            "several values (D8)"
        );
        assert_eq!(p(&[]), None);
    }
}
