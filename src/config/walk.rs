//! How Google's client libraries walk and draw a backoff ladder (AIP-4221 profiles).
//!
//! gRPC's runtimes all walk A6's ladder (D7: the uncapped nominal value carried, integer
//! nanoseconds) and differ only in the draw and the first delay (R24–R27). The client
//! libraries read the same `retryPolicy` numbers into their own retry settings and step and
//! draw with their own formulas. Each formula below cites the file and version it is read
//! from; [`Walk`] is the step, and `gax_go_draw`, `gax_java_draw` and `python_draw` are the
//! draws behind [`super::Jitter`]'s library variants. All stay in integer nanoseconds and draw
//! from the seeded stream the caller passes in, as every ladder does (D6).

use rand::{Rng, RngCore};

use super::ladder::mul_div;
use crate::time::{Nanos, NANOS_PER_MS, NANOS_PER_SEC};

const PPB: u64 = 1_000_000_000;

/// How a backoff ladder steps from one delay to the next (R18, D7), beside the first-delay
/// choice of R27.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Walk {
    /// A6 as hedgehog reads it (D7): the *uncapped* nominal value is carried, in integer
    /// nanoseconds, and capped when a delay is drawn; any multiplier > 0 (R18). Every gRPC
    /// runtime.
    #[default]
    A6,
    /// The *capped* value is carried: `next = min(current × multiplier, maxBackoff)`.
    /// python-api-core 2.29.1, `google/api_core/retry/retry_base.py`,
    /// `exponential_sleep_generator`: `max_delay = min(max_delay * multiplier, maximum)`.
    CappedCarry,
    /// gax-go v2.23.0, `v2/call_option.go`, `Backoff.Pause`: the capped value carried
    /// (`cur = min(cur × Multiplier, Max)`), a multiplier below 1 replaced by 2; the numbers
    /// as gapic-generator-go writes them (`internal/gengapic/gengrpc.go`): durations cut to
    /// whole milliseconds (0 ms becomes gax-go's defaults, 1 s and 30 s) and the multiplier
    /// printed with two decimals (`%.2f`).
    GaxGo,
    /// gax-java 2.75.0, `ExponentialRetryAlgorithm.createNextAttempt`: whole milliseconds
    /// throughout, `next = min(⌊multiplier × current⌋, maxRetryDelay)`.
    GaxJava,
}

impl Walk {
    /// `(initialBackoff, maxBackoff, multiplier ppb)` as this walk's library holds them.
    pub(crate) fn settings(self, initial: Nanos, max: Nanos, ppb: u64) -> (Nanos, Nanos, u64) {
        match self {
            Walk::A6 | Walk::CappedCarry => (initial, max, ppb),
            Walk::GaxGo => {
                let whole = |d: Nanos, default: Nanos| match d - d % NANOS_PER_MS {
                    0 => default,
                    ms => ms,
                };
                // `%.2f`: two decimals, half away from zero (the float's own rounding aside).
                let two_decimals = (ppb + 5_000_000) / 10_000_000 * 10_000_000;
                let multiplier = if two_decimals < 1_000_000_000 {
                    2_000_000_000
                } else {
                    two_decimals
                };
                (
                    whole(initial, NANOS_PER_SEC),
                    whole(max, 30 * NANOS_PER_SEC),
                    multiplier,
                )
            }
            Walk::GaxJava => (
                initial - initial % NANOS_PER_MS,
                max - max % NANOS_PER_MS,
                ppb,
            ),
        }
    }

    /// The value carried to the next retry, from this retry's `uncapped` and `nominal`
    /// (capped, or uncapped for an uncapped first delay) values.
    pub(crate) fn next(self, uncapped: Nanos, nominal: Nanos, max: Nanos, ppb: u64) -> Nanos {
        let times = |v: Nanos| mul_div(v, ppb, PPB);
        match self {
            Walk::A6 => times(uncapped),
            Walk::CappedCarry | Walk::GaxGo => times(nominal).min(max),
            Walk::GaxJava => {
                let ms = nominal / NANOS_PER_MS;
                let next_ms = mul_div(ms, ppb, PPB);
                next_ms.saturating_mul(NANOS_PER_MS).min(max)
            }
        }
    }
}

