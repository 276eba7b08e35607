//! Virtual time: [`SimClock`] and its timers.
//!
//! The clock is a shared integer `now` plus a queue of pending sleeps keyed by
//! `(instant, registration sequence)`. Only the [`super::executor::Executor`] moves `now`, and
//! only when every task has stalled: it jumps straight to the earliest pending instant and wakes
//! the sleeps registered for it **in registration order** — the same-instant tie-break of the
//! whole simulator. Nothing here reads a real clock (determinism rule 5, docs/a6-rules.md).
//!
//! Speed: a sleep costs one node of the timer queue's slab, linked into a calendar ring's
//! bucket (`calendar.rs`; a heap holds what is further ahead than the ring reaches); nodes are
//! reused through a free list, so a long run allocates nothing per timer once warm. A task's
//! sleep for later than a timer it already waits on (a call's deadline behind its attempt's
//! end) is deferred, holds no node and is usually never queued at all (`timers.rs` argues why
//! order is unchanged). A dropped sleep (a cancelled attempt, a lost race) is unlinked at once
//! (a far one is skipped when reached), so dead timers never move time forward. A sleep
//! re-polled by the task that registered it does not look at the timers at all.
//!
//! Direct wakes: while the executor polls a task it tells the clock which task that is and the
//! identity (data and vtable pointers) of that task's waker. A sleep polled with exactly that
//! waker stores only the task id, not a waker clone, and firing it hands the id straight back to
//! the executor: no reference counting, no locked queue. Any other waker (a combinator's own, a
//! foreign executor's) is cloned and woken the ordinary way.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{RawWakerVTable, Waker};

use super::timers::{Target, Timers, DEFERRED};
use crate::clock::Clock;
use crate::time::Nanos;

#[path = "sleep.rs"]
mod sleep;
pub use sleep::Sleep;

/// Whom a fired timer wakes.
#[derive(Debug)]
pub(crate) enum Wake {
    /// A task of the executor, by id.
    Task(usize),
    /// Anything else, through its waker.
    Waker(Waker),
}

/// The identity (data and vtable pointers) of the polled task's waker.
type WakerId = (*const (), *const RawWakerVTable);

/// State shared by the clock, its sleeps and the executor.
#[derive(Debug)]
pub(crate) struct Core {
    now: Cell<Nanos>,
    timers: RefCell<Timers>,
    /// The task being polled ([`NO_TASK`]: none). No `Option`: a sleep's poll reads it on
    /// every registration. Apart from its waker's identity, so ending a poll is one store.
    current: Cell<u32>,
    /// The polled task's waker's identity; meaningless while `current` is [`NO_TASK`].
    current_waker: Cell<WakerId>,
    /// The earliest queued timer of the task being polled seen in this poll (`Nanos::MAX`:
    /// none known): its sleeps for later instants are deferred (`timers.rs`).
    covered: Cell<Nanos>,
}

impl Core {
    /// Advances to the earliest pending instant and appends whom to wake to `out`, in
    /// registration order. Returns false when no timer is pending (the run is over).
    #[cfg(test)]
    pub(crate) fn advance(&self, out: &mut Vec<Wake>) -> bool {
        let mut tasks = Vec::new();
        let mut rest = Vec::new();
        let more = self.advance_with(|id| tasks.push(Wake::Task(id)), &mut rest);
        out.extend(tasks);
        out.extend(rest);
        more
    }

    /// Advances to the earliest pending instant and says whom to wake, in registration order:
    /// tasks woken by id go straight to `task` until the instant's first waker; that waker and
    /// everything after it are appended to `rest`, for the caller to wake once the timers are
    /// no longer borrowed (a foreign waker may do anything, even set a timer). Returns false
    /// when no timer is pending (the run is over).
    ///
    /// Why the split: nearly every timer wakes a task by id, and handing the id over at once
    /// saves staging every wake in a list and reading it back.
    #[inline]
    pub(crate) fn advance_with(&self, task: impl FnMut(usize), rest: &mut Vec<Wake>) -> bool {
        match self.timers.borrow_mut().pop_live(task, rest) {
            Some(at) => {
                self.now.set(at);
                true
            }
            None => false,
        }
    }

    /// Registers a timer that wakes task `id` at `at`, as a sleep polled by that task would
    /// (an executor source's next step).
    pub(crate) fn wake_task_at(&self, at: Nanos, id: usize) {
        self.timers.borrow_mut().register(at, Target::Task(id));
    }

    /// The executor is about to poll task `id` with `waker` (or has finished: `None`).
    #[cfg(test)]
    pub(crate) fn set_current(&self, current: Option<(usize, &Waker)>) {
        match current {
            Some((id, w)) => self.begin_poll(task_key(id), w),
            None => self.clear_current(),
        }
    }

    /// The executor is about to poll the task it calls `key` ([`task_key`]) with `waker`.
    #[inline(always)]
    pub(crate) fn begin_poll(&self, key: u32, waker: &Waker) {
        self.current.set(key);
        self.current_waker
            .set((waker.data(), waker.vtable() as *const _));
        self.covered.set(Nanos::MAX);
    }

