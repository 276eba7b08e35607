//! Server latency distributions: how long an attempt takes from being sent to its end.
//!
//! Determinism: draws come from the server's own seeded stream; the only transcendental
//! functions are `libm`'s `log`, `exp`, `cos` and `sqrt`, which are pure Rust and give the same
//! bits on every platform (std's `ln`/`exp` call the platform's libm, which need not). Each draw
//! is rounded to whole nanoseconds at once, so floats never reach the clock (rule 2).

use crate::json::Value;
use rand::{Rng, RngCore};

use super::fields::{self as parse, FieldError};
use crate::time::Nanos;

/// A parsed `server.latency` object.
#[derive(Clone, Debug, PartialEq)]
pub enum Latency {
    /// `{"fixed_ms": X}`.
    Fixed(Nanos),
    /// `{"uniform_ms": [A, B]}`: every nanosecond in `[A, B]` equally likely.
    Uniform(Nanos, Nanos),
    /// `{"exponential_ms": MEAN}`.
    Exponential {
        /// The mean, in milliseconds.
        mean_ms: f64,
    },
    /// `{"lognormal": {"offset_ms": X, "mu": M, "sigma": S}}`: `X + e^(M + S·Z)` ms, Z ~ N(0, 1).
    LogNormal {
        /// Constant added to every draw (a floor), in milliseconds.
        offset_ms: f64,
        /// Mean of the underlying normal (log-milliseconds).
        mu: f64,
        /// Standard deviation of the underlying normal.
        sigma: f64,
    },
}

/// The latency kinds, for "unknown kind" messages.
pub const KINDS: [&str; 4] = ["fixed_ms", "uniform_ms", "exponential_ms", "lognormal"];

impl Default for Latency {
    /// An instant server.
    fn default() -> Self {
        Latency::Fixed(0)
    }
}

impl Latency {
    /// Parses a `server.latency` object found at `path`.
    pub fn parse(value: &Value, path: &str) -> Result<Latency, FieldError> {
        let map = value.as_object().ok_or_else(|| {
            FieldError::new(
                path,
                format!("expected an object, got {}", parse::kind(value)),
            )
        })?;
        let mut keys = map.keys();
        let (Some(key), None) = (keys.next(), keys.next()) else {
            return Err(FieldError::new(
                path,
                format!("expected exactly one of: {}", KINDS.join(", ")),
            ));
        };
        let at = parse::join(path, key);
        let v = &map[key];
        match key.as_str() {
            "fixed_ms" => Ok(Latency::Fixed(parse::millis(v, &at)?)),
            "uniform_ms" => {
                let pair = v.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
                    FieldError::new(
                        &at,
                        format!("expected [A, B] in ms, got {}", parse::show(v)),
                    )
                })?;
                let a = parse::millis(&pair[0], &format!("{at}[0]"))?;
                let b = parse::millis(&pair[1], &format!("{at}[1]"))?;
                if a > b {
                    return Err(FieldError::new(&at, "expected A <= B"));
                }
                Ok(Latency::Uniform(a, b))
            }
            "exponential_ms" => Ok(Latency::Exponential {
                mean_ms: parse::non_negative(v, &at)?,
            }),
            "lognormal" => {
                let m = parse::object(v, &at, &["offset_ms", "mu", "sigma"])?;
                let offset_ms = match m.get("offset_ms") {
                    Some(o) => parse::non_negative(o, &parse::join(&at, "offset_ms"))?,
                    None => 0.0,
                };
                let mu = parse::finite(parse::required(m, &at, "mu")?, &parse::join(&at, "mu"))?;
                let sigma = parse::non_negative(
                    parse::required(m, &at, "sigma")?,
                    &parse::join(&at, "sigma"),
                )?;
                Ok(Latency::LogNormal {
                    offset_ms,
                    mu,
                    sigma,
                })
            }
            other => Err(FieldError::new(
                &at,
                format!(
                    "unknown latency kind \"{other}\"; expected one of: {}",
                    KINDS.join(", ")
                ),
            )),
        }
    }

    /// One draw, in whole nanoseconds (saturating at `u64::MAX`). Generic over the stream so
    /// the stock server draws without dynamic dispatch; the numbers do not depend on it.
    /// Always inlined: it is drawn once per simulated attempt, and a call costs more than
    /// the fixed and exponential draws themselves.
    #[inline(always)]
    pub fn sample<R: RngCore + ?Sized>(&self, rng: &mut R) -> Nanos {
        match *self {
            Latency::Fixed(ns) => ns,
            Latency::Uniform(a, b) => rng.random_range(a.min(b)..=a.max(b)),
            Latency::Exponential { mean_ms } => to_nanos(-mean_ms * libm::log(open_unit(rng))),
            Latency::LogNormal {
                offset_ms,
                mu,
                sigma,
            } => {
                let z = standard_normal(rng);
                to_nanos(offset_ms + libm::exp(mu + sigma * z))
            }
        }
    }
}

