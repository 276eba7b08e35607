//! [`Sleep`], the future a [`super::SimClock`] hands out: what its polls and its drop do to
//! the timers (the clock's module docs say why the common cases are cheap).

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Core, Target, DEFERRED, NO_TASK};
use crate::time::Nanos;

/// A future that completes once virtual time reaches its instant.
#[derive(Debug)]
pub struct Sleep {
    core: Rc<Core>,
    at: Nanos,
    /// The registered timer's sequence (0: none registered; sequences start at 1) and node
    /// (`timers::DEFERRED` while deferred, or queued and not yet claimed).
    /// Live while `now < at`: only firing frees the slot (and firing moves `now` to `at`),
    /// and only dropping the sleep cancels it. Kept small (no `Option`s): a sleep lives in
    /// every simulated attempt, and attempts are moved about.
    seq: u64,
    idx: u32,
    /// The task the timer wakes by id, or [`NO_TASK`] when it wakes a waker.
    owner: u32,
}

impl Sleep {
    /// A sleep until `at`, not registered until first polled.
    #[inline]
    pub(super) fn new(core: Rc<Core>, at: Nanos) -> Sleep {
        Sleep {
            core,
            at,
            seq: 0,
            idx: 0,
            owner: NO_TASK,
        }
    }

    /// The instant this sleep completes at.
    pub fn deadline(&self) -> Nanos {
        self.at
    }

    /// Cancels the timer, if it is still pending (drop calls it).
    #[inline]
    fn cancel(&mut self) {
        // A timer whose instant has come has fired: its slot is free, maybe reused.
        if self.seq != 0 && self.core.now.get() < self.at {
            self.cancel_pending();
        }
        self.seq = 0;
    }

    /// The timer is pending: free it (kept out of line, so dropping a fired or unpolled
    /// sleep stays a comparison).
    #[inline(never)]
    fn cancel_pending(&mut self) {
        let core = &*self.core;
        let mut timers = core.timers.borrow_mut();
        let queued = if self.idx == DEFERRED {
            timers.cancel_deferred(self.owner as usize, self.seq)
        } else {
            timers.cancel(self.idx, self.seq)
        };
        if queued && self.owner != NO_TASK {
            // A queued timer of a task may have been covering its deferred one.
            if core.current.get() == self.owner {
                if self.at <= core.covered.get() {
                    core.covered.set(Nanos::MAX);
                }
            } else {
                timers.flush(self.owner as usize);
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.core.now.get() >= this.at {
            // Time only reaches an instant by firing every sleep registered for it, so a
            // registered sleep whose instant has come has fired: its slot is already free.
            this.seq = 0;
            return Poll::Ready(());
        }
        this.pending(cx);
        Poll::Pending
    }
}

impl Sleep {
    /// A poll before the instant. Out of line, so the poll of a sleep whose instant has come
    /// stays a comparison (inline, the registration made the call future's poll dearer than
    /// the call it saves).
    #[inline(never)]
    fn pending(&mut self, cx: &Context<'_>) {
        let owner = self.core.current_task(cx.waker());
        if self.seq == 0 && owner != NO_TASK {
            self.register_for(owner);
        } else {
            self.repoll(cx, owner);
        }
    }

    /// The first poll before the instant, by the task being polled (nearly every sleep's only
    /// registration): queued, or deferred behind an earlier timer of the task. Apart from
    /// the rarer cases, so it keeps fewer registers.
    #[inline(always)]
    fn register_for(&mut self, owner: u32) {
        let core = &*self.core;
        let mut timers = core.timers.borrow_mut();
        let (idx, seq) = if self.at > core.covered.get() {
            // Later than a timer the task is already queued for: deferred (`timers.rs`).
            timers.defer(self.at, owner as usize)
        } else {
            core.cover(self.at);
            timers.register(self.at, Target::Task(owner as usize))
        };
        (self.idx, self.seq, self.owner) = (idx, seq, owner);
    }

    /// Any other poll before the instant: register for a foreign waker, or keep (or move)
    /// the registration.
    #[inline(never)]
    fn repoll(&mut self, cx: &Context<'_>, owner: u32) {
        let this = self;
        let core = &*this.core;
        if this.seq == 0 {
            let target = Target::Waker(cx.waker().clone());
            let (idx, seq) = core.timers.borrow_mut().register(this.at, target);
            (this.idx, this.seq, this.owner) = (idx, seq, owner);
        } else if owner != NO_TASK && owner == this.owner {
            // The common re-poll, by the task that registered it: the timer is live (field
            // docs) and still wakes this task; if queued, it covers the task's later sleeps.
            // A deferred one learns its node once queued (`timers.rs`).
            if this.idx == DEFERRED {
                match core.timers.borrow_mut().claim(owner as usize, this.seq) {
                    Some(idx) => this.idx = idx,
                    None => return,
                }
            }
            if this.at < core.covered.get() && core.timers.borrow().is_queued(this.idx) {
                core.covered.set(this.at);
            }
        } else {
            // Still pending: wake whoever polled last (a sleep may move between tasks). It
            // may have been deferred, or covering a deferred one, for its previous task:
            // that one is queued now.
            let target = Core::target(owner, cx.waker());
            let mut timers = core.timers.borrow_mut();
            if this.owner != NO_TASK {
                let previous = this.owner as usize;
                timers.flush(previous);
                if this.idx == DEFERRED {
                    this.idx = timers.claim(previous, this.seq).unwrap_or(DEFERRED);
                }
            }
            timers.retarget(this.idx, target);
            this.owner = owner;
            if owner != NO_TASK {
                core.cover(this.at);
            }
        }
    }
}

impl Drop for Sleep {
    #[inline]
    fn drop(&mut self) {
        self.cancel();
    }
}
