//! The response body an application reads from a committed attempt, watched on the way through.
//!
//! After response headers the call is committed (R30) and the response goes to the application
//! at once, but the engine still needs to know how the attempt ends (its status feeds the
//! throttle, D10, and ends the trace). So the body is wrapped: when its trailers pass through,
//! their `grpc-status` and `grpc-retry-pushback-ms` go to the attempt through the call's
//! [`CallEnd`] (one committed attempt per call, so one slot serves), while the application
//! reads the same frames unchanged. If the application drops the body early, the attempt is
//! told CANCELLED (R33). The same shared end carries the response from the driver to the
//! caller's future, so a call makes no channel of its own for either.
//!
//! The other direction: if the call ends while the body is still open (its deadline passed,
//! R77), the driver's final status is published in [`CallEnd`]; the body then stops reading
//! (dropping the inner body resets the HTTP/2 stream) and ends with trailers carrying that
//! status, so a tonic client reports DEADLINE_EXCEEDED rather than hanging.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use http_body::Frame;
use tokio::time::Instant;
use tonic::body::Body;
use tonic::Status;

pub use super::call_end::CallEnd;
use super::served_attempt::PUSHBACK;
use super::wire::{GRPC_STATUS, GRPC_STATUS_NAME};
use crate::code::Code;

/// How an attempt's stream ended: the status and raw pushback values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Close {
    /// The status.
    pub status: Code,
    /// Every `grpc-retry-pushback-ms` value, in order (R35).
    pub pushback: Vec<String>,
}

impl Close {
    /// Reads `grpc-status` and the pushback values from trailers (or Trailers-Only headers);
    /// `None` when there is no `grpc-status`.
    ///
    /// One pass over the headers for both names, each compared as a string of known length
    /// (which compiles to a couple of word compares): a trailer block is a handful of headers,
    /// and two lookups by [`http::HeaderName`] (each a scan or a hash) were a measurable part
    /// of a call's cost (`benches/live_overhead.rs`). Every block is read once per attempt.
    pub fn from_headers(headers: &HeaderMap) -> Option<Close> {
        let mut raw = None;
        let mut pushback = Vec::new();
        for (name, value) in headers {
            match name.as_str() {
                GRPC_STATUS_NAME if raw.is_none() => raw = Some(value),
                PUSHBACK => pushback.push(
                    value
                        .to_str()
                        .map(str::to_string)
                        .unwrap_or_else(|_| String::from_utf8_lossy(value.as_bytes()).into_owned()),
                ),
                _ => {}
            }
        }
        let status = raw?
            .to_str()
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(Code::from_value)
            .unwrap_or(Code::Unknown);
        Some(Close { status, pushback })
    }

    /// [`Close::from_headers`], and with `retry_info` on, a `google.rpc.RetryInfo` delay as
    /// the pushback value when no `grpc-retry-pushback-ms` is present
    /// ([`super::retry_info`]).
    pub fn read(headers: &HeaderMap, retry_info: bool) -> Option<Close> {
        let mut close = Close::from_headers(headers)?;
        if retry_info && close.pushback.is_empty() {
            close
                .pushback
                .extend(super::retry_info::pushback_ms(headers));
        }
        Some(close)
    }
}

/// The rest of a call's driver after its response was handed over.
pub type Tail = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The response body handed to the application. One pointer: the response it rides in is
/// moved from the attempt to the driver, to the call's end, to the caller's future and through
/// tonic's client, and at 120 bytes (rather than 192 with the state inline) each move is a few
/// register copies rather than a call to `memcpy` (callgrind: about 29 instructions each).
pub struct LiveBody(Box<BodyState>);

/// What a [`LiveBody`] knows.
struct BodyState {
    inner: Option<Body>,
    /// The committed attempt's slot, until its close is reported to `end`.
    close: Option<u32>,
    end: Option<Arc<CallEnd>>,
    tail: Option<Tail>,
    /// The call's deadline, if it has one: the one thing besides this body's own close that
    /// the rest of the driver can wait for (see [`LiveBody::poll_frame`]).
    deadline: Option<Instant>,
    retry_info: bool,
}

impl std::fmt::Debug for LiveBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveBody")
            .field("open", &self.0.inner.is_some())
            .field("watched", &self.0.close.is_some())
            .field("tail", &self.0.tail.is_some())
            .finish()
    }
}

impl LiveBody {
    /// A body that is passed through untouched (a Trailers-Only or synthesized response).
    pub fn plain(inner: Body) -> Self {
        LiveBody(Box::new(BodyState {
            inner: Some(inner),
            close: None,
            end: None,
            tail: None,
            deadline: None,
            retry_info: false,
        }))
    }

