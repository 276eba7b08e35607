//! [`LoadTransport`]: attempts answered by the scenario's server model behind a [`Backend`].
//!
//! Per attempt, at send time and in send order (the same tie-break as
//! [`crate::sim::transport::SimTransport`]): the server model draws the step (status and
//! latency, from its own streams), the backend admits the request (queue, outage), and the
//! attempt ends at `finish + latency` — or at `arrival + timeout` with the timeout status when
//! that comes first. With an infinite server and no outage this is exactly `SimTransport`.

use std::cell::RefCell;
use std::rc::Rc;

use super::backend::Backend;
use super::tally::Tally;
use crate::clock::Clock;
use crate::scenario::behaviour::Seen;
use crate::scenario::server::ServerModel;
use crate::sim::clock::SimClock;
use crate::sim::transport::SimAttempt;
use crate::transport::{AttemptStart, Transport};

/// The shared pieces of one run's server.
#[derive(Debug)]
pub struct ServerSide {
    /// Status and latency draws.
    pub model: RefCell<ServerModel>,
    /// Capacity, outages, timeout.
    pub backend: RefCell<Backend>,
    /// Where served work is counted.
    pub tally: RefCell<Tally>,
}

/// One call's transport to the shared server.
#[derive(Debug, Clone)]
pub struct LoadTransport<'a> {
    clock: SimClock,
    server: &'a ServerSide,
    message: Rc<str>,
    method: &'a str,
}

impl<'a> LoadTransport<'a> {
    /// A transport for one call sending `message`.
    pub fn new(clock: SimClock, server: &'a ServerSide, message: Rc<str>) -> Self {
        LoadTransport {
            clock,
            server,
            message,
            method: "",
        }
    }

    /// The same transport, telling the server's behaviour the call's method (`service/Method`).
    pub fn with_method(mut self, method: &'a str) -> Self {
        self.method = method;
        self
    }
}

impl Transport for LoadTransport<'_> {
    type Response = Rc<str>;
    type Attempt = SimAttempt;

    fn start(&self, start: &AttemptStart) -> SimAttempt {
        let now = self.clock.now();
        let step = self.server.model.borrow_mut().answer(Seen {
            method: self.method,
            previous: start.previous,
            now,
            request: self.message.as_bytes(),
        });
        // Counted as sent here, where every attempt of the load world starts, rather than from
        // the call's record at its end: a summary's records keep no attempts.
        self.server.tally.borrow_mut().attempt(now);
        let mut backend = self.server.backend.borrow_mut();
        let admission = backend.admit(now);
        let (mut status, mut pushback, mut headers_first) =
            (step.status, step.pushback, step.headers_first);
        if let Some(code) = admission.rejected {
            (status, pushback, headers_first) = (code, None, false);
        }
        let ready = admission.finish.unwrap_or(now);
        if admission.finish.is_some() {
            self.server.tally.borrow_mut().served_at(ready);
        }
        let mut end = ready.saturating_add(step.latency);
        if let Some((timeout, code)) = backend.timeout() {
            let limit = now.saturating_add(timeout);
            if end > limit {
                (end, status, pushback, headers_first) = (limit, code, None, false);
            }
        }
        SimAttempt::scripted(
            self.clock.sleep_until(end),
            status,
            pushback,
            headers_first,
            Rc::clone(&self.message),
        )
    }
}
