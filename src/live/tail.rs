//! [`Tail`]: a call's driver future, in an allocation reused from one finished call to the next.
//!
//! Why: the driver future is a few KB — past the allocator's per-thread caches, so a fresh
//! allocation and its free per call went to the allocator's shared arena and were a
//! measurable part of the layer's cost per call (`benches/live_overhead.rs`). Every call of a
//! layer has the same driver type, so a finished call's memory fits the next call exactly:
//! a dropped `Tail` keeps its memory in a small per-thread list, keyed by layout, and the next
//! call started on that thread writes its driver into it, built in place (never on the stack
//! first). The list is bounded, so a thread keeps at most [`SPARE_MAX`] allocations; memory
//! freed on one thread and reused on another is fine (it is the global allocator's).
//!
//! Safety argument, in one place: a `Tail` owns one initialised future behind `ptr`, which
//! came from the global allocator with the layout of the future's type (`Box::new_uninit`, or
//! a spare of exactly that layout). The future is never moved out of its allocation, so
//! polling it pinned is sound; it is dropped in place exactly once (in `Tail`'s `Drop`), and
//! only then does its memory become a spare, which holds no value.

use std::alloc::Layout;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// Spare allocations one thread keeps at most.
const SPARE_MAX: usize = 32;

/// A thread's spare allocations, returned to the allocator when the thread ends.
struct Spares(Vec<(Layout, NonNull<u8>)>);

impl Drop for Spares {
    fn drop(&mut self) {
        for (layout, ptr) in self.0.drain(..) {
            // SAFETY: allocated by the global allocator with `layout`; holds no value.
            unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
        }
    }
}

thread_local! {
    static SPARES: RefCell<Spares> = const { RefCell::new(Spares(Vec::new())) };
}

/// A spare allocation of `layout` from this thread's list, if it has one.
fn spare(layout: Layout) -> Option<NonNull<u8>> {
    SPARES
        .try_with(|s| {
            let mut spares = s.borrow_mut();
            let i = spares.0.iter().rposition(|(l, _)| *l == layout)?;
            Some(spares.0.swap_remove(i).1)
        })
        .ok()
        .flatten()
}

/// Keeps `ptr` (of `layout`, holding no value) for the next call, or frees it.
fn keep(layout: Layout, ptr: NonNull<u8>) {
    let kept = SPARES.try_with(|s| {
        let mut spares = s.borrow_mut();
        if spares.0.len() < SPARE_MAX {
            spares.0.push((layout, ptr));
            true
        } else {
            false
        }
    });
    if kept != Ok(true) {
        // SAFETY: allocated by the global allocator with `layout`; holds no value.
        unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
    }
}

/// A call's driver future (or the rest of it, once the response was handed over), owned and
/// pinned in its allocation: a `Pin<Box<dyn Future>>` whose memory is reused (module docs).
pub struct Tail {
    future: NonNull<dyn Future<Output = ()> + Send>,
}

// SAFETY: `Tail` owns its future as a `Box` would, and the future is `Send`.
unsafe impl Send for Tail {}

impl Tail {
    /// The future `make` returns, written straight into its allocation: a spare of its
    /// layout when this thread has one.
    #[inline(always)]
    pub fn new<F: Future<Output = ()> + Send + 'static>(make: impl FnOnce() -> F) -> Tail {
        let layout = Layout::new::<F>();
        // A zero-sized future is never kept, so it never finds a spare.
        let raw: *mut F = match spare(layout) {
            Some(ptr) => ptr.as_ptr().cast(),
            None => Box::into_raw(Box::<F>::new_uninit()).cast(),
        };
        // SAFETY: `raw` is valid for writes of an `F` (a fresh allocation or a spare of `F`'s
        // layout) and holds no value, so nothing is overwritten without being dropped.
        unsafe { raw.write(make()) };
        let future: *mut (dyn Future<Output = ()> + Send) = raw;
        Tail {
            // SAFETY: `raw` came from an allocation, so it is not null.
            future: unsafe { NonNull::new_unchecked(future) },
        }
    }
}

impl Future for Tail {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future is initialised and never moved out of its allocation (module
        // docs), so it may be polled pinned.
        unsafe { Pin::new_unchecked(self.future.as_mut()) }.poll(cx)
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        // SAFETY: the future is initialised and dropped here once; its layout is read first.
        let layout = Layout::for_value(unsafe { self.future.as_ref() });
        unsafe { std::ptr::drop_in_place(self.future.as_ptr()) };
        if layout.size() > 0 {
            keep(layout, self.future.cast());
        }
    }
}

impl std::fmt::Debug for Tail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counted(Arc<AtomicUsize>, [u64; 64]);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn call(drops: &Arc<AtomicUsize>, value: u64) -> Tail {
        let held = Counted(Arc::clone(drops), [value; 64]);
        Tail::new(move || async move {
            assert_eq!(held.1[63], value);
        })
    }

    #[test]
    fn a_finished_calls_memory_serves_the_next_and_each_future_drops_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut first = call(&drops, 1);
        assert_eq!(Pin::new(&mut first).poll(&mut cx), Poll::Ready(()));
        let addr = first.future.cast::<u8>();
        drop(first);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        // The next call of the same type on this thread gets the same memory, unpolled too.
        let second = call(&drops, 2);
        assert_eq!(second.future.cast::<u8>(), addr);
        drop(second);
        assert_eq!(drops.load(Ordering::Relaxed), 2);
        let mut third = call(&drops, 3);
        assert_eq!(Pin::new(&mut third).poll(&mut cx), Poll::Ready(()));
    }

    #[test]
    fn a_thread_keeps_a_bounded_number_of_spares() {
        let drops = Arc::new(AtomicUsize::new(0));
        let many: Vec<Tail> = (0..SPARE_MAX as u64 + 5).map(|i| call(&drops, i)).collect();
        drop(many);
        let kept = SPARES.with(|s| s.borrow().0.len());
        assert_eq!(kept, SPARE_MAX);
        assert_eq!(drops.load(Ordering::Relaxed), SPARE_MAX + 5);
    }

    #[test]
    fn a_tail_moves_to_another_thread_and_is_dropped_there() {
        let drops = Arc::new(AtomicUsize::new(0));
        let tail = call(&drops, 7);
        std::thread::spawn(move || drop(tail))
            .join()
            .expect("thread");
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }
}
