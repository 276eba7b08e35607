//! Time as integer nanoseconds (determinism rule 2, docs/a6-rules.md).
//!
//! Every instant and duration hedgehog computes with is a `u64` count of nanoseconds: virtual
//! time in the simulator, time since the driver's epoch in live mode. Floating point appears only
//! at the edges, when a trace prints milliseconds.

/// Nanoseconds: a duration, or an instant measured from a clock's epoch.
pub type Nanos = u64;

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MS: Nanos = 1_000_000;
/// Nanoseconds in one second.
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// `ms` milliseconds as nanoseconds, saturating.
pub const fn ms(ms: u64) -> Nanos {
    ms.saturating_mul(NANOS_PER_MS)
}

/// The earlier of two optional instants or durations; `None` only when both are.
pub fn earliest(a: Option<Nanos>, b: Option<Nanos>) -> Option<Nanos> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Milliseconds with microsecond precision, as the JSON trace prints them (`31.404`).
pub fn to_ms(ns: Nanos) -> f64 {
    // Round to whole microseconds first (integer), then divide: the printed value is exact.
    let micros = ns.saturating_add(500) / 1_000;
    micros as f64 / 1_000.0
}

/// A short ASCII text held on the stack: a time or a duration as the traces print it, made
/// without allocating (the streamed traces write several per attempt).
#[derive(Clone, Copy)]
pub struct ShortText {
    buf: [u8; 48],
    len: usize,
}

impl ShortText {
    fn new() -> ShortText {
        ShortText {
            buf: [0; 48],
            len: 0,
        }
    }

    /// Appends `bytes` (at most what is left of 48; every text here is shorter).
    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    fn push_u64(&mut self, n: u64) {
        self.push(itoa::Buffer::new().format(n).as_bytes());
    }

    /// `frac` in exactly `digits` digits, zero-padded.
    fn push_padded(&mut self, frac: u64, digits: usize) {
        let mut b = itoa::Buffer::new();
        let text = b.format(frac).as_bytes();
        for _ in text.len()..digits {
            self.push(b"0");
        }
        self.push(text);
    }

    /// The text's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// A time as the traces print it: [`to_ms`] with three decimals and `ms` (`31.404ms`),
/// written without allocating and padded to the formatter's width. Integer arithmetic gives
/// the float formatting's digits exactly while the microseconds fit an f64's 53 bits; beyond
/// that (a saturated time) the float formatting itself is used, so the text never changes.
#[derive(Clone, Copy, Debug)]
pub struct MsText(pub Nanos);

impl MsText {
    /// The text in two pieces, whole milliseconds and the rest (`.404ms`), while integer
    /// arithmetic gives the float formatting's digits (`None` beyond: see [`MsText::text`]).
    /// What a writer that cannot afford [`MsText::text`]'s copy writes.
    pub fn parts(self) -> Option<(u64, [u8; 6])> {
        let micros = self.0.saturating_add(500) / 1_000;
        let frac = (micros % 1_000) as u32;
        let digit = |d: u32| b'0' + (d % 10) as u8;
        (micros < 1 << 53).then(|| {
            let rest = [
                b'.',
                digit(frac / 100),
                digit(frac / 10),
                digit(frac),
                b'm',
                b's',
            ];
            (micros / 1_000, rest)
        })
    }

    /// The text, unpadded.
    pub fn text(self) -> ShortText {
        let mut t = ShortText::new();
        if let Some((whole, rest)) = self.parts() {
            t.push_u64(whole);
            t.push(&rest);
        } else {
            use std::io::Write as _;
            let mut rest = &mut t.buf[..];
            let _ = write!(rest, "{:.3}ms", to_ms(self.0));
            t.len = 48 - rest.len();
        }
        t
    }
}

impl std::fmt::Display for MsText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.text().as_str())
    }
}

/// A human duration: `10ms`, `1.5s`, `250us`, `0s`, exact and without trailing zeros.
pub fn human(ns: Nanos) -> String {
    human_text(ns).as_str().to_string()
}

