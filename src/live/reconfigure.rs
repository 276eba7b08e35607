//! [`ConfigHandle`]: replacing a running layer's service config (A21's rule, R5, D3).
//!
//! A resolver delivers service configs while the channel runs; the layer takes them the same
//! way. A layer's settings sit behind an [`ArcSwap`]: every call takes the ones in force
//! when it starts, and keeps that `Arc` to its end, so
//!
//! - **an invalid config changes nothing**: it is parsed and validated whole, as at build time
//!   (same strictness and `maxAttempts` ceiling); any error rejects all of it, the errors go
//!   back to the caller, and the config in force stays (R5, D3);
//! - **calls already running keep the plan they started with** (method policy, timeout,
//!   retries or hedging): the plan is made from the settings the call loaded;
//! - **new calls use the new config** from the moment [`ConfigHandle::update`] returns.
//!
//! Loading is lock-free (`arc-swap`), so calls never wait for an update or for each other;
//! updates are serialised among themselves. A service keeps the settings it loaded last with
//! the update count they belong to (`Current::version`): a call compares one counter and
//! clones that `Arc`, and loads again only after an update (an `arc-swap` load was a
//! measurable part of the layer's cost per call).
//!
//! **The throttle across an update (R51, D12).** The runtimes differ: Go and Java keep one
//! counter per channel and start a full one whenever a new config is applied; Core and Node
//! keep one counter per target for the whole process and, when the parameters change,
//! preserve its fill fraction. Hedgehog keeps one counter per target (the layer's own when it
//! names none) and does what Core and Node do: the same `retryThrottling` keeps the counter as
//! it is; new parameters keep the fill fraction, rounded down to whole milli-tokens; a config
//! without `retryThrottling` stops throttling the layer's calls, and the counter waits in the
//! registry with its state for a config that throttles again. Why not start full: the counter
//! is shared by every channel to the target, and it measures the *server's* recent health; a
//! config push is no evidence that the server recovered, so refilling it would hand a
//! struggling server a burst of retries at every deploy of a config. Calls already running
//! consult the same per-target counter, so from the update on they see its new parameters:
//! the counter is shared state of the target, not part of any call's plan.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use super::builder::Settings;
use crate::config::{self, ParseError, ServiceConfig, Warning};

/// The settings in force for a layer and every service and handle made from it.
pub(super) struct Current {
    settings: ArcSwap<Settings>,
    /// How many updates have been put in force: bumped after each store, so settings loaded
    /// after reading a count are at least as new as that count says.
    version: AtomicU64,
    /// Serialises updates (calls only load).
    update: Mutex<()>,
}

impl Current {
    pub(super) fn new(settings: Settings) -> Arc<Current> {
        Arc::new(Current {
            settings: ArcSwap::from_pointee(settings),
            version: AtomicU64::new(0),
            update: Mutex::new(()),
        })
    }

    /// The settings a call starting now uses, for its whole life.
    pub(super) fn load(&self) -> Arc<Settings> {
        self.settings.load_full()
    }

    /// The number of updates put in force so far.
    pub(super) fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    /// The settings a call starting now uses, from `cache` (the settings loaded last and the
    /// update count read before loading them) while no update came since, else loaded anew
    /// into it.
    pub(super) fn load_cached(&self, cache: &mut Option<(u64, Arc<Settings>)>) -> Arc<Settings> {
        let version = self.version();
        match cache {
            Some((seen, settings)) if *seen == version => Arc::clone(settings),
            _ => {
                // Read after the count: an update that bumped it stored its settings first,
                // so these are the count's or newer (then the next call loads once more).
                let settings = self.load();
                *cache = Some((version, Arc::clone(&settings)));
                settings
            }
        }
    }
}

/// Replaces the service config of a running [`super::RetryLayer`] (and of every service made
/// from it, before or after); get one with [`super::RetryLayer::config_handle`]. Cheap to
/// clone; clones act on the same layer.
#[derive(Clone)]
pub struct ConfigHandle {
    pub(super) current: Arc<Current>,
}

impl std::fmt::Debug for ConfigHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigHandle")
            .field("config", &self.config())
            .finish()
    }
}

impl ConfigHandle {
    /// Parses and validates `json` as the layer's first config was parsed (strict or lenient,
    /// the same `maxAttempts` ceiling) and, if it is valid, puts it in force for calls that
    /// start from now on; returns its portability warnings (D2). If it is not, returns every
    /// error and changes nothing (R5, D3).
    pub fn update(&self, json: &str) -> Result<Vec<Warning>, ParseError> {
        let options = self.current.load().options;
        let parsed = config::parse_str(json, &options)?;
        self.update_config(parsed.config);
        Ok(parsed.warnings)
    }

    /// Puts an already validated config in force for calls that start from now on.
    pub fn update_config(&self, config: ServiceConfig) {
        let _serialised = self
            .current
            .update
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let next = self.current.load().with_config(config);
        self.current.settings.store(Arc::new(next));
        // After the store: a call that reads the new count loads the new settings.
        self.current.version.fetch_add(1, Ordering::Release);
    }

    /// The config in force now.
    pub fn config(&self) -> ServiceConfig {
        self.current.load().config.clone()
    }
}

