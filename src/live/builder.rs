//! [`RetryLayerBuilder`]: how a [`RetryLayer`] is configured, and the per-request plan.
//!
//! Everything a layer knows lives in one immutable `Settings` shared by every request: the
//! validated config, the throttle (one per target in a registry, D12), the buffer limits
//! (R64, D22), the jitter mode and RNG derivation (D6), the recorder and the clock. A request
//! only reads it, except for two counters (call numbers, channel buffer use). A config
//! update ([`super::reconfigure`]) publishes a new `Settings` that shares everything but the
//! config and the throttle with the old one. The plan itself and the buffer accounting are the
//! simulator's ([`crate::plan`]).

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::call_options::CallOptions;
use super::layer::RetryLayer;
use crate::clock::TokioClock;
use crate::config::{self, ParseError, ParseOptions, Policy, ServiceConfig};
use crate::engine::{CallPlan, Jitter, Throttle, ThrottleRegistry};
use crate::plan::buffer::RetryBuffer;
use crate::plan::MethodPlan;
use crate::trace::Recorder;

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

/// What every request of a layer shares.
pub(super) struct Settings {
    pub(super) config: ServiceConfig,
    pub(super) throttle: Option<Arc<Mutex<Throttle>>>,
    /// Where the throttle lives and under which name: the target's, or a registry of the
    /// layer's own (so an update treats both the same way, D12).
    pub(super) throttles: Arc<ThrottleRegistry>,
    pub(super) throttle_key: String,
    /// How updates are parsed: as the first config was.
    pub(super) options: ParseOptions,
    pub(super) per_rpc_limit: usize,
    pub(super) buffer: Arc<RetryBuffer>,
    pub(super) jitter: Jitter,
    pub(super) retries: bool,
    pub(super) recorder: Option<Arc<dyn Recorder + Send + Sync>>,
    /// The target recorders label calls with (the builder's, if it named one).
    pub(super) target: Option<Arc<str>>,
    pub(super) rng: RngFactory,
    pub(super) clock: TokioClock,
    pub(super) calls: Arc<AtomicU64>,
    pub(super) retry_info: bool,
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
    retry_info: bool,
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
            retry_info: false,
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

    /// The client's `maxAttempts` ceiling for retry and hedging (default 5, R16, D4); larger
    /// configured values are clamped to it, with a warning. Below 2 counts as 2.
    pub fn max_attempts_limit(mut self, limit: u32) -> Self {
        self.options.max_attempts_limit = limit.max(2);
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

    /// `true` reads a `google.rpc.RetryInfo` in `grpc-status-details-bin` as server pushback
    /// when no `grpc-retry-pushback-ms` is present (default `false`: A6 does not define it).
    /// See [`super::retry_info`] for the conversion and the precedence.
    pub fn retry_info_pushback(mut self, enabled: bool) -> Self {
        self.retry_info = enabled;
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
        let target: Option<Arc<str>> = self.target.as_deref().map(Arc::from);
        let (throttles, throttle_key) = match self.target {
            Some(target) => (self.registry.unwrap_or_else(global_throttles), target),
            None => (Arc::new(ThrottleRegistry::new()), String::new()),
        };
        let throttle = config
            .retry_throttling
            .map(|t| throttles.get(&throttle_key, t));
        let rng = self.rng.unwrap_or_else(|| seeded(rand::random()));
        let settings = Settings {
            config,
            throttle,
            throttles,
            throttle_key,
            options: self.options,
            per_rpc_limit: self.per_rpc_limit,
            buffer: Arc::new(RetryBuffer::new(
                bytes(self.per_rpc_limit),
                bytes(self.channel_limit),
            )),
            jitter: self.jitter,
            retries: self.retries,
            recorder: self.recorder,
            target,
            rng,
            clock: self.clock.unwrap_or_default(),
            calls: Arc::new(AtomicU64::new(0)),
            retry_info: self.retry_info,
        };
        Ok(RetryLayer::new(settings, warnings))
    }
}

fn seeded(seed: u64) -> RngFactory {
    Arc::new(move |call| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(call);
        Box::new(rng)
    })
}

