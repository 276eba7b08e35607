//! Virtual time: [`SimClock`] and its timer heap.
//!
//! The clock is a shared integer `now` plus a heap of pending sleeps keyed by
//! `(instant, registration sequence)`. Only the [`super::executor::Executor`] moves `now`, and
//! only when every task has stalled: it jumps straight to the earliest pending instant and wakes
//! the sleeps registered for it **in registration order** — the same-instant tie-break of the
//! whole simulator. Nothing here reads a real clock (DESIGN.md rule 5).
//!
//! Speed: a sleep costs one heap push and one slab slot; slots are reused through a free list,
//! so a long run allocates nothing per timer once warm. A dropped sleep (a cancelled attempt, a
//! lost `select`) frees its slot at once, and its heap entry is skipped when popped, so dead
//! timers never move time forward.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::clock::Clock;
use crate::time::Nanos;

#[derive(Debug)]
struct Slot {
    seq: u64,
    waker: Option<Waker>,
}

/// Pending sleeps: a min-heap of `(at, seq, slot)` over a slab of wakers.
#[derive(Debug, Default)]
struct Timers {
    heap: BinaryHeap<Reverse<(Nanos, u64, u32)>>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    seq: u64,
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
        self.heap.push(Reverse((at, seq, idx)));
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

    /// Drops dead entries from the top; the earliest live instant.
    fn next_instant(&mut self) -> Option<Nanos> {
        while let Some(Reverse((at, seq, idx))) = self.heap.peek().copied() {
            if self.live(idx, seq) {
                return Some(at);
            }
            self.heap.pop();
        }
        None
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
        let mut timers = self.timers.borrow_mut();
        let Some(at) = timers.next_instant() else {
            return false;
        };
        self.now.set(at);
        while let Some(Reverse((t, seq, idx))) = timers.heap.peek().copied() {
            if t != at {
                break;
            }
            timers.heap.pop();
            if let Some(w) = timers.release(idx, seq) {
                out.push(w);
            }
        }
        true
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
            self.core.timers.borrow_mut().release(idx, seq);
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
