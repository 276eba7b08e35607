//! `budget`: a retry budget as Finagle's `RetryBudget` and tower's `TpsBudget` keep it.
//!
//! Every user RPC deposits once when it starts (Finagle's `RetryFilter.apply`); every retry
//! withdraws, and is refused when the balance is short. Deposits and withdrawals expire after
//! `ttl` (a sliding window in ten slices), and a constant reserve of
//! `min_per_sec × ttl` retries rides on top so that a client that has just started, or sends
//! little, can still retry. In integers, exactly as Finagle scales them: a deposit is 1000
//! units, a retry costs `1000 / (retry_percent / 100)` units (5000 at 20 %: five requests buy
//! one retry), and the reserve is `min_per_sec × ttl_s × cost`. With `retry_percent` 0 a
//! deposit is worth nothing and a retry costs 1, so only the reserve pays (Finagle's rule).
//!
//! So in steady state retries are at most `retry_percent` of requests plus `min_per_sec` per
//! second — per client: N clients each get their own reserve.

use super::window::Window;
use super::ClientPolicy;
use crate::scenario::client_policy::BudgetSpec;
use crate::time::{Nanos, NANOS_PER_SEC};

/// One client's retry budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    window: Window,
    deposit: i64,
    cost: i64,
    reserve: i64,
}

impl Budget {
    /// A budget with no deposits yet (only the reserve).
    pub fn new(spec: BudgetSpec) -> Self {
        // 1000 / (percent / 100), with the percent in thousandths: 10^8 / percent_milli.
        let (deposit, cost) = match 100_000_000u64.checked_div(spec.retry_percent_milli) {
            None => (0, 1),
            Some(cost) => (1000, cost.max(1) as i64),
        };
        let reserve = u128::from(spec.min_per_sec) * u128::from(spec.ttl) * cost as u128
            / u128::from(NANOS_PER_SEC);
        Budget {
            window: Window::new(spec.ttl),
            deposit,
            cost,
            reserve: i64::try_from(reserve).unwrap_or(i64::MAX),
        }
    }

    /// Units available now: the window's sum plus the reserve.
    pub fn balance(&self, now: Nanos) -> i64 {
        self.window.sum(now).saturating_add(self.reserve)
    }
}

impl ClientPolicy for Budget {
    fn started(&mut self, now: Nanos) {
        self.window.add(now, self.deposit);
    }

    fn may_retry(&mut self, now: Nanos) -> bool {
        let ok = self.balance(now) >= self.cost;
        if ok {
            self.window.add(now, -self.cost);
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = NANOS_PER_SEC;

    fn budget(ttl_s: u64, min_per_sec: u64, percent: u64) -> Budget {
        Budget::new(BudgetSpec {
            ttl: ttl_s * S,
            min_per_sec,
            retry_percent_milli: percent * 1000,
        })
    }

    fn retries(b: &mut Budget, now: Nanos) -> usize {
        (0..100_000).take_while(|_| b.may_retry(now)).count()
    }

    #[test]
    fn finagle_defaults_give_a_reserve_of_100_retries_per_10_s() {
        // reserve = 10/s × 10 s × 5000 = 500,000 units = 100 retries of 5000.
        let mut b = budget(10, 10, 20);
        assert_eq!((b.cost, b.reserve), (5_000, 500_000));
        assert_eq!(retries(&mut b, 0), 100);
        assert_eq!(retries(&mut b, 9 * S), 0, "the withdrawals still count");
        assert_eq!(
            retries(&mut b, 11 * S),
            100,
            "a ttl later they have expired"
        );
    }

    #[test]
    fn five_requests_buy_one_retry_at_20_percent() {
        let mut b = budget(10, 0, 20);
        assert_eq!(retries(&mut b, 0), 0);
        for _ in 0..9 {
            b.started(0);
        }
        assert_eq!(
            retries(&mut b, 0),
            1,
            "9 deposits = 9000 units: one retry of 5000"
        );
        b.started(S);
        assert_eq!(retries(&mut b, S), 1, "4000 + 1000 left = 5000: one more");
        assert_eq!(b.balance(S), 0);
    }

    #[test]
    fn ten_percent_is_one_retry_per_ten_requests_and_deposits_expire() {
        let mut b = budget(1, 0, 10);
        for _ in 0..25 {
            b.started(0);
        }
        assert_eq!(retries(&mut b, 0), 2);
        for _ in 0..10 {
            b.started(1_500_000_000);
        }
        assert_eq!(
            retries(&mut b, 1_500_000_000),
            1,
            "the first 25 have expired"
        );
    }

    #[test]
    fn zero_percent_pays_only_from_the_reserve_and_zero_both_never_retries() {
        let mut b = budget(2, 3, 0);
        assert_eq!((b.deposit, b.cost, b.reserve), (0, 1, 6));
        b.started(0);
        assert_eq!(retries(&mut b, 0), 6);
        let mut never = budget(10, 0, 0);
        assert_eq!(retries(&mut never, 0), 0);
    }
}