/// A uniform draw in (0, 1]: never 0, so its logarithm is finite.
#[inline]
pub(crate) fn open_unit<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    // 53 random bits, shifted up by one ulp: exact, platform-independent arithmetic.
    ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Box–Muller with libm: one standard normal draw (two uniforms per draw, no cached spare, so
/// each draw consumes the same amount of the stream).
pub(crate) fn standard_normal<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
    let u1 = open_unit(rng);
    let u2 = open_unit(rng);
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
}

/// Milliseconds to whole nanoseconds, saturating.
fn to_nanos(ms: f64) -> Nanos {
    parse::ms_to_nanos(ms.max(0.0)).unwrap_or(Nanos::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;
    use crate::scenario::rng::{stream, Purpose};

    fn mean_ms(latency: &Latency, n: u32) -> f64 {
        let mut rng = stream(7, Purpose::ServerLatency, 0);
        let total: u128 = (0..n).map(|_| u128::from(latency.sample(&mut rng))).sum();
        total as f64 / f64::from(n) / 1e6
    }

    #[test]
    fn fixed_is_exact() {
        let l = Latency::parse(&json!({"fixed_ms": 2.5}), "server.latency").unwrap();
        assert_eq!(l, Latency::Fixed(2_500_000));
        assert_eq!(mean_ms(&l, 10), 2.5);
    }

    #[test]
    fn uniform_stays_in_bounds_and_centres() {
        let l = Latency::parse(&json!({"uniform_ms": [10, 20]}), "l").unwrap();
        let mut rng = stream(1, Purpose::ServerLatency, 0);
        for _ in 0..10_000 {
            let x = l.sample(&mut rng);
            assert!((10_000_000..=20_000_000).contains(&x), "{x}");
        }
        let m = mean_ms(&l, 100_000);
        assert!((m - 15.0).abs() < 0.1, "mean {m}");
    }

    #[test]
    fn exponential_mean_matches() {
        let l = Latency::parse(&json!({"exponential_ms": 5}), "l").unwrap();
        let m = mean_ms(&l, 200_000);
        assert!((m - 5.0).abs() < 0.1, "mean {m}");
    }

    #[test]
    fn lognormal_mean_matches_offset_plus_exp_mu_plus_half_sigma_squared() {
        let l = Latency::parse(
            &json!({"lognormal": {"offset_ms": 1, "mu": 1.0, "sigma": 0.5}}),
            "l",
        )
        .unwrap();
        let expected = 1.0 + libm::exp(1.0 + 0.125);
        let m = mean_ms(&l, 200_000);
        assert!(
            (m - expected).abs() < 0.05 * expected,
            "mean {m}, expected {expected}"
        );
    }

    #[test]
    fn draws_are_reproducible_from_the_seed_rule_6() {
        let l = Latency::LogNormal {
            offset_ms: 0.0,
            mu: 0.0,
            sigma: 1.0,
        };
        let mut a = stream(3, Purpose::ServerLatency, 0);
        let mut b = stream(3, Purpose::ServerLatency, 0);
        for _ in 0..1000 {
            assert_eq!(l.sample(&mut a), l.sample(&mut b));
        }
    }

    #[test]
    fn bad_latencies_name_the_path() {
        let err = Latency::parse(&json!({"gamma": 1}), "server.latency").unwrap_err();
        assert_eq!(err.path, "server.latency.gamma");
        assert!(err.message.contains("exponential_ms"), "{}", err.message);
        let err = Latency::parse(&json!({"uniform_ms": [5, 1]}), "server.latency").unwrap_err();
        assert_eq!(err.path, "server.latency.uniform_ms");
        let err = Latency::parse(&json!({"lognormal": {"mu": 1}}), "server.latency").unwrap_err();
        assert_eq!(err.path, "server.latency.lognormal.sigma");
        let err = Latency::parse(&json!({"fixed_ms": 1, "uniform_ms": [1, 2]}), "s").unwrap_err();
        assert_eq!(err.path, "s");
    }
}
