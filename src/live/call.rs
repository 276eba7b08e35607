//! One call through the layer: the driver future that runs it, the signals it hears from the
//! application's side, and [`ResponseFuture`], the caller's handle on it.
//!
//! The driver is polled by the caller's future until the response is known, then rides in the
//! response body (see [`super::layer`] for why no task is spawned on the way).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;
use http::Response;
use rand::RngCore;

use super::builder::{RngFactory, Settings};
use super::response::{CallEnd, LiveBody};
use super::transport::{BoxError, RequestTemplate, TonicTransport};
use crate::driver::{run_call_until, CallContext, Signal};
use crate::engine::CallPlan;
use crate::plan::buffer::SharedReservation;
use crate::time::Nanos;
use crate::trace::{CallStart, EventsOnly, Recorder, Unheard};

/// What recorders are told about a call besides its events: made only when the layer has a
/// recorder, so a layer nobody listens to allocates nothing for it.
pub(super) struct CallName {
    /// The request path.
    path: Arc<str>,
    /// A generated stub named the method (tonic's [`tonic::GrpcMethod`] extension).
    registered: bool,
    /// The builder's target, else the request's authority, else `unknown`.
    target: Arc<str>,
}

impl CallName {
    /// The name of the call `template` starts, under the layer's `settings`.
    pub(super) fn of(settings: &Settings, template: &RequestTemplate) -> Self {
        let target = match (&settings.target, template.authority()) {
            (Some(target), _) => Arc::clone(target),
            (None, Some(authority)) => Arc::from(authority),
            (None, None) => Arc::from("unknown"),
        };
        CallName {
            path: Arc::from(template.path()),
            registered: template.extensions().get::<tonic::GrpcMethod>().is_some(),
            target,
        }
    }
}

/// The driver's signals: an overflow of a streaming request's buffer, reported by the replay
/// with the slot of the attempt holding it; the application giving up, once.
pub(super) fn signals(end: &CallEnd, streaming: bool) -> impl Stream<Item = Signal> + Send + '_ {
    let mut cancelled = false;
    futures_util::stream::poll_fn(move |cx| {
        // Only a request still being read can overflow during the call.
        if streaming {
            if let Poll::Ready(slot) = end.replay().poll_overflow(cx) {
                let slot = Some(slot);
                return Poll::Ready(Some(Signal::BufferOverflow { slot }));
            }
        }
        if !cancelled && end.poll_given_up().is_ready() {
            cancelled = true;
            return Poll::Ready(Some(Signal::Cancel));
        }
        Poll::Pending
    })
}

/// Runs the driver to the call's end; hands the response over through `end` as soon as the
/// engine delivers it, or the bare status if no attempt's response decides the call.
///
/// An `async move` block rather than an `async fn`: an `async fn` keeps every argument twice
/// in its future (as passed, and moved into its body), and this future is boxed once per
/// call, so each byte is copied at least once per call.
#[allow(clippy::too_many_arguments, clippy::manual_async_fn)]
pub(super) fn drive<S>(
    settings: Arc<Settings>,
    transport: TonicTransport<S>,
    call: u64,
    named: Option<CallName>,
    plan: CallPlan,
    // When the call started, on the layer's clock: read once, to plan the deadline, and the
    // driver starts from it (a clock read costs about a hundred instructions).
    started: Nanos,
    // The request is still being read: it may overflow the buffer mid-call (`signals`).
    streaming: bool,
    end: Arc<CallEnd>,
    // Held until the call ends, however it ends: its bytes go back to the channel (R67).
    reservation: Option<SharedReservation>,
) -> impl Future<Output = ()>
where
    S: tower::Service<http::Request<tonic::body::Body>>,
    TonicTransport<S>: crate::transport::Transport<Response = Response<LiveBody>>,
{
    async move {
        let mut rng = LazyRng::new(&settings.rng, call);
        let recorder: &(dyn Recorder + Sync) = match &settings.recorder {
            Some(r) => &**r,
            None => &Unheard,
        };
        if let Some(named) = &named {
            recorder.started(&CallStart {
                call,
                at: started,
                method: &named.path,
                registered: named.registered,
                target: &named.target,
                policy: &plan.policy,
            });
        }
        let ctx = CallContext {
            call,
            plan,
            started,
            throttle: settings.throttle.as_deref(),
            rng: &mut rng,
            // The record goes to the recorder below, with the method the driver does not know.
            recorder: &EventsOnly(recorder),
        };
        let mut delivered = false;
        let deliver = |response| {
            if !std::mem::replace(&mut delivered, true) {
                end.deliver(response);
            }
        };
        let signals = signals(&end, streaming);
        let mut result = run_call_until(&settings.clock, &transport, ctx, deliver, signals).await;
        result.record.method = named.map(|n| n.path);
        recorder.call(&result.record);
        if !delivered {
            // No attempt's response decides the call (deadline, limits): the status alone.
            let code = tonic::Code::from(result.status);
            let status = tonic::Status::new(code, result.reason.describe());
            end.deliver(status.into_http());
        }
        // A delivered body still open (e.g. past the deadline) ends with the call's status.
        end.finish(result.status);
        drop(reservation);
    }
}

