//! The timer queue of virtual time: a slab of timer nodes, a calendar ring of intrusive lists
//! for the near future, and a heap (`far.rs`) for the rest.
//!
//! Why: a sorted structure pays `log(n)` per entry; a ring of buckets pays a constant. The ring
//! has one bucket per [`WIDTH`] nanoseconds of the next [`SPAN`] (about 17 ms, in 4 µs
//! buckets: a first backoff of 10 ms with A6's ±20 % jitter fits): an entry in that window is
//! linked once into its bucket and unlinked once (a bitmap finds the next non-empty bucket in a
//! few instructions); only the entries of one bucket are compared with each other. A bucket is
//! a doubly linked list threaded through the timers' own slab nodes rather than a `Vec` of
//! copies: queuing a timer allocates nothing (a `Vec` per bucket grew thousands of times per
//! run as the window swept the ring), taking one out needs no scratch list, and a cancelled
//! timer is unlinked at once instead of leaving a dead copy to skip. Entries further ahead (a
//! long backoff, a deadline that could not be deferred) wait in the heap until the window
//! reaches them, then move into the ring one by one; the heap's earliest instant is kept beside
//! it, so a pop that does not reach it costs one comparison. A cancelled far entry stays in the
//! heap, dead, until reached or until dead ones are the majority (then the heap is rebuilt).
//!
//! Order is exact: the earliest instant comes out whole, its entries in registration sequence
//! order (the documented tie-break), and nothing is ever scheduled before the last instant
//! taken (an earlier one is clamped to it).

use super::far::FarQueue;
use super::occupancy::{Occupancy, BUCKETS};
use crate::time::Nanos;

/// log2 of a bucket's width in nanoseconds.
const SHIFT: u32 = 12;
/// A bucket's width: 4.096 µs (narrow, so the earliest bucket rarely holds more than its
/// earliest entry: each other entry costs a step of the scan).
const WIDTH: Nanos = 1 << SHIFT;
/// How far ahead the ring reaches: about 16.8 ms.
const SPAN: Nanos = WIDTH * BUCKETS as Nanos;
/// No node (end of a list, empty bucket).
const NIL: u32 = u32::MAX;

/// Where a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// On the free list.
    Free,
    /// In a ring bucket's list.
    Ring,
    /// In the far heap.
    Far,
}

/// One timer: its instant (once queued: as queued, after clamping), its registration
/// sequence, its links in a bucket's list, and the caller's value (whom to wake).
#[derive(Debug)]
pub(crate) struct Node<T> {
    pub(crate) at: Nanos,
    pub(crate) seq: u64,
    next: u32,
    prev: u32,
    pub(crate) place: Place,
    pub(crate) value: T,
}

/// Timer nodes keyed by instant, taken out one whole instant at a time, never before the last.
#[derive(Debug)]
pub(crate) struct TimerQueue<T> {
    nodes: Vec<Node<T>>,
    free: Vec<u32>,
    /// The last instant taken.
    last: Nanos,
    /// Start of the window (the last instant, rounded down to a bucket): the ring holds
    /// entries in `[base, base + SPAN)`, bucket `(at / WIDTH) % BUCKETS` each.
    base: Nanos,
    /// The window's end, `base + SPAN` (saturating), kept so a check is one comparison
    /// (every entry is at or after `base`).
    end: Nanos,
    /// Each bucket's first node.
    heads: Box<[u32; BUCKETS]>,
    /// Which buckets are non-empty (`occupancy.rs`).
    occupied: Occupancy,
    in_ring: usize,
    /// `(instant, sequence, node)` of far entries, dead ones (cancelled) included.
    far: FarQueue,
    /// The earliest instant in `far` (`Nanos::MAX` when empty), kept exact.
    far_min: Nanos,
    /// Entries of `far` whose node was cancelled.
    far_dead: usize,
    /// Scratch for an instant that has several entries in one bucket (rare).
    tied: Vec<u32>,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        TimerQueue {
            nodes: Vec::new(),
            free: Vec::new(),
            last: 0,
            base: 0,
            end: SPAN,
            heads: Box::new([NIL; BUCKETS]),
            occupied: Occupancy::default(),
            in_ring: 0,
            far: FarQueue::default(),
            far_min: Nanos::MAX,
            far_dead: 0,
            tied: Vec::new(),
        }
    }
}

fn index(at: Nanos) -> usize {
    ((at >> SHIFT) as usize) & (BUCKETS - 1)
}

