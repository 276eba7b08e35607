//! [`Requests`]: the load world's user requests in flight, each shared by its fan-out RPCs.
//!
//! A request is open from its arrival until the last of its RPCs ends; each RPC holds only
//! its request's number. The requests live in slots of one vector that are reused as requests
//! end, rather than in an `Rc` per request: an allocation and a free per request cost about
//! sixty instructions per simulated attempt, and a slot costs none once the vector has grown
//! to the most requests ever open at once — which also bounds its memory, so a run still holds
//! only what is in flight.

use std::cell::RefCell;

use crate::code::Code;
use crate::time::Nanos;

/// A user request in flight: what its RPCs have found so far.
#[derive(Clone, Copy, Debug)]
struct Request {
    started: Nanos,
    /// RPCs not ended yet.
    remaining: u32,
    /// When the last ended RPC ended.
    ended: Nanos,
    /// The first failing RPC's status, or OK.
    status: Code,
}

/// A request whose last RPC has ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Ended {
    /// When its last RPC ended.
    pub(super) at: Nanos,
    /// From its arrival to then.
    pub(super) took: Nanos,
    /// The first failing RPC's status, or OK.
    pub(super) status: Code,
}

/// The open requests, by number, and the numbers free for reuse.
#[derive(Debug, Default)]
pub(super) struct Requests {
    slots: RefCell<Slots>,
}

#[derive(Debug, Default)]
struct Slots {
    requests: Vec<Request>,
    free: Vec<u32>,
}

impl Requests {
    /// Opens a request that arrived at `now` and is done when `rpcs` RPCs have ended; its
    /// number. `rpcs` is at least 1 (a request of no RPCs would never end and keep its slot).
    #[inline]
    pub(super) fn open(&self, now: Nanos, rpcs: u32) -> u32 {
        let request = Request {
            started: now,
            remaining: rpcs,
            ended: now,
            status: Code::Ok,
        };
        let mut slots = self.slots.borrow_mut();
        if let Some(id) = slots.free.pop() {
            slots.requests[id as usize] = request;
            return id;
        }
        let id = u32::try_from(slots.requests.len()).unwrap_or(u32::MAX);
        slots.requests.push(request);
        id
    }

    /// One RPC of request `id` ended at `at` with `status`; the request, if that was its
    /// last RPC (its slot is then free for the next request).
    #[inline(always)]
    pub(super) fn rpc_ended(&self, id: u32, at: Nanos, status: Code) -> Option<Ended> {
        let mut slots = self.slots.borrow_mut();
        let request = slots.requests.get_mut(id as usize)?;
        if status != Code::Ok && request.status == Code::Ok {
            request.status = status;
        }
        request.ended = request.ended.max(at);
        request.remaining = request.remaining.saturating_sub(1);
        if request.remaining > 0 {
            return None;
        }
        let ended = Ended {
            at: request.ended,
            took: request.ended - request.started,
            status: request.status,
        };
        slots.free.push(id);
        Some(ended)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_ends_with_its_last_rpc_and_the_first_failure() {
        let r = Requests::default();
        let a = r.open(10, 3);
        assert_eq!(r.rpc_ended(a, 50, Code::Ok), None);
        assert_eq!(r.rpc_ended(a, 30, Code::Unavailable), None);
        let end = r.rpc_ended(a, 40, Code::Internal);
        let expected = Ended {
            at: 50,
            took: 40,
            status: Code::Unavailable,
        };
        assert_eq!(end, Some(expected));
    }

    #[test]
    fn an_ended_requests_slot_serves_the_next_request_afresh() {
        let r = Requests::default();
        let a = r.open(0, 1);
        let b = r.open(5, 1);
        assert_ne!(a, b);
        assert!(r.rpc_ended(a, 7, Code::Aborted).is_some());
        let c = r.open(20, 1);
        assert_eq!(c, a, "the freed slot is reused");
        let end = r.rpc_ended(c, 25, Code::Ok).map(|e| (e.took, e.status));
        assert_eq!(
            end,
            Some((5, Code::Ok)),
            "nothing of the earlier request is left"
        );
        assert_eq!(
            r.slots.borrow().requests.len(),
            2,
            "no slot beyond the most open at once"
        );
    }
}
