//! The clock's pending sleeps: a slab of wake targets over the timer queue (`calendar.rs`),
//! and the **deferred** far timers that never reach the queue at all.
//!
//! Why defer: a simulated call waits on its attempt's end and, at the same time, on its
//! deadline, seconds ahead. The deadline almost never fires — the attempt ends first, and the
//! call finishes or backs off and drops the deadline's sleep — yet pushing it into the queue,
//! cancelling it and skipping its dead entry cost about as much as the attempt's own timer.
//! So a task's sleep for an instant later than another timer the same task is already queued
//! for, polled in the same poll, only *reserves* its slot and its registration sequence (the
//! very number it would have had) and is remembered as that task's deferred timer. Whenever
//! the task's poll ends pending, the executor asks ([`Timers::end_poll`]) whether the task
//! still has a queued timer earlier than the deferred one; if not, the deferred entry goes
//! into the queue then, with its reserved sequence.
//!
//! Why order is unchanged: a deferred entry `(at, seq)` stays out of the queue only while its
//! task has a queued timer for an earlier instant that wakes that very task. That timer fires
//! (or the task is polled sooner), the task is polled before time moves past it, and the poll's
//! end re-decides — so every deferred entry is in the queue before its instant is taken, with
//! the sequence it was registered with, and the queue sorts an instant's entries by sequence.
//! Whatever could take the cover away outside the task's own poll — the covering sleep
//! polled by another task, or dropped outside its task's poll — queues the deferred entry at
//! once ([`Timers::flush`]). A deferred sleep dropped before it was queued costs a slot and
//! nothing else.

use super::calendar::TimerQueue;
use super::clock::Wake;
use super::far::Entry;
use crate::time::Nanos;
use std::task::Waker;

/// Whom a timer wakes.
#[derive(Debug)]
pub(super) enum Target {
    Free,
    Task(usize),
    Waker(Waker),
}

#[derive(Debug)]
pub(super) struct Slot {
    seq: u64,
    /// In the queue (false: reserved and deferred, or free).
    queued: bool,
    pub(super) target: Target,
}

/// No deferred timer (a sequence is never 0).
const NONE: (Nanos, u64, u32) = (0, 0, 0);

/// Pending sleeps: a monotone queue of `(at, seq, slot)` over a slab of wake targets, and at
/// most one deferred timer per task.
#[derive(Debug, Default)]
pub(super) struct Timers {
    heap: TimerQueue,
    /// Scratch for one instant's entries.
    due: Vec<Entry>,
    pub(super) slots: Vec<Slot>,
    free: Vec<u32>,
    seq: u64,
    /// Queue entries whose sleep was dropped before it fired.
    dead: usize,
    /// Each task's deferred timer `(at, seq, slot)`, by task id ([`NONE`]: none).
    deferred: Vec<(Nanos, u64, u32)>,
}

