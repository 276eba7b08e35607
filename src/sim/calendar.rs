//! The timer queue of virtual time: a calendar ring for the near future in front of a heap
//! (`far.rs`) for the rest.
//!
//! Why: a sorted structure pays `log(n)` per entry; a ring of buckets pays a constant. The ring
//! has one bucket per [`WIDTH`] nanoseconds of the next [`SPAN`] (about 17 ms, in 8 µs
//! buckets: a first backoff of 10 ms with A6's ±20 % jitter fits): an entry in that window is pushed once into its bucket and taken out once (a
//! bitmap finds the next non-empty bucket in a few instructions); only the entries of one
//! bucket are compared with each other. Entries further ahead (a long backoff, a deadline that
//! could not be deferred) wait in the heap until the window reaches them, then move into the
//! ring one by one; the heap's earliest instant is kept beside it, so a pop that does not
//! reach it costs one comparison.
//!
//! Order is exact: the earliest instant comes out whole, its entries sorted by registration
//! sequence (the documented tie-break), and nothing is ever scheduled before the last instant
//! taken (an earlier one is clamped to it).

use super::far::{Entry, FarQueue};
use crate::time::Nanos;

/// log2 of a bucket's width in nanoseconds.
const SHIFT: u32 = 13;
/// A bucket's width: 8.192 µs.
const WIDTH: Nanos = 1 << SHIFT;
/// Buckets in the ring: few enough that the ring stays in cache (48 KiB of bucket headers;
/// callgrind's cache model counted no more first-level data misses than with half as many),
/// at most 64 × 64 (one summary word).
const BUCKETS: usize = 2048;
/// Words of the occupancy bitmap.
const WORDS: usize = BUCKETS / 64;
/// How far ahead the ring reaches: about 16.8 ms.
const SPAN: Nanos = WIDTH * BUCKETS as Nanos;

/// Entries keyed by instant, taken out one whole instant at a time, never before the last one.
#[derive(Debug)]
pub(crate) struct TimerQueue {
    /// The last instant taken.
    last: Nanos,
    /// Start of the window (the last instant, rounded down to a bucket): the ring holds
    /// entries in `[base, base + SPAN)`, bucket `(at / WIDTH) % BUCKETS` each.
    base: Nanos,
    ring: Box<[Vec<Entry>; BUCKETS]>,
    /// Bit `i % 64` of word `i / 64` set when bucket `i` is non-empty.
    words: [u64; WORDS],
    /// Bit `w` set when word `w` is non-zero.
    summary: u64,
    in_ring: usize,
    far: FarQueue,
    /// The earliest instant in `far` (`Nanos::MAX` when empty), kept exact.
    far_min: Nanos,
}

impl Default for TimerQueue {
    fn default() -> Self {
        TimerQueue {
            last: 0,
            base: 0,
            ring: Box::new(std::array::from_fn(|_| Vec::new())),
            words: [0; WORDS],
            summary: 0,
            in_ring: 0,
            far: FarQueue::default(),
            far_min: Nanos::MAX,
        }
    }
}

fn index(at: Nanos) -> usize {
    ((at >> SHIFT) as usize) & (BUCKETS - 1)
}

impl TimerQueue {
    /// Adds an entry; `at` must not be before the last instant taken (it is clamped to it).
    #[inline(always)]
    pub(crate) fn push(&mut self, entry: Entry) {
        let at = entry.0.max(self.last);
        if at.saturating_sub(self.base) < SPAN {
            self.put((at, entry.1, entry.2));
        } else {
            self.far.push((at, entry.1, entry.2));
            self.far_min = self.far_min.min(at);
        }
    }

    #[inline]
    fn put(&mut self, entry: Entry) {
        let i = index(entry.0);
        self.ring[i].push(entry);
        self.words[i / 64] |= 1 << (i % 64);
        self.summary |= 1 << (i / 64);
        self.in_ring += 1;
    }

    /// Entries held.
    pub(crate) fn len(&self) -> usize {
        self.in_ring + self.far.len()
    }

    /// Moves far entries that the window now reaches into the ring; when the ring is empty,
    /// first moves the window to the earliest far entry.
    #[inline]
    fn pull_far(&mut self) {
        if self.far_min.saturating_sub(self.base) >= SPAN && self.in_ring != 0 {
            return;
        }
        while self.far_min != Nanos::MAX {
            if self.in_ring == 0 && self.far_min.saturating_sub(self.base) >= SPAN {
                self.base = self.far_min & !(WIDTH - 1);
            }
            if self.far_min.saturating_sub(self.base) >= SPAN {
                return;
            }
            if let Some(e) = self.far.pop() {
                self.put(e);
            }
            self.far_min = self.far.min().unwrap_or(Nanos::MAX);
        }
    }

