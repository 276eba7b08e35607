//! A monotone radix queue: the timer store of virtual time.
//!
//! Why not a binary heap: profiling showed `BinaryHeap::pop` as the single largest cost of a
//! run (thousands of pending deadlines and backoffs, each pop a dozen cache-missing levels).
//! Virtual time never goes back — nothing is ever scheduled before the instant last taken — and
//! that is exactly the case a radix heap serves: an entry sits in bucket
//! `bit_length(at XOR last)`, pushing is O(1), and an entry moves only to lower buckets, at most
//! 64 times over its life (in practice once or twice). Entries of one instant come out together
//! and are then sorted by registration sequence, which keeps the documented tie-break.

use crate::time::Nanos;

/// One pending timer: instant, registration sequence, slab slot.
pub(crate) type Entry = (Nanos, u64, u32);

/// Entries keyed by instant, taken out one whole instant at a time, never before the last one.
#[derive(Debug)]
pub(crate) struct RadixQueue {
    last: Nanos,
    buckets: Box<[Vec<Entry>; 65]>,
    /// Bit `i - 1` set when bucket `i` (1..=64) is non-empty: finding the lowest is one
    /// instruction instead of a scan.
    occupied: u64,
    len: usize,
}

impl Default for RadixQueue {
    fn default() -> Self {
        RadixQueue {
            last: 0,
            buckets: Box::new(std::array::from_fn(|_| Vec::new())),
            occupied: 0,
            len: 0,
        }
    }
}

fn bucket(at: Nanos, last: Nanos) -> usize {
    (64 - (at ^ last).leading_zeros()) as usize
}

impl RadixQueue {
    /// Adds an entry; `at` must not be before the last instant taken (it is clamped to it).
    pub(crate) fn push(&mut self, entry: Entry) {
        let at = entry.0.max(self.last);
        self.put((at, entry.1, entry.2));
        self.len += 1;
    }

    fn put(&mut self, entry: Entry) {
        let b = bucket(entry.0, self.last);
        self.buckets[b].push(entry);
        if b > 0 {
            self.occupied |= 1 << (b - 1);
        }
    }

    /// The earliest instant held, without taking anything out (and so without moving the
    /// last instant, below which nothing may be pushed): the lowest non-empty bucket holds
    /// it, and only that bucket is scanned. `None` when empty.
    pub(crate) fn min(&self) -> Option<Nanos> {
        if !self.buckets[0].is_empty() {
            return Some(self.last);
        }
        if self.occupied == 0 {
            return None;
        }
        let i = self.occupied.trailing_zeros() as usize + 1;
        self.buckets[i].iter().map(|e| e.0).min()
    }

    /// Entries held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Moves every entry of the earliest instant into `out`, sorted by sequence; returns the
    /// instant, or `None` when empty.
    pub(crate) fn pop_instant(&mut self, out: &mut Vec<Entry>) -> Option<Nanos> {
        if self.buckets[0].is_empty() {
            if self.occupied == 0 {
                return None;
            }
            let i = self.occupied.trailing_zeros() as usize + 1;
            self.occupied &= !(1 << (i - 1));
            let moving = std::mem::take(&mut self.buckets[i]);
            if let [only] = moving[..] {
                // Alone in its bucket (the common case): it is the next instant, nothing moves.
                let mut moving = moving;
                moving.clear();
                self.buckets[i] = moving;
                self.last = only.0;
                self.len -= 1;
                out.push(only);
                return Some(only.0);
            }
            let min = moving.iter().map(|e| e.0).min()?;
            self.last = min;
            for e in &moving {
                self.put(*e);
            }
            // Give the emptied bucket its buffer back, so no allocation recurs.
            let mut moving = moving;
            moving.clear();
            self.buckets[i] = moving;
        }
        let start = out.len();
        out.append(&mut self.buckets[0]);
        self.len -= out.len() - start;
        out[start..].sort_unstable_by_key(|e| e.1);
        Some(self.last)
    }

    /// Keeps only the entries `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        let (mut len, mut occupied) = (0, 0);
        for (i, b) in self.buckets.iter_mut().enumerate() {
            b.retain(&mut keep);
            len += b.len();
            if i > 0 && !b.is_empty() {
                occupied |= 1 << (i - 1);
            }
        }
        self.len = len;
        self.occupied = occupied;
    }
}

#[cfg(test)]
impl super::queue_tests::Queue for RadixQueue {
    fn push(&mut self, entry: Entry) {
        RadixQueue::push(self, entry);
    }
    fn pop_instant(&mut self, out: &mut Vec<Entry>) -> Option<Nanos> {
        RadixQueue::pop_instant(self, out)
    }
    fn len(&self) -> usize {
        RadixQueue::len(self)
    }
    fn retain(&mut self, keep: impl FnMut(&Entry) -> bool) {
        RadixQueue::retain(self, keep);
    }
}

#[cfg(test)]
mod tests {
    use super::super::queue_tests::{drained, matches_a_sorted_reference};
    use super::*;

    #[test]
    fn instants_come_out_in_order_with_ties_by_sequence() {
        let got = drained::<RadixQueue>(&[(1, 30), (2, 10), (3, 20), (4, 10), (5, 30)]);
        assert_eq!(got, [(10, vec![2, 4]), (20, vec![3]), (30, vec![1, 5])]);
    }

    #[test]
    fn matches_a_sorted_reference_under_random_monotone_use() {
        matches_a_sorted_reference::<RadixQueue>(5, 1_000_000, 1 << 12);
    }

    #[test]
    fn min_is_the_next_instant_and_takes_nothing_out() {
        let mut q = RadixQueue::default();
        for (seq, at) in [(1, 900), (2, 70), (3, 4_000)] {
            q.push((at, seq, 0));
        }
        assert_eq!(q.min(), Some(70));
        assert_eq!(q.len(), 3);
        let mut out = Vec::new();
        assert_eq!(q.pop_instant(&mut out), Some(70));
        assert_eq!(q.min(), Some(900));
    }
}