impl Timers {
    /// A slot and the next sequence for `target`, not queued yet.
    #[inline(always)]
    fn allocate(&mut self, target: Target) -> (u32, u64) {
        self.seq += 1;
        let seq = self.seq;
        let idx = match self.free.pop() {
            // A free slot's target is `Free`: nothing to drop, so it is forgotten unread.
            Some(i) => match self.slots.get_mut(i as usize) {
                Some(s) => {
                    s.seq = seq;
                    s.queued = false;
                    std::mem::forget(std::mem::replace(&mut s.target, target));
                    i
                }
                None => u32::MAX,
            },
            None => {
                self.slots.push(Slot {
                    seq,
                    queued: false,
                    target,
                });
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        (idx, seq)
    }

    #[inline(always)]
    fn enqueue(&mut self, at: Nanos, seq: u64, idx: u32) {
        if let Some(s) = self.slots.get_mut(idx as usize) {
            s.queued = true;
        }
        self.heap.push((at, seq, idx));
    }

    /// A timer for `at` waking `target`, in the queue at once.
    #[inline(always)]
    pub(super) fn register(&mut self, at: Nanos, target: Target) -> (u32, u64) {
        let (idx, seq) = self.allocate(target);
        self.enqueue(at, seq, idx);
        (idx, seq)
    }

    /// A timer for `at` waking task `task`, deferred (module docs) unless the task already
    /// has a deferred timer; then queued as [`Timers::register`] would.
    pub(super) fn defer(&mut self, at: Nanos, task: usize) -> (u32, u64) {
        if self.deferred.get(task).is_some_and(|d| d.1 != 0) {
            return self.register(at, Target::Task(task));
        }
        let (idx, seq) = self.allocate(Target::Task(task));
        if self.deferred.len() <= task {
            self.deferred.resize(task + 1, NONE);
        }
        self.deferred[task] = (at, seq, idx);
        (idx, seq)
    }

    /// Whether slot `idx` (live) is in the queue.
    pub(super) fn is_queued(&self, idx: u32) -> bool {
        self.slots.get(idx as usize).is_some_and(|s| s.queued)
    }

    /// Queues task `task`'s deferred timer, if it has one.
    pub(super) fn flush(&mut self, task: usize) {
        if let Some(d) = self.deferred.get_mut(task) {
            let (at, seq, idx) = std::mem::replace(d, NONE);
            if seq != 0 {
                self.enqueue(at, seq, idx);
            }
        }
    }

    /// Task `task`'s poll ended pending, its earliest queued timer seen in that poll being
    /// `covered` (`Nanos::MAX`: none known): its deferred timer stays deferred only if later.
    #[inline]
    pub(super) fn end_poll(&mut self, task: usize, covered: Nanos) {
        if self
            .deferred
            .get(task)
            .is_some_and(|d| d.1 != 0 && d.0 <= covered)
        {
            self.flush(task);
        }
    }

    fn live(slots: &[Slot], idx: u32, seq: u64) -> bool {
        slots
            .get(idx as usize)
            .is_some_and(|s| s.seq == seq && !matches!(s.target, Target::Free))
    }

    /// A sleep dropped before firing. A deferred one only gives its slot back. A queued one
    /// leaves a dead queue entry: long-lived dead entries (a finished call's deadline, seconds
    /// ahead) would otherwise pile up, so once they are the majority the queue is rebuilt with
    /// live entries only — O(n), at most once per n/2 cancellations, so O(1) amortised.
    /// Returns whether the timer was queued.
    pub(super) fn cancel(&mut self, idx: u32, seq: u64) -> bool {
        if !Self::live(&self.slots, idx, seq) {
            return false;
        }
        self.free.push(idx);
        let slot = &mut self.slots[idx as usize];
        let queued = slot.queued;
        if let Target::Task(task) = std::mem::replace(&mut slot.target, Target::Free) {
            if !queued {
                if let Some(d) = self.deferred.get_mut(task).filter(|d| d.1 == seq) {
                    *d = NONE;
                }
                return false;
            }
        }
        self.dead += 1;
        if self.dead > 64 && self.dead * 2 > self.heap.len() {
            let slots = &self.slots;
            self.heap
                .retain(|(_, seq, idx)| Self::live(slots, *idx, *seq));
            self.dead = 0;
        }
        true
    }

    /// Live sleeps (queued or deferred).
    pub(super) fn pending(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// Entries in the queue, dead ones included.
    #[cfg(test)]
    pub(super) fn queue_len(&self) -> usize {
        self.heap.len()
    }

    /// Takes the earliest instant that has a live sleep and says whom to wake, in
    /// registration order: each task woken by id goes to `task` as long as no waker came
    /// before it at this instant; from the first waker on, everything is appended to `rest`
    /// instead (so the caller wakes the wakers outside this borrow, in order). Instants
    /// holding only dead entries are skipped, so a cancelled sleep never moves time.
    #[inline]
    pub(super) fn pop_live(
        &mut self,
        mut task: impl FnMut(usize),
        rest: &mut Vec<Wake>,
    ) -> Option<Nanos> {
        loop {
            self.due.clear();
            let at = self.heap.pop_instant(&mut self.due)?;
            let mut woke = false;
            for &(_, seq, idx) in &self.due {
                let slot = match self.slots.get_mut(idx as usize) {
                    Some(s) if s.seq == seq => s,
                    _ => {
                        self.dead = self.dead.saturating_sub(1);
                        continue;
                    }
                };
                match std::mem::replace(&mut slot.target, Target::Free) {
                    Target::Task(id) if rest.is_empty() => task(id),
                    Target::Task(id) => rest.push(Wake::Task(id)),
                    Target::Waker(w) => rest.push(Wake::Waker(w)),
                    Target::Free => {
                        self.dead = self.dead.saturating_sub(1);
                        continue;
                    }
                }
                self.free.push(idx);
                woke = true;
            }
            if woke {
                return Some(at);
            }
        }
    }
}
