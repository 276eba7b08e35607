//! Tests both timer queues (`far`, `calendar`) share: the same contract — instants in
//! order, each whole and sorted by sequence, never before the last — checked the same way.

use rand::{Rng, SeedableRng};

use super::far::Entry;
use crate::time::Nanos;

/// A timer queue under test.
pub(super) trait Queue: Default {
    fn push(&mut self, entry: Entry);
    fn pop_instant(&mut self, out: &mut Vec<Entry>) -> Option<Nanos>;
    fn len(&self) -> usize;
    fn retain(&mut self, keep: impl FnMut(&Entry) -> bool);
}

/// Pushes `(at, seq)` pairs, then takes every instant out: `(instant, sequences)` in order.
pub(super) fn drained<Q: Queue>(pushes: &[(u64, Nanos)]) -> Vec<(Nanos, Vec<u64>)> {
    let mut q = Q::default();
    for &(seq, at) in pushes {
        q.push((at, seq, 0));
    }
    let (mut out, mut got) = (Vec::new(), Vec::new());
    while let Some(at) = q.pop_instant(&mut out) {
        got.push((at, out.iter().map(|e| e.1).collect()));
        out.clear();
    }
    assert_eq!(q.len(), 0);
    got
}

/// Random monotone use against a sorted list: same instants, same entries, same (sequence)
/// order, with entries dropped on the way. Pushes reach up to `reach` ahead, some at the
/// current instant, some on a multiple of `edge` (a bucket boundary).
pub(super) fn matches_a_sorted_reference<Q: Queue>(seed: u64, reach: Nanos, edge: Nanos) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut q = Q::default();
    let mut reference: Vec<Entry> = Vec::new();
    let (mut now, mut seq, mut out) = (0u64, 0u64, Vec::new());
    for round in 0..4_000 {
        for _ in 0..rng.random_range(0..4) {
            seq += 1;
            let at = match rng.random_range(0..4) {
                0 => now,
                1 => (now / edge + rng.random_range(1..3)) * edge,
                _ => now + rng.random_range(1..reach),
            };
            q.push((at, seq, 0));
            reference.push((at, seq, 0));
        }
        if round % 97 == 0 {
            let kept = |e: &Entry| e.1 % 3 != 0;
            q.retain(kept);
            reference.retain(kept);
        }
        out.clear();
        let Some(at) = q.pop_instant(&mut out) else {
            assert!(reference.is_empty());
            continue;
        };
        reference.sort();
        let expected: Vec<Entry> = reference.iter().copied().filter(|e| e.0 == at).collect();
        reference.retain(|e| e.0 != at);
        assert_eq!(at, expected[0].0, "earliest instant");
        assert_eq!(out, expected, "same entries, sequence order");
        now = at;
        assert_eq!(q.len(), reference.len());
    }
}
