//! Virtual time: [`SimClock`] and its timer heap.
//!
//! The clock is a shared integer `now` plus a queue of pending sleeps keyed by
//! `(instant, registration sequence)`. Only the [`super::executor::Executor`] moves `now`, and
//! only when every task has stalled: it jumps straight to the earliest pending instant and wakes
//! the sleeps registered for it **in registration order** — the same-instant tie-break of the
//! whole simulator. Nothing here reads a real clock (DESIGN.md rule 5).
//!
//! Speed: a sleep costs one push onto a monotone radix queue ([`super::radix`]) and one slab
//! slot; slots are reused through a free list,
//! so a long run allocates nothing per timer once warm. A dropped sleep (a cancelled attempt, a
//! lost `select`) frees its slot at once, and its heap entry is skipped when popped, so dead
//! timers never move time forward.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::radix::{Entry, RadixQueue};
use crate::clock::Clock;
use crate::time::Nanos;

#[derive(Debug)]
struct Slot {
    seq: u64,
    waker: Option<Waker>,
}

/// Pending sleeps: a monotone queue of `(at, seq, slot)` over a slab of wakers.
#[derive(Debug, Default)]
struct Timers {
    heap: RadixQueue,
    /// Scratch for one instant's entries.
    due: Vec<Entry>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    seq: u64,
    /// Heap entries whose sleep was dropped before it fired.
    dead: usize,
}

impl Timers {
    fn register(&mut self, at: Nanos, waker: Waker) -> (u32, u64) {
        self.seq += 1;
        let seq = self.seq;
        let idx = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Slot {
                    seq,
                    waker: Some(waker),
                };
                i
            }
            None => {
                self.slots.push(Slot {
                    seq,
                    waker: Some(waker),
                });
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.heap.push((at, seq, idx));
        (idx, seq)
    }

    fn live(&self, idx: u32, seq: u64) -> bool {
        self.slots
            .get(idx as usize)
            .is_some_and(|s| s.seq == seq && s.waker.is_some())
    }

    fn release(&mut self, idx: u32, seq: u64) -> Option<Waker> {
        if !self.live(idx, seq) {
            return None;
        }
        self.free.push(idx);
        self.slots[idx as usize].waker.take()
    }

    /// A sleep dropped before firing: its heap entry is now dead. Long-lived dead entries (a
    /// finished call's deadline, seconds ahead) would otherwise pile up and make every heap
    /// operation slower, so once they are the majority the heap is rebuilt with live entries
    /// only — O(n), at most once per n/2 cancellations, so O(1) amortised.
    fn cancel(&mut self, idx: u32, seq: u64) {
        if self.release(idx, seq).is_some() {
            self.dead += 1;
            if self.dead > 64 && self.dead * 2 > self.heap.len() {
                let slots = &self.slots;
                self.heap.retain(|(_, seq, idx)| {
                    slots
                        .get(*idx as usize)
                        .is_some_and(|s| s.seq == *seq && s.waker.is_some())
                });
                self.dead = 0;
            }
        }
    }

    /// Takes the earliest instant that has a live sleep; appends its wakers to `out` in
    /// registration order. Instants holding only dead entries are skipped, so a cancelled
    /// sleep never moves time.
    fn pop_live(&mut self, out: &mut Vec<Waker>) -> Option<Nanos> {
        let mut due = std::mem::take(&mut self.due);
        let result = loop {
            due.clear();
            let at = self.heap.pop_instant(&mut due)?;
            let before = out.len();
            for &(_, seq, idx) in &due {
                match self.release(idx, seq) {
                    Some(w) => out.push(w),
                    None => self.dead = self.dead.saturating_sub(1),
                }
            }
            if out.len() > before {
                break Some(at);
            }
        };
        self.due = due;
        result
    }
}

/// State shared by the clock, its sleeps and the executor.
#[derive(Debug, Default)]
pub(crate) struct Core {
    now: Cell<Nanos>,
    timers: RefCell<Timers>,
}

impl Core {
    /// Advances to the earliest pending instant and appends its wakers to `out` in registration
    /// order. Returns false when no timer is pending (the run is over).
    pub(crate) fn advance(&self, out: &mut Vec<Waker>) -> bool {
        match self.timers.borrow_mut().pop_live(out) {
            Some(at) => {
                self.now.set(at);
                true
            }
            None => false,
        }
    }
}

/// The virtual clock. Cheap to clone; every clone shares one `now`.
#[derive(Clone, Debug, Default)]
pub struct SimClock {
    core: Rc<Core>,
}

impl SimClock {
    /// A clock at 0 with no timers.
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn core(&self) -> &Rc<Core> {
        &self.core
    }

    /// How many sleeps are pending (live ones only).
    pub fn pending_timers(&self) -> usize {
        let t = self.core.timers.borrow();
        t.slots.len() - t.free.len()
    }
}

impl Clock for SimClock {
    type Sleep = Sleep;

    fn now(&self) -> Nanos {
        self.core.now.get()
    }

    fn sleep_until(&self, at: Nanos) -> Sleep {
        Sleep {
            core: Rc::clone(&self.core),
            at,
            timer: None,
        }
    }
}

/// A future that completes once virtual time reaches its instant.
#[derive(Debug)]
pub struct Sleep {
    core: Rc<Core>,
    at: Nanos,
    timer: Option<(u32, u64)>,
}

impl Sleep {
    /// The instant this sleep completes at.
    pub fn deadline(&self) -> Nanos {
        self.at
    }

    fn cancel(&mut self) {
        if let Some((idx, seq)) = self.timer.take() {
            self.core.timers.borrow_mut().cancel(idx, seq);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.core.now.get() >= self.at {
            self.cancel();
            return Poll::Ready(());
        }
        let mut timers = self.core.timers.borrow_mut();
        match self.timer {
            Some((idx, seq)) if timers.live(idx, seq) => {
                // Still pending: keep the newest waker (a sleep may move between tasks).
                let slot = &mut timers.slots[idx as usize];
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    slot.waker = Some(cx.waker().clone());
                }
            }
            _ => {
                let key = timers.register(self.at, cx.waker().clone());
                drop(timers);
                self.timer = Some(key);
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn cancelled_sleeps_do_not_pile_up_in_the_heap() {
        let clock = SimClock::new();
        let mut cx = Context::from_waker(Waker::noop());
        // A long-lived live sleep, then 10,000 far-future sleeps registered and dropped.
        let mut keep = Box::pin(clock.sleep_until(5));
        assert!(keep.as_mut().poll(&mut cx).is_pending());
        for i in 0..10_000 {
            let mut s = Box::pin(clock.sleep_until(1_000_000 + i));
            assert!(s.as_mut().poll(&mut cx).is_pending());
        }
        let len = clock.core.timers.borrow().heap.len();
        assert!(len <= 200, "heap holds {len} entries for 1 live sleep");
        assert_eq!(clock.pending_timers(), 1);
        let mut due = Vec::new();
        assert!(clock.core.advance(&mut due));
        assert_eq!(
            (clock.now(), due.len()),
            (5, 1),
            "dead entries never move time"
        );
        assert!(!clock.core.advance(&mut due));
    }
}