/// [`human`]'s text, without allocating.
pub fn human_text(ns: Nanos) -> ShortText {
    let mut t = ShortText::new();
    let (unit, digits, suffix): (Nanos, usize, &[u8]) = if ns == 0 {
        t.push(b"0s");
        return t;
    } else if ns >= NANOS_PER_SEC {
        (NANOS_PER_SEC, 9, b"s")
    } else if ns >= NANOS_PER_MS {
        (NANOS_PER_MS, 6, b"ms")
    } else if ns >= 1_000 {
        (1_000, 3, b"us")
    } else {
        (1, 0, b"ns")
    };
    t.push_u64(ns / unit);
    let frac = ns % unit;
    if frac != 0 {
        // The fraction in `digits` digits, its trailing zeros dropped.
        let (mut frac, mut digits) = (frac, digits);
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        t.push(b".");
        t.push_padded(frac, digits);
    }
    t.push(suffix);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_print_with_microsecond_precision() {
        assert_eq!(to_ms(31_404_000), 31.404);
        assert_eq!(to_ms(1_499), 0.001);
        assert_eq!(to_ms(0), 0.0);
        let horizon = (u64::MAX / 1_000) as f64 / 1_000.0;
        assert_eq!(to_ms(u64::MAX), horizon, "saturates, never wraps to 0");
    }

    #[test]
    fn ms_text_is_the_float_formatting_of_to_ms() {
        let big = [(1u64 << 53) * 1_000 - 1, (1 << 53) * 1_000, u64::MAX - 500];
        for ns in [
            0,
            499,
            500,
            1_499,
            31_404_000,
            999_999_999,
            86_400_000_000_123,
        ]
        .into_iter()
        .chain(big)
        {
            let float = format!("{:.3}ms", to_ms(ns));
            assert_eq!(MsText(ns).to_string(), float, "{ns}");
            assert_eq!(format!("{:>24}", MsText(ns)), format!("{float:>24}"));
        }
    }

    #[test]
    fn earliest_ignores_what_is_unset() {
        assert_eq!(earliest(Some(5), Some(3)), Some(3));
        assert_eq!(earliest(None, Some(3)), Some(3));
        assert_eq!(earliest(Some(5), None), Some(5));
        assert_eq!(earliest(None, None), None);
    }

    /// The allocating formatting `human` had, as the reference for the one it has now.
    fn human_by_format(ns: Nanos) -> String {
        fn trim(whole: u64, frac: u64, digits: usize, unit: &str) -> String {
            if frac == 0 {
                return format!("{whole}{unit}");
            }
            let s = format!("{frac:0digits$}");
            format!("{whole}.{}{unit}", s.trim_end_matches('0'))
        }
        if ns == 0 {
            "0s".to_string()
        } else if ns >= NANOS_PER_SEC {
            trim(ns / NANOS_PER_SEC, ns % NANOS_PER_SEC, 9, "s")
        } else if ns >= NANOS_PER_MS {
            trim(ns / NANOS_PER_MS, ns % NANOS_PER_MS, 6, "ms")
        } else if ns >= 1_000 {
            trim(ns / 1_000, ns % 1_000, 3, "us")
        } else {
            format!("{ns}ns")
        }
    }

    #[test]
    fn human_text_is_the_formatted_text() {
        let mut ns: u64 = 0;
        let mut step = 1u64;
        while ns < u64::MAX - step {
            for d in [0, 1, 7, 10, 999, 1_000, 1_001, 100_000, 999_999] {
                let n = ns.saturating_add(d);
                assert_eq!(human(n), human_by_format(n), "{n}");
            }
            ns += step;
            step = step.saturating_mul(3) / 2 + 1;
        }
        for n in [
            u64::MAX,
            NANOS_PER_SEC,
            NANOS_PER_MS,
            1_500_000_000,
            9_100_000,
        ] {
            assert_eq!(human(n), human_by_format(n), "{n}");
        }
    }

    #[test]
    fn human_durations_are_exact() {
        assert_eq!(human(ms(10)), "10ms");
        assert_eq!(human(1_500_000_000), "1.5s");
        assert_eq!(human(8_000_000), "8ms");
        assert_eq!(human(12_500), "12.5us");
        assert_eq!(human(0), "0s");
        assert_eq!(human(7), "7ns");
    }
}