impl<T> TimerQueue<T> {
    /// Queues `value` for `at` (clamped to the last instant taken) with sequence `seq`, in a
    /// node written once: returns the node's index. The ring's case is straight-line code;
    /// the heap's is out of line.
    #[inline(always)]
    pub(crate) fn insert(&mut self, at: Nanos, seq: u64, value: T) -> u32 {
        let at = at.max(self.last);
        if at >= self.end {
            return self.insert_far(at, seq, value);
        }
        let i = index(at);
        let head = self.heads[i];
        let idx = self.alloc(Node {
            at,
            seq,
            next: head,
            prev: NIL,
            place: Place::Ring,
            value,
        });
        self.push_front(i, idx, head);
        idx
    }

    /// [`TimerQueue::insert`] beyond the ring's window: into the heap.
    #[inline(never)]
    fn insert_far(&mut self, at: Nanos, seq: u64, value: T) -> u32 {
        let idx = self.alloc(Node {
            at,
            seq,
            next: NIL,
            prev: NIL,
            place: Place::Far,
            value,
        });
        self.far.push((at, seq, idx));
        self.far_min = self.far_min.min(at);
        idx
    }

    /// Writes `node` into a free slot of the slab (or a new one): its index.
    #[inline(always)]
    fn alloc(&mut self, node: Node<T>) -> u32 {
        match self.free.pop() {
            Some(idx) => {
                if let Some(n) = self.nodes.get_mut(idx as usize) {
                    *n = node;
                }
                idx
            }
            None => {
                self.nodes.push(node);
                u32::try_from(self.nodes.len() - 1).unwrap_or(NIL)
            }
        }
    }

    /// Node `idx`, if it exists.
    #[inline(always)]
    pub(crate) fn get(&self, idx: u32) -> Option<&Node<T>> {
        self.nodes.get(idx as usize)
    }

    /// Node `idx`, if it exists.
    #[inline(always)]
    pub(crate) fn get_mut(&mut self, idx: u32) -> Option<&mut Node<T>> {
        self.nodes.get_mut(idx as usize)
    }

    /// Takes node `idx` out of the queue if it is in it, and frees it (its value is left as
    /// it is: the caller has taken it). Returns whether it was queued.
    pub(crate) fn release(&mut self, idx: u32) -> bool {
        let Some(node) = self.nodes.get_mut(idx as usize) else {
            return false;
        };
        let place = std::mem::replace(&mut node.place, Place::Free);
        match place {
            Place::Free => return false,
            Place::Ring => self.unlink(idx),
            Place::Far => {
                self.far_dead += 1;
                if self.far_dead > 64 && self.far_dead * 2 > self.far.len() {
                    let nodes = &self.nodes;
                    self.far
                        .retain(|&(_, seq, i)| Self::far_live(nodes, i, seq));
                    self.far_dead = 0;
                    self.far_min = self.far.min().unwrap_or(Nanos::MAX);
                }
            }
        }
        self.free.push(idx);
        true
    }

    fn far_live(nodes: &[Node<T>], idx: u32, seq: u64) -> bool {
        nodes
            .get(idx as usize)
            .is_some_and(|n| n.seq == seq && n.place == Place::Far)
    }

    /// Nodes in use (queued or not).
    pub(crate) fn allocated(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    /// Live entries in the queue.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.in_ring + self.far.len() - self.far_dead
    }

