//! `TonicTransport`: one A6 attempt = one HTTP/2 request on a clone of the inner service.
//!
//! Each attempt rebuilds the application's request (method, URI, headers, extensions), replays
//! the buffered body ([`super::replay`]), sets `grpc-previous-rpc-attempts` (R74, R76) and a
//! `grpc-timeout` for the time left before the call's deadline (R77), and sends it. Then:
//!
//! - response headers carrying `grpc-status` are a Trailers-Only response: the attempt is
//!   `Closed` with that status and its pushback values, and the response is kept for the
//!   application in case this attempt decides the call (R30: Trailers-Only does not commit);
//! - other response headers commit: `Headers(response)` goes to the driver (which hands it to
//!   the application) and the attempt stays open until the wrapped body sees the trailers
//!   ([`super::response`]), then reports `Closed`;
//! - dropping the attempt drops the response future or body, which resets the HTTP/2 stream
//!   (RST_STREAM CANCEL): that is how hedges are cancelled (R55).
//!
//! Transport errors are sorted as far as hyper/h2 let us tell (see [`classify`]).

use std::error::Error as StdError;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures_util::future::Either;
use futures_util::stream::Stream;
use http::{HeaderValue, Request, Response};
use tonic::body::Body;
use tower::Service;

use super::attempt_events::{AttemptEvents, Event, Retire};
use super::attempt_send::{self, Attempt, Sending};
use super::kept_head::KeptHead;
use super::response::{CallEnd, LiveBody};
use super::wire::{format_grpc_timeout, grpc_timeout, GRPC_TIMEOUT, PREVIOUS_ATTEMPTS_HEADER};
use crate::clock::{Clock, TokioClock};
use crate::code::Code;
use crate::time::Nanos;
use crate::transport::{AttemptEvent, AttemptStart, Transport};

/// A boxed error, as tower services return.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// The parts of the application's request every attempt repeats: its head as it came, so the
/// first attempt's head is the application's own, moved rather than rebuilt field by field.
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    head: http::request::Parts,
    /// The application's `grpc-timeout`, parsed (R77).
    timeout: Option<Nanos>,
}

impl RequestTemplate {
    /// Keeps everything of `parts` except the body, and except any
    /// `grpc-previous-rpc-attempts` the application set: that header is the layer's to say
    /// (R74, R76), so each attempt adds it only when it is a retry or hedge.
    pub fn new(mut parts: http::request::Parts) -> Self {
        // One look at each name, for the two gRPC headers the layer reads or replaces (a
        // standard name such as `te` differs from both at the first compare; no hashing). An
        // application rarely sets either, so each is then looked up by itself.
        let (mut previous, mut timeout) = (false, false);
        for name in parts.headers.keys() {
            if *name == GRPC_TIMEOUT {
                timeout = true;
            } else if *name == PREVIOUS_ATTEMPTS_HEADER {
                previous = true;
            }
        }
        if previous {
            parts.headers.remove(&PREVIOUS_ATTEMPTS_HEADER);
        }
        let timeout = timeout.then(|| grpc_timeout(&parts.headers)).flatten();
        RequestTemplate {
            head: parts,
            timeout,
        }
    }

    /// The application's `grpc-timeout`, parsed: the call's deadline counts from its start
    /// (R77); `None` if it set none, or none that parses.
    pub fn timeout(&self) -> Option<Nanos> {
        self.timeout
    }

    /// The request path (`/echo.Echo/UnaryEcho`).
    pub fn path(&self) -> &str {
        self.head.uri.path()
    }

    /// The request URI's authority (`127.0.0.1:50051`), if it has one.
    pub fn authority(&self) -> Option<&str> {
        self.head.uri.authority().map(|a| a.as_str())
    }

    /// The application's request extensions.
    pub fn extensions(&self) -> &http::Extensions {
        &self.head.extensions
    }

    /// The application's request headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.head.headers
    }

    /// The application's request head.
    pub(super) fn parts(&self) -> &http::request::Parts {
        &self.head
    }

    /// The application's request head, whole.
    pub(super) fn into_parts(self) -> http::request::Parts {
        self.head
    }
}

/// Makes `head` the head of an attempt: with the attempt's `grpc-previous-rpc-attempts` if it
/// is a retry or hedge (R74, R76). In place: a request head is about 200 bytes.
fn mark_attempt(head: &mut http::request::Parts, previous: Option<u32>) {
    if let Some(previous) = previous {
        head.headers
            .insert(PREVIOUS_ATTEMPTS_HEADER, HeaderValue::from(previous));
    }
}

