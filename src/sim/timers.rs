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

use super::calendar::{Place, TimerQueue};
use super::clock::Wake;
use crate::time::Nanos;
use std::task::Waker;

/// Whom a timer wakes.
#[derive(Debug, Default)]
pub(super) enum Target {
    /// Nobody: the node is free, or its timer has fired.
    #[default]
    Free,
    Task(usize),
    Waker(Waker),
}

/// No deferred timer.
const NONE: u32 = u32::MAX;

/// Pending sleeps: a monotone queue of timer nodes (`calendar.rs`) holding whom to wake, and
/// at most one deferred timer per task.
#[derive(Debug, Default)]
pub(super) struct Timers {
    queue: TimerQueue<Target>,
    seq: u64,
    /// Each task's deferred timer's node, by task id ([`NONE`]: none).
    deferred: Vec<u32>,
}

impl Timers {
    /// A node and the next sequence for `target` at `at`, not queued yet.
    #[inline(always)]
    fn allocate(&mut self, at: Nanos, target: Target) -> (u32, u64) {
        self.seq += 1;
        (self.queue.alloc(at, self.seq, target), self.seq)
    }

    /// A timer for `at` waking `target`, in the queue at once.
    #[inline(always)]
    pub(super) fn register(&mut self, at: Nanos, target: Target) -> (u32, u64) {
        let (idx, seq) = self.allocate(at, target);
        self.queue.enqueue(idx);
        (idx, seq)
    }

    /// A timer for `at` waking task `task`, deferred (module docs) unless the task already
    /// has a deferred timer; then queued as [`Timers::register`] would.
    #[inline(always)]
    pub(super) fn defer(&mut self, at: Nanos, task: usize) -> (u32, u64) {
        match self.deferred.get(task) {
            Some(&d) if d != NONE => return self.register(at, Target::Task(task)),
            Some(_) => {}
            None => self.deferred.resize(task + 1, NONE),
        }
        let (idx, seq) = self.allocate(at, Target::Task(task));
        if let Some(d) = self.deferred.get_mut(task) {
            *d = idx;
        }
        (idx, seq)
    }

    /// Whether node `idx` (live) is in the queue.
    #[inline(always)]
    pub(super) fn is_queued(&self, idx: u32) -> bool {
        self.queue
            .get(idx)
            .is_some_and(|n| matches!(n.place, Place::Ring | Place::Far))
    }

    /// Node `idx` (live) wakes `target` from now on.
    pub(super) fn retarget(&mut self, idx: u32, target: Target) {
        if let Some(n) = self.queue.get_mut(idx) {
            n.value = target;
        }
    }

    /// Queues task `task`'s deferred timer, if it has one.
    pub(super) fn flush(&mut self, task: usize) {
        if let Some(d) = self.deferred.get_mut(task) {
            let idx = std::mem::replace(d, NONE);
            if idx != NONE {
                self.queue.enqueue(idx);
            }
        }
    }

    /// Task `task`'s poll ended pending, its earliest queued timer seen in that poll being
    /// `covered` (`Nanos::MAX`: none known): its deferred timer stays deferred only if later.
    #[inline(always)]
    pub(super) fn end_poll(&mut self, task: usize, covered: Nanos) {
        if let Some(&idx) = self.deferred.get(task) {
            if self.queue.get(idx).is_some_and(|n| n.at <= covered) {
                self.flush(task);
            }
        }
    }

    /// A sleep dropped before firing: a deferred one only gives its node back, a queued one
    /// is taken out of the queue (`calendar.rs`). Returns whether the timer was queued.
    pub(super) fn cancel(&mut self, idx: u32, seq: u64) -> bool {
        let Some(node) = self.queue.get_mut(idx) else {
            return false;
        };
        if node.seq != seq || node.place == Place::Free {
            return false;
        }
        let target = std::mem::take(&mut node.value);
        if let (Place::Out, Target::Task(task)) = (node.place, &target) {
            if let Some(d) = self.deferred.get_mut(*task).filter(|d| **d == idx) {
                *d = NONE;
            }
        }
        self.queue.release(idx)
    }

    /// Live sleeps (queued or deferred).
    pub(super) fn pending(&self) -> usize {
        self.queue.allocated()
    }

    /// Entries in the queue, dead ones included.
    #[cfg(test)]
    pub(super) fn queue_len(&self) -> usize {
        self.queue.held()
    }

    /// Takes the earliest instant that has a sleep and says whom to wake, in registration
    /// order: each task woken by id goes to `task` as long as no waker came before it at this
    /// instant; from the first waker on, everything is appended to `rest` instead (so the
    /// caller wakes the wakers outside this borrow, in order). A cancelled sleep left the
    /// queue when it was dropped, so it never moves time.
    #[inline(always)]
    pub(super) fn pop_live(
        &mut self,
        mut task: impl FnMut(usize),
        rest: &mut Vec<Wake>,
    ) -> Option<Nanos> {
        self.queue
            .pop_instant(|node| match std::mem::take(&mut node.value) {
                Target::Task(id) if rest.is_empty() => task(id),
                Target::Task(id) => rest.push(Wake::Task(id)),
                Target::Waker(w) => rest.push(Wake::Waker(w)),
                Target::Free => {}
            })
    }
}
