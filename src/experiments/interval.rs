//! 95 % confidence intervals: the arithmetic, free of any sweep type, so each formula is tested
//! against published values on its own.
//!
//! - [`wilson`]: the Wilson score interval of a binomial proportion (Wilson 1927, "Probable
//!   inference, the law of succession, and statistical inference", JASA 22:209). It stays inside
//!   [0, 1] and does not collapse at 0 % or 100 %, which is where a retry study's success rates
//!   live; Newcombe (1998, "Two-sided confidence intervals for the single proportion",
//!   Statistics in Medicine 17:857, method 3) recommends it over the Wald interval and tabulates
//!   the values the tests below check.
//! - [`percentile_bounds`]: the percentile interval of a bootstrap distribution (Efron &
//!   Tibshirani 1993, "An Introduction to the Bootstrap", §13.3): the 2.5 % and 97.5 % points of
//!   the resampled statistics.
//! - [`min_samples_for_upper_bound`]: how many independent samples it takes before *any* 95 %
//!   interval for the q-quantile has an upper end. The largest of n samples lies below the
//!   q-quantile with probability qⁿ, so the maximum is a 97.5 % upper bound only once
//!   qⁿ ≤ 0.025 (the order-statistic argument of David & Nagaraja 2003, "Order Statistics",
//!   §7.1). Below that size the sample's maximum *is* the percentile estimate and nothing in the
//!   sample says how far above it the true value lies: p99.9 of 200 requests is just the
//!   slowest one. A sweep reports such an interval as open above and warns.

/// The standard normal's 97.5 % point: a two-sided 95 % interval is ± this many standard errors.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The probability a two-sided 95 % interval leaves out on each side.
pub const TAIL: f64 = 0.025;

/// The Wilson score interval for `successes` out of `trials`, as fractions in [0, 1]; `None`
/// without trials.
pub fn wilson(successes: u64, trials: u64) -> Option<(f64, f64)> {
    if trials == 0 {
        return None;
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 and n successes the ends are exactly 0 and 1; rounding would leave 1 − 2⁻⁵².
    let lo = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if successes >= trials {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((lo, hi))
}

/// `a / b`, or 0 when `b` is 0 (a rate of nothing is reported as 0, not NaN).
pub fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The smallest number of independent samples whose maximum is a 97.5 % upper bound for the
/// `q`-quantile (qⁿ ≤ 0.025): 6 for the median, 36 for p90, 368 for p99, 3,688 for p99.9.
/// `u64::MAX` for `q` ≥ 1 (no sample bounds the maximum).
pub fn min_samples_for_upper_bound(q: f64) -> u64 {
    if q >= 1.0 {
        return u64::MAX;
    }
    if q <= 0.0 {
        return 1;
    }
    // Start from the closed form and correct for rounding in the logarithms.
    let mut n = (TAIL.ln() / q.ln()).ceil().max(1.0) as u64;
    while n > 1 && q.powf((n - 1) as f64) <= TAIL {
        n -= 1;
    }
    while q.powf(n as f64) > TAIL {
        n += 1;
    }
    n
}

/// The bootstrap percentile interval of `stats` (sorted here): the ⌈0.025·B⌉-th smallest and
/// the ⌈0.025·B⌉-th largest of the B values, so the two tails are cut alike (with B = 1,000:
/// the 25th smallest and the 25th largest). `None` when `stats` is empty.
pub fn percentile_bounds(stats: &mut [f64]) -> Option<(f64, f64)> {
    if stats.is_empty() {
        return None;
    }
    stats.sort_by(f64::total_cmp);
    let b = stats.len();
    let cut = ((TAIL * b as f64).ceil() as usize).clamp(1, b);
    Some((stats[cut - 1], stats[b - cut]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 5e-5 && (a.1 - b.1).abs() < 5e-5
    }

    #[test]
    fn wilson_gives_newcombes_published_values() {
        // Newcombe (1998), Table I, method 3 (score interval without continuity correction).
        for (x, n, want) in [
            (81, 263, (0.2553, 0.3662)),
            (15, 148, (0.0624, 0.1605)),
            (0, 20, (0.0, 0.1611)),
            (1, 29, (0.0061, 0.1718)),
        ] {
            let got = wilson(x, n).unwrap();
            assert!(close(got, want), "{x}/{n}: {got:?}, published {want:?}");
        }
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn wilson_never_collapses_at_100_percent() {
        let (lo, hi) = wilson(10_000, 10_000).unwrap();
        assert_eq!(hi, 1.0);
        // At p = 1 the lower end is n / (n + z²): 1 − 3.84 / (n + 3.84), the "rule of three".
        let z2 = Z95 * Z95;
        assert!((lo - 10_000.0 / (10_000.0 + z2)).abs() < 1e-12, "{lo}");
    }

    #[test]
    fn the_maximum_bounds_a_quantile_only_from_q_to_the_n_at_most_2_5_percent() {
        assert_eq!(min_samples_for_upper_bound(0.5), 6); // 0.5⁵ = 0.031, 0.5⁶ = 0.016
        assert_eq!(min_samples_for_upper_bound(0.9), 36); // 0.9³⁵ = 0.02503
        assert_eq!(min_samples_for_upper_bound(0.99), 368);
        assert_eq!(min_samples_for_upper_bound(0.999), 3_688);
        assert_eq!(min_samples_for_upper_bound(1.0), u64::MAX);
        // p99.9 of 200 requests: the estimate is the maximum and has no upper bound.
        assert!(200 < min_samples_for_upper_bound(0.999));
    }

    #[test]
    fn percentile_bounds_cut_25_of_1000_from_each_side() {
        let mut v: Vec<f64> = (0..1000).rev().map(f64::from).collect();
        assert_eq!(percentile_bounds(&mut v), Some((24.0, 975.0)));
        let mut one = [7.0];
        assert_eq!(percentile_bounds(&mut one), Some((7.0, 7.0)));
        assert_eq!(percentile_bounds(&mut []), None);
    }
}