impl Settings {
    /// These settings with another config: the throttle is the target's counter under the
    /// new parameters (D12, see the module docs); everything else is shared.
    fn with_config(&self, config: ServiceConfig) -> Settings {
        let throttle = config
            .retry_throttling
            .map(|t| self.throttles.get(&self.throttle_key, t));
        Settings {
            config,
            throttle,
            throttles: Arc::clone(&self.throttles),
            throttle_key: self.throttle_key.clone(),
            options: self.options,
            per_rpc_limit: self.per_rpc_limit,
            buffer: Arc::clone(&self.buffer),
            jitter: self.jitter,
            retries: self.retries,
            recorder: self.recorder.clone(),
            target: self.target.clone(),
            rng: Arc::clone(&self.rng),
            clock: self.clock,
            calls: Arc::clone(&self.calls),
            retry_info: self.retry_info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::RetryLayer;
    use http::HeaderMap;

    const RETRY: &str = r#"{"methodConfig": [{"name": [{"service": "s"}],
        "retryPolicy": {"maxAttempts": 3, "initialBackoff": "1s", "maxBackoff": "1s",
                        "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}],
        "retryThrottling": {"maxTokens": 10, "tokenRatio": 1}}"#;

    fn max_attempts(layer: &RetryLayer) -> u32 {
        let plan = layer
            .settings()
            .plan("/s/m", &HeaderMap::new(), 0, true)
            .policy;
        plan.max_attempts()
    }

    #[test]
    fn a_service_reuses_the_settings_it_loaded_until_an_update_then_loads_the_new_ones_r5() {
        let layer = RetryLayer::from_service_config(RETRY).expect("valid");
        let current = &layer.current;
        let mut cache = None;
        let first = current.load_cached(&mut cache);
        // No update: the same settings, without loading again.
        assert!(Arc::ptr_eq(&first, &current.load_cached(&mut cache)));
        let handle = layer.config_handle();
        handle
            .update(&RETRY.replace("\"maxAttempts\": 3", "\"maxAttempts\": 4"))
            .expect("valid");
        // After the update returns, the next call has the new config, and keeps it.
        let next = current.load_cached(&mut cache);
        assert!(!Arc::ptr_eq(&first, &next));
        assert_eq!(
            next.plan("/s/m", &HeaderMap::new(), 0, true)
                .policy
                .max_attempts(),
            4
        );
        assert!(Arc::ptr_eq(&next, &current.load_cached(&mut cache)));
        // An update that is refused changes nothing, the count included.
        assert!(handle.update("{").is_err());
        assert!(Arc::ptr_eq(&next, &current.load_cached(&mut cache)));
    }

    #[test]
    fn an_invalid_update_is_rejected_whole_and_changes_nothing_r5_d3() {
        let layer = RetryLayer::from_service_config(RETRY).expect("valid");
        let handle = layer.config_handle();
        let before = handle.config();
        let bad = RETRY.replace("\"maxAttempts\": 3", "\"maxAttempts\": 1");
        let bad = bad.replace("\"tokenRatio\": 1", "\"tokenRatio\": -1");
        let Err(ParseError::Invalid(errors)) = handle.update(&bad) else {
            panic!("an invalid config is refused");
        };
        assert!(
            errors.errors.len() >= 2,
            "every error is reported: {errors:?}"
        );
        assert!(matches!(handle.update("{"), Err(ParseError::Json(_))));
        assert_eq!(handle.config(), before);
        assert_eq!(max_attempts(&layer), 3);
    }

    #[test]
    fn an_update_is_parsed_with_the_layers_options_d4() {
        let layer = RetryLayer::builder()
            .service_config(RETRY)
            .max_attempts_limit(4)
            .build()
            .expect("valid");
        let warnings = layer
            .config_handle()
            .update(&RETRY.replace("\"maxAttempts\": 3", "\"maxAttempts\": 9"))
            .expect("valid");
        assert!(!warnings.is_empty(), "clamping warns");
        assert_eq!(max_attempts(&layer), 4);
    }

    #[test]
    fn the_throttle_keeps_its_fill_fraction_across_updates_d12_r51() {
        let layer = RetryLayer::from_service_config(RETRY).expect("valid");
        let handle = layer.config_handle();
        let throttle = layer.settings().throttle.clone().expect("throttled");
        for _ in 0..4 {
            throttle.lock().expect("lock").on_failure();
        }
        assert_eq!(throttle.lock().expect("lock").milli(), 6_000);
        // Same parameters, other policy: the very counter, untouched.
        handle
            .update(&RETRY.replace("\"maxAttempts\": 3", "\"maxAttempts\": 2"))
            .expect("valid");
        let same = layer.settings().throttle.clone().expect("throttled");
        assert!(Arc::ptr_eq(&same, &throttle));
        assert_eq!(same.lock().expect("lock").milli(), 6_000);
        // New parameters: 60 % full stays 60 % full.
        handle
            .update(&RETRY.replace("\"maxTokens\": 10", "\"maxTokens\": 20"))
            .expect("valid");
        assert_eq!(throttle.lock().expect("lock").milli(), 12_000);
        // No throttling, then throttling again: the counter kept its state meanwhile.
        let unthrottled = r#"{"methodConfig": [{"name": [{"service": "s"}]}]}"#;
        handle.update(unthrottled).expect("valid");
        assert!(layer.settings().throttle.is_none());
        handle
            .update(&RETRY.replace("\"maxTokens\": 10", "\"maxTokens\": 20"))
            .expect("valid");
        assert_eq!(throttle.lock().expect("lock").milli(), 12_000);
    }
}
