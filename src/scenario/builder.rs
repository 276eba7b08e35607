//! [`ScenarioBuilder`]: a scenario made in Rust, checked as a scenario file is.
//!
//! Why a builder and not a struct literal: a literal of every field breaks whenever a field is
//! added, and it skips every check a file gets. The builder starts from the file format's
//! defaults, takes the service config as JSON text (kept verbatim, as a file's is) or as a
//! parsed [`ServiceConfig`] (written canonically), and `build` checks the result by the same
//! code that reads files: it writes the scenario out and reads it back, so a builder-made
//! scenario is exactly one a file could hold, its errors carry the file format's JSON paths,
//! and [`Scenario::to_json`] of it replays with `hedgehog sim FILE --seed N`.

use std::path::Path;
use std::time::Duration;

use super::client::{DEFAULT_CHANNEL_BUFFER_BYTES, DEFAULT_RETRY_BUFFER_BYTES};
use super::fields::FieldError;
use super::latency::Latency;
use super::load::LoadSpec;
use super::schedule::Schedule;
use super::server::ServerSpec;
use super::{parse_config, parse_json, ClientSpec, MethodRef, Scenario, ScenarioError};
use crate::code::Code;
use crate::config::{Jitter, ServiceConfig};
use crate::profile::Profile;
use crate::time::Nanos;

/// Where the builder's service config comes from.
#[derive(Clone, Debug)]
enum ConfigSource {
    Text(String),
    Parsed(ServiceConfig),
}

/// Why [`ScenarioBuilder::build`] made no scenario.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No method was given: a scenario's calls need one.
    #[error("the scenario has no method: call .method(\"package.Service/Method\")")]
    NoMethod,
    /// No service config was given.
    #[error(
        "the scenario has no service config: call .service_config_text(..) or .service_config(..)"
    )]
    NoServiceConfig,
    /// The service config is not valid: its own errors, each with its JSON path.
    #[error("invalid service config: {0}")]
    InvalidConfig(ScenarioError),
    /// Another field is not valid, named by its path in the scenario file format.
    #[error("invalid scenario: {0}")]
    Invalid(ScenarioError),
}

/// Builds a [`Scenario`]; start with [`Scenario::builder`].
///
/// ```
/// use std::time::Duration;
/// use hedgehog::scenario::Scenario;
///
/// let scenario = Scenario::builder("flaky")
///     .service_config_text(r#"{"methodConfig": [{"name": [{"service": "demo.Demo"}],
///         "retryPolicy": {"MaxAttempts": 4, "InitialBackoff": ".01s", "MaxBackoff": ".01s",
///         "BackoffMultiplier": 1.0, "RetryableStatusCodes": ["UNAVAILABLE"]}}]}"#)
///     .method("demo.Demo/Call")
///     .calls(3)
///     .interval(Duration::from_millis(100))
///     .build()?;
/// // Save this and run `hedgehog sim flaky.json --seed 1`.
/// let file = scenario.to_json();
/// assert!(file.contains(r#""InitialBackoff": ".01s""#));
/// # Ok::<(), hedgehog::scenario::BuildError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ScenarioBuilder {
    name: String,
    description: String,
    config: Option<ConfigSource>,
    jitter: Option<Jitter>,
    profile: &'static Profile,
    seeds: Vec<u64>,
    server: ServerSpec,
    methods: Vec<String>,
    message: String,
    calls: u64,
    interval: Nanos,
    deadline: Option<Nanos>,
    request_bytes: Option<u64>,
    retry_buffer_bytes: Option<u64>,
    channel_buffer_bytes: Option<u64>,
    max_attempts_limit: u32,
    live_comparable: bool,
    load: Option<LoadSpec>,
}

fn nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Scenario {
    /// A builder for a scenario called `name`, with the file format's defaults: jitter `spec`,
    /// seed 1, a server that answers every attempt OK at once, one call, the message
    /// `"Try and Success"`, the default buffers and `maxAttempts` ceiling.
    pub fn builder(name: impl Into<String>) -> ScenarioBuilder {
        ScenarioBuilder {
            name: name.into(),
            description: String::new(),
            config: None,
            jitter: None,
            profile: Profile::a6(),
            seeds: vec![1],
            server: ServerSpec {
                schedule: Schedule::ReqModulo {
                    n: 1,
                    status: Code::Unavailable,
                },
                latency: Latency::default(),
            },
            methods: Vec::new(),
            message: "Try and Success".to_string(),
            calls: 1,
            interval: 0,
            deadline: None,
            request_bytes: None,
            retry_buffer_bytes: None,
            channel_buffer_bytes: None,
            max_attempts_limit: 5,
            live_comparable: false,
            load: None,
        }
    }
}

impl ScenarioBuilder {
    /// `description`: the story the run tells.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    /// The service config as JSON text; kept verbatim (see [`Scenario::config_text`]).
    pub fn service_config_text(mut self, text: impl Into<String>) -> Self {
        self.config = Some(ConfigSource::Text(text.into()));
        self
    }

    /// The service config as a parsed value; written canonically ([`ServiceConfig::to_json`]).
    pub fn service_config(mut self, config: ServiceConfig) -> Self {
        self.config = Some(ConfigSource::Parsed(config));
        self
    }

