//! [`RetryLayer`]: A6 retries, hedging and throttling for any tonic client, as one tower layer.
//!
//! ```no_run
//! # #[cfg(feature = "echo")] // the example uses the echo client
//! use hedgehog::live::pb::{echo_client::EchoClient, EchoRequest};
//! # #[cfg(feature = "echo")] // the example uses the echo client
//! use hedgehog::live::RetryLayer;
//! # #[cfg(feature = "echo")] // the example uses the echo client
//! use tower::ServiceBuilder;
//!
//! # #[cfg(feature = "echo")]
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let layer = RetryLayer::from_service_config(r#"{"methodConfig": [{
//!     "name": [{"service": "echo.Echo"}],
//!     "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
//!                     "backoffMultiplier": 1.0, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#)?;
//! let channel = tonic::transport::Channel::from_static("http://127.0.0.1:50052").connect_lazy();
//! let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(channel));
//! let reply = client.unary_echo(EchoRequest { message: "Try and Success".into() }).await?;
//! println!("{}", reply.into_inner().message);
//! # Ok(()) }
//! ```
//!
//! Per request: the method config is chosen by the request path (`/service/method`, R15); the
//! body is buffered ([`super::replay`]) and replayed per attempt; the deadline is the earlier
//! of the request's `grpc-timeout` and the config's `timeout` (R81); the throttle is shared by
//! every layer naming the same target (R41, D12). The call then runs the same
//! [`crate::driver::run_call`] the simulator runs, with [`TokioClock`] and [`TonicTransport`].
//! No task is spawned: the caller's response future polls the driver itself until the engine
//! hands over a response (at commit, R30, or at the end), and the rest of the driver (waiting
//! for the committed attempt's trailers, so the throttle counts the outcome, D10, and the
//! recorder sees the whole call) rides in the response body, which runs it as the
//! application reads. A body dropped early hands its rest to a task of its own.
//!
//! The driver hears from the application's side through its signals
//! ([`crate::driver::run_call_until`]): if the application gives up — drops the response
//! future before the response is known, or the response body before its end (R33) — it gets
//! [`crate::driver::Signal::Cancel`], cancels every attempt (RST_STREAM on each) and ends the call CANCELLED,
//! finishing in a task of its own so the call's record is complete. If a streaming request
//! outgrows the retry buffer mid-call, the replay reports which attempt holds it and the
//! driver gets [`crate::driver::Signal::BufferOverflow`]: the call commits to that attempt (R30b, R61, R66;
//! see [`super::replay`]).
//!
//! One call can differ from its method's config through a [`CallOptions`] request extension
//! (no retries, its own parsed policy, wait-for-ready; [`super::call_options`]), on the same
//! throttle and buffer budget. Below the layer, tower's contract holds: [`RetryService`] is
//! ready when the inner service is, the first attempt uses that readiness and every later
//! attempt waits for its own, so a `Buffer`, `ConcurrencyLimit` or `Balance` underneath
//! pushes back on retries and hedges too.
//!
//! # Timeouts: where one sits decides what it bounds
//!
//! - **The whole call**: tonic's `Request::set_timeout` (and any `grpc-timeout` the
//!   application sets) is the call's deadline, as is the method config's `timeout`; the
//!   earlier one wins (R81). It covers every attempt and backoff; when it passes, the call
//!   ends DEADLINE_EXCEEDED and no attempt starts (R77). Each attempt carries the time left
//!   as its own `grpc-timeout`.
//! - **One attempt**: a tower `timeout` *below* the layer
//!   (`ServiceBuilder::new().layer(retry).timeout(d).service(channel)`) and tonic's
//!   `Endpoint::timeout` end an attempt, not the call. The layer sees a transport error and
//!   reports the attempt as UNAVAILABLE, which the policy retries if UNAVAILABLE is in
//!   `retryableStatusCodes` (or hedging's `nonFatalStatusCodes`); the message says
//!   "request timed out" or "Timeout expired" (`tests/live_timeouts.rs`). Note that the time
//!   restarts at every attempt, so with a policy the call can last up to `maxAttempts` times it.
//! - A tower `timeout` *above* the layer bounds the whole call like a deadline, but the
//!   layer only sees the response future dropped: the call ends CANCELLED in its records
//!   (R33), and no `grpc-timeout` reaches the server. Prefer `set_timeout`.
//!
//! The config can be replaced while clients run ([`RetryLayer::config_handle`],
//! [`super::reconfigure`]): each call loads the settings in force when it starts and keeps
//! them; an invalid update is refused whole. `google.rpc.RetryInfo` can be read as pushback
//! ([`RetryLayerBuilder::retry_info_pushback`], [`super::retry_info`]).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tonic::body::Body;
use tower::{Layer, Service};

use super::attempt_send::Attempt;
use super::builder::{bytes, Settings};
pub use super::builder::{global_throttles, CallIndex, RetryLayerBuilder, RngFactory};
pub use super::call::ResponseFuture;
use super::call::{boxed, drive, CallName};
pub use super::call_options::CallOptions;
use super::kept_head::{ExtensionsHold, KeptHead};
pub use super::reconfigure::ConfigHandle;
use super::reconfigure::Current;
use super::replay::Replay;
use super::response::{CallEnd, LiveBody};
use super::transport::{attempt_request, BoxError, CallFacts, RequestTemplate, TonicTransport};
use crate::clock::{Clock, TokioClock};
use crate::config::{ParseError, Warning};
use crate::transport::AttemptStart;

/// A tower layer that gives the wrapped tonic channel A6 retries and hedging.
#[derive(Clone)]
pub struct RetryLayer {
    pub(super) current: Arc<Current>,
    warnings: Arc<Vec<Warning>>,
}

impl std::fmt::Debug for RetryLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryLayer")
            .field("config", &self.current.load().config)
            .finish_non_exhaustive()
    }
}