    /// The body of the committed attempt in `slot`: reports its close to `end`, and stops
    /// when `end` has the call's final status.
    pub fn watched(inner: Body, slot: u32, end: Arc<CallEnd>) -> Self {
        LiveBody(Box::new(BodyState {
            inner: Some(inner),
            close: Some(slot),
            end: Some(end),
            tail: None,
            deadline: None,
            retry_info: false,
        }))
    }

    /// The call ends at `deadline` (R77): a body that runs the rest of the driver looks at the
    /// clock while frames keep coming, so that it ends with DEADLINE_EXCEEDED in time (see
    /// [`LiveBody::poll_frame`]).
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.0.deadline = deadline;
        self
    }

    /// Reads the trailers' `google.rpc.RetryInfo` as pushback too ([`Close::read`]).
    pub fn reading_retry_info(mut self, enabled: bool) -> Self {
        self.0.retry_info = enabled;
        self
    }

    /// Gives the body the rest of the call's driver: the body runs it whenever the
    /// application reads, so the committed attempt's end reaches the engine in the reading task
    /// itself, with no other task to wake.
    pub fn attach_tail(&mut self, tail: Tail) {
        self.0.tail = Some(tail);
    }
}

impl BodyState {
    fn report(&mut self, close: Close, cx: &mut Context<'_>) {
        self.tell(close);
        self.run_tail(cx);
    }

    /// Reports the attempt's close, once. A body that holds the rest of the driver runs it
    /// right after (`BodyState::report`), so it wakes nobody.
    fn tell(&mut self, close: Close) {
        if let (Some(slot), Some(end)) = (self.close.take(), &self.end) {
            if self.tail.is_some() {
                end.close_quietly(slot, close);
            } else {
                end.close(slot, close);
            }
        }
    }

    fn run_tail(&mut self, cx: &mut Context<'_>) {
        if let Some(tail) = self.tail.as_mut() {
            if tail.as_mut().poll(cx).is_ready() {
                self.tail = None;
            }
        }
    }

    /// The call's deadline has passed (a clock read, only for a call that has one).
    fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|at| Instant::now() >= at)
    }

    /// The call is over (e.g. its deadline) while the body is open: resets the stream and
    /// gives the trailers that end the body with the call's status.
    #[inline]
    fn stop_if_finished(&mut self) -> Option<Frame<Bytes>> {
        self.inner.as_ref()?;
        let code = self.end.as_ref()?.final_status()?;
        self.inner = None;
        self.tell(cancelled());
        let mut trailers = HeaderMap::new();
        trailers.insert(GRPC_STATUS, HeaderValue::from(code.value()));
        Some(Frame::trailers(trailers))
    }
}

impl Drop for BodyState {
    fn drop(&mut self) {
        // Dropped before its trailers: the attempt ends CANCELLED (R33).
        self.tell(cancelled());
        // Dropped before its end: the application gave up (R33); the rest of the driver
        // cancels the call in a task of its own, so the call is still recorded.
        if let Some(tail) = self.tail.take() {
            if let Some(end) = &self.end {
                end.give_up();
            }
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(tail);
            }
        }
    }
}

impl Default for LiveBody {
    fn default() -> Self {
        LiveBody::plain(Body::empty())
    }
}

impl http_body::Body for LiveBody {
    type Data = Bytes;
    type Error = Status;

