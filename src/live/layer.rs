//! [`RetryLayer`]: A6 retries, hedging and throttling for any tonic client, as one tower layer.
//!
//! ```no_run
//! use hedgehog::live::pb::{echo_client::EchoClient, EchoRequest};
//! use hedgehog::live::RetryLayer;
//! use tower::ServiceBuilder;
//!
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
//! every layer naming the same target (R41, D12). The call then runs in a spawned task: the
//! same [`crate::driver::run_call`] the simulator runs, with [`TokioClock`] and
//! [`TonicTransport`]. The response goes to the caller the moment the engine commits to it
//! (R30), and the task keeps going until that attempt's trailers arrive, so the throttle counts
//! the outcome (D10) and the recorder sees the whole call.
//!
//! If the caller drops the response future before the call commits (R33), the task drops the
//! driver, which drops every attempt (RST_STREAM on each). The driver has no cancel input, so
//! such a call leaves no [`crate::trace::CallRecord`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use http::{Request, Response};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::oneshot;
use tonic::body::Body;
use tower::{Layer, Service};

use super::replay::Replay;
use super::response::{CallEnd, LiveBody};
use super::transport::{parse_grpc_timeout, BoxError, RequestTemplate, TonicTransport};
use crate::clock::{Clock, TokioClock};
use crate::config::{self, ParseError, ParseOptions, Policy, ServiceConfig, Warning};
use crate::driver::{run_call, CallContext, CallResult};
use crate::engine::{CallPlan, Jitter, Throttle, ThrottleRegistry};
use crate::trace::{CallRecord, Recorder, TraceEvent};

/// A request extension naming the call's index in a run: recorded as the call number and used
/// to pick its jitter stream, whatever order concurrent calls reach the layer in (without it,
/// calls are numbered in arrival order). `sim --live` sets it so call `i` draws the same jitter
/// as simulated call `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallIndex(pub u64);

/// Makes the jitter RNG of call number `call`.
pub type RngFactory = Arc<dyn Fn(u64) -> Box<dyn RngCore + Send> + Send + Sync>;

/// The process-wide throttle registry: layers naming the same target share a counter (D12).
pub fn global_throttles() -> Arc<ThrottleRegistry> {
    static REGISTRY: OnceLock<Arc<ThrottleRegistry>> = OnceLock::new();
    Arc::clone(REGISTRY.get_or_init(|| Arc::new(ThrottleRegistry::new())))
}

struct Settings {
    config: ServiceConfig,
    throttle: Option<Arc<Mutex<Throttle>>>,
    per_rpc_limit: usize,
    channel_limit: usize,
    channel_used: AtomicUsize,
    jitter: Jitter,
    retries: bool,
    recorder: Option<Arc<dyn Recorder + Send + Sync>>,
    rng: RngFactory,
    clock: TokioClock,
    calls: AtomicU64,
}

/// A tower layer that gives the wrapped tonic channel A6 retries and hedging.
#[derive(Clone)]
pub struct RetryLayer {
    settings: Arc<Settings>,
    warnings: Arc<Vec<Warning>>,
}

impl std::fmt::Debug for RetryLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryLayer")
            .field("config", &self.settings.config)
            .finish_non_exhaustive()
    }
}

impl RetryLayer {
    /// A layer for service config JSON with every default (lenient parsing, `maxAttempts`
    /// limit 5, 1 MiB per RPC / 16 MiB per channel buffers, spec jitter, own throttle).
    pub fn from_service_config(json: &str) -> Result<RetryLayer, ParseError> {
        RetryLayer::builder().service_config(json).build()
    }

    /// A builder with every default and no config (one attempt per call, R1).
    pub fn builder() -> RetryLayerBuilder {
        RetryLayerBuilder::default()
    }

    /// The config's portability warnings (D2).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The layer's clock: call and attempt times in recorded traces count from its epoch.
    pub fn clock(&self) -> TokioClock {
        self.settings.clock
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = RetryService<S>;

    fn layer(&self, inner: S) -> RetryService<S> {
        RetryService {
            inner,
            settings: Arc::clone(&self.settings),
        }
    }
}

/// Builds a [`RetryLayer`].
pub struct RetryLayerBuilder {
    json: Option<String>,
    config: ServiceConfig,
    options: ParseOptions,
    per_rpc_limit: usize,
    channel_limit: usize,
    jitter: Jitter,
    target: Option<String>,
    registry: Option<Arc<ThrottleRegistry>>,
    retries: bool,
    recorder: Option<Arc<dyn Recorder + Send + Sync>>,
    rng: Option<RngFactory>,
    clock: Option<TokioClock>,
}

impl Default for RetryLayerBuilder {
    fn default() -> Self {
        RetryLayerBuilder {
            json: None,
            config: ServiceConfig::default(),
            options: ParseOptions::default(),
            per_rpc_limit: 1 << 20,
            channel_limit: 16 << 20,
            jitter: Jitter::Spec,
            target: None,
            registry: None,
            retries: true,
            recorder: None,
            rng: None,
            clock: None,
        }
    }
}

impl RetryLayerBuilder {
    /// Service config JSON, parsed at [`RetryLayerBuilder::build`].
    pub fn service_config(mut self, json: &str) -> Self {
        self.json = Some(json.to_string());
        self
    }