impl RetryLayer {
    pub(super) fn new(settings: Settings, warnings: Vec<Warning>) -> RetryLayer {
        RetryLayer {
            current: Current::new(settings),
            warnings: Arc::new(warnings),
        }
    }

    /// The settings in force now.
    #[cfg(test)]
    pub(super) fn settings(&self) -> Arc<Settings> {
        self.current.load()
    }

    /// A handle to replace the service config while clients run ([`super::reconfigure`]):
    /// it acts on this layer and every service made from it, before or after.
    pub fn config_handle(&self) -> ConfigHandle {
        ConfigHandle {
            current: Arc::clone(&self.current),
        }
    }

    /// A layer for service config JSON with every default (lenient parsing, `maxAttempts`
    /// limit 5, 1 MiB per RPC / 16 MiB per channel buffers, spec jitter, own throttle).
    ///
    /// ```
    /// # #[cfg(feature = "echo")] // the example uses the echo client
    /// use hedgehog::live::pb::{echo_client::EchoClient, EchoRequest};
    /// # #[cfg(feature = "echo")] // the example uses the echo client
    /// use hedgehog::live::{RetryLayer, RunningServer};
    /// # #[cfg(feature = "echo")] // the example uses the echo client
    /// use hedgehog::scenario::server::{ServerModel, ServerSpec};
    /// # #[cfg(feature = "echo")] // the example uses the echo client
    /// use tower::ServiceBuilder;
    ///
    /// # #[cfg(not(feature = "echo"))]
    /// # fn main() {}
    /// # #[cfg(feature = "echo")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A server failing 3 of every 4 requests with UNAVAILABLE (grpc-go's retry demo).
    /// let spec = ServerSpec::parse(&serde_json::json!({"schedule": {"req_modulo": 4}}).into(), "")
    ///     .map_err(|e| e.message)?;
    /// let server = RunningServer::start(([127, 0, 0, 1], 0).into(), ServerModel::new(&spec, 1)).await?;
    ///
    /// let layer = RetryLayer::from_service_config(
    ///     r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
    ///         "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
    ///                         "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
    /// )
    /// .map_err(|e| format!("{e:?}"))?;
    /// let channel = tonic::transport::Channel::from_shared(server.uri())?.connect_lazy();
    /// let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(channel));
    ///
    /// // Three attempts fail; the fourth (grpc-previous-rpc-attempts: 3) succeeds.
    /// let reply = client.unary_echo(EchoRequest { message: "Try and Success".into() }).await?;
    /// assert_eq!(reply.into_inner().message, "Try and Success");
    /// let seen = server.stop().await;
    /// assert_eq!(seen.len(), 4);
    /// assert_eq!(seen[3].previous.as_deref(), Some("3"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_service_config(json: &str) -> Result<RetryLayer, ParseError> {
        RetryLayer::builder().service_config(json).build()
    }

    /// A builder with every default and no config (one attempt per call, R1).
    pub fn builder() -> RetryLayerBuilder {
        RetryLayerBuilder::default()
    }

    /// The portability warnings (D2) of the config the layer was built with (an update
    /// returns its own).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Bytes of requests the layer's calls hold for replay now, out of the channel's retry
    /// buffer budget (R64): every call gives its share back when it ends, however it ends.
    pub fn buffer_in_use(&self) -> u64 {
        self.current.load().buffer.used()
    }

    /// The layer's clock: call and attempt times in recorded traces count from its epoch.
    pub fn clock(&self) -> TokioClock {
        self.current.load().clock
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = RetryService<S>;

    fn layer(&self, inner: S) -> RetryService<S> {
        RetryService {
            inner,
            current: Arc::clone(&self.current),
            settings: None,
            ready: false,
            clones: None,
        }
    }
}