    /// Passes the inner body's frames through, watching for its close, and runs the rest of the
    /// driver when it holds it: not at every poll, only when the driver may have something to
    /// do. Once the body holds the driver, the call is committed to this body's attempt: every
    /// other attempt was cancelled and the engine's backoff and hedging timers cleared at the
    /// commit, and the headers cleared the attempt's `perAttemptRecvTimeout`. A cancel cannot
    /// come either: only dropping this body gives up, and that hands the driver to a task of its
    /// own. A buffer overflow can still be reported, but after the commit the engine ignores it.
    /// So the driver waits for two things only: this body's close, which the body reports
    /// itself and then runs the driver (`BodyState::report`), and the call's deadline. Hence it
    /// runs here when:
    /// - the inner body is Pending: the body is about to return Pending, so whatever the
    ///   driver waits for (its timer) must hold this task's current waker, and a deadline that
    ///   passed while the body waits must end it;
    /// - the deadline has passed by the clock, while frames keep coming ready: the body ends
    ///   with DEADLINE_EXCEEDED as soon as the driver's timer fired, without waiting for the
    ///   stream to stall;
    /// - the inner body has ended but the driver has not (it is run until it finishes).
    ///
    /// A frame that is ready at once skips it: no wake is lost, because everything the driver
    /// waits for keeps its state until it is polled (the timer stays elapsed, a close stays in
    /// [`CallEnd`]), and the next Pending, close or end runs it. A unary response skips two
    /// useless runs of the driver this way (one per frame before the trailers).
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self.0;
        if this.tail.is_some() && (this.inner.is_none() || this.past_deadline()) {
            this.run_tail(cx);
        }
        // While the driver rides here it can only finish inside `run_tail`, so the call's
        // status is looked at only once it is gone: it runs elsewhere (its finish must wake
        // this body) or is done.
        if let (Some(end), None) = (&this.end, &this.tail) {
            end.register_body(cx);
            if let Some(stop) = this.stop_if_finished() {
                return Poll::Ready(Some(Ok(stop)));
            }
        }
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Pending => {
                if this.tail.is_some() {
                    this.run_tail(cx);
                    if let Some(stop) = this.stop_if_finished() {
                        return Poll::Ready(Some(Ok(stop)));
                    }
                }
                Poll::Pending
            }
            Poll::Ready(None) => {
                this.inner = None;
                // A stream that ends without trailers has no status (gRPC over HTTP/2 says
                // the client reports it as an error); UNKNOWN is what tonic reports too.
                let unknown = Close {
                    status: Code::Unknown,
                    pushback: Vec::new(),
                };
                this.report(unknown, cx);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(status))) => {
                this.inner = None;
                let code = Code::from(status.code());
                let close = Close {
                    status: code,
                    pushback: Vec::new(),
                };
                this.report(close, cx);
                Poll::Ready(Some(Err(status)))
            }
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    let close = Close::read(trailers, this.retry_info).unwrap_or(Close {
                        status: Code::Unknown,
                        pushback: Vec::new(),
                    });
                    this.report(close, cx);
                }
                Poll::Ready(Some(Ok(frame)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        // Never claim the end early: the trailers must be polled so the attempt sees them.
        self.0.inner.is_none() && self.0.tail.is_none()
    }
}

/// The close of an attempt whose body the application dropped (R33).
fn cancelled() -> Close {
    Close {
        status: Code::Cancelled,
        pushback: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_give_status_and_every_pushback_value_r35() {
        let mut h = HeaderMap::new();
        h.insert("grpc-status", HeaderValue::from_static("14"));
        h.append(PUSHBACK, HeaderValue::from_static("200"));
        h.append(PUSHBACK, HeaderValue::from_static("abc"));
        let close = Close::from_headers(&h);
        assert_eq!(
            close,
            Some(Close {
                status: Code::Unavailable,
                pushback: vec!["200".into(), "abc".into()]
            })
        );
    }

    #[test]
    fn retry_info_fills_in_only_when_enabled_and_no_pushback_header_r35() {
        use crate::live::retry_info::{encode_details, status_with_retry_delay, STATUS_DETAILS};
        let details = encode_details(&status_with_retry_delay(14, 0, 40_000_000));
        let mut h = HeaderMap::new();
        h.insert("grpc-status", HeaderValue::from_static("14"));
        h.insert(
            STATUS_DETAILS,
            HeaderValue::from_str(&details).expect("ascii"),
        );
        let pushback = |h: &HeaderMap, on| Close::read(h, on).map(|c| c.pushback);
        assert_eq!(pushback(&h, false), Some(vec![]));
        assert_eq!(pushback(&h, true), Some(vec!["40".to_string()]));
        h.insert(PUSHBACK, HeaderValue::from_static("-1"));
        assert_eq!(
            pushback(&h, true),
            Some(vec!["-1".to_string()]),
            "the header wins"
        );
    }

    #[test]
    fn no_grpc_status_means_not_a_close_r30() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/grpc"));
        assert_eq!(Close::from_headers(&h), None);
    }

    #[test]
    fn the_first_grpc_status_counts_and_pushback_may_come_before_it() {
        let mut h = HeaderMap::new();
        h.append(PUSHBACK, HeaderValue::from_static("7"));
        h.append("grpc-status", HeaderValue::from_static("8"));
        h.append("grpc-status", HeaderValue::from_static("0"));
        let close = Close::from_headers(&h).expect("a close");
        assert_eq!(close.status, Code::ResourceExhausted);
        assert_eq!(close.pushback, vec!["7".to_string()]);
    }

    #[test]
    fn unknown_code_number_is_unknown() {
        let mut h = HeaderMap::new();
        h.insert("grpc-status", HeaderValue::from_static("99"));
        assert_eq!(
            Close::from_headers(&h).map(|c| c.status),
            Some(Code::Unknown)
        );
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod body_tests;
