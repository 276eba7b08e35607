//! The server's capacity, outages and front-end timeout, as O(1) state.
//!
//! Capacity is one FIFO queue in front of a server that needs a fixed service time per request
//! (`1 / capacity_per_s`). Because the queue is FIFO and service times are known at arrival,
//! a request's finish time is fixed the moment it arrives: `start = max(arrival, busy_until)`,
//! `finish = start + service`, `busy_until = finish`. So the queue never has to be stored —
//! only `busy_until` — and memory stays flat however deep the backlog grows.
//!
//! That same fact encodes the behaviour that makes retry storms metastable: work is admitted
//! at arrival and **done even after the client gave up** (a cancelled hedge, a deadline, a
//! front-end timeout), exactly as a real server that never looks at cancellation does.
//!
//! Outages: `unavailable` answers at once, costs no capacity; `hold` stops all work for the
//! window — a request that would start inside it starts at its end, one in service when it
//! begins finishes that much later. The front-end timeout (a proxy or load balancer in front of
//! the server, e.g. an upstream timeout that becomes UNAVAILABLE) answers the client at
//! `arrival + timeout` when the response is not ready by then; the server still finishes the
//! work. That is how "1 s timeout, then retry" is expressed with A6, whose retries only follow
//! a status and whose deadline spans the whole call.

use super::{BackendSpec, OutageMode};
use crate::code::Code;
use crate::time::Nanos;

/// What the server decided for one arriving request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    /// When the server finishes the work (`None`: rejected, no work done).
    pub finish: Option<Nanos>,
    /// A status imposed by an `unavailable` outage.
    pub rejected: Option<Code>,
}

/// The server state of one run.
#[derive(Clone, Debug)]
pub struct Backend {
    spec: BackendSpec,
    busy_until: Nanos,
    /// Total service time of admitted requests.
    pub busy: Nanos,
}

impl Backend {
    /// An idle server.
    pub fn new(spec: &BackendSpec) -> Self {
        Backend {
            spec: spec.clone(),
            busy_until: 0,
            busy: 0,
        }
    }

    /// When the server finishes the work it has admitted (it may outlive the clients).
    pub fn busy_until(&self) -> Nanos {
        self.busy_until
    }

    /// The front-end timeout, if any.
    pub fn timeout(&self) -> Option<(Nanos, Code)> {
        self.spec.timeout
    }

    /// Admits a request arriving at `at`.
    #[inline]
    pub fn admit(&mut self, at: Nanos) -> Admission {
        let outages = &self.spec.outages;
        if outages
            .iter()
            .any(|o| o.mode == OutageMode::Unavailable && (o.from..o.to).contains(&at))
        {
            return Admission {
                finish: None,
                rejected: Some(Code::Unavailable),
            };
        }
        let holds = || outages.iter().filter(|o| o.mode == OutageMode::Hold);
        let Some(service) = self.spec.service else {
            // Infinite capacity: only a hold delays the request, to the end of its window.
            let start = holds()
                .find(|o| (o.from..o.to).contains(&at))
                .map_or(at, |o| o.to);
            return Admission {
                finish: Some(start),
                rejected: None,
            };
        };
        let mut start = at.max(self.busy_until);
        let mut finish = start.saturating_add(service);
        for o in holds() {
            if (o.from..o.to).contains(&start) {
                start = o.to;
                finish = start.saturating_add(service);
            } else if start < o.from && o.from < finish {
                finish = finish.saturating_add(o.to - o.from);
            }
        }
        self.busy_until = finish;
        self.busy = self.busy.saturating_add(service);
        Admission {
            finish: Some(finish),
            rejected: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Outage;
    use super::*;

    fn backend(service: Option<Nanos>, outages: Vec<Outage>) -> Backend {
        Backend::new(&BackendSpec {
            service,
            timeout: None,
            outages,
        })
    }

    #[test]
    fn fifo_queue_serves_in_arrival_order_at_the_rate() {
        let mut b = backend(Some(10), vec![]);
        let f: Vec<_> = [0, 0, 0, 50].iter().map(|t| b.admit(*t).finish).collect();
        assert_eq!(f, [Some(10), Some(20), Some(30), Some(60)]);
        assert_eq!(b.busy, 40);
    }

    #[test]
    fn without_outages_admits_as_with_outages_that_never_come() {
        // Outages that never come change nothing, on the same arrivals.
        let later = |mode| Outage {
            from: 1 << 60,
            to: (1 << 60) + 1,
            mode,
        };
        for service in [None, Some(7)] {
            let mut plain = backend(service, vec![]);
            let never = vec![later(OutageMode::Hold), later(OutageMode::Unavailable)];
            let mut general = backend(service, never);
            for at in [0, 0, 3, 20, 21, 21, 100] {
                assert_eq!(plain.admit(at), general.admit(at), "{service:?} at {at}");
            }
            assert_eq!(
                (plain.busy, plain.busy_until()),
                (general.busy, general.busy_until())
            );
        }
    }

    #[test]
    fn hold_pauses_work_and_unavailable_rejects_for_free() {
        let hold = Outage {
            from: 100,
            to: 200,
            mode: OutageMode::Hold,
        };
        let mut b = backend(Some(10), vec![hold]);
        assert_eq!(
            b.admit(95).finish,
            Some(205),
            "in service when the hold starts"
        );
        assert_eq!(b.admit(150).finish, Some(215), "queued behind it");
        let down = Outage {
            from: 100,
            to: 200,
            mode: OutageMode::Unavailable,
        };
        let mut b = backend(Some(10), vec![down]);
        assert_eq!(b.admit(150).rejected, Some(Code::Unavailable));
        assert_eq!((b.busy, b.admit(200).finish), (0, Some(210)));
        let mut inf = backend(None, vec![hold]);
        assert_eq!(
            (inf.admit(150).finish, inf.admit(250).finish),
            (Some(200), Some(250))
        );
    }
}