    /// No task is being polled any more. Only the id is reset: nothing reads the waker's
    /// identity or `covered` without a task.
    #[inline(always)]
    pub(crate) fn clear_current(&self) {
        self.current.set(NO_TASK);
    }

    /// Task `id`'s poll ended pending: its deferred timer, if any, is queued unless a timer
    /// of the task seen in that poll comes first (`timers.rs`).
    #[inline]
    pub(crate) fn end_poll(&self, id: usize) {
        self.timers.borrow_mut().end_poll(id, self.covered.get());
    }

    /// A queued timer for `at` wakes the task being polled.
    #[inline]
    fn cover(&self, at: Nanos) {
        if at < self.covered.get() {
            self.covered.set(at);
        }
    }

    /// The id of the task being polled if `waker` is that task's own waker, else [`NO_TASK`].
    #[inline(always)]
    fn current_task(&self, waker: &Waker) -> u32 {
        let (data, vtable) = self.current_waker.get();
        if waker.data() == data && std::ptr::eq(waker.vtable(), vtable) {
            self.current.get()
        } else {
            NO_TASK
        }
    }

    /// Whom to wake: the task by id when it polled with its own waker, else a clone of `waker`.
    #[inline(always)]
    fn target(owner: u32, waker: &Waker) -> Target {
        if owner != NO_TASK {
            Target::Task(owner as usize)
        } else {
            Target::Waker(waker.clone())
        }
    }
}

impl Default for Core {
    fn default() -> Self {
        Core {
            now: Cell::new(0),
            timers: RefCell::default(),
            current: Cell::new(NO_TASK),
            current_waker: Cell::new((std::ptr::null(), std::ptr::null())),
            covered: Cell::new(Nanos::MAX),
        }
    }
}

/// [`Sleep::owner`] when the timer wakes through a waker; no task in `Core::current`.
const NO_TASK: u32 = u32::MAX;

/// What the clock calls executor task `id` ([`Core::begin_poll`]), worked out once per task
/// slot rather than at every poll. An id too large to keep is no task: its sleeps wake it
/// through its waker.
pub(crate) fn task_key(id: usize) -> u32 {
    u32::try_from(id).unwrap_or(NO_TASK)
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
        self.core.timers.borrow().pending()
    }

    /// Entries in the timer queue, dead ones included (deferred sleeps have none).
    #[cfg(test)]
    pub(super) fn queued_timers(&self) -> usize {
        self.core.timers.borrow().queue_len()
    }
}

impl Clock for SimClock {
    type Sleep = Sleep;

    fn now(&self) -> Nanos {
        self.core.now.get()
    }

    fn sleep_until(&self, at: Nanos) -> Sleep {
        Sleep::new(Rc::clone(&self.core), at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::task::{Context, Waker};

    struct Flag(std::sync::atomic::AtomicBool);

    impl std::task::Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn due(clock: &SimClock) -> Vec<Wake> {
        let mut due = Vec::new();
        assert!(clock.core.advance(&mut due));
        due
    }

    #[test]
    fn a_pending_sleep_wakes_whoever_polled_it_last() {
        let clock = SimClock::new();
        let task = Waker::noop();
        let flag = std::sync::Arc::new(Flag(Default::default()));
        let foreign = Waker::from(std::sync::Arc::clone(&flag));
        let (mut a, mut b) = (
            Box::pin(clock.sleep_until(5)),
            Box::pin(clock.sleep_until(9)),
        );
        // `a`: the task, twice (the re-poll keeps the direct wake), then a foreign waker.
        clock.core.set_current(Some((7, task)));
        for _ in 0..2 {
            assert!(a.as_mut().poll(&mut Context::from_waker(task)).is_pending());
        }
        clock.core.set_current(None);
        assert!(a
            .as_mut()
            .poll(&mut Context::from_waker(&foreign))
            .is_pending());
        // `b`: a foreign waker first, then the task.
        assert!(b
            .as_mut()
            .poll(&mut Context::from_waker(&foreign))
            .is_pending());
        clock.core.set_current(Some((7, task)));
        assert!(b.as_mut().poll(&mut Context::from_waker(task)).is_pending());
        clock.core.set_current(None);
        match &due(&clock)[..] {
            [Wake::Waker(w)] => w.wake_by_ref(),
            other => panic!("expected the foreign waker at 5, got {other:?}"),
        }
        assert!(flag.0.load(std::sync::atomic::Ordering::SeqCst));
        assert!(matches!(due(&clock)[..], [Wake::Task(7)]), "the task at 9");
        assert_eq!(clock.now(), 9);
    }

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
        let len = clock.core.timers.borrow().queue_len();
        assert!(len <= 200, "heap holds {len} entries for 1 live sleep");
        assert_eq!(clock.pending_timers(), 1);
        let mut due: Vec<Wake> = Vec::new();
        assert!(clock.core.advance(&mut due));
        assert_eq!(
            (clock.now(), due.len()),
            (5, 1),
            "dead entries never move time"
        );
        assert!(!clock.core.advance(&mut due));
    }
}