/// A byte count as the buffer counts it (a `usize` always fits on supported targets).
pub(super) fn bytes(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

impl Settings {
    /// The plan for a request to `path` with these headers and no options.
    #[cfg(test)]
    pub(super) fn plan(
        &self,
        path: &str,
        headers: &http::HeaderMap,
        now: u64,
        fits: bool,
    ) -> CallPlan {
        self.plan_with(path, super::wire::grpc_timeout(headers), None, now, fits)
            .0
    }

    /// The plan for a request to `path` with the application's `grpc-timeout` (parsed) and
    /// the call's `options`, read at `now`: the one plan of [`crate::plan`], with the
    /// application's deadline from that timeout, the call's policy if its options name one,
    /// and, when the layer's retries are off, no policy (R79, D23). Also whether its attempts wait for ready: the
    /// call's choice, else the method's `waitForReady` (R82).
    pub(super) fn plan_with(
        &self,
        path: &str,
        timeout: Option<u64>,
        options: Option<&CallOptions>,
        now: u64,
        fits: bool,
    ) -> (CallPlan, bool) {
        let entry = self.config.select_entry_for_path(path);
        let wait_for_ready = options
            .and_then(|o| o.wait_for_ready)
            .or_else(|| entry.and_then(|e| e.wait_for_ready))
            .unwrap_or(false);
        let mut method = MethodPlan::from_entry(entry);
        if let Some(policy) = options.and_then(|o| o.policy.as_ref()) {
            // The layer's client ceiling holds for a call's own policy too (R16, D4).
            let limit = self.options.max_attempts_limit.max(2);
            method.policy = policy.clone();
            match &mut method.policy {
                Policy::Retry(p) => p.max_attempts = p.max_attempts.min(limit),
                Policy::Hedging(p) => p.max_attempts = p.max_attempts.min(limit),
                Policy::None => {}
            }
        }
        let method = if self.retries {
            method
        } else {
            method.without_retries()
        };
        let plan = method.into_call_plan(timeout, now, self.jitter, fits);
        (plan, wait_for_ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::CONFIG;
    use crate::time::NANOS_PER_MS;
    use http::{HeaderMap, HeaderValue};

    fn settings(retries: bool) -> Arc<Settings> {
        let layer = RetryLayer::builder()
            .service_config(CONFIG)
            .retries(retries)
            .build()
            .expect("valid");
        layer.settings()
    }

    fn timeout(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("grpc-timeout", HeaderValue::from_str(value).expect("ascii"));
        h
    }

    // Selection (R15) and the deadline rule (R81) are tested in `crate::plan`; here, that the
    // layer feeds them the request's `grpc-timeout` and its `retries` switch.
    #[test]
    fn grpc_timeout_is_the_application_deadline_r81() {
        let s = settings(true);
        let now = 7 * NANOS_PER_MS;
        let plan = s.plan("/echo.Echo/UnaryEcho", &HeaderMap::new(), now, true);
        assert_eq!(plan.deadline, Some(now + 500 * NANOS_PER_MS));
        let plan = s.plan("/echo.Echo/UnaryEcho", &timeout("100m"), now, true);
        assert_eq!(plan.deadline, Some(now + 100 * NANOS_PER_MS));
        let plan = s.plan("/echo.Echo/ServerStreamingEcho", &timeout("2S"), now, true);
        assert_eq!(plan.deadline, Some(now + 2_000 * NANOS_PER_MS));
        assert_eq!(plan.policy, Policy::None);
    }

    #[test]
    fn retries_off_keeps_the_deadline_but_not_the_policy_r79_d23() {
        let plan = settings(false).plan("/echo.Echo/UnaryEcho", &HeaderMap::new(), 0, true);
        assert_eq!(plan.policy, Policy::None);
        assert_eq!(plan.deadline, Some(500 * NANOS_PER_MS));
        let plan = settings(true).plan("/echo.Echo/UnaryEcho", &HeaderMap::new(), 0, true);
        assert_eq!(plan.policy.max_attempts(), 3);
    }

    #[test]
    fn the_client_limit_clamps_max_attempts_r16_d4() {
        let config = CONFIG.replace("\"maxAttempts\": 3", "\"maxAttempts\": 9");
        let layer = RetryLayer::builder()
            .service_config(&config)
            .build()
            .expect("valid");
        let plan = layer
            .settings()
            .plan("/echo.Echo/UnaryEcho", &HeaderMap::new(), 0, true);
        assert_eq!(plan.policy.max_attempts(), 5);
        let layer = RetryLayer::builder()
            .service_config(&config)
            .max_attempts_limit(7)
            .build()
            .expect("valid");
        let plan = layer
            .settings()
            .plan("/echo.Echo/UnaryEcho", &HeaderMap::new(), 0, true);
        assert_eq!(plan.policy.max_attempts(), 7);
        assert!(!layer.warnings().is_empty(), "clamping warns");
    }

    #[test]
    fn call_options_replace_the_policy_within_the_layers_limits_r15_r16_r82() {
        let path = "/echo.Echo/UnaryEcho";
        let none = HeaderMap::new();
        let mut own = settings(true).plan(path, &none, 0, true).policy;
        if let Policy::Retry(p) = &mut own {
            p.max_attempts = 9;
        }
        let options = CallOptions::policy(own).wait_for_ready(true);
        let (plan, wait) = settings(true).plan_with(path, None, Some(&options), 0, true);
        assert_eq!(
            plan.policy.max_attempts(),
            5,
            "the client ceiling still holds"
        );
        assert_eq!(
            plan.deadline,
            Some(500 * NANOS_PER_MS),
            "the method's timeout too"
        );
        assert!(wait);
        // The operator's switch wins over the call's policy.
        let (plan, _) = settings(false).plan_with(path, None, Some(&options), 0, true);
        assert_eq!(plan.policy, Policy::None);
        let (plan, wait) =
            settings(true).plan_with(path, None, Some(&CallOptions::no_retries()), 0, true);
        assert_eq!(plan.policy, Policy::None);
        assert!(!wait, "waitForReady defaults to off");
    }

    #[test]
    fn an_invalid_config_is_refused_at_build_d3() {
        let bad = r#"{"methodConfig": [{"name": [{"service": "s"}], "retryPolicy": {"maxAttempts": 1}}]}"#;
        assert!(matches!(
            RetryLayer::from_service_config(bad),
            Err(ParseError::Invalid(_))
        ));
        assert!(matches!(
            RetryLayer::from_service_config("{"),
            Err(ParseError::Json(_))
        ));
    }
}