/// gax-go's draw, `Backoff.Pause`: `1 + rand.Int63n(cur)` nanoseconds, uniform on [1 ns, cur].
pub(crate) fn gax_go_draw(nominal: Nanos, rng: &mut dyn RngCore) -> Nanos {
    match nominal {
        0 => 0,
        n => 1 + rng.random_range(0..n),
    }
}

/// gax-java's draw, `ExponentialRetryAlgorithm.nextRandomLong`:
/// `ThreadLocalRandom.nextLong(delayMs)`, whole milliseconds uniform on {0 … d−1}; a delay
/// under 1 ms waits 0.
pub(crate) fn gax_java_draw(nominal: Nanos, rng: &mut dyn RngCore) -> Nanos {
    match nominal / NANOS_PER_MS {
        0 => 0,
        ms => rng.random_range(0..ms) * NANOS_PER_MS,
    }
}

/// python-api-core's draw, `exponential_sleep_generator`: `random.uniform(0.0, max_delay)`,
/// uniform on [0, m].
pub(crate) fn python_draw(nominal: Nanos, rng: &mut dyn RngCore) -> Nanos {
    rng.random_range(0..=nominal)
}

/// The smallest and largest delay each library draw can give for `nominal` (inclusive).
pub(crate) fn gax_go_bounds(nominal: Nanos) -> (Nanos, Nanos) {
    (nominal.min(1), nominal)
}

/// See [`gax_go_bounds`].
pub(crate) fn gax_java_bounds(nominal: Nanos) -> (Nanos, Nanos) {
    let ms = nominal / NANOS_PER_MS;
    (0, ms.saturating_sub(1) * NANOS_PER_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ms;

    #[test]
    fn gax_go_cuts_to_whole_ms_rounds_the_multiplier_and_replaces_one_below_1() {
        let (i, m, p) = Walk::GaxGo.settings(ms(100) + 7, ms(60_000), 1_304_999_999);
        assert_eq!((i, m, p), (ms(100), ms(60_000), 1_300_000_000));
        assert_eq!(
            Walk::GaxGo.settings(500_000, 900_000, 1_005_000_000),
            (ms(1000), ms(30_000), 1_010_000_000)
        );
        assert_eq!(
            Walk::GaxGo.settings(ms(1), ms(2), 500_000_000).2,
            2_000_000_000,
            "R18"
        );
        assert_eq!(Walk::A6.settings(7, 9, 3), (7, 9, 3));
    }

    #[test]
    fn capped_carry_and_a6_differ_only_below_a_multiplier_of_one_r18_d7() {
        // initial 5 s > max 1 s, multiplier 0.5.
        let (max, ppb) = (ms(1000), 500_000_000);
        assert_eq!(
            Walk::CappedCarry.next(ms(5000), ms(1000), max, ppb),
            ms(500)
        );
        assert_eq!(Walk::A6.next(ms(5000), ms(1000), max, ppb), ms(2500));
        // With a multiplier ≥ 1 the capped and uncapped carries give the same delays.
        assert_eq!(
            Walk::CappedCarry.next(ms(800), ms(800), max, 2_000_000_000),
            max
        );
    }

    #[test]
    fn gax_java_steps_in_whole_milliseconds() {
        let max = ms(60_000);
        assert_eq!(
            Walk::GaxJava.next(ms(100), ms(100), max, 1_300_000_000),
            ms(130)
        );
        assert_eq!(
            Walk::GaxJava.next(ms(133), ms(133), max, 1_300_000_000),
            ms(172)
        );
        assert_eq!(
            Walk::GaxJava.settings(ms(100) + 999_999, max, 7),
            (ms(100), max, 7)
        );
    }

    #[test]
    fn library_draws_stay_in_their_ranges() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..500 {
            let go = gax_go_draw(ms(10), &mut rng);
            assert!((1..=ms(10)).contains(&go));
            let java = gax_java_draw(ms(10) + 5, &mut rng);
            assert!(java % NANOS_PER_MS == 0 && java <= ms(9), "{java}");
            assert!(python_draw(ms(10), &mut rng) <= ms(10));
        }
        assert_eq!(
            (gax_go_draw(0, &mut rng), gax_java_draw(999_999, &mut rng)),
            (0, 0)
        );
        assert_eq!(
            (gax_go_bounds(ms(10)), gax_java_bounds(ms(10))),
            ((1, ms(10)), (0, ms(9)))
        );
    }
}