/// Starts attempts of one call on a clone of `service`.
pub struct TonicTransport<S: Service<Request<Body>>> {
    /// What later attempts clone their service from. Behind a mutex only so the transport is
    /// `Sync` (the driver shares it across awaits) for any `Send` service: a
    /// `tower::util::BoxCloneService` is not `Sync`. Each attempt locks it just to clone it,
    /// so the lock is never contended for long. Shared by the calls of one [`RetryService`]
    /// (`super::layer`): a call that never needs a second attempt clones nothing, and calls
    /// in flight do not all touch the inner service's shared counters.
    ///
    /// [`RetryService`]: super::RetryService
    service: Arc<Mutex<S>>,
    /// The first attempt, when the layer's `call` had a ready service for it: already sent on
    /// it, or that ready service ([`super::attempt_send`]). Taken by the first attempt.
    first: Mutex<Option<Attempt<S>>>,
    /// The application's head, kept for the attempts that do not take it, when the transport
    /// was made with [`TonicTransport::new`]; the layer keeps it in the call's `end`.
    own_head: Option<Box<KeptHead>>,
    clock: TokioClock,
    /// The call's shared end, which holds the request's replay too.
    end: Arc<CallEnd>,
    facts: CallFacts,
}

/// What a call's transport knows about the call besides its request.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct CallFacts {
    /// The whole request was buffered before the first attempt.
    pub(super) complete: bool,
    /// `google.rpc.RetryInfo` counts as pushback ([`super::retry_info`]).
    pub(super) retry_info: bool,
    /// Attempts wait for a connection rather than fail (R82, [`super::attempt_send`]).
    pub(super) wait_for_ready: bool,
}

impl<S: Service<Request<Body>>> TonicTransport<S> {
    /// A transport for one call: `template` + the replay in `end` make each attempt's
    /// request; `clock` is the driver's (for `grpc-timeout`); `end` lets a delivered body
    /// stop with the call. Attempts are sent on clones of `service`.
    pub fn new(
        service: S,
        template: RequestTemplate,
        clock: TokioClock,
        end: Arc<CallEnd>,
    ) -> Self {
        let facts = CallFacts {
            complete: end.replay().is_complete(),
            ..CallFacts::default()
        };
        let mut transport =
            TonicTransport::for_call(Arc::new(Mutex::new(service)), clock, end, facts, None);
        transport.own_head = Some(Box::new(KeptHead::from_template(template)));
        transport
    }

    /// [`TonicTransport::new`] with what the layer knows already given at once: the shared
    /// `service` later attempts clone theirs from, the call's `facts`, and its `first`
    /// attempt if it went out or has a ready service (the layer makes one transport per call,
    /// so it is built in place rather than moved through setters). The application's head is
    /// the one in `end` ([`CallEnd::with_head`]).
    #[inline]
    pub(super) fn for_call(
        service: Arc<Mutex<S>>,
        clock: TokioClock,
        end: Arc<CallEnd>,
        facts: CallFacts,
        first: Option<Attempt<S>>,
    ) -> Self {
        TonicTransport {
            facts,
            service,
            first: Mutex::new(first),
            own_head: None,
            clock,
            end,
        }
    }

    /// The application's head, as kept for later attempts.
    fn head(&self) -> &KeptHead {
        match &self.own_head {
            Some(head) => head,
            None => self.end.head(),
        }
    }

    /// `ready` is ready (its `poll_ready` said so): the first attempt calls it as it is, and
    /// later ones drive clones to readiness (see the layer's docs).
    pub fn ready_for_first_attempt(self, ready: S) -> Self {
        self.first_attempt(Attempt::Ready(ready))
    }

    /// The first attempt went out already, as `sent` (made by calling a ready service with
    /// [`TonicTransport::request`] for the first attempt): the driver's first attempt follows
    /// it rather than sending another.
    pub fn first_attempt_sent(self, sent: S::Future) -> Self {
        self.first_attempt(Attempt::Called(sent))
    }

    fn first_attempt(mut self, first: Attempt<S>) -> Self {
        *self.first.get_mut().unwrap_or_else(|e| e.into_inner()) = Some(first);
        self
    }

    /// Attempts wait for a connection rather than fail UNAVAILABLE (R82).
    pub fn waiting_for_ready(mut self, wait: bool) -> Self {
        self.facts.wait_for_ready = wait;
        self
    }

    /// Reads `google.rpc.RetryInfo` in every attempt's status as pushback
    /// ([`super::retry_info`]; off by default: A6 does not define it).
    pub fn reading_retry_info(mut self, enabled: bool) -> Self {
        self.facts.retry_info = enabled;
        self
    }

    /// The request of the attempt in `start`: the application's head with the attempt's
    /// `grpc-previous-rpc-attempts` and the time left as `grpc-timeout`, and the replayed body.
    pub fn request(&self, start: &AttemptStart) -> Request<Body> {
        attempt_request(&self.end, self.clock, self.head().to_parts(), start)
    }

