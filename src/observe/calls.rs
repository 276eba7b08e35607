//! The calls a recorder is following, by index: what it learnt at a call's start (its span,
//! its labels) kept until the call's record arrives.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Per-call state `T`, from [`Calls::open`] to [`Calls::close`]. Looked up only, never
/// iterated, so the map's order never shows.
#[derive(Debug)]
pub(super) struct Calls<T> {
    open: Mutex<HashMap<u64, T>>,
}

impl<T> Default for Calls<T> {
    fn default() -> Self {
        Calls {
            open: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> Calls<T> {
    /// Starts following `call`.
    pub(super) fn open(&self, call: u64, state: T) {
        self.lock().insert(call, state);
    }

    /// `f` of the state of `call`, if it is followed.
    pub(super) fn with<R>(&self, call: u64, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        self.lock().get_mut(&call).map(f)
    }

    /// Stops following `call`; its state.
    pub(super) fn close(&self, call: u64) -> Option<T> {
        self.lock().remove(&call)
    }

    /// How many calls are followed.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, T>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_call_from_open_to_close() {
        let calls = Calls::default();
        calls.open(3, 10);
        assert_eq!(calls.with(3, |n| *n += 1), Some(()));
        assert_eq!(calls.with(4, |n| *n), None);
        assert_eq!(calls.close(3), Some(11));
        assert_eq!(calls.len(), 0);
    }
}
