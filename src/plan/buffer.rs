//! The client's retry buffer: a per-call limit and a per-channel budget shared by the calls in
//! flight (R64–R67, D22), one accounting for the simulator and the live layer.
//!
//! A call may be retried or hedged only if its request is held for replay. Each call reserves
//! its request's bytes when it starts; the reservation fails if the request is larger than the
//! per-call limit, or if the calls already in flight have used up the channel's budget. A
//! refused call adds nothing to the channel's total and is committed to its first attempt:
//! sent once, never retried (R66). Reaching a limit exactly still fits (D22). The bytes come
//! back when the call ends (R67 allows freeing them at commit; releasing at the end is the
//! conservative reading, and the one a trace can show without guessing).
//!
//! Why model the channel budget at all: with large requests and many concurrent calls it is
//! what silently turns retries off in grpc-java and grpc-js (16 MiB by default), and a
//! simulator that ignored it would promise retries the real client will not make.
//!
//! Why an atomic: the live layer's calls run on many threads. A single-threaded simulator pays
//! one uncontended compare-and-swap per call for it, and borrows the buffer
//! ([`RetryBuffer::reserve`]) rather than paying an `Arc` per call; the live layer's
//! reservation must outlive the request that made it, so it holds an `Arc`
//! ([`RetryBuffer::reserve_shared`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::profile::choices::BufferCommit;

/// One channel's retry buffer.
#[derive(Debug)]
pub struct RetryBuffer {
    per_call: u64,
    channel: u64,
    used: AtomicU64,
    /// Reaching a limit exactly already refuses (R68, C-core), rather than fitting (D22).
    refuse_at_limit: bool,
}

/// Bytes held for one call's replays; dropping it returns them to the channel.
#[derive(Debug)]
pub struct Reservation<'a> {
    buffer: &'a RetryBuffer,
    bytes: u64,
}

/// A [`Reservation`] that owns a handle on its buffer, for calls that outlive their caller's
/// borrow (the live layer's response futures and bodies).
#[derive(Debug)]
pub struct SharedReservation {
    buffer: Arc<RetryBuffer>,
    bytes: u64,
}

impl RetryBuffer {
    /// A buffer holding at most `per_call` bytes of one call and `channel` bytes of all the
    /// calls in flight.
    pub fn new(per_call: u64, channel: u64) -> Self {
        RetryBuffer {
            per_call,
            channel,
            used: AtomicU64::new(0),
            refuse_at_limit: false,
        }
    }

    /// The same buffer committing as `commit` says when a request reaches a limit exactly:
    /// it still fits ([`BufferCommit::Exceeds`], D22, grpc-go, grpc-java, grpc-js) or it is
    /// refused ([`BufferCommit::Reaches`], C-core's newer code path) (R68).
    pub fn committing(self, commit: BufferCommit) -> Self {
        RetryBuffer {
            refuse_at_limit: commit == BufferCommit::Reaches,
            ..self
        }
    }

    /// Holds `bytes` for a starting call, or `None` if they fit neither limit: then the call
    /// is sent once (`CallPlan::request_fits_buffer = false`) and nothing is counted.
    pub fn reserve(&self, bytes: u64) -> Option<Reservation<'_>> {
        // `then`, not `then_some`: a reservation built for a refused call would give back
        // bytes it never took when dropped.
        self.take(bytes).then(|| Reservation {
            buffer: self,
            bytes,
        })
    }

    /// [`RetryBuffer::reserve`], with a reservation that keeps the buffer alive.
    pub fn reserve_shared(self: &Arc<Self>, bytes: u64) -> Option<SharedReservation> {
        self.take(bytes).then(|| SharedReservation {
            buffer: Arc::clone(self),
            bytes,
        })
    }

    /// Bytes held right now.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Acquire)
    }

    /// Adds `bytes` to the channel's total if they fit both limits; otherwise leaves it as it
    /// was. The check and the add are one step, so two racing calls cannot both squeeze in.
    fn take(&self, bytes: u64) -> bool {
        let fits =
            |bytes: u64, limit: u64| bytes < limit || (bytes == limit && !self.refuse_at_limit);
        if !fits(bytes, self.per_call) {
            return false;
        }
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes)
                    .filter(|&total| fits(total, self.channel))
            })
            .is_ok()
    }

    fn give_back(&self, bytes: u64) {
        self.used.fetch_sub(bytes, Ordering::AcqRel);
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.buffer.give_back(self.bytes);
    }
}

impl Drop for SharedReservation {
    fn drop(&mut self) {
        self.buffer.give_back(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaching_the_limit_refuses_only_where_the_runtime_says_so_r68_d22() {
        let exceeds = RetryBuffer::new(100, 150).committing(BufferCommit::Exceeds);
        assert!(
            exceeds.reserve(100).is_some(),
            "exactly the limit fits (D22)"
        );
        let reaches = RetryBuffer::new(100, 150).committing(BufferCommit::Reaches);
        assert!(
            reaches.reserve(100).is_none(),
            "C-core: reaching it commits (R68)"
        );
        let held = reaches.reserve(99).expect("below the limit");
        assert!(
            reaches.reserve(51).is_none(),
            "99 + 51 reaches the channel's 150"
        );
        assert!(reaches.reserve(50).is_some());
        drop(held);
    }

    #[test]
    fn per_call_limit_is_inclusive_r66_d22() {
        let b = RetryBuffer::new(100, 1000);
        assert!(b.reserve(100).is_some());
        assert!(b.reserve(101).is_none());
    }

    #[test]
    fn calls_in_flight_share_the_channel_budget_r64() {
        let b = RetryBuffer::new(100, 150);
        let first = b.reserve(100).expect("fits");
        assert!(
            b.reserve(60).is_none(),
            "160 > 150 while the first call holds its bytes"
        );
        let small = b.reserve(50).expect("150 == 150 fits");
        assert_eq!(b.used(), 150);
        drop(first);
        drop(small);
        assert_eq!(
            b.used(),
            0,
            "everything is released when the calls end (R67)"
        );
        assert!(b.reserve(100).is_some());
    }

    #[test]
    fn a_refused_call_holds_nothing() {
        let b = RetryBuffer::new(10, 10);
        assert!(b.reserve(11).is_none());
        assert!(b.reserve(u64::MAX).is_none());
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn a_call_refused_by_the_channel_does_not_crowd_out_the_next_r64_d22() {
        // The story of sims/buffer-budget-pressure.json: the refused call adds nothing, so
        // once the first call ends the third fits although the second is still in flight.
        let b = Arc::new(RetryBuffer::new(100, 150));
        let first = b.reserve_shared(100).expect("fits");
        let second = b.reserve_shared(100);
        assert!(second.is_none(), "200 > 150");
        drop(first);
        let third = b
            .reserve_shared(100)
            .expect("100 <= 150 with the second refused");
        assert_eq!(b.used(), 100);
        drop(third);
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn shared_reservations_hold_across_threads() {
        let b = Arc::new(RetryBuffer::new(10, 100));
        let held: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..20).map(|_| s.spawn(|| b.reserve_shared(10))).collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok().flatten())
                .collect()
        });
        assert_eq!(held.len(), 10, "exactly the budget's worth fits");
        assert_eq!(b.used(), 100);
        drop(held);
        assert_eq!(b.used(), 0);
    }
}
