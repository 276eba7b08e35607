//! The calendar queue against the contract both timer queues share (`queue_tests.rs`), and
//! its cancelled far entries.

use super::super::queue_tests::{drained, matches_a_sorted_reference};
use super::*;

#[test]
fn instants_come_out_in_order_with_ties_by_sequence() {
    let far = 3 * SPAN;
    let got = drained::<TimerQueue<u64>>(&[(1, 30), (2, 10), (3, far), (4, 10), (5, 30), (6, far)]);
    assert_eq!(got, [(10, vec![2, 4]), (30, vec![1, 5]), (far, vec![3, 6])]);
}

/// Near (the ring only), a few windows ahead and far ahead (the heap, moved into
/// the ring as the window reaches it), with ties on bucket edges and entries cancelled.
#[test]
fn matches_a_sorted_reference_under_random_monotone_use() {
    for (seed, reach) in [(5, 1_000_000), (6, 3 * SPAN), (7, 50 * SPAN)] {
        matches_a_sorted_reference::<TimerQueue<u64>>(seed, reach, WIDTH);
    }
}

/// Cancelled far entries are skipped when reached and never pile up: the heap is rebuilt
/// once they are the majority.
#[test]
fn cancelled_far_entries_are_skipped_and_do_not_pile_up() {
    let mut q = TimerQueue::<u32>::default();
    q.insert(50 * SPAN, 1, 7);
    for s in 0..1_000u64 {
        let idx = q.insert(10 * SPAN + s, 2 + s, 0);
        assert!(q.release(idx), "queued");
    }
    assert!(q.held() <= 130, "{} entries held for 1 live", q.held());
    assert_eq!((q.len(), q.allocated()), (1, 1));
    let mut more = Vec::new();
    assert_eq!(q.pop_instant(&mut more), Some((50 * SPAN, 7)));
    assert!(more.is_empty());
    assert_eq!(q.pop_instant(&mut more), None);
}

impl super::super::queue_tests::Queue for TimerQueue<u64> {
    /// The node's value is the entry's sequence, to see the order values come out in.
    fn push(&mut self, entry: super::super::far::Entry) {
        self.insert(entry.0, entry.1, entry.1);
    }
    fn pop_instant(&mut self, out: &mut Vec<super::super::far::Entry>) -> Option<Nanos> {
        let mut more = Vec::new();
        let (at, first) = TimerQueue::pop_instant(self, &mut more)?;
        out.extend([first].into_iter().chain(more).map(|seq| (at, seq, 0)));
        Some(at)
    }
    fn len(&self) -> usize {
        TimerQueue::len(self)
    }
    fn retain(&mut self, mut keep: impl FnMut(&super::super::far::Entry) -> bool) {
        for idx in 0..self.nodes.len() {
            let n = &self.nodes[idx];
            if matches!(n.place, Place::Ring | Place::Far) && !keep(&(n.at, n.seq, 0)) {
                self.release(idx as u32);
            }
        }
    }
}
