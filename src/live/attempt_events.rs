//! One attempt's events as the driver polls them: [`AttemptEvents`], the stream
//! [`super::transport::TonicTransport`] starts for each attempt.
//!
//! Its stages: sending (until response headers), open (a committed attempt, until its body
//! reports the trailers), done. The answer to the send decides which: a response whose headers
//! carry `grpc-status` (Trailers-Only) or an HTTP error closes the attempt at once, keeping the
//! response for the application in case this attempt decides the call (R30: neither commits);
//! other headers commit, and the body is watched until its trailers. Kept apart from the
//! transport, which builds requests and starts attempts: this is what happens after the send.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_util::future::Either;
use futures_util::stream::Stream;
use http::{Request, Response};
use tokio::time::Instant;
use tonic::body::Body;
use tower::Service;

use super::attempt_send::Sending;
use super::response::{CallEnd, Close, LiveBody};
use super::transport::{classify, BoxError};
use super::wire::code_for_http;
use crate::transport::AttemptEvent;

/// What an attempt reports to the driver.
pub(super) type Event = AttemptEvent<Response<LiveBody>>;

/// How an attempt is sent: on the layer's terms, or waiting for ready (boxed apart, so the
/// common attempt stays small).
pub(super) type Sent<S> = Either<
    Pin<Box<dyn Future<Output = Result<<S as Service<Request<Body>>>::Response, BoxError>> + Send>>,
    Sending<S>,
>;

pin_project_lite::pin_project! {
    /// One attempt's events, as the driver polls them. Its stages: sending (until response
    /// headers), open (a committed attempt, until its body reports the trailers), done.
    /// Hand-written, as its send is ([`Sending`]), so the attempt is built where it is boxed
    /// and its send future is polled where it lies and dropped in place when done.
    pub(super) struct AttemptEvents<S: Service<Request<Body>>> {
        #[pin]
        send: Option<Sent<S>>,
        // The call's end, where the committed attempt's body reports its close.
        end: Arc<CallEnd>,
        // Open: committed, waiting for its body's close.
        open: bool,
        slot: u32,
        retry_info: bool,
        // The call's deadline, for a committed attempt's body (`LiveBody::until`).
        deadline: Option<Instant>,
        // Dropped when the attempt is over or dropped (see `Retire`).
        retire: Option<Retire>,
    }
}

impl<S: Service<Request<Body>>> AttemptEvents<S> {
    /// The events of the attempt `send` sends on `slot` of a call that ends at `deadline`;
    /// `retire` goes when it is over.
    pub(super) fn new(
        send: Sent<S>,
        end: Arc<CallEnd>,
        slot: u32,
        retry_info: bool,
        deadline: Option<Instant>,
        retire: Option<Retire>,
    ) -> Self {
        AttemptEvents {
            send: Some(send),
            end,
            open: false,
            slot,
            retry_info,
            deadline,
            retire,
        }
    }
}

impl<S, B> Stream for AttemptEvents<S>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut this = self.project();
        if let Some(send) = this.send.as_mut().as_pin_mut() {
            let result = ready!(send.poll(cx));
            this.send.set(None);
            let watch = Watch {
                slot: *this.slot,
                retry_info: *this.retry_info,
                deadline: *this.deadline,
            };
            let event = answer(result, this.end, watch, this.open);
            if !*this.open {
                *this.retire = None;
            }
            return event;
        }
        if !*this.open {
            return Poll::Ready(None);
        }
        let close = ready!(this.end.poll_close(*this.slot, cx));
        *this.open = false;
        *this.retire = None;
        Poll::Ready(Some(AttemptEvent::Closed {
            status: close.status,
            pushback: close.pushback,
            response: None,
        }))
    }
}

/// The event an attempt's answer makes, as the attempt's poll returns it (so it is built
/// where the driver reads it, not moved there: it holds the response, about 200 bytes); sets
/// `open` when the attempt stays open (committed, its body watched until the trailers). Kept
/// out of line: it runs once per attempt, while the attempt is polled at every step of the
/// driver.
#[inline(never)]
fn answer<B>(
    result: Result<Response<B>, BoxError>,
    end: &Arc<CallEnd>,
    watch: Watch,
    open: &mut bool,
) -> Poll<Option<Event>>
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let response = match result {
        Ok(response) => response,
        Err(error) => return Poll::Ready(Some(classify(&*error))),
    };
    let (parts, body) = response.into_parts();
    let close = Close::read(&parts.headers, watch.retry_info).or_else(|| {
        // Not gRPC at all (a proxy's 503, say): the gRPC HTTP status mapping.
        (parts.status != http::StatusCode::OK).then(|| Close {
            status: code_for_http(parts.status),
            pushback: Vec::new(),
        })
    });
    if let Some(close) = close {
        // Trailers-Only, or an HTTP error (R30: neither is a commit).
        let response = Response::from_parts(parts, LiveBody::plain(tonic_body(body)));
        let event = AttemptEvent::Closed {
            status: close.status,
            pushback: close.pushback,
            response: Some(response),
        };
        return Poll::Ready(Some(event));
    }
    let body = LiveBody::watched(tonic_body(body), watch.slot, Arc::clone(end))
        .reading_retry_info(watch.retry_info)
        .until(watch.deadline);
    *open = true;
    Poll::Ready(Some(AttemptEvent::Headers(Response::from_parts(
        parts, body,
    ))))
}

/// What a committed attempt's body is told: its slot, and how to read its close and the
/// call's end.
#[derive(Clone, Copy)]
struct Watch {
    slot: u32,
    retry_info: bool,
    deadline: Option<Instant>,
}

/// `body` as a tonic body: itself when it is one already (a tonic channel's responses are),
/// else boxed by [`Body::new`]. Looked for first, because `Body::new` first asks the body
/// whether it has ended, which costs more than the look: an ended body reads the same either
/// way.
fn tonic_body<B>(body: B) -> Body
where
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let mut body = Some(body);
    match (&mut body as &mut dyn std::any::Any).downcast_mut::<Option<Body>>() {
        Some(tonic) => tonic.take().unwrap_or_default(),
        None => body.map(Body::new).unwrap_or_default(),
    }
}

/// Retires an attempt's request reader when the attempt is dropped.
pub(super) struct Retire {
    end: Arc<CallEnd>,
    slot: u32,
}

impl Retire {
    /// Retires `slot`'s reader of `end`'s request when dropped.
    pub(super) fn new(end: Arc<CallEnd>, slot: u32) -> Self {
        Retire { end, slot }
    }
}

impl Drop for Retire {
    fn drop(&mut self) {
        self.end.replay().retire(self.slot);
    }
}
