//! A single-threaded virtual-time executor.
//!
//! The loop: run every woken task until none is ready; then, if no timer is pending, stop;
//! otherwise jump the [`SimClock`] to the earliest pending instant and wake that instant's
//! sleeps in registration order (see [`super::clock`]). No threads, no real time: the order in
//! which tasks run is a pure function of what they do, which is what makes traces reproducible.
//!
//! Tie-breaks, all FIFO and therefore deterministic: tasks run in the order they were woken;
//! newly spawned tasks run in spawn order, after the tasks already woken; sleeps for the same
//! instant wake in the order they were registered.
//!
//! Why hand-rolled and not tokio with a paused clock: tokio's scheduler is free to reorder
//! tasks, its paused clock still advances by auto-advance heuristics, and it costs far more per
//! event. Here a task is one boxed future, in memory reused from a finished task of the same
//! type (`task_pool.rs`), with one `Arc` waker reused with its slot; waking is a flag swap and a
//! push onto a shared queue.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use super::clock::{task_key, SimClock, Wake as Due};
use super::task_pool::{Task, TaskPool};
use crate::clock::Clock as _;
use crate::time::Nanos;

/// A source's step: acts for the instant it last asked for and returns the next instant it
/// wants to act at (`None`: it is done). See [`Executor::spawn_source`].
type Step<'a> = Box<dyn FnMut() -> Option<Nanos> + 'a>;

/// What a task slot runs: a future, or a source of work stepped at instants of its choosing.
enum Job<'a> {
    Future(Task<'a>),
    Source(Step<'a>),
}

/// Task ids woken through a [`Waker`] since the executor last looked. `len` lets the executor
/// see "nothing queued" without taking the lock (the common case: timers wake tasks directly).
#[derive(Debug, Default)]
struct ReadyQueue {
    queue: Mutex<VecDeque<usize>>,
    len: AtomicUsize,
}

impl ReadyQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<usize>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, id: usize) {
        let mut q = self.lock();
        q.push_back(id);
        self.len.store(q.len(), Ordering::Release);
    }

    /// Appends every queued id to `batch`: one load when none is (the common case).
    #[inline(always)]
    fn append_to(&self, batch: &mut Fifo) {
        if self.len.load(Ordering::Acquire) != 0 {
            self.drain_to(batch);
        }
    }

    #[inline(never)]
    fn drain_to(&self, batch: &mut Fifo) {
        let mut q = self.lock();
        batch.ids.extend(q.drain(..));
        self.len.store(0, Ordering::Release);
    }
}

/// Task ids to poll, first in first out: a vector read from a moving head and emptied when
/// read to its end (cheaper than a ring buffer's wrapping arithmetic on every push and pop).
#[derive(Debug, Default)]
struct Fifo {
    ids: Vec<usize>,
    head: usize,
}

impl Fifo {
    #[inline]
    fn pop(&mut self) -> Option<usize> {
        match self.ids.get(self.head) {
            Some(&id) => {
                self.head += 1;
                Some(id)
            }
            None => {
                self.ids.clear();
                self.head = 0;
                None
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.head >= self.ids.len()
    }
}

struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    ready: Arc<ReadyQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.ready.push(self.id);
        }
    }
}

/// A task slot. The waker outlives the task so a finished slot's waker can be reused by the
/// next task in that slot (when no stale clone of it survives), saving two allocations per task.
struct Entry<'a> {
    future: Option<Job<'a>>,
    /// The clock's name for this slot's tasks (`clock::task_key`).
    key: u32,
    state: Arc<TaskWaker>,
    waker: Waker,
}

/// Jobs spawned and not yet adopted. `len` mirrors the list's length so the executor's check
/// after every poll ("was anything spawned?") is one load, not a `RefCell` borrow.
#[derive(Default)]
struct Spawned<'a> {
    jobs: RefCell<Vec<Job<'a>>>,
    len: Cell<usize>,
}

impl<'a> Spawned<'a> {
    #[inline(always)]
    fn push(&self, job: Job<'a>) {
        self.jobs.borrow_mut().push(job);
        self.len.set(self.len.get() + 1);
    }
}

/// Spawns tasks onto an [`Executor`], from outside or from inside a running task.
#[derive(Clone, Default)]
pub struct Spawner<'a> {
    pending: Rc<Spawned<'a>>,
    pool: Rc<TaskPool>,
}

