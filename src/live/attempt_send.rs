//! Sending one attempt on the inner service: tower's readiness contract, and wait-for-ready.
//!
//! **Readiness.** A tower service may be called only once `poll_ready` said ready, and that
//! readiness is what `Buffer`, `ConcurrencyLimit` and `Balance` below the layer use to push
//! back (a buffer slot, a permit, a picked endpoint). The layer's own `poll_ready` readies
//! the inner service, and the call's first attempt takes that ready service ([`Attempt::Ready`]),
//! so a caller above the layer waits as it would without it. Usually the layer's `call` sends
//! the first attempt on it at once, as `tower::retry` does ([`Attempt::Called`]): the layer's
//! service keeps its state (a `Buffer`'s sender keeps its reusable allocation) and the call
//! needs one clone of it, for later attempts. Every later attempt (a retry, a
//! hedge, a transparent retry) drives its own clone to readiness before it calls it
//! ([`Attempt::NotReady`]): an attempt waits its turn below the layer like any other request,
//! and the time it waits counts against the call's deadline, never against the backoff.
//!
//! **Wait-for-ready** (R82). Without it, a connection that cannot be made fails the attempt
//! UNAVAILABLE through the policy (R72). With it, the attempt waits
//! ([`super::call_options::WAIT_FOR_READY_BACKOFF`]) and tries a fresh clone again — with a
//! balancer below, that is a fresh pick — until it gets through or the call's deadline ends
//! it (the driver drops the attempt). Only connection failures wait: anything the server or
//! the stream said is the attempt's outcome.

use std::error::Error as StdError;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::Request;
use tonic::body::Body;
use tower::Service;

use super::call_options::next_wait;
use super::transport::BoxError;

/// How far an attempt's service is from having the attempt's request.
pub(super) enum Attempt<S: Service<Request<Body>>> {
    /// Called already with the attempt's request (the layer's `call`, on its ready service).
    Called(S::Future),
    /// Ready: `call` may be called at once (the layer's `poll_ready` readied it).
    Ready(S),
    /// Not yet: `poll_ready` first.
    NotReady(S),
}

pin_project_lite::pin_project! {
    /// Sends the attempt: follows an attempt already called, or calls its service with its
    /// request, respecting its readiness. Hand-written rather than an `async fn` so it is
    /// only as large as its largest stage (an unsent request) and is built in place: an
    /// attempt is boxed once, and a small box costs less to fill and to free.
    #[project = SendingProj]
    #[project_replace = SendingTaken]
    pub(super) enum Sending<S: Service<Request<Body>>> {
        /// Not called yet: `ready` once `poll_ready` said so.
        Unsent { service: S, ready: bool, request: Option<Request<Body>> },
        /// Called: the response on its way. The service stays alive until it comes, as it
        /// would in any caller that awaits a call.
        Called { #[pin] future: S::Future, service: Option<S> },
    }
}

impl<S: Service<Request<Body>>> Sending<S> {
    /// The send of `attempt` with `request` (`None` only for [`Attempt::Called`]).
    pub(super) fn new(attempt: Attempt<S>, request: Option<Request<Body>>) -> Self {
        match attempt {
            Attempt::Called(future) => Sending::Called {
                future,
                service: None,
            },
            Attempt::Ready(service) => Sending::Unsent {
                service,
                ready: true,
                request,
            },
            Attempt::NotReady(service) => Sending::Unsent {
                service,
                ready: false,
                request,
            },
        }
    }
}

impl<S> std::future::Future for Sending<S>
where
    S: Service<Request<Body>>,
    S::Error: Into<BoxError>,
{
    type Output = Result<S::Response, BoxError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let SendingProj::Unsent {
            service,
            ready,
            request,
        } = self.as_mut().project()
        {
            if !*ready {
                ready!(service.poll_ready(cx)).map_err(Into::into)?;
                *ready = true;
            }
            let Some(request) = request.take() else {
                return Poll::Ready(Err(
                    "hedgehog: an attempt to send without its request".into()
                ));
            };
            let future = service.call(request);
            let called = Sending::Called {
                future,
                service: None,
            };
            if let SendingTaken::Unsent { service, .. } = self.as_mut().project_replace(called) {
                if let SendingProj::Called { service: kept, .. } = self.as_mut().project() {
                    *kept = Some(service);
                }
            }
        }
        match self.project() {
            SendingProj::Called { future, .. } => future.poll(cx).map_err(Into::into),
            SendingProj::Unsent { .. } => Poll::Pending,
        }
    }
}

/// [`Sending`] for a wait-for-ready attempt: while the connection cannot be made, waits and
/// tries again on a fresh clone of `template`, with a fresh request from `request`.
pub(super) async fn send_waiting<S>(
    first: Attempt<S>,
    template: S,
    request: impl Fn() -> Request<Body>,
) -> Result<S::Response, BoxError>
where
    S: Service<Request<Body>> + Clone,
    S::Error: Into<BoxError>,
{
    let mut attempt = first;
    let mut wait = None;
    loop {
        let request = match attempt {
            Attempt::Called(_) => None,
            _ => Some(request()),
        };
        match Sending::new(attempt, request).await {
            Err(error) if is_connect_failure(&*error) => {
                let pause = next_wait(wait);
                wait = Some(pause);
                tokio::time::sleep(pause).await;
                attempt = Attempt::NotReady(template.clone());
            }
            other => return other,
        }
    }
}

/// A connection that could not be made (in gRPC terms, a pick that fails with
/// TRANSIENT_FAILURE, R72): an I/O error saying no connection was there to send on.
pub(super) fn is_connect_failure(error: &(dyn StdError + 'static)) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = source {
        // Not the first I/O error only: one may wrap the connector's, which wraps the cause.
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if matches!(
                io.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::AddrNotAvailable
                    | io::ErrorKind::HostUnreachable
                    | io::ErrorKind::NetworkUnreachable
            ) {
                return true;
            }
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_connection_that_cannot_be_made_waits_r82() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(is_connect_failure(&refused));
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(!is_connect_failure(&reset));
        let h2 = h2::Error::from(h2::Reason::INTERNAL_ERROR);
        assert!(!is_connect_failure(&h2));
    }
}
