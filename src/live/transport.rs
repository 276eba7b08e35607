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
use std::sync::Arc;

use futures_util::stream::{self, Stream};
use http::{HeaderValue, Request, Response};
use tokio::sync::oneshot;
use tonic::body::Body;
use tower::{Service, ServiceExt};

use super::replay::Replay;
use super::response::{CallEnd, Close, LiveBody};
use super::PREVIOUS_ATTEMPTS;
use crate::clock::{Clock, TokioClock};
use crate::code::Code;
use crate::time::Nanos;
use crate::transport::{AttemptEvent, AttemptStart, Transport};

/// A boxed error, as tower services return.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// The parts of the application's request every attempt repeats.
#[derive(Debug, Clone)]
pub struct RequestTemplate {
    method: http::Method,
    uri: http::Uri,
    version: http::Version,
    headers: http::HeaderMap,
    extensions: http::Extensions,
}

impl RequestTemplate {
    /// Keeps everything of `parts` except the body.
    pub fn new(parts: http::request::Parts) -> Self {
        RequestTemplate {
            method: parts.method,
            uri: parts.uri,
            version: parts.version,
            headers: parts.headers,
            extensions: parts.extensions,
        }
    }

    /// The request path (`/echo.Echo/UnaryEcho`).
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The application's request extensions.
    pub fn extensions(&self) -> &http::Extensions {
        &self.extensions
    }

    /// The application's request headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }
}

/// Starts attempts of one call on a clone of `service`.
pub struct TonicTransport<S> {
    service: S,
    template: RequestTemplate,
    replay: Arc<Replay>,
    clock: TokioClock,
    end: Arc<CallEnd>,
}

impl<S> TonicTransport<S> {
    /// A transport for one call: `template` + `replay` make each attempt's request; `clock`
    /// is the driver's (for `grpc-timeout`); `end` lets a delivered body stop with the call.
    pub fn new(
        service: S,
        template: RequestTemplate,
        replay: Arc<Replay>,
        clock: TokioClock,
        end: Arc<CallEnd>,
    ) -> Self {
        TonicTransport {
            service,
            template,
            replay,
            clock,
            end,
        }
    }

    fn request(&self, start: &AttemptStart) -> Request<Body> {
        let mut request = Request::new(Body::new(self.replay.reader()));
        *request.method_mut() = self.template.method.clone();
        *request.uri_mut() = self.template.uri.clone();
        *request.version_mut() = self.template.version;
        *request.headers_mut() = self.template.headers.clone();
        *request.extensions_mut() = self.template.extensions.clone();
        let headers = request.headers_mut();
        headers.remove(PREVIOUS_ATTEMPTS);
        if let Some(previous) = start.previous {
            headers.insert(PREVIOUS_ATTEMPTS, HeaderValue::from(previous));
        }
        if let Some(deadline) = start.deadline {
            let left = deadline.saturating_sub(self.clock.now());
            if let Ok(value) = HeaderValue::from_str(&format_grpc_timeout(left)) {
                headers.insert("grpc-timeout", value);
            }
        }
        request
    }
}

type Event = AttemptEvent<Response<LiveBody>>;

type Sending =
    Pin<Box<dyn std::future::Future<Output = (Event, Option<oneshot::Receiver<Close>>)> + Send>>;

