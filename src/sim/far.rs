//! The far timers: entries further ahead than the calendar ring (`calendar.rs`) reaches, in a
//! binary min-heap on `(instant, registration sequence)`.
//!
//! Why a heap: what lands here is a few hundred backoffs and the odd deadline at most (a
//! task's deadline is usually deferred and never queued, `timers.rs`), and each entry comes
//! out once, when the ring's window reaches it. A heap takes it out in `log2(n)` comparisons;
//! the monotone radix queue this replaces moved every entry down through its buckets several
//! times before that (about 270 instructions per far entry against about 90).
//!
//! Order is exact: entries come out by instant and then by sequence, which is the documented
//! tie-break; sequences are unique, so no two entries compare equal.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::time::Nanos;

/// One pending timer: instant, registration sequence, slab slot.
pub(crate) type Entry = (Nanos, u64, u32);

/// Entries by `(instant, sequence)`, earliest first.
#[derive(Debug, Default)]
pub(crate) struct FarQueue {
    heap: BinaryHeap<Reverse<Entry>>,
}

impl FarQueue {
    /// Adds an entry.
    #[inline]
    pub(crate) fn push(&mut self, entry: Entry) {
        self.heap.push(Reverse(entry));
    }

    /// The earliest instant held, if any.
    #[inline]
    pub(crate) fn min(&self) -> Option<Nanos> {
        self.heap.peek().map(|e| e.0 .0)
    }

    /// Takes the earliest entry out.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Entry> {
        self.heap.pop().map(|e| e.0)
    }

    /// Entries held.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Keeps only the entries `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        self.heap.retain(|e| keep(&e.0));
    }
}

#[cfg(test)]
impl super::queue_tests::Queue for FarQueue {
    fn push(&mut self, entry: Entry) {
        FarQueue::push(self, entry);
    }
    fn pop_instant(&mut self, out: &mut Vec<Entry>) -> Option<Nanos> {
        let first = self.pop()?;
        out.push(first);
        while self.min() == Some(first.0) {
            out.extend(self.pop());
        }
        Some(first.0)
    }
    fn len(&self) -> usize {
        FarQueue::len(self)
    }
    fn retain(&mut self, keep: impl FnMut(&Entry) -> bool) {
        FarQueue::retain(self, keep);
    }
}

#[cfg(test)]
mod tests {
    use super::super::queue_tests::{drained, matches_a_sorted_reference};
    use super::*;

    #[test]
    fn instants_come_out_in_order_with_ties_by_sequence() {
        let got = drained::<FarQueue>(&[(1, 30), (2, 10), (3, 20), (4, 10), (5, 30)]);
        assert_eq!(got, [(10, vec![2, 4]), (20, vec![3]), (30, vec![1, 5])]);
    }

    #[test]
    fn matches_a_sorted_reference_under_random_monotone_use() {
        matches_a_sorted_reference::<FarQueue>(5, 1_000_000, 1 << 12);
    }
}
