//! Where things go: the time axis (run-clock nanoseconds to x, with round ticks) and the lanes
//! of a call's row (retries one after another in one lane, overlapping hedges stacked).
//!
//! Both are pure integer arithmetic on the trace's nanoseconds, so the picture is the same on
//! every machine.

use super::style::Px;
use crate::time::{Nanos, NANOS_PER_MS};
use crate::trace::AttemptRecord;

/// About this many ticks on the axis (between 5 and 10 with 1-2-5 steps).
const TICKS: u64 = 10;

/// The time axis: `[start, end]` on the run's clock drawn from `x0` over `width`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    /// The first tick (the left edge).
    pub start: Nanos,
    /// The last tick (the right edge).
    pub end: Nanos,
    /// The distance between ticks: 1, 2 or 5 times a power of ten nanoseconds.
    pub step: Nanos,
    x0: Px,
    width: Px,
}

impl Axis {
    /// An axis covering `first..=last` with round ticks, drawn from `x0` over `width`.
    pub fn new(first: Nanos, last: Nanos, x0: Px, width: Px) -> Axis {
        let span = last.saturating_sub(first).max(1_000);
        let step = nice_step(span.div_ceil(TICKS));
        let start = first / step * step;
        let end = last.div_ceil(step).saturating_mul(step).max(start + step);
        Axis {
            start,
            end,
            step,
            x0,
            width,
        }
    }

    /// The x of time `t`, clamped to the axis.
    pub fn x(&self, t: Nanos) -> Px {
        let t = t.clamp(self.start, self.end);
        let offset = u128::from(t - self.start) * self.width.0 as u128;
        let span = u128::from(self.end - self.start);
        Px(self.x0.0 + (offset / span) as i64)
    }

    /// Whether `t` lies on the axis.
    pub fn contains(&self, t: Nanos) -> bool {
        (self.start..=self.end).contains(&t)
    }

    /// The ticks, left to right.
    pub fn ticks(&self) -> impl Iterator<Item = Nanos> + '_ {
        (0..)
            .map(|i| self.start + i * self.step)
            .take_while(|t| *t <= self.end)
    }

    /// A tick's label in milliseconds, with as many decimals as the step needs (`0.5`, `20`).
    pub fn label(&self, t: Nanos) -> String {
        let mut decimals = 0u32;
        while decimals < 6 && self.step % (NANOS_PER_MS / 10u64.pow(decimals)) != 0 {
            decimals += 1;
        }
        let unit = NANOS_PER_MS / 10u64.pow(decimals);
        let scaled = t / unit;
        if decimals == 0 {
            return scaled.to_string();
        }
        let pow = 10u64.pow(decimals);
        let width = decimals as usize;
        format!("{}.{:0width$}", scaled / pow, scaled % pow)
    }
}

/// The smallest step of 1, 2 or 5 times a power of ten that is at least `raw` (nanoseconds).
fn nice_step(raw: Nanos) -> Nanos {
    let mut power: Nanos = 1;
    loop {
        for m in [1, 2, 5] {
            if m * power >= raw {
                return m * power;
            }
        }
        power = power.saturating_mul(10);
    }
}

/// Each attempt's lane (0-based) and how many lanes the row needs: an attempt takes the first
/// lane whose last attempt had ended when it was sent, so a retry follows its predecessor in
/// lane 0 (the gap between them is the backoff) and a hedge sent while others run gets a lane
/// of its own. An attempt still running counts as running until `call_end`.
pub fn lanes(attempts: &[AttemptRecord], call_end: Nanos) -> (Vec<usize>, usize) {
    let mut lane_free: Vec<Nanos> = Vec::new();
    let mut lane_of = Vec::with_capacity(attempts.len());
    for a in attempts {
        let end = a.ended.unwrap_or(call_end).max(a.sent);
        let lane = match lane_free.iter().position(|free| *free <= a.sent) {
            Some(lane) => lane,
            None => {
                lane_free.push(0);
                lane_free.len() - 1
            }
        };
        lane_free[lane] = end;
        lane_of.push(lane);
    }
    (lane_of, lane_free.len().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Nanos {
        n * NANOS_PER_MS
    }

    #[test]
    fn the_axis_has_round_ticks_covering_the_run() {
        let axis = Axis::new(0, 34_212_000, Px::whole(100), Px::whole(700));
        assert_eq!((axis.start, axis.end, axis.step), (0, ms(35), ms(5)));
        assert_eq!(axis.ticks().count(), 8);
        assert_eq!(axis.x(0), Px::whole(100));
        assert_eq!(axis.x(ms(35)), Px::whole(800));
        assert_eq!(axis.x(ms(70)), Px::whole(800), "clamped");
        assert_eq!(axis.label(ms(15)), "15");
        let fine = Axis::new(ms(1), ms(3), Px(0), Px(10));
        assert_eq!(fine.step, 200_000);
        assert_eq!(fine.label(1_200_000), "1.2");
        assert!(fine.contains(ms(2)) && !fine.contains(ms(4)));
    }

    #[test]
    fn an_empty_run_still_has_an_axis() {
        let axis = Axis::new(0, 0, Px(0), Px(100));
        assert!(axis.end > axis.start);
        assert_eq!(axis.x(0), Px(0));
    }

    fn attempt(n: u32, sent: u64, ended: Option<u64>) -> AttemptRecord {
        let mut a = AttemptRecord::new(n, n.checked_sub(1).filter(|p| *p > 0), ms(sent));
        a.ended = ended.map(ms);
        a
    }

    #[test]
    fn retries_share_a_lane_and_hedges_stack() {
        let retries = [attempt(1, 0, Some(1)), attempt(2, 11, Some(12))];
        assert_eq!(lanes(&retries, ms(12)), (vec![0, 0], 1));
        // Hedging: 1 runs 0..60, 2 is sent at 50 and ends at 60, 3 at 100 reuses lane 0.
        let hedges = [
            attempt(1, 0, Some(60)),
            attempt(2, 50, Some(60)),
            attempt(3, 100, None),
        ];
        assert_eq!(lanes(&hedges, ms(120)), (vec![0, 1, 0], 2));
        assert_eq!(lanes(&[], 0), (vec![], 1));
    }
}
