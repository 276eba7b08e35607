//! The client's retry buffer in the simulator: a per-call limit and a per-channel budget
//! shared by the calls in flight (R64–R67, D22).
//!
//! A call may be retried or hedged only if its request is held for replay. Each call reserves
//! its request's bytes when it starts; the reservation fails if the request is larger than the
//! per-call limit, or if the calls already in flight have used up the channel's budget. A call
//! without a reservation is committed to its first attempt: sent once, never retried (R66).
//! The bytes come back when the call ends (R67 allows freeing them at commit; releasing at the
//! end is the conservative reading, and the one a trace can show without guessing).
//!
//! Why model the channel budget at all: with large requests and many concurrent calls it is
//! what silently turns retries off in grpc-java and grpc-js (16 MiB by default), and a
//! simulator that ignored it would promise retries the real client will not make.

use std::cell::Cell;

use crate::scenario::client::ClientSpec;

/// One channel's retry buffer.
#[derive(Debug)]
pub struct RetryBuffer {
    per_call: u64,
    channel: u64,
    used: Cell<u64>,
}

/// Bytes held for one call's replays; dropping it returns them to the channel.
#[derive(Debug)]
pub struct Reservation<'a> {
    buffer: &'a RetryBuffer,
    bytes: u64,
}

impl RetryBuffer {
    /// The buffer a scenario's client describes.
    pub fn new(client: &ClientSpec) -> Self {
        RetryBuffer {
            per_call: client.retry_buffer_bytes,
            channel: client.channel_buffer_bytes,
            used: Cell::new(0),
        }
    }

    /// Holds `bytes` for a starting call, or `None` if they fit neither limit: then the call
    /// is sent once (`CallPlan::request_fits_buffer = false`). Reaching a limit exactly still
    /// fits; only exceeding it does not (D22).
    pub fn reserve(&self, bytes: u64) -> Option<Reservation<'_>> {
        let used = self.used.get().checked_add(bytes)?;
        (bytes <= self.per_call && used <= self.channel).then(|| {
            self.used.set(used);
            Reservation {
                buffer: self,
                bytes,
            }
        })
    }

    /// Bytes held right now.
    pub fn used(&self) -> u64 {
        self.used.get()
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.buffer.used.set(self.buffer.used.get() - self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(per_call: u64, channel: u64) -> RetryBuffer {
        RetryBuffer {
            per_call,
            channel,
            used: Cell::new(0),
        }
    }

    #[test]
    fn per_call_limit_is_inclusive_r66_d22() {
        let b = buffer(100, 1000);
        assert!(b.reserve(100).is_some());
        assert!(b.reserve(101).is_none());
    }

    #[test]
    fn calls_in_flight_share_the_channel_budget_r64() {
        let b = buffer(100, 150);
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
        let b = buffer(10, 10);
        assert!(b.reserve(11).is_none());
        assert!(b.reserve(u64::MAX).is_none());
        assert_eq!(b.used(), 0);
    }
}
