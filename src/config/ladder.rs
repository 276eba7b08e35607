//! The backoff ladder and jitter modes, in integer nanoseconds (R24–R29, D6, D7).
//!
//! Why here, in config, and not in the engine: the ladder is arithmetic on a [`RetryPolicy`]'s
//! numbers, and [`Jitter`] is a choice a scenario makes, like config data. Both the engine (which
//! waits these delays) and `check-config`'s explanation (which prints them) walk this one ladder,
//! so the printed delays cannot drift from the ones a call waits, and config needs no engine.
//!
//! Why integers: the ladder `min(initial × multiplier^(k−1), max)` computed with `powf` may
//! differ by a unit in the last place across platforms, and one nanosecond is enough to reorder
//! two events in a trace. So the multiplier is fixed point (parts per billion, parsed from the
//! config's text), each step is one saturating multiplication of the *uncapped* nominal value,
//! and jitter is an integer parts-per-million factor drawn from the seeded RNG.

use rand::{Rng, RngCore};

use super::walk::{self, Walk};
use super::RetryPolicy;
use crate::time::Nanos;

/// How a nominal backoff delay becomes the actual wait (D6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Jitter {
    /// Current A6: nominal × U(0.8, 1.2) (R24).
    #[default]
    Spec,
    /// Pre-2024 A6 and older grpc-go: U(0, nominal) (R25).
    Full,
    /// Exactly the nominal delay; for tests that pin timings (R26).
    None,
    /// grpc-java before its 2026 fix: nominal × U(0.4, 1.2) (R24).
    LegacyJava,
    /// gax-go's `Backoff.Pause`: uniform on [1 ns, nominal] (see `config::walk`).
    GaxGo,
    /// gax-java's `ExponentialRetryAlgorithm`: whole milliseconds uniform on {0 … d−1}.
    GaxJava,
    /// python-api-core's `exponential_sleep_generator`: uniform on [0, nominal].
    PythonApiCore,
}

impl Jitter {
    /// `spec`, `full` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Jitter::Spec => "spec",
            Jitter::Full => "full",
            Jitter::None => "none",
            Jitter::LegacyJava => "legacy-java",
            Jitter::GaxGo => "gax-go",
            Jitter::GaxJava => "gax-java",
            Jitter::PythonApiCore => "python-api-core",
        }
    }

    /// Parses `spec`, `full` or `none`.
    pub fn from_name(name: &str) -> Option<Jitter> {
        match name {
            "spec" => Some(Jitter::Spec),
            "full" => Some(Jitter::Full),
            "none" => Some(Jitter::None),
            "legacy-java" => Some(Jitter::LegacyJava),
            "gax-go" => Some(Jitter::GaxGo),
            "gax-java" => Some(Jitter::GaxJava),
            "python-api-core" => Some(Jitter::PythonApiCore),
            _ => None,
        }
    }

    /// The smallest and largest delay this mode can draw for `nominal` (inclusive).
    pub fn bounds(self, nominal: Nanos) -> (Nanos, Nanos) {
        match self {
            Jitter::Spec => (scale(nominal, SPEC_LOW_PPM), scale(nominal, SPEC_HIGH_PPM)),
            Jitter::Full => (0, nominal.saturating_sub(1)),
            Jitter::None => (nominal, nominal),
            Jitter::LegacyJava => (
                scale(nominal, LEGACY_JAVA_LOW_PPM),
                scale(nominal, SPEC_HIGH_PPM),
            ),
            Jitter::GaxGo => walk::gax_go_bounds(nominal),
            Jitter::GaxJava => walk::gax_java_bounds(nominal),
            Jitter::PythonApiCore => (0, nominal),
        }
    }

    /// Draws the actual delay for `nominal`.
    ///
    /// The default mode's draw is inline in its caller (the engine's retry step), the others
    /// one call away: a retry pays no call beside its RNG's.
    #[inline(always)]
    pub fn apply(self, nominal: Nanos, rng: &mut dyn RngCore) -> Nanos {
        match self {
            Jitter::Spec => spec_draw(nominal, rng),
            other => other.apply_other(nominal, rng),
        }
    }

    /// [`Jitter::apply`] for every mode but [`Jitter::Spec`].
    #[inline(never)]
    fn apply_other(self, nominal: Nanos, rng: &mut dyn RngCore) -> Nanos {
        match self {
            Jitter::Spec => spec_draw(nominal, rng),
            Jitter::Full if nominal == 0 => 0,
            Jitter::Full => rng.random_range(0..nominal),
            Jitter::None => nominal,
            Jitter::LegacyJava => scale(
                nominal,
                rng.random_range(LEGACY_JAVA_LOW_PPM..=SPEC_HIGH_PPM),
            ),
            Jitter::GaxGo => walk::gax_go_draw(nominal, rng),
            Jitter::GaxJava => walk::gax_java_draw(nominal, rng),
            Jitter::PythonApiCore => walk::python_draw(nominal, rng),
        }
    }
}