    /// `jitter`: the backoff draw, whatever the profile (default: the profile's own draw,
    /// `spec` for `a6`).
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = Some(jitter);
        self
    }

    /// `profile`: the runtime whose choices the engine makes (default `a6`); see
    /// [`crate::profile`].
    pub fn profile(mut self, profile: &'static Profile) -> Self {
        self.profile = profile;
        self
    }

    /// `seeds`: the seeds `hedgehog sim FILE` runs without `--seed`.
    pub fn seeds(mut self, seeds: impl IntoIterator<Item = u64>) -> Self {
        self.seeds = seeds.into_iter().collect();
        self
    }

    /// `server`: the simulated server's schedule and latency.
    pub fn server(mut self, server: ServerSpec) -> Self {
        self.server = server;
        self
    }

    /// `server.schedule`.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.server.schedule = schedule;
        self
    }

    /// `server.latency`.
    pub fn latency(mut self, latency: Latency) -> Self {
        self.server.latency = latency;
        self
    }

    /// Adds a method, `package.Service/Method`; with several, call `i` uses the `i % n`-th.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.methods.push(method.into());
        self
    }

    /// `client.message`: the request (echoed back on success).
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// `client.calls`.
    pub fn calls(mut self, calls: u64) -> Self {
        self.calls = calls;
        self
    }

    /// `client.interval_ms`: the time between call starts (whole nanoseconds).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = nanos(interval);
        self
    }

    /// `client.deadline_ms`: each call's deadline from its start (whole nanoseconds).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(nanos(deadline));
        self
    }

    /// `client.request_bytes` (default: the message's length).
    pub fn request_bytes(mut self, bytes: u64) -> Self {
        self.request_bytes = Some(bytes);
        self
    }

    /// `client.retry_buffer_bytes` (R66, D22).
    pub fn retry_buffer_bytes(mut self, bytes: u64) -> Self {
        self.retry_buffer_bytes = Some(bytes);
        self
    }

    /// `client.channel_buffer_bytes` (R64, D22).
    pub fn channel_buffer_bytes(mut self, bytes: u64) -> Self {
        self.channel_buffer_bytes = Some(bytes);
        self
    }

    /// `client.max_attempts_limit`: the client's `maxAttempts` ceiling (R16).
    pub fn max_attempts_limit(mut self, limit: u32) -> Self {
        self.max_attempts_limit = limit;
        self
    }

    /// `live_comparable`.
    pub fn live_comparable(mut self, comparable: bool) -> Self {
        self.live_comparable = comparable;
        self
    }

    /// `load`: open-loop clients, a finite server, outages, fan-out.
    pub fn load(mut self, load: LoadSpec) -> Self {
        self.load = Some(load);
        self
    }

    /// The scenario, checked as a file is (see the module docs).
    pub fn build(self) -> Result<Scenario, BuildError> {
        if self.methods.is_empty() {
            return Err(BuildError::NoMethod);
        }
        let label = "service_config";
        let limit = self.max_attempts_limit.max(2);
        let (parsed, config_text) = match self.config.ok_or(BuildError::NoServiceConfig)? {
            ConfigSource::Text(text) => {
                let value = parse_json(&text, label).map_err(BuildError::InvalidConfig)?;
                if !value.is_object() {
                    let problem = FieldError::new("", "expected a service config object");
                    return Err(BuildError::InvalidConfig(ScenarioError::one(
                        label, problem,
                    )));
                }
                let parsed = parse_config(&value, limit, self.profile, label, "");
                (parsed.map_err(BuildError::InvalidConfig)?, text)
            }
            ConfigSource::Parsed(config) => {
                let text = config.to_json();
                let value = parse_json(&text, label).map_err(BuildError::InvalidConfig)?;
                let parsed = parse_config(&value, limit, self.profile, label, "");
                (parsed.map_err(BuildError::InvalidConfig)?, text)
            }
        };
        // Methods that do not parse are kept as they were given, so the check below names them.
        let methods = self
            .methods
            .iter()
            .map(|m| {
                MethodRef::parse(m).unwrap_or_else(|| MethodRef {
                    service: m.clone(),
                    method: String::new(),
                })
            })
            .collect();
        let request_bytes = self.request_bytes.unwrap_or(self.message.len() as u64);
        let draft = Scenario {
            name: self.name,
            description: self.description,
            file: None,
            config: parsed.config,
            config_text,
            warnings: parsed.warnings,
            jitter: self.jitter.unwrap_or(self.profile.jitter),
            jitter_explicit: self.jitter.is_some(),
            profile: self.profile,
            seeds: self.seeds,
            server: self.server,
            client: ClientSpec {
                methods,
                message: self.message,
                calls: self.calls,
                interval: self.interval,
                deadline: self.deadline,
                request_bytes,
                retry_buffer_bytes: self
                    .retry_buffer_bytes
                    .unwrap_or(DEFAULT_RETRY_BUFFER_BYTES),
                channel_buffer_bytes: self
                    .channel_buffer_bytes
                    .unwrap_or(DEFAULT_CHANNEL_BUFFER_BYTES),
                retry_buffer_set: self.retry_buffer_bytes.is_some(),
                channel_buffer_set: self.channel_buffer_bytes.is_some(),
                max_attempts_limit: self.max_attempts_limit,
            },
            live_comparable: self.live_comparable,
            load: self.load,
        };
        let label = format!("scenario \"{}\"", draft.name);
        Scenario::from_json(&draft.to_json(), Path::new("."), &label).map_err(BuildError::Invalid)
    }
}