impl std::fmt::Debug for Spawner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spawner")
            .field("pending", &self.pending.len.get())
            .finish()
    }
}

impl<'a> Spawner<'a> {
    /// Queues `future`; it first runs after the tasks already woken.
    pub fn spawn(&self, future: impl Future<Output = ()> + 'a) {
        self.spawn_with(|| future);
    }

    /// Queues the future `make` returns, like [`Spawner::spawn`]; for large futures, which can
    /// then be built where the task keeps them rather than copied there.
    #[inline(always)]
    pub fn spawn_with<F: Future<Output = ()> + 'a>(&self, make: impl FnOnce() -> F) {
        let task = self.pool.boxed_with(make);
        self.pending.push(Job::Future(task));
    }
}

/// Runs tasks in virtual time on one thread. Tasks may borrow anything that outlives the
/// executor (`'a`), so a run's server, throttle and recorder can be plain locals.
pub struct Executor<'a> {
    clock: SimClock,
    spawner: Spawner<'a>,
    /// The spawner's queue is swapped with this one to adopt new tasks, so neither buffer is
    /// ever reallocated once warm.
    adopting: Vec<Job<'a>>,
    tasks: Vec<Entry<'a>>,
    free: Vec<usize>,
    ready: Arc<ReadyQueue>,
    live: usize,
}

impl std::fmt::Debug for Executor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("live", &self.live)
            .finish()
    }
}

