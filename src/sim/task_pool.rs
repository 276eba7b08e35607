//! Task allocations reused from one finished task to the next of the same type.
//!
//! Why: every simulated call is one task, and a call's future is about 1.6 KB — past the
//! allocator's small-size caches, so a fresh `Box` per call and its `free` cost more than
//! everything the executor itself does for the call. The calls of a run all have the same
//! future type, so a finished task's memory fits the next call exactly: this keeps finished
//! tasks' allocations, keyed by [`Layout`], and writes the next future of that layout into one
//! of them. A run then allocates task memory only up to its peak number of calls in flight.
//!
//! Safety argument, in one place: a pooled pointer always comes from a `Box` of a future whose
//! value has been dropped in place (so nothing points into it and no destructor is pending),
//! and it is handed out again only for a type of exactly the same layout, through
//! `Box::from_raw` — which is how `Box` itself would have allocated it. Memory still pooled
//! when the pool goes away is returned with the layout it was allocated with.

use std::alloc::Layout;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;

/// A task as the executor holds it.
pub(crate) type Task<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Free task allocations by layout. Runs have one or two task types, so a short list scanned
/// from the end beats any map.
#[derive(Debug, Default)]
pub(crate) struct TaskPool {
    free: RefCell<Vec<(Layout, NonNull<u8>)>>,
}

impl TaskPool {
    /// Boxes `future`, in a pooled allocation of its layout when there is one.
    #[cfg(test)]
    pub(crate) fn boxed<'a, F: Future<Output = ()> + 'a>(&self, future: F) -> Task<'a> {
        self.boxed_with(|| future)
    }

    /// Boxes the future `make` returns, in a pooled allocation of its layout when there is
    /// one. Taking a maker rather than the future lets the compiler build a large future in
    /// its final place instead of building it on the stack and copying it over.
    #[inline(always)]
    pub(crate) fn boxed_with<'a, F: Future<Output = ()> + 'a>(
        &self,
        make: impl FnOnce() -> F,
    ) -> Task<'a> {
        let layout = Layout::new::<F>();
        if layout.size() == 0 {
            return Box::pin(make());
        }
        let reused = {
            let mut free = self.free.borrow_mut();
            let i = free.iter().rposition(|(l, _)| *l == layout);
            i.map(|i| free.swap_remove(i).1)
        };
        match reused {
            Some(ptr) => {
                let ptr = ptr.as_ptr().cast::<F>();
                // SAFETY: `ptr` is a live allocation of `F`'s exact layout whose previous
                // value was dropped (module docs); writing `future` makes it a valid `F`, and
                // a `Box` of it frees it with that same layout. A fresh box is never moved out
                // of, so pinning it is sound.
                unsafe {
                    ptr.write(make());
                    Pin::new_unchecked(Box::from_raw(ptr))
                }
            }
            None => Box::pin(make()),
        }
    }

    /// Drops a finished task's future and keeps its memory for the next task of its layout.
    pub(crate) fn recycle(&self, task: Task<'_>) {
        let layout = Layout::for_value(&*task);
        if layout.size() == 0 {
            return;
        }
        // SAFETY: the future is dropped in place before its memory is reused, which is all
        // the pinning contract asks; the pointer came from a `Box` with `layout`.
        let raw = Box::into_raw(unsafe { Pin::into_inner_unchecked(task) });
        unsafe { std::ptr::drop_in_place(raw) };
        if let Some(ptr) = NonNull::new(raw.cast::<u8>()) {
            self.free.borrow_mut().push((layout, ptr));
        }
    }
}

impl Drop for TaskPool {
    fn drop(&mut self) {
        for (layout, ptr) in self.free.get_mut().drain(..) {
            // SAFETY: allocated by `Box` with `layout`; its value was already dropped.
            unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::task::{Context, Waker};

    #[test]
    fn a_finished_task_memory_serves_the_next_task_of_its_type_and_drops_run_once() {
        let pool = TaskPool::default();
        let drops = Rc::new(Cell::new(0));
        struct Counted(Rc<Cell<u32>>, [u64; 64]);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let task = |n: u64| {
            let c = Counted(Rc::clone(&drops), [n; 64]);
            async move {
                assert_eq!(c.1[63], n);
            }
        };
        let mut cx = Context::from_waker(Waker::noop());
        let mut first = pool.boxed(task(1));
        let addr = std::ptr::addr_of!(*first).cast::<u8>();
        assert!(first.as_mut().poll(&mut cx).is_ready());
        pool.recycle(first);
        assert_eq!(drops.get(), 1, "recycling drops the future");
        let mut second = pool.boxed(task(2));
        assert_eq!(
            std::ptr::addr_of!(*second).cast::<u8>(),
            addr,
            "memory reused"
        );
        assert!(second.as_mut().poll(&mut cx).is_ready());
        // A different type does not take it.
        pool.recycle(second);
        let other = pool.boxed(async {
            let _big = [0u8; 4096];
        });
        assert_ne!(std::ptr::addr_of!(*other).cast::<u8>(), addr);
        drop(other);
        drop(pool);
        assert_eq!(drops.get(), 2);
    }
}