    /// An already validated config (replaces any JSON given).
    pub fn config(mut self, config: ServiceConfig) -> Self {
        self.json = None;
        self.config = config;
        self
    }

    /// How the JSON is parsed: strict mode, the client's `maxAttempts` ceiling (D1, D4).
    pub fn parse_options(mut self, options: ParseOptions) -> Self {
        self.options = options;
        self
    }

    /// Retry buffer limit per RPC in bytes (default 1 MiB, R64, D22).
    pub fn per_rpc_buffer_limit(mut self, bytes: usize) -> Self {
        self.per_rpc_limit = bytes;
        self
    }

    /// Retry buffer limit across the layer's calls in bytes (default 16 MiB, R64, D22).
    pub fn channel_buffer_limit(mut self, bytes: usize) -> Self {
        self.channel_limit = bytes;
        self
    }

    /// How backoff delays are jittered (default `spec`, D6).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// The server name whose throttle this layer shares (R41, D12); without it the layer has
    /// a throttle of its own.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The registry the target's throttle lives in (default: [`global_throttles`]).
    pub fn throttle_registry(mut self, registry: Arc<ThrottleRegistry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// `false` switches configured retries and hedging off; the config is still validated and
    /// transparent retries still happen (R79, D23).
    pub fn retries(mut self, enabled: bool) -> Self {
        self.retries = enabled;
        self
    }

    /// Where every call's events and record go.
    pub fn recorder(mut self, recorder: Arc<dyn Recorder + Send + Sync>) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Jitter draws from ChaCha8 seeded with `seed`, one stream per call number.
    pub fn seed(mut self, seed: u64) -> Self {
        self.rng = Some(seeded(seed));
        self
    }

    /// A custom per-call RNG (e.g. the simulator's derivation, for `--live` comparisons).
    pub fn rng(mut self, factory: RngFactory) -> Self {
        self.rng = Some(factory);
        self
    }

    /// The clock (and so the time origin of recorded traces).
    pub fn clock(mut self, clock: TokioClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Validates the config and makes the layer.
    pub fn build(self) -> Result<RetryLayer, ParseError> {
        let (config, warnings) = match &self.json {
            Some(json) => {
                let parsed = config::parse_str(json, &self.options)?;
                (parsed.config, parsed.warnings)
            }
            None => (self.config, Vec::new()),
        };
        let throttle = config.retry_throttling.map(|t| match &self.target {
            Some(target) => self
                .registry
                .unwrap_or_else(global_throttles)
                .get(target, t),
            None => Arc::new(Mutex::new(Throttle::new(t))),
        });
        let rng = self.rng.unwrap_or_else(|| seeded(rand::random()));
        let settings = Settings {
            config,
            throttle,
            per_rpc_limit: self.per_rpc_limit,
            channel_limit: self.channel_limit,
            channel_used: AtomicUsize::new(0),
            jitter: self.jitter,
            retries: self.retries,
            recorder: self.recorder,
            rng,
            clock: self.clock.unwrap_or_default(),
            calls: AtomicU64::new(0),
        };
        Ok(RetryLayer {
            settings: Arc::new(settings),
            warnings: Arc::new(warnings),
        })
    }
}

fn seeded(seed: u64) -> RngFactory {
    Arc::new(move |call| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(call);
        Box::new(rng)
    })
}

/// Records nothing.
struct Silent;

impl Recorder for Silent {
    fn wants_events(&self) -> bool {
        false
    }
    fn event(&self, _: TraceEvent) {}
    fn call(&self, _: &CallRecord) {}
}

/// The service [`RetryLayer`] makes.
#[derive(Clone)]
pub struct RetryService<S> {
    inner: S,
    settings: Arc<Settings>,
}

impl Settings {
    /// The plan for a request to `path` with these headers, read at `now`.
    fn plan(&self, path: &str, headers: &http::HeaderMap, now: u64, fits: bool) -> CallPlan {
        let mut parts = path.trim_start_matches('/').splitn(2, '/');
        let (service, method) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let selected = self.config.select(service, method);
        let policy = match selected {
            Some(mc) if self.retries => mc.policy.clone(),
            _ => Policy::None,
        };
        let from_header = headers
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout);
        let timeout = match (from_header, selected.and_then(|mc| mc.timeout)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        CallPlan {
            policy,
            deadline: timeout.map(|t| now.saturating_add(t)),
            jitter: self.jitter,
            request_fits_buffer: fits,
        }
    }
}

impl<S, B> Service<Request<Body>> for RetryService<S>
where
    S: Service<Request<Body>, Response = Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<LiveBody>;
    type Error = BoxError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Each attempt drives a clone of the inner service to readiness itself.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> ResponseFuture {
        let settings = Arc::clone(&self.settings);
        let (parts, body) = request.into_parts();
        let template = RequestTemplate::new(parts);
        let replay = Replay::prefetch(body, settings.per_rpc_limit);
        let buffered = replay.buffered();
        let shared_ok = settings.channel_used.fetch_add(buffered, Ordering::AcqRel) + buffered
            <= settings.channel_limit;
        let fits = !replay.overflowed() && shared_ok;
        let clock = settings.clock;
        let plan = settings.plan(template.path(), template.headers(), clock.now(), fits);
        let counted = settings.calls.fetch_add(1, Ordering::Relaxed);
        let call = template
            .extensions()
            .get::<CallIndex>()
            .map_or(counted, |i| i.0);
        let end = Arc::new(CallEnd::default());
        let transport = TonicTransport::new(
            self.inner.clone(),
            template,
            replay,
            clock,
            Arc::clone(&end),
        );
        let (tx, rx) = oneshot::channel();
        let (armed, cancelled) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let result = drive(&settings, &transport, call, plan, tx, cancelled).await;
            settings.channel_used.fetch_sub(buffered, Ordering::AcqRel);
            if let Some(result) = result {
                end.finish(result.status);
            }
        });
        ResponseFuture {
            rx,
            armed: Some(armed),
        }
    }
}