    /// Entries held, dead far ones included.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.in_ring + self.far.len()
    }

    #[inline(always)]
    fn link(&mut self, idx: u32, at: Nanos) {
        let i = index(at);
        let head = self.heads[i];
        if let Some(node) = self.nodes.get_mut(idx as usize) {
            (node.next, node.prev, node.place) = (head, NIL, Place::Ring);
        }
        self.push_front(i, idx, head);
    }

    /// Makes node `idx`, already pointing at `head` (bucket `i`'s first node, or none), the
    /// bucket's first node, marking the bucket non-empty when it was empty.
    #[inline(always)]
    fn push_front(&mut self, i: usize, idx: u32, head: u32) {
        match self.nodes.get_mut(head as usize) {
            Some(first) => first.prev = idx,
            None => self.occupied.set(i),
        }
        self.heads[i] = idx;
        self.in_ring += 1;
    }

    #[inline(always)]
    fn unlink(&mut self, idx: u32) {
        let Some(node) = self.nodes.get(idx as usize) else {
            return;
        };
        let (prev, next, at) = (node.prev, node.next, node.at);
        if let Some(n) = self.nodes.get_mut(next as usize) {
            n.prev = prev;
        }
        match self.nodes.get_mut(prev as usize) {
            Some(p) => p.next = next,
            None => {
                let i = index(at);
                self.heads[i] = next;
                if next == NIL {
                    self.occupied.clear(i);
                }
            }
        }
        self.in_ring -= 1;
    }

    /// Moves far entries that the window now reaches into the ring; when the ring is empty,
    /// first moves the window to the earliest far entry. Out of line: the caller calls it only
    /// when the window reaches the heap's earliest entry, or when the ring is empty.
    #[inline(never)]
    fn pull_far(&mut self) {
        while self.far_min != Nanos::MAX {
            if self.in_ring == 0 && self.far_min >= self.end {
                self.set_base(self.far_min);
            }
            if self.far_min >= self.end {
                return;
            }
            if let Some((at, seq, idx)) = self.far.pop() {
                if Self::far_live(&self.nodes, idx, seq) {
                    self.link(idx, at);
                } else {
                    self.far_dead -= 1;
                }
            }
            self.far_min = self.far.min().unwrap_or(Nanos::MAX);
        }
    }

    /// Starts the window at `at`'s bucket.
    #[inline(always)]
    fn set_base(&mut self, at: Nanos) {
        self.base = at & !(WIDTH - 1);
        self.end = self.base.saturating_add(SPAN);
    }

    /// The first non-empty bucket in window order (from the window's start), if any.
    #[inline(always)]
    fn first_bucket(&self) -> Option<usize> {
        self.occupied.first_from(index(self.base))
    }

    /// Takes every entry of the earliest instant out, in sequence order, and frees their
    /// nodes: returns the instant and the first entry's value (taken, a default left behind),
    /// and appends the others' values to `more` (rare: instants are nanoseconds). `None` when
    /// nothing is queued. Values rather than a callback, so the caller's handling is inlined.
    #[inline(always)]
    pub(crate) fn pop_instant(&mut self, more: &mut Vec<T>) -> Option<(Nanos, T)>
    where
        T: Default,
    {
        // One comparison when the window does not reach the heap (the common case); an empty
        // ring is seen below, by finding no bucket.
        if self.far_min < self.end {
            self.pull_far();
        }
        let i = match self.first_bucket() {
            Some(i) => i,
            None if self.far_min == Nanos::MAX => return None,
            None => {
                self.pull_far();
                self.first_bucket()?
            }
        };
        // One pass finds the earliest instant and whether another entry shares it.
        let best = self.heads[i];
        // A bucket with its bit set has a node.
        let first = self.nodes.get_mut(best as usize)?;
        if first.next == NIL {
            // Alone in its bucket (the common case: buckets are narrow): no scan, and taking
            // it out empties the bucket.
            let at = first.at;
            first.place = Place::Free;
            let value = std::mem::take(&mut first.value);
            self.heads[i] = NIL;
            self.occupied.clear(i);
            self.in_ring -= 1;
            self.free.push(best);
            self.last = at;
            self.set_base(at);
            return Some((at, value));
        }
        let (mut best, mut at, mut tied, mut k) = (best, first.at, false, first.next);
        while let Some(n) = self.nodes.get(k as usize) {
            if n.at < at {
                (best, at, tied) = (k, n.at, false);
            } else if n.at == at {
                tied = true;
            }
            k = n.next;
        }
        self.last = at;
        self.set_base(at);
        if !tied {
            return Some((at, self.take(best)));
        }
        let mut tied = std::mem::take(&mut self.tied);
        let mut k = self.heads[i];
        while let Some(n) = self.nodes.get(k as usize) {
            if n.at == at {
                tied.push(k);
            }
            k = n.next;
        }
        let nodes = &self.nodes;
        tied.sort_unstable_by_key(|&k| nodes.get(k as usize).map_or(0, |n| n.seq));
        let first = self.take(tied[0]);
        for &k in &tied[1..] {
            let value = self.take(k);
            more.push(value);
        }
        tied.clear();
        self.tied = tied;
        Some((at, first))
    }

    /// Unlinks ring node `idx`, frees it and returns its value.
    #[inline(always)]
    fn take(&mut self, idx: u32) -> T
    where
        T: Default,
    {
        self.unlink(idx);
        self.free.push(idx);
        match self.nodes.get_mut(idx as usize) {
            Some(node) => {
                node.place = Place::Free;
                std::mem::take(&mut node.value)
            }
            None => T::default(),
        }
    }
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