/// The call's jitter stream, made on first use: a call that never backs off or hedges (the
/// common case) never seeds one, and the stream is the same whenever it is made, so the
/// draws are too.
struct LazyRng<'a> {
    factory: &'a RngFactory,
    call: u64,
    rng: Option<Box<dyn RngCore + Send>>,
}

impl<'a> LazyRng<'a> {
    fn new(factory: &'a RngFactory, call: u64) -> Self {
        LazyRng {
            factory,
            call,
            rng: None,
        }
    }

    fn get(&mut self) -> &mut (dyn RngCore + Send) {
        let (factory, call) = (self.factory, self.call);
        &mut **self.rng.get_or_insert_with(|| factory(call))
    }
}

impl RngCore for LazyRng<'_> {
    fn next_u32(&mut self) -> u32 {
        self.get().next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.get().next_u64()
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.get().fill_bytes(dst)
    }
}

type Driver = super::response::Tail;

/// Boxes the driver `make` returns, built in its final place: the driver future is a few KB,
/// and building it on the stack only to copy it into its box was a measurable part of a
/// call's cost (`benches/live_overhead.rs`). The simulator boxes its calls the same way.
#[inline(always)]
pub(super) fn boxed<F: Future<Output = ()> + Send + 'static>(make: impl FnOnce() -> F) -> Driver {
    let mut slot = Box::<F>::new_uninit();
    slot.write(make());
    // SAFETY: the value was written just above, so the box holds an initialised `F`.
    Box::into_pin(unsafe { slot.assume_init() })
}

/// The caller's side of a call. It polls the driver itself until the response is known (no
/// task hop on the way to the caller), then hands the rest of the driver (waiting for the
/// committed attempt's trailers) to the response body, which runs it as it is read. Dropping
/// it before then cancels the call (R33).
pub struct ResponseFuture {
    driver: Option<Driver>,
    end: Arc<CallEnd>,
}

impl ResponseFuture {
    pub(super) fn new(driver: Driver, end: Arc<CallEnd>) -> Self {
        ResponseFuture {
            driver: Some(driver),
            end,
        }
    }
}

impl Drop for ResponseFuture {
    fn drop(&mut self) {
        // Dropped before the response was known: the application gave up (R33). The driver
        // cancels every attempt and records the call, in a task of its own.
        if let Some(driver) = self.driver.take() {
            self.end.give_up();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(driver);
            }
        }
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response<LiveBody>, BoxError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(driver) = self.driver.as_mut() {
            if driver.as_mut().poll(cx).is_ready() {
                self.driver = None;
            }
        }
        // The driver hands the response over while this future polls it.
        let mut response = match self.end.take_response() {
            Some(response) => response,
            None if self.driver.is_some() => return Poll::Pending,
            None => {
                let status = tonic::Status::internal("hedgehog: the call ended without a response");
                status.into_http()
            }
        };
        if let Some(rest) = self.driver.take() {
            response.body_mut().attach_tail(rest);
        }
        Poll::Ready(Ok(response))
    }
}
