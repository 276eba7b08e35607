//! [`SimTransport`]: attempts answered by a [`ServerModel`] in virtual time.
//!
//! `start()` asks the server's behaviour for its answer at send time (telling it the method,
//! `previous`, the virtual time and the request), so attempts sent at the same
//! instant take steps in the order they were sent (the driver's send order). The attempt then
//! yields, on the [`SimClock`]:
//! - `Headers(message)` at the send instant when the step has `headers_first`;
//! - at `send + latency`: for an OK status, `Headers(message)` (unless already sent — an OK
//!   response always carries headers in gRPC, only errors can be Trailers-Only), then
//!   `Closed { status, pushback, response: None }` at the same instant.
//!
//! Dropping an attempt drops its sleep, which is the whole of cancellation: the server's step
//! was already taken, as on a real server that saw the request.

use std::cell::RefCell;
use std::future::Future as _;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_util::Stream;

use super::clock::{SimClock, Sleep};
use crate::clock::Clock;
use crate::code::Code;
use crate::scenario::behaviour::{Reply, Seen};
use crate::scenario::server::ServerModel;
use crate::transport::{AttemptEvent, AttemptStart, Transport};

/// One call's transport: a shared server, the clock, and the request (echoed back on success).
#[derive(Debug, Clone)]
pub struct SimTransport<'a> {
    clock: SimClock,
    server: &'a RefCell<ServerModel>,
    message: Rc<str>,
    method: &'a str,
}

impl<'a> SimTransport<'a> {
    /// A transport for one call sending `message` to `server`.
    pub fn new(clock: SimClock, server: &'a RefCell<ServerModel>, message: Rc<str>) -> Self {
        SimTransport {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Headers due at once (`headers_first`).
    EarlyHeaders,
    /// Waiting for the end.
    Running,
    /// At the end: OK headers next.
    LateHeaders,
    /// At the end: the close next.
    Close,
    /// Nothing more.
    Done,
}

/// One simulated attempt; a stream of [`AttemptEvent`]s. Dropping it cancels it.
#[derive(Debug)]
pub struct SimAttempt {
    end: Sleep,
    status: Code,
    pushback: Option<String>,
    headers_sent: bool,
    phase: Phase,
    message: Rc<str>,
}

impl SimAttempt {
    /// An attempt that ends at `end` with `status` (and `pushback`), sending headers at once
    /// when `headers_first`: the one way simulated attempts are made, by [`SimTransport`] and
    /// by transports in front of other servers (the load world's queueing server).
    pub fn scripted(
        end: Sleep,
        status: Code,
        pushback: Option<String>,
        headers_first: bool,
        message: Rc<str>,
    ) -> Self {
        SimAttempt {
            end,
            status,
            pushback,
            headers_sent: false,
            phase: if headers_first {
                Phase::EarlyHeaders
            } else {
                Phase::Running
            },
            message,
        }
    }
}

impl Transport for SimTransport<'_> {
    type Response = Rc<str>;
    type Attempt = SimAttempt;

    fn start(&self, start: &AttemptStart) -> SimAttempt {
        let now = self.clock.now();
        let answer = self.server.borrow_mut().answer(Seen {
            method: self.method,
            previous: start.previous,
            now,
            request: self.message.as_bytes(),
        });
        let message = match answer.reply {
            Reply::Echo => Rc::clone(&self.message),
            Reply::Empty => Rc::from(""),
            Reply::Bytes(bytes) => Rc::from(String::from_utf8_lossy(&bytes)),
        };
        SimAttempt::scripted(
            self.clock.sleep_until(now.saturating_add(answer.latency)),
            answer.status,
            answer.pushback,
            answer.headers_first,
            message,
        )
    }
}

impl Stream for SimAttempt {
    type Item = AttemptEvent<Rc<str>>;

