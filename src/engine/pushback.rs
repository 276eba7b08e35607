//! Reading `grpc-retry-pushback-ms` (R35–R37, D8).
//!
//! Why so strict: peers disagree wildly on malformed values (grpc-js retries on `parseInt`
//! garbage, grpcio turns it into INTERNAL). Hedgehog accepts exactly `-?[0-9]+` that fits in an
//! i32, one value only, and treats everything else as the server asking for no retry, returning
//! the attempt's own status. A server can therefore never make hedgehog retry by accident.

use crate::profile::choices::{MalformedPushback, PushbackReading, SeveralPushbacks};
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

    /// Reads the raw trailer values as a runtime does (R39): which of several values counts,
    /// and what a malformed one means. `None` when there are none. hedgehog's own reading
    /// (D8) is [`Pushback::parse`].
    pub fn read(values: &[String], how: &PushbackReading) -> Option<Pushback> {
        let one = match (values, how.several) {
            ([], _) => return None,
            ([one], _) => one,
            (_, SeveralPushbacks::Refuse) => return Some(Pushback::Malformed),
            ([first, ..], SeveralPushbacks::First) => first,
            ([.., last], SeveralPushbacks::Last) => last,
        };
        match (parse_one(one), how.malformed) {
            (Pushback::Malformed, MalformedPushback::ParseInt) => Some(parse_int(one)),
            (meaning, _) => Some(meaning),
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

/// JavaScript's `parseInt(raw)` as a pushback (grpc-js, R39): leading whitespace, an optional
/// sign, then as many decimal digits as there are; no digits is `NaN`, which a timer waits as
/// 0 ms. A negative value stops; a value past i32 is read as its digits say, saturating.
fn parse_int(raw: &str) -> Pushback {
    let trimmed = raw.trim_start();
    let (negative, rest) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit);
    let mut value: Option<u64> = None;
    for d in digits {
        let v = value.unwrap_or(0);
        value = Some(v.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    }
    match value {
        None => Pushback::Delay(0),
        Some(0) => Pushback::Delay(0),
        Some(_) if negative => Pushback::Stop,
        Some(v) => Pushback::Delay(ms(v)),
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

    fn read(values: &[&str], profile: &crate::profile::Profile) -> Option<Pushback> {
        let values: Vec<String> = values.iter().map(|s| s.to_string()).collect();
        Pushback::read(&values, &profile.pushback)
    }

    #[test]
    fn each_runtime_reads_several_and_malformed_values_its_own_way_r39() {
        use crate::profile::catalog::{A6, C_CORE, GRPC_GO, GRPC_JAVA, GRPC_JS};
        // (values, a6 and grpc-go, grpc-java, grpc-js)
        let cases: [(&[&str], Pushback, Pushback, Pushback); 7] = [
            (
                &["100", "200"],
                Pushback::Malformed,
                Pushback::Delay(ms(200)),
                Pushback::Delay(ms(100)),
            ),
            (
                &["-1", "200"],
                Pushback::Malformed,
                Pushback::Delay(ms(200)),
                Pushback::Stop,
            ),
            (
                &["abc"],
                Pushback::Malformed,
                Pushback::Malformed,
                Pushback::Delay(0),
            ),
            (
                &["1.5"],
                Pushback::Malformed,
                Pushback::Malformed,
                Pushback::Delay(ms(1)),
            ),
            (
                &[" 12abc"],
                Pushback::Malformed,
                Pushback::Malformed,
                Pushback::Delay(ms(12)),
            ),
            (
                &["-3x"],
                Pushback::Malformed,
                Pushback::Malformed,
                Pushback::Stop,
            ),
            (
                &["250"],
                Pushback::Delay(ms(250)),
                Pushback::Delay(ms(250)),
                Pushback::Delay(ms(250)),
            ),
        ];
        for (values, a6, java, js) in cases {
            assert_eq!(read(values, &A6), Some(a6), "a6 {values:?}");
            assert_eq!(read(values, &GRPC_GO), Some(a6), "grpc-go {values:?}");
            assert_eq!(
                read(values, &C_CORE),
                Some(a6),
                "c-core reads as a6; the engine fails INTERNAL"
            );
            assert_eq!(read(values, &GRPC_JAVA), Some(java), "grpc-java {values:?}");
            assert_eq!(read(values, &GRPC_JS), Some(js), "grpc-js {values:?}");
        }
        assert_eq!(read(&[], &GRPC_JS), None);
    }
}