/// The service [`RetryLayer`] makes. Ready when the inner service is: the first attempt of
/// the next call takes that readiness, and later attempts wait for their own (see
/// `attempt_send`).
pub struct RetryService<S> {
    inner: S,
    current: Arc<Current>,
    /// The settings the last call loaded, with the update count they belong to
    /// (`Current::load_cached`).
    settings: Option<(u64, Arc<Settings>)>,
    /// `inner` said ready; the next call's first attempt takes it (tower's contract).
    ready: bool,
    /// A clone of `inner` that each call's later attempts clone theirs from, made at the first
    /// call and shared with clones of this service: a call then holds a reference rather than
    /// a clone of its own (most calls never need one).
    clones: Option<Arc<std::sync::Mutex<S>>>,
}

impl<S: Clone> Clone for RetryService<S> {
    fn clone(&self) -> Self {
        // A clone is not ready until polled, as tower's services go.
        RetryService {
            inner: self.inner.clone(),
            current: Arc::clone(&self.current),
            settings: self.settings.clone(),
            ready: false,
            clones: self.clones.clone(),
        }
    }
}

impl<S, B> Service<Request<Body>> for RetryService<S>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<LiveBody>;
    type Error = BoxError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        if !self.ready {
            std::task::ready!(self.inner.poll_ready(cx)).map_err(Into::into)?;
            self.ready = true;
        }
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> ResponseFuture {
        // Loaded once: the call keeps these settings, and so its plan, whatever updates come.
        let settings = self.current.load_cached(&mut self.settings);
        let (parts, body) = request.into_parts();
        let template = RequestTemplate::new(parts);
        let mut replay = Replay::read_ahead(body, settings.per_rpc_limit);
        let ahead = replay.ahead();
        // R66: the prefetched request must not have outgrown the per-RPC limit; then the
        // channel budget holds its bytes until the call ends, or refuses it without counting
        // them (R64, D22) — the simulator's accounting, the same type.
        let reservation = if ahead.overflowed {
            None
        } else {
            settings.buffer.reserve_shared(bytes(ahead.buffered))
        };
        // Only a request still being read can overflow later.
        let streaming = !ahead.complete;
        let fits = reservation.is_some();
        let clock = settings.clock;
        // A tonic client's request carries its method's name alone: nothing else to look up.
        let hold = ExtensionsHold::of(template.extensions());
        let plain = hold.is_plain();
        let options = (!plain)
            .then(|| template.extensions().get::<CallOptions>())
            .flatten();
        let now = clock.now();
        let (plan, wait_for_ready) =
            settings.plan_with(template.path(), template.timeout(), options, now, fits);
        let counted = settings.calls.fetch_add(1, Ordering::Relaxed);
        let call = (!plain)
            .then(|| template.extensions().get::<CallIndex>())
            .flatten()
            .map_or(counted, |i| i.0);
        let named = settings
            .recorder
            .is_some()
            .then(|| CallName::of(&settings, &template));
        // Where the attempts after the first get their service.
        let inner = &self.inner;
        let clones = self
            .clones
            .get_or_insert_with(|| Arc::new(std::sync::Mutex::new(inner.clone())));
        // The ready service takes the first attempt (tower's contract). Sent here and now, as
        // `tower::retry` does, unless the engine might not send it at once: it waits for ready
        // (R82), or its deadline is already past (R77) — then it keeps the ready service. A
        // deadline that passes in the microseconds before the driver's first step ends the call
        // DEADLINE_EXCEEDED with this attempt already sent: it is cancelled then, as any
        // attempt still running at the deadline is.
        let ready = std::mem::take(&mut self.ready);
        let send_now = ready && !wait_for_ready && plan.deadline.is_none_or(|d| d > now);
        // Sent now, the first attempt takes the application's own head and the transport
        // keeps a copy for later attempts: the copy is then made, and freed, by this task.
        let (kept, first_head) = if send_now {
            (KeptHead::with(&template, hold), Some(template))
        } else {
            (KeptHead::from_template(template), None)
        };
        let end = Arc::new(CallEnd::with_head(replay, kept));
        let first = if let Some(head) = first_head {
            let start = AttemptStart {
                call,
                slot: 0,
                attempt: 1,
                previous: None,
                deadline: plan.deadline,
            };
            let request = attempt_request(&end, clock, head.into_parts(), &start);
            Some(Attempt::Called(self.inner.call(request)))
        } else if ready {
            let clone = self.inner.clone();
            Some(Attempt::Ready(std::mem::replace(&mut self.inner, clone)))
        } else {
            None
        };
        let facts = CallFacts {
            complete: !streaming,
            retry_info: settings.retry_info,
            wait_for_ready,
        };
        let transport =
            TonicTransport::for_call(Arc::clone(clones), clock, Arc::clone(&end), facts, first);
        let driver = boxed(|| {
            drive(
                settings,
                transport,
                call,
                named,
                plan,
                now,
                streaming,
                Arc::clone(&end),
                reservation,
            )
        });
        ResponseFuture::new(driver, end)
    }
}
