//! The clock's pending sleeps: wake targets in the timer queue's nodes (`calendar.rs`), and
//! the **deferred** far timers that never reach the queue at all.
//!
//! Why defer: a simulated call waits on its attempt's end and, at the same time, on its
//! deadline, seconds ahead. The deadline almost never fires — the attempt ends first, and the
//! call finishes or backs off and drops the deadline's sleep — yet pushing it into the queue,
//! cancelling it and skipping its dead entry cost about as much as the attempt's own timer.
//! So a task's sleep for an instant later than another timer the same task is already queued
//! for, polled in the same poll, only *reserves* its registration sequence (the very number it
//! would have had) and is remembered, with its instant, as that task's deferred timer: no
//! node, so dropping it costs a comparison and a store. Whenever
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
//! once ([`Timers::flush`]). A deferred sleep dropped before it was queued leaves no trace.
//!
//! A queued deferred timer's node is recorded in its task's entry until the sleep next looks
//! (polled or dropped: [`Timers::claim`]) and learns it; until then (or until the node has
//! fired) the task defers no other timer, so the record is never overwritten unread.

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

/// A sleep's node index while it is deferred or its node is not yet claimed.
pub(super) const DEFERRED: u32 = u32::MAX;

/// A task's deferred timer: its instant, its reserved sequence (0: none) and, once queued,
/// its node (until claimed by its sleep; [`DEFERRED`]: not queued).
#[derive(Clone, Copy, Debug)]
struct Deferred {
    at: Nanos,
    seq: u64,
    node: u32,
}

const NONE: Deferred = Deferred {
    at: 0,
    seq: 0,
    node: DEFERRED,
};

/// Pending sleeps: a monotone queue of timer nodes (`calendar.rs`) holding whom to wake, and
/// at most one deferred timer per task.
#[derive(Debug, Default)]
pub(super) struct Timers {
    queue: TimerQueue<Target>,
    seq: u64,
    /// Each task's deferred timer, by task id.
    deferred: Vec<Deferred>,
    /// Scratch for an instant's wakes after the first.
    more: Vec<Target>,
}

impl Timers {
    /// A timer for `at` waking `target`, in the queue at once.
    #[inline(always)]
    pub(super) fn register(&mut self, at: Nanos, target: Target) -> (u32, u64) {
        self.seq += 1;
        let idx = self.queue.insert(at, self.seq, target);
        (idx, self.seq)
    }

    /// A timer for `at` waking task `task`, deferred (module docs: its index is
    /// [`DEFERRED`]) unless the task already has a deferred timer (or one queued and not yet
    /// claimed); then queued as [`Timers::register`] would.
    #[inline(always)]
    pub(super) fn defer(&mut self, at: Nanos, task: usize) -> (u32, u64) {
        let d = match self.deferred.get(task) {
            Some(&d) => d,
            None => {
                self.deferred.resize(task + 1, NONE);
                NONE
            }
        };
        if d.seq != 0 && (d.node == DEFERRED || self.live(d.node, d.seq)) {
            return self.register(at, Target::Task(task));
        }
        self.seq += 1;
        if let Some(slot) = self.deferred.get_mut(task) {
            // Always there: found or just added above.
            *slot = Deferred {
                at,
                seq: self.seq,
                node: DEFERRED,
            };
        }
        (DEFERRED, self.seq)
    }

    fn live(&self, idx: u32, seq: u64) -> bool {
        self.queue
            .get(idx)
            .is_some_and(|n| n.seq == seq && n.place != Place::Free)
    }

    /// The node of task `task`'s deferred timer `seq` if it has been queued (the record is
    /// then cleared: the sleep keeps the index); `None` while it is still deferred.
    #[inline]
    pub(super) fn claim(&mut self, task: usize, seq: u64) -> Option<u32> {
        let d = self.deferred.get_mut(task).filter(|d| d.seq == seq)?;
        if d.node == DEFERRED {
            return None;
        }
        let node = d.node;
        *d = NONE;
        Some(node)
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

    /// Queues task `task`'s deferred timer, if it has one, with its reserved sequence.
    pub(super) fn flush(&mut self, task: usize) {
        if let Some(d) = self.deferred.get(task).copied() {
            if d.seq != 0 && d.node == DEFERRED {
                let idx = self.queue.insert(d.at, d.seq, Target::Task(task));
                self.deferred[task].node = idx;
            }
        }
    }

    /// Task `task`'s poll ended pending, its earliest queued timer seen in that poll being
    /// `covered` (`Nanos::MAX`: none known): its deferred timer stays deferred only if later.
    #[inline(always)]
    pub(super) fn end_poll(&mut self, task: usize, covered: Nanos) {
        if let Some(d) = self.deferred.get(task) {
            if d.seq != 0 && d.node == DEFERRED && d.at <= covered {
                self.flush(task);
            }
        }
    }

    /// A deferred sleep (index [`DEFERRED`]) of task `task` dropped before firing: forgotten
    /// if still deferred, else cancelled as [`Timers::cancel`]. Returns whether it was queued.
    pub(super) fn cancel_deferred(&mut self, task: usize, seq: u64) -> bool {
        // One look at the record, which is this sleep's whether queued since or not.
        let Some(d) = self.deferred.get_mut(task).filter(|d| d.seq == seq) else {
            return false;
        };
        let node = d.node;
        *d = NONE;
        node != DEFERRED && self.cancel(node, seq)
    }

    /// A queued sleep dropped before firing: taken out of the queue (`calendar.rs`). Returns
    /// whether the timer was queued.
    pub(super) fn cancel(&mut self, idx: u32, seq: u64) -> bool {
        match self.queue.get_mut(idx) {
            Some(node) if node.seq == seq && node.place != Place::Free => {
                node.value = Target::Free;
                self.queue.release(idx)
            }
            _ => false,
        }
    }

    /// Live sleeps (queued or deferred). Counts the deferred ones rather than keeping a
    /// count that every deferral and cancellation would pay for: only tests ask.
    pub(super) fn pending(&self) -> usize {
        let deferred = self.deferred.iter();
        let out = deferred
            .filter(|d| d.seq != 0 && d.node == DEFERRED)
            .count();
        self.queue.allocated() + out
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
        let mut wake = |target, rest: &mut Vec<Wake>| match target {
            Target::Task(id) if rest.is_empty() => task(id),
            Target::Task(id) => rest.push(Wake::Task(id)),
            Target::Waker(w) => rest.push(Wake::Waker(w)),
            Target::Free => {}
        };
        let (at, first) = self.queue.pop_instant(&mut self.more)?;
        wake(first, rest);
        if !self.more.is_empty() {
            for target in self.more.drain(..) {
                wake(target, rest);
            }
        }
        Some(at)
    }
}