    #[inline]
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            match this.phase {
                Phase::EarlyHeaders => {
                    this.phase = Phase::Running;
                    this.headers_sent = true;
                    return Poll::Ready(Some(AttemptEvent::Headers(Rc::clone(&this.message))));
                }
                Phase::Running => {
                    if Pin::new(&mut this.end).poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.phase = if this.status == Code::Ok && !this.headers_sent {
                        Phase::LateHeaders
                    } else {
                        Phase::Close
                    };
                }
                Phase::LateHeaders => {
                    this.phase = Phase::Close;
                    this.headers_sent = true;
                    return Poll::Ready(Some(AttemptEvent::Headers(Rc::clone(&this.message))));
                }
                Phase::Close => {
                    this.phase = Phase::Done;
                    return Poll::Ready(Some(AttemptEvent::Closed {
                        status: this.status,
                        pushback: this.pushback.take().into_iter().collect(),
                        response: None,
                    }));
                }
                Phase::Done => return Poll::Ready(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;
    use crate::scenario::server::ServerSpec;
    use crate::sim::executor::Executor;
    use futures_util::StreamExt;

    type Log = Rc<RefCell<Vec<(u64, String)>>>;

    fn describe(event: &AttemptEvent<Rc<str>>) -> String {
        match event {
            AttemptEvent::Headers(m) => format!("headers {m}"),
            AttemptEvent::Closed {
                status,
                pushback,
                response,
            } => {
                format!("closed {status} {pushback:?} {response:?}")
            }
            AttemptEvent::NotSent => "not sent".into(),
            AttemptEvent::Refused => "refused".into(),
        }
    }

    fn run(server: crate::json::Value, sends: &[u64]) -> Vec<(u64, String)> {
        let spec = ServerSpec::parse(&server, "server").unwrap();
        let model = RefCell::new(ServerModel::new(&spec, 1));
        let model = &model;
        let mut ex = Executor::new();
        let log: Log = Rc::default();
        for (i, at) in sends.iter().copied().enumerate() {
            let clock = ex.clock().clone();
            let t = SimTransport::new(clock.clone(), model, Rc::from("hi"));
            let log = log.clone();
            ex.spawn(async move {
                clock.sleep_until(at).await;
                let start = AttemptStart {
                    call: i as u64,
                    slot: 0,
                    attempt: 1,
                    previous: None,
                    deadline: None,
                };
                let mut attempt = t.start(&start);
                while let Some(e) = attempt.next().await {
                    log.borrow_mut()
                        .push((clock.now(), format!("{i}: {}", describe(&e))));
                }
            });
        }
        ex.run();
        let out = log.borrow().clone();
        out
    }

    #[test]
    fn error_closes_after_latency_trailers_only() {
        let got = run(
            json!({"schedule": {"script": [{"status": "UNAVAILABLE",
            "pushback_ms": "20"}]}, "latency": {"fixed_ms": 2}}),
            &[0],
        );
        assert_eq!(
            got,
            [(2_000_000, "0: closed UNAVAILABLE [\"20\"] None".to_string())]
        );
    }

    #[test]
    fn ok_brings_headers_then_close_at_the_same_instant() {
        let got = run(
            json!({"schedule": {"req_modulo": 1}, "latency": {"fixed_ms": 1}}),
            &[5],
        );
        assert_eq!(
            got,
            [
                (1_000_005, "0: headers hi".to_string()),
                (1_000_005, "0: closed OK [] None".into())
            ]
        );
    }

    #[test]
    fn headers_first_arrive_at_send_time() {
        let got = run(
            json!({"schedule": {"script": [{"status": "INTERNAL", "headers_first": true,
            "latency_ms": 3}]}}),
            &[0],
        );
        assert_eq!(
            got,
            [
                (0, "0: headers hi".to_string()),
                (3_000_000, "0: closed INTERNAL [] None".into())
            ]
        );
    }

    #[test]
    fn simultaneous_sends_take_steps_in_send_order() {
        // Call 0 is sent first at t=0 and gets step 1 (fails), call 1 gets step 2 (OK).
        let got = run(
            json!({"schedule": {"req_modulo": 2}, "latency": {"fixed_ms": 1}}),
            &[0, 0],
        );
        assert_eq!(got[0].1, "0: closed UNAVAILABLE [] None");
        assert_eq!(got[1].1, "1: headers hi");
    }
}