impl Default for Executor<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> Executor<'a> {
    /// An executor with a fresh clock at 0.
    pub fn new() -> Self {
        Executor {
            clock: SimClock::new(),
            spawner: Spawner::default(),
            adopting: Vec::new(),
            tasks: Vec::new(),
            free: Vec::new(),
            ready: Arc::new(ReadyQueue::default()),
            live: 0,
        }
    }

    /// The executor's clock (clone it into tasks).
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// A handle for spawning tasks (clone it into tasks).
    pub fn spawner(&self) -> &Spawner<'a> {
        &self.spawner
    }

    /// Spawns a task.
    pub fn spawn(&self, future: impl Future<Output = ()> + 'a) {
        self.spawner.spawn(future);
    }

    /// Spawns a source: a task without a future that acts at instants it chooses — what a
    /// task looping over `clock.sleep_until(next).await; act()` does, in the same order (its
    /// place among woken tasks, its timers' registration order), without the future, the
    /// sleep and their polls. `step` is called first where a task spawned now would first be
    /// polled; it acts for the instant it returned last (nothing on the first call) and
    /// returns the next instant it wants (`None`: done). An instant not after the current one
    /// is acted on at once, as a sleep already due completes without yielding.
    pub fn spawn_source(&self, step: impl FnMut() -> Option<Nanos> + 'a) {
        self.spawner.pending.push(Job::Source(Box::new(step)));
    }

    /// Tasks that have not finished.
    pub fn live_tasks(&self) -> usize {
        self.live
    }

    /// Takes newly spawned tasks into slots and queues them behind every task already woken
    /// (those in `batch`, then those still in the shared queue), without taking the lock per
    /// task.
    fn adopt_spawned(&mut self, batch: &mut Fifo) {
        self.ready.append_to(batch);
        let mut spawned = std::mem::take(&mut self.adopting);
        std::mem::swap(&mut spawned, &mut *self.spawner.pending.jobs.borrow_mut());
        self.spawner.pending.len.set(0);
        for job in spawned.drain(..) {
            self.adopt(job, batch);
        }
        self.adopting = spawned;
    }

    /// Gives `job` a slot and queues it. Inline: a call is adopted once per call spawned.
    #[inline(always)]
    fn adopt(&mut self, job: Job<'a>, batch: &mut Fifo) {
        let id = match self.free.pop() {
            // Reuse the slot's waker only if nothing else holds a clone of it: a stale
            // clone could otherwise wake the new task (harmless, but wasted work).
            Some(id) if Arc::strong_count(&self.tasks[id].state) == 2 => {
                let entry = &mut self.tasks[id];
                entry.state.queued.store(true, Ordering::Release);
                entry.future = Some(job);
                id
            }
            Some(id) => {
                self.tasks[id] = self.entry(id, job);
                id
            }
            None => {
                let id = self.tasks.len();
                let entry = self.entry(id, job);
                self.tasks.push(entry);
                id
            }
        };
        batch.ids.push(id);
        self.live += 1;
    }

    fn entry(&self, id: usize, future: Job<'a>) -> Entry<'a> {
        let state = Arc::new(TaskWaker {
            id,
            queued: AtomicBool::new(true),
            ready: Arc::clone(&self.ready),
        });
        let waker = Waker::from(Arc::clone(&state));
        Entry {
            future: Some(future),
            key: task_key(id),
            state,
            waker,
        }
    }

    fn poll_task(&mut self, id: usize) {
        let Some(entry) = self.tasks.get_mut(id) else {
            return;
        };
        entry.state.queued.store(false, Ordering::Release);
        let done = match entry.future.as_mut() {
            Some(Job::Future(future)) => {
                let mut cx = Context::from_waker(&entry.waker);
                let core = self.clock.core();
                core.begin_poll(entry.key, &entry.waker);
                let done = future.as_mut().poll(&mut cx).is_ready();
                if !done {
                    core.end_poll(id);
                }
                core.clear_current();
                done
            }
            Some(Job::Source(step)) => {
                let core = self.clock.core();
                let now = self.clock.now();
                loop {
                    match step() {
                        Some(at) if at <= now => {}
                        Some(at) => {
                            core.wake_task_at(at, id);
                            break false;
                        }
                        None => break true,
                    }
                }
            }
            None => return, // a stale wake of a finished task
        };
        if done {
            if let Some(Job::Future(task)) = entry.future.take() {
                self.spawner.pool.recycle(task);
            }
            self.free.push(id);
            self.live -= 1;
        }
    }

    /// Runs until every task has finished or is waiting for something other than time.
    /// Returns the number of tasks left unfinished (0 on a clean run).
    pub fn run(&mut self) -> usize {
        let mut due = Vec::new();
        let mut batch = Fifo::default();
        self.adopt_if_spawned(&mut batch);
        loop {
            // Only a poll (or a foreign waker, below) spawns: new tasks are adopted right
            // after it, behind every task already woken.
            loop {
                // FIFO across batches: ids woken while a batch runs queue up behind it.
                match batch.pop() {
                    Some(id) => {
                        self.poll_task(id);
                        self.adopt_if_spawned(&mut batch);
                    }
                    None => {
                        self.ready.append_to(&mut batch);
                        if batch.is_empty() {
                            break;
                        }
                    }
                }
            }
            let tasks = &self.tasks;
            let direct = |id| wake_direct(tasks, &mut batch.ids, id);
            if !self.clock.core().advance_with(direct, &mut due) {
                return self.live;
            }
            if due.is_empty() {
                continue; // the common case: every timer woke a task by id
            }
            for wake in due.drain(..) {
                match wake {
                    Due::Task(id) => wake_direct(&self.tasks, &mut batch.ids, id),
                    Due::Waker(waker) => {
                        waker.wake_by_ref();
                        // Keep FIFO order with the direct wakes around it.
                        self.ready.append_to(&mut batch);
                    }
                }
            }
            self.adopt_if_spawned(&mut batch);
        }
    }

    /// Adopts newly spawned tasks, if any ([`Executor::adopt_spawned`]); inline for the
    /// common case, one task spawned (a call by the arrivals): no swap, no drain.
    #[inline(always)]
    fn adopt_if_spawned(&mut self, batch: &mut Fifo) {
        let one = match self.spawner.pending.len.get() {
            0 => return,
            1 => {
                self.spawner.pending.len.set(0);
                self.spawner.pending.jobs.borrow_mut().pop()
            }
            _ => None,
        };
        match one {
            Some(job) => {
                self.ready.append_to(batch);
                self.adopt(job, batch);
            }
            None => self.adopt_spawned(batch),
        }
    }
}

/// Queues task `id`, woken by a timer, unless it is queued already: the dedupe of
/// `TaskWaker::wake` without the locked queue. A load and a store, not a swap: only this
/// thread wakes directly, and a racing foreign wake could at worst cause one spurious poll.
#[inline(always)]
fn wake_direct(tasks: &[Entry<'_>], ids: &mut Vec<usize>, id: usize) {
    if let Some(entry) = tasks.get(id) {
        if !entry.state.queued.load(Ordering::Acquire) {
            entry.state.queued.store(true, Ordering::Release);
            ids.push(id);
        }
    }
}

#[cfg(test)]
#[path = "executor_tests.rs"]
pub(super) mod tests;
