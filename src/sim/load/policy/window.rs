//! A sliding-window sum in slices, as Finagle's `WindowedAdder` and tower's `TpsBudget` keep
//! theirs: the window is cut into [`WINDOW_SLICES`] slices; an amount counts for the slice it
//! was added in and the slices after it, until it is a whole window old. So "the last two
//! minutes" means the current slice and the nine before it — exact integers, no decay factor.

use crate::scenario::client_policy::WINDOW_SLICES;
use crate::time::Nanos;

const SLICES: usize = WINDOW_SLICES as usize;

/// Amounts added over the last window, by slice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    slice: Nanos,
    /// Per slot: the slice number it holds, plus one (0: never used), and its sum.
    slots: [(u64, i64); SLICES],
}

impl Window {
    /// An empty window `width` long (at least [`WINDOW_SLICES`] ns).
    pub fn new(width: Nanos) -> Self {
        Window {
            slice: (width / WINDOW_SLICES).max(1),
            slots: [(0, 0); SLICES],
        }
    }

    /// Adds `amount` (negative to take away) at `now`.
    pub fn add(&mut self, now: Nanos, amount: i64) {
        let n = now / self.slice;
        let slot = &mut self.slots[(n % WINDOW_SLICES) as usize];
        if slot.0 != n + 1 {
            *slot = (n + 1, 0);
        }
        slot.1 = slot.1.saturating_add(amount);
    }

    /// The sum of what was added in the current slice and the nine before it.
    pub fn sum(&self, now: Nanos) -> i64 {
        let n = now / self.slice;
        self.slots
            .iter()
            .filter(|(tag, _)| *tag != 0 && (n + 1).saturating_sub(*tag) < WINDOW_SLICES)
            .fold(0i64, |acc, (_, v)| acc.saturating_add(*v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_counts_for_ten_slices_then_expires() {
        // 1 s window: 100 ms slices.
        let mut w = Window::new(1_000_000_000);
        w.add(50_000_000, 3); // slice 0
        w.add(150_000_000, 4); // slice 1
        assert_eq!(w.sum(150_000_000), 7);
        assert_eq!(w.sum(999_999_999), 7, "slice 9: both still count");
        assert_eq!(w.sum(1_000_000_000), 4, "slice 10: slice 0 has left");
        assert_eq!(w.sum(1_100_000_000), 0, "slice 11: both have left");
        w.add(1_100_000_000, -2); // reuses slot 1 for slice 11
        assert_eq!(w.sum(1_100_000_000), -2);
    }

    #[test]
    fn a_slot_is_reset_when_its_slice_comes_round_again() {
        let mut w = Window::new(10);
        w.add(0, 5);
        w.add(10, 1); // slice 10 lands in slot 0: the old 5 is gone
        assert_eq!(w.sum(10), 1);
    }
}