    /// The first non-empty bucket in window order (from the window's start), if any.
    fn first_bucket(&self) -> Option<usize> {
        let start = index(self.base);
        let (w0, b0) = (start / 64, start % 64);
        let head = self.words[w0] & (!0u64 << b0);
        if head != 0 {
            return Some(w0 * 64 + head.trailing_zeros() as usize);
        }
        // Words after the start's, then (wrapping) those up to and including it.
        let after = if w0 + 1 == WORDS {
            0
        } else {
            self.summary & (!0u64 << (w0 + 1))
        };
        let w = if after != 0 {
            after.trailing_zeros() as usize
        } else if self.summary != 0 {
            self.summary.trailing_zeros() as usize
        } else {
            return None;
        };
        Some(w * 64 + self.words[w].trailing_zeros() as usize)
    }

    /// Moves every entry of the earliest instant into `out`, sorted by sequence; returns the
    /// instant, or `None` when empty.
    #[inline(always)]
    pub(crate) fn pop_instant(&mut self, out: &mut Vec<Entry>) -> Option<Nanos> {
        self.pull_far();
        let i = self.first_bucket()?;
        let bucket = &mut self.ring[i];
        let start = out.len();
        // One pass finds the earliest instant and whether another entry shares it: instants are
        // nanoseconds, so an instant almost always has one entry even in a crowded bucket, and
        // it comes out with one swap.
        let (mut k, mut at, mut tied) = (0, bucket.first()?.0, false);
        for (j, e) in bucket.iter().enumerate().skip(1) {
            if e.0 < at {
                (k, at, tied) = (j, e.0, false);
            } else if e.0 == at {
                tied = true;
            }
        }
        if !tied {
            out.push(bucket.swap_remove(k));
        } else if bucket.iter().all(|e| e.0 == at) {
            out.append(bucket);
        } else {
            let mut k = 0;
            while k < bucket.len() {
                if bucket[k].0 == at {
                    out.push(bucket.swap_remove(k));
                } else {
                    k += 1;
                }
            }
        }
        if bucket.is_empty() {
            self.words[i / 64] &= !(1 << (i % 64));
            if self.words[i / 64] == 0 {
                self.summary &= !(1 << (i / 64));
            }
        }
        self.in_ring -= out.len() - start;
        if out.len() - start > 1 {
            out[start..].sort_unstable_by_key(|e| e.1);
        }
        self.last = at;
        self.base = at & !(WIDTH - 1);
        Some(at)
    }

    /// Keeps only the entries `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Entry) -> bool) {
        let mut in_ring = 0;
        // Only the non-empty buckets, by their bits.
        for w in 0..self.words.len() {
            let mut bits = self.words[w];
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let b = &mut self.ring[i];
                b.retain(&mut keep);
                in_ring += b.len();
                if b.is_empty() {
                    self.words[w] &= !(1 << (i % 64));
                }
            }
            if self.words[w] == 0 {
                self.summary &= !(1 << w);
            }
        }
        self.in_ring = in_ring;
        self.far.retain(keep);
        self.far_min = self.far.min().unwrap_or(Nanos::MAX);
    }
}

#[cfg(test)]
impl super::queue_tests::Queue for TimerQueue {
    fn push(&mut self, entry: Entry) {
        TimerQueue::push(self, entry);
    }
    fn pop_instant(&mut self, out: &mut Vec<Entry>) -> Option<Nanos> {
        TimerQueue::pop_instant(self, out)
    }
    fn len(&self) -> usize {
        TimerQueue::len(self)
    }
    fn retain(&mut self, keep: impl FnMut(&Entry) -> bool) {
        TimerQueue::retain(self, keep);
    }
}

#[cfg(test)]
mod tests {
    use super::super::queue_tests::{drained, matches_a_sorted_reference};
    use super::*;

    #[test]
    fn instants_come_out_in_order_with_ties_by_sequence() {
        let far = 3 * SPAN;
        let got = drained::<TimerQueue>(&[(1, 30), (2, 10), (3, far), (4, 10), (5, 30), (6, far)]);
        assert_eq!(got, [(10, vec![2, 4]), (30, vec![1, 5]), (far, vec![3, 6])]);
    }

    /// Near (the ring only), a few windows ahead and far ahead (the heap, moved into
    /// the ring as the window reaches it), with ties on bucket edges.
    #[test]
    fn matches_a_sorted_reference_under_random_monotone_use() {
        for (seed, reach) in [(5, 1_000_000), (6, 3 * SPAN), (7, 50 * SPAN)] {
            matches_a_sorted_reference::<TimerQueue>(seed, reach, WIDTH);
        }
    }
}