/// Runs the driver; `None` when the caller went away before a response was delivered.
async fn drive<S>(
    settings: &Settings,
    transport: &TonicTransport<S>,
    call: u64,
    plan: CallPlan,
    tx: oneshot::Sender<Response<LiveBody>>,
    mut cancelled: oneshot::Receiver<()>,
) -> Option<CallResult>
where
    TonicTransport<S>: crate::transport::Transport<Response = Response<LiveBody>>,
{
    let mut rng = (settings.rng)(call);
    let recorder: &(dyn Recorder + Sync) = match &settings.recorder {
        Some(r) => &**r,
        None => &Silent,
    };
    let ctx = CallContext {
        call,
        plan,
        throttle: settings.throttle.as_deref(),
        rng: &mut *rng,
        recorder,
    };
    let mut tx = Some(tx);
    let result = {
        let run = run_call(&settings.clock, transport, ctx, |response| {
            if let Some(tx) = tx.take() {
                let _ = tx.send(response);
            }
        });
        tokio::pin!(run);
        let mut watching = true;
        loop {
            tokio::select! {
                // The call's own progress first; the caller's cancellation second.
                biased;
                result = &mut run => break result,
                gone = &mut cancelled, if watching => match gone {
                    Ok(()) => watching = false, // delivered: stop watching
                    Err(_) => return None,      // dropped before delivery (R33): reset every attempt
                },
            }
        }
    };
    if let Some(tx) = tx.take() {
        // No attempt's response decides the call (deadline, limits): the status alone.
        let status = tonic::Status::new(
            tonic::Code::from_i32(result.status.value()),
            result.reason.describe(),
        );
        let _ = tx.send(status.into_http());
    }
    Some(result)
}

/// The caller's side of a call: resolves at commit or at the end.
pub struct ResponseFuture {
    rx: oneshot::Receiver<Response<LiveBody>>,
    armed: Option<oneshot::Sender<()>>,
}

impl Future for ResponseFuture {
    type Output = Result<Response<LiveBody>, BoxError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let response = match Pin::new(&mut self.rx).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(response)) => response,
            Poll::Ready(Err(_)) => {
                tonic::Status::internal("hedgehog call task ended without a response").into_http()
            }
        };
        if let Some(armed) = self.armed.take() {
            let _ = armed.send(());
        }
        Poll::Ready(Ok(response))
    }
}