enum Phase {
    Start(Sending),
    Open(oneshot::Receiver<Close>),
    Done,
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
        let request = self.request(start);
        let service = self.service.clone();
        let end = Arc::clone(&self.end);
        let send = async move {
            let response = match service.oneshot(request).await {
                Ok(response) => response,
                Err(error) => return (classify(&*error.into()), None),
            };
            let (parts, body) = response.into_parts();
            if let Some(close) = Close::from_headers(&parts.headers) {
                // Trailers-Only (R30: not a commit).
                let response = Response::from_parts(parts, LiveBody::plain(Body::new(body)));
                let event = AttemptEvent::Closed {
                    status: close.status,
                    pushback: close.pushback,
                    response: Some(response),
                };
                return (event, None);
            }
            let (tx, rx) = oneshot::channel();
            let response = Response::from_parts(parts, LiveBody::watched(Body::new(body), tx, end));
            (AttemptEvent::Headers(response), Some(rx))
        };
        let send: Sending = Box::pin(send);
        let events = stream::unfold(Phase::Start(send), |phase| async move {
            match phase {
                Phase::Start(send) => {
                    let (event, open) = send.await;
                    Some((event, open.map_or(Phase::Done, Phase::Open)))
                }
                Phase::Open(rx) => {
                    let close = rx.await.unwrap_or(Close {
                        status: Code::Cancelled,
                        pushback: Vec::new(),
                    });
                    let event = AttemptEvent::Closed {
                        status: close.status,
                        pushback: close.pushback,
                        response: None,
                    };
                    Some((event, Phase::Done))
                }
                Phase::Done => None,
            }
        });
        Box::pin(events)
    }
}

/// Sorts a failed request into the engine's outcomes.
///
/// What hyper/h2 let us tell apart:
/// - an `h2::Error` with reason REFUSED_STREAM anywhere in the chain (the server refused the
///   stream, or a GOAWAY excluded it) → `Refused` (R70);
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
            if h2.reason() == Some(h2::Reason::REFUSED_STREAM) {
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
    let status = tonic::Status::unavailable(format!("transport error: {}", chain(error)));
    AttemptEvent::Closed {
        status: Code::Unavailable,
        pushback: Vec::new(),
        response: Some(status.into_http()),
    }
}

fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// `grpc-timeout` for `left` nanoseconds: at most 8 digits, in the finest unit that fits,
/// rounded up so the server's deadline is never earlier than the client's.
pub fn format_grpc_timeout(left: Nanos) -> String {
    const UNITS: [(u64, char); 6] = [
        (1, 'n'),
        (1_000, 'u'),
        (1_000_000, 'm'),
        (1_000_000_000, 'S'),
        (60_000_000_000, 'M'),
        (3_600_000_000_000, 'H'),
    ];
    for (scale, unit) in UNITS {
        let value = left.div_ceil(scale);
        if value < 100_000_000 {
            return format!("{value}{unit}");
        }
    }
    "99999999H".to_string()
}

/// Parses a `grpc-timeout` value (1–8 digits and a unit) into nanoseconds.
pub fn parse_grpc_timeout(value: &str) -> Option<Nanos> {
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let scale: u64 = match unit {
        "n" => 1,
        "u" => 1_000,
        "m" => 1_000_000,
        "S" => 1_000_000_000,
        "M" => 60_000_000_000,
        "H" => 3_600_000_000_000,
        _ => return None,
    };
    Some(n.saturating_mul(scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_uses_finest_unit_within_eight_digits_r77() {
        assert_eq!(format_grpc_timeout(0), "0n");
        assert_eq!(format_grpc_timeout(99_999_999), "99999999n");
        assert_eq!(format_grpc_timeout(100_000_000), "100000u");
        assert_eq!(format_grpc_timeout(1_500_000_001), "1500001u");
        assert_eq!(format_grpc_timeout(200_000_000_000), "200000m");
    }

    #[test]
    fn grpc_timeout_round_trips_up_to_rounding() {
        for ns in [0, 1, 999, 1_000_001, 123_456_789_012, 7_200_000_000_000] {
            let back = parse_grpc_timeout(&format_grpc_timeout(ns));
            assert!(back.is_some_and(|b| b >= ns), "{ns}");
        }
    }

    #[test]
    fn grpc_timeout_rejects_malformed_values() {
        for bad in ["", "m", "5", "123456789m", "5x", "-5m", "5 m"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad:?}");
        }
        assert_eq!(parse_grpc_timeout("20m"), Some(20_000_000));
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