    fn service_clone(&self) -> S
    where
        S: Clone,
    {
        self.service
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The request of the attempt in `start` with the application's `head` (its own for the
/// first attempt, a copy for later ones), the replay in `end` as its body, and the time left
/// by `clock`.
pub(super) fn attempt_request(
    end: &Arc<CallEnd>,
    clock: TokioClock,
    mut head: http::request::Parts,
    start: &AttemptStart,
) -> Request<Body> {
    let body = Body::new(end.reader(start.slot));
    mark_attempt(&mut head, start.previous);
    set_time_left(&mut head.headers, start.deadline, clock);
    Request::from_parts(head, body)
}

/// Sets `grpc-timeout` to the time left before `deadline` (R77), if there is one.
fn set_time_left(headers: &mut http::HeaderMap, deadline: Option<u64>, clock: TokioClock) {
    if let Some(deadline) = deadline {
        let left = deadline.saturating_sub(clock.now());
        if let Ok(value) = HeaderValue::from_str(&format_grpc_timeout(left)) {
            headers.insert(GRPC_TIMEOUT, value);
        }
    }
}

impl<S: Service<Request<Body>>> TonicTransport<S> {
    /// Makes the request for each try of the attempt in `start` (wait-for-ready): the same
    /// head with the time left, the body replayed from its start.
    fn remake(&self, start: &AttemptStart) -> impl Fn() -> Request<Body> + Send + 'static {
        let mut head = self.head().to_parts();
        mark_attempt(&mut head, start.previous);
        let (end, slot, clock, deadline) = (
            Arc::clone(&self.end),
            start.slot,
            self.clock,
            start.deadline,
        );
        move || {
            let mut head = head.clone();
            set_time_left(&mut head.headers, deadline, clock);
            Request::from_parts(head, Body::new(end.reader(slot)))
        }
    }
}

impl<S, B> Transport for TonicTransport<S>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<LiveBody>;
    type Attempt = Pin<Box<dyn Stream<Item = Event> + Send>>;

    fn start(&self, start: &AttemptStart) -> Self::Attempt {
        // The first attempt may have gone out already, or have a ready service waiting;
        // every other attempt drives a clone of the service to readiness.
        let first = self.first.lock().unwrap_or_else(|e| e.into_inner()).take();
        let attempt = first.unwrap_or_else(|| Attempt::NotReady(self.service_clone()));
        let send = if self.facts.wait_for_ready {
            let again = self.remake(start);
            let template = self.service_clone();
            Either::Left(Box::pin(attempt_send::send_waiting(attempt, template, again)) as _)
        } else {
            let request = match attempt {
                Attempt::Called(_) => None,
                _ => Some(self.request(start)),
            };
            Either::Right(Sending::new(attempt, request))
        };
        // A request still being read learns when this attempt is gone, so its reader stops
        // taking the application's messages (see `replay`).
        let retire = (!self.facts.complete).then(|| Retire::new(Arc::clone(&self.end), start.slot));
        // The deadline as an instant, for the body to compare with the clock.
        let deadline = start.deadline.and_then(|at| {
            let epoch = self.clock.epoch();
            epoch.checked_add(std::time::Duration::from_nanos(at))
        });
        Box::pin(AttemptEvents::new(
            send,
            Arc::clone(&self.end),
            start.slot,
            self.facts.retry_info,
            deadline,
            retire,
        ))
    }
}