const PPM: u64 = 1_000_000;
const SPEC_LOW_PPM: u64 = 800_000;
const SPEC_HIGH_PPM: u64 = 1_200_000;
const LEGACY_JAVA_LOW_PPM: u64 = 400_000;

/// A6's jitter: `nominal` × a uniform draw from [0.8, 1.2], in parts per million (R24).
#[inline(always)]
fn spec_draw(nominal: Nanos, rng: &mut dyn RngCore) -> Nanos {
    scale(nominal, rng.random_range(SPEC_LOW_PPM..=SPEC_HIGH_PPM))
}

/// `value × ppm / 1e6`, truncated, saturating at `u64::MAX`.
fn scale(value: Nanos, ppm: u64) -> Nanos {
    mul_div(value, ppm, PPM)
}

/// `value × factor / divisor`, truncated, saturating at `u64::MAX` (`divisor` > 0).
///
/// The exact quotient of the 128-bit product, computed in 64 bits whenever the product fits
/// (every delay under about four hours): the same result without a 128-bit division, which
/// the compiler cannot turn into a multiplication and calls a library routine for.
#[inline]
pub(crate) fn mul_div(value: u64, factor: u64, divisor: u64) -> u64 {
    match value.checked_mul(factor) {
        Some(product) => product / divisor,
        None => {
            let scaled = u128::from(value) * u128::from(factor) / u128::from(divisor);
            u64::try_from(scaled).unwrap_or(u64::MAX)
        }
    }
}

/// The backoff ladder of one call: each retry's nominal delay b(k), before jitter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackoffLadder {
    initial: Nanos,
    max: Nanos,
    multiplier_ppb: u64,
    /// b(k) before the cap, for the next retry.
    next_uncapped: Nanos,
    /// k of the next retry, 1-based.
    next_retry: u32,
    /// Whether retry 1 is capped at `maxBackoff` too (R27: D7, grpc-go, C-core) or waits
    /// `initialBackoff` as written (grpc-java, grpc-js).
    cap_first: bool,
    /// How one delay leads to the next (D7 for every gRPC runtime; the client libraries'
    /// own formulas otherwise).
    walk: Walk,
}

impl BackoffLadder {
    /// The ladder for `policy`, at retry 1.
    pub fn new(policy: &RetryPolicy) -> Self {
        BackoffLadder {
            initial: policy.initial_backoff,
            max: policy.max_backoff,
            multiplier_ppb: policy.backoff_multiplier_ppb,
            next_uncapped: policy.initial_backoff,
            next_retry: 1,
            cap_first: true,
            walk: Walk::A6,
        }
    }

    /// The same ladder walked as a client library walks it: its numbers as the library holds
    /// them, and its step (see [`Walk`]).
    pub fn with_walk(self, walk: Walk) -> Self {
        let (initial, max, multiplier_ppb) =
            walk.settings(self.initial, self.max, self.multiplier_ppb);
        BackoffLadder {
            initial,
            max,
            multiplier_ppb,
            next_uncapped: initial,
            walk,
            ..self
        }
    }

    /// The same ladder with retry 1 (also after a reset) at `initialBackoff` even when that
    /// exceeds `maxBackoff`; the cap applies from retry 2 on (R27: grpc-java, grpc-js).
    pub fn with_first_delay_uncapped(self) -> Self {
        BackoffLadder {
            cap_first: false,
            ..self
        }
    }

    /// The next retry's index k and its nominal delay b(k) = min(uncapped, maxBackoff); the
    /// first delay is capped too (R27, D7). Advances the ladder.
    pub fn next_nominal(&mut self) -> (u32, Nanos) {
        let k = self.next_retry;
        let nominal = if k == 1 && !self.cap_first {
            self.next_uncapped
        } else {
            self.next_uncapped.min(self.max)
        };
        self.next_uncapped =
            self.walk
                .next(self.next_uncapped, nominal, self.max, self.multiplier_ppb);
        self.next_retry = self.next_retry.saturating_add(1);
        (k, nominal)
    }