/// Sorts a failed request into the engine's outcomes.
///
/// What hyper/h2 let us tell apart:
/// - an `h2::Error` anywhere in the chain that is a GOAWAY *from the peer*
///   (`is_go_away() && is_remote()`) → `Refused` (R70). h2 hands that error only to streams
///   the GOAWAY excludes — those above its last-stream-id, which the server promises it never
///   processed — and to requests sent on the connection after it arrived, which never left
///   the client. Its reason does not matter: a draining server says NO_ERROR (hyper prints
///   "connection error received: not a result of an error"). A stream at or below the
///   last-stream-id that fails afterwards (the connection closes under it, or it is reset) gets
///   an I/O or reset error instead, so it is not transparent; nor is a GOAWAY h2 itself
///   sends (`is_library`) on a protocol error;
/// - an `h2::Error` with reason REFUSED_STREAM anywhere in the chain (the server reset the
///   stream before its application saw it) → `Refused` (R70); hyper passes the reset up with
///   the `h2::Error` as its source (`tests/live_transparent.rs` checks both against raw
///   HTTP/2 servers);
/// - a hyper error saying the request was never dispatched (`is_canceled`: the connection went
///   away before the request was written) → `NotSent` (R69);
/// - anything else → `Closed` with UNAVAILABLE, which the configured policy may retry. That
///   includes a connection that cannot be made: in gRPC terms the pick fails with
///   TRANSIENT_FAILURE and a call that is not wait-for-ready fails UNAVAILABLE through the
///   policy (R72), rather than spinning through transparent retries.
///
/// What we cannot tell: whether bytes of a request that failed with a generic I/O error had
/// reached the server, so such failures are never treated as transparent.
pub fn classify(error: &(dyn StdError + 'static)) -> Event {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(h2) = e.downcast_ref::<h2::Error>() {
            let excluded_by_goaway = h2.is_go_away() && h2.is_remote();
            if excluded_by_goaway || h2.reason() == Some(h2::Reason::REFUSED_STREAM) {
                return AttemptEvent::Refused;
            }
        }
        if let Some(hyper) = e.downcast_ref::<hyper::Error>() {
            if hyper.is_canceled() {
                return AttemptEvent::NotSent;
            }
        }
        source = e.source();
    }
    let status = tonic::Status::unavailable(describe(error));
    AttemptEvent::Closed {
        status: Code::Unavailable,
        pushback: Vec::new(),
        response: Some(status.into_http()),
    }
}

/// `transport error: ` and the error's chain of causes, each said once. Error types disagree
/// on whether their `Display` includes their source (tonic's does not, an `io::Error` wrapping
/// hyper's connect error repeats it), so a cause whose text is already in the message is left
/// out: "transport error: tcp connect error: Connection refused (os error 111)", not every
/// part twice.
fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = String::from("transport error");
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = source {
        let part = e.to_string();
        if !part.is_empty() && !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_applications_own_previous_attempts_header_is_dropped_r74() {
        let request = http::Request::builder()
            .header("grpc-previous-rpc-attempts", "5")
            .header("x-kept", "1")
            .body(())
            .expect("request");
        let template = RequestTemplate::new(request.into_parts().0);
        assert!(template
            .headers()
            .get(super::super::PREVIOUS_ATTEMPTS)
            .is_none());
        assert_eq!(
            template.headers().get("x-kept").map(|v| v.as_bytes()),
            Some(&b"1"[..])
        );
        assert_eq!(template.timeout(), None);
    }

    #[test]
    fn the_template_reads_the_applications_first_grpc_timeout_r77() {
        let template = |values: &[&str]| {
            let mut request = http::Request::builder().header("te", "trailers");
            for v in values {
                request = request.header("grpc-timeout", *v);
            }
            RequestTemplate::new(request.body(()).expect("request").into_parts().0)
        };
        assert_eq!(template(&["250m"]).timeout(), Some(250_000_000));
        // The first value counts, as `HeaderMap::get` finds it; one that does not parse is none.
        assert_eq!(template(&["2S", "9S"]).timeout(), Some(2_000_000_000));
        assert_eq!(template(&["soon"]).timeout(), None);
        assert_eq!(template(&[]).timeout(), None);
        // The header stays for the first attempt to carry on.
        assert!(template(&["1S"]).headers().contains_key("grpc-timeout"));
    }

    #[test]
    fn refused_stream_is_refused_r70() {
        let e = h2::Error::from(h2::Reason::REFUSED_STREAM);
        assert!(matches!(classify(&e), AttemptEvent::Refused));
        let e = h2::Error::from(h2::Reason::INTERNAL_ERROR);
        assert!(matches!(
            classify(&e),
            AttemptEvent::Closed {
                status: Code::Unavailable,
                ..
            }
        ));
    }

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Layer {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    fn layers(parts: &[&'static str]) -> Layer {
        let (first, rest) = parts.split_first().expect("one part");
        Layer(first, (!rest.is_empty()).then(|| Box::new(layers(rest))))
    }

    #[test]
    fn a_transport_error_says_each_cause_once() {
        let e = layers(&[
            "transport error",
            "tcp connect error",
            "tcp connect error",
            "Connection refused",
        ]);
        assert_eq!(
            describe(&e),
            "transport error: tcp connect error: Connection refused"
        );
        // A cause the outer text already includes is not repeated either.
        let e = layers(&["client error (Connect): refused", "refused", ""]);
        assert_eq!(
            describe(&e),
            "transport error: client error (Connect): refused"
        );
        let e = layers(&["stream closed", "broken pipe"]);
        assert_eq!(describe(&e), "transport error: stream closed: broken pipe");
    }

    #[test]
    fn connection_refused_is_unavailable_through_the_policy_r72() {
        let e = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            classify(&e),
            AttemptEvent::Closed {
                status: Code::Unavailable,
                ..
            }
        ));
    }
}