    /// Starts the ladder again at `initialBackoff`, as after a pushback-driven retry (R28).
    pub fn reset(&mut self) {
        self.next_uncapped = self.initial;
        self.next_retry = 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{Code, CodeSet};
    use crate::time::ms;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn policy(initial: Nanos, max: Nanos, multiplier_ppb: u64) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            configured_max_attempts: 5,
            initial_backoff: initial,
            max_backoff: max,
            backoff_multiplier_ppb: multiplier_ppb,
            retryable_codes: [Code::Unavailable].into_iter().collect(),
            per_attempt_recv_timeout: None,
        }
    }

    fn ladder(b: &mut BackoffLadder, n: usize) -> Vec<Nanos> {
        (0..n).map(|_| b.next_nominal().1).collect()
    }

    #[test]
    fn nominal_ladder_doubles_then_caps() {
        let mut b = BackoffLadder::new(&policy(ms(100), ms(1000), 2_000_000_000));
        assert_eq!(ladder(&mut b, 6), [100, 200, 400, 800, 1000, 1000].map(ms));
    }

    #[test]
    fn fractional_multiplier_is_exact_d7() {
        // 1.6 from text: 100ms, 160ms, 256ms, 409.6ms — no float error.
        let mut b = BackoffLadder::new(&policy(ms(100), ms(10_000), 1_600_000_000));
        assert_eq!(
            ladder(&mut b, 4),
            [100_000_000, 160_000_000, 256_000_000, 409_600_000]
        );
    }

    #[test]
    fn first_delay_capped_when_initial_exceeds_max_r27() {
        let mut b = BackoffLadder::new(&policy(ms(5000), ms(1000), 1_000_000_000));
        assert_eq!(b.next_nominal(), (1, ms(1000)));
    }

    #[test]
    fn first_delay_uncapped_waits_initial_then_caps_r27() {
        let p = policy(ms(5000), ms(1000), 2_000_000_000);
        let mut b = BackoffLadder::new(&p).with_first_delay_uncapped();
        assert_eq!(ladder(&mut b, 3), [5000, 1000, 1000].map(ms));
        b.reset();
        assert_eq!(
            b.next_nominal(),
            (1, ms(5000)),
            "after a pushback too (R28)"
        );
    }

    #[test]
    fn multiplier_below_one_shrinks_r18() {
        let mut b = BackoffLadder::new(&policy(ms(100), ms(100), 500_000_000));
        assert_eq!(ladder(&mut b, 3), [100, 50, 25].map(ms));
    }

    #[test]
    fn reset_starts_again_at_initial_r28() {
        let mut b = BackoffLadder::new(&policy(ms(10), ms(1000), 2_000_000_000));
        ladder(&mut b, 3);
        b.reset();
        assert_eq!(b.next_nominal(), (1, ms(10)));
    }

    #[test]
    fn huge_values_saturate_instead_of_overflowing() {
        let mut b = BackoffLadder::new(&policy(u64::MAX / 2, u64::MAX, 10_000_000_000));
        let ladder = ladder(&mut b, 4);
        assert_eq!(ladder[1], u64::MAX);
        assert_eq!(ladder[3], u64::MAX);
        assert_eq!(Jitter::Spec.bounds(u64::MAX).1, u64::MAX);
    }

    #[test]
    fn draws_stay_within_each_modes_bounds_r24_r25_r26() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for jitter in [
            Jitter::Spec,
            Jitter::Full,
            Jitter::None,
            Jitter::LegacyJava,
            Jitter::GaxGo,
            Jitter::GaxJava,
            Jitter::PythonApiCore,
        ] {
            let (lo, hi) = jitter.bounds(ms(10));
            let draws: Vec<Nanos> = (0..2000).map(|_| jitter.apply(ms(10), &mut rng)).collect();
            assert!(draws.iter().all(|d| (lo..=hi).contains(d)), "{jitter:?}");
            let (min, max) = (*draws.iter().min().unwrap(), *draws.iter().max().unwrap());
            match jitter {
                // 2000 draws cover the range: both ends within 1% of the bounds.
                Jitter::Spec => assert!(min < ms(8) + ms(10) / 100 && max > ms(12) - ms(10) / 100),
                Jitter::Full => assert!(min < ms(10) / 100 && max > ms(10) - ms(10) / 100),
                Jitter::None => assert_eq!((min, max), (ms(10), ms(10))),
                Jitter::LegacyJava => {
                    assert!(min < ms(4) + ms(10) / 100 && max > ms(12) - ms(10) / 100)
                }
                // The libraries draw over the whole range (see the walk module).
                Jitter::GaxGo | Jitter::PythonApiCore => {
                    assert!(min < ms(10) / 100 && max > ms(10) - ms(10) / 100)
                }
                Jitter::GaxJava => assert_eq!((min, max), (0, ms(9))),
            }
        }
        assert_eq!(Jitter::Spec.bounds(ms(10)), (ms(8), ms(12)));
        assert_eq!(Jitter::Full.apply(0, &mut rng), 0);
    }

    #[test]
    fn mul_div_is_the_128_bit_quotient_saturated() {
        let wide = |v: u64, f: u64, d: u64| {
            u64::try_from(u128::from(v) * u128::from(f) / u128::from(d)).unwrap_or(u64::MAX)
        };
        let values = [
            0,
            1,
            7,
            999_999,
            ms(10),
            u64::MAX / 1_200_000,
            u64::MAX / 1_200_000 + 1,
        ];
        let values = values
            .into_iter()
            .chain([u64::MAX / 2, u64::MAX - 1, u64::MAX]);
        for v in values {
            for (f, d) in [
                (SPEC_HIGH_PPM, PPM),
                (LEGACY_JAVA_LOW_PPM, PPM),
                (1_600_000_000, 1_000_000_000),
                (10_000_000_000, 1_000_000_000),
                (1, 3),
            ] {
                assert_eq!(mul_div(v, f, d), wide(v, f, d), "{v} × {f} / {d}");
            }
        }
    }

    #[test]
    fn same_seed_same_draws() {
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..5)
                .map(|_| Jitter::Spec.apply(ms(10), &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
        let _ = CodeSet::EMPTY;
    }
}
