//! gRPC client retries and hedging exactly as [gRFC A6] specifies, driven by standard service
//! config JSON, with a deterministic simulator that shows what a config does, attempt by attempt.
//!
//! One engine serves both worlds: [`RetryLayer`] puts it in front of any tonic channel, and
//! [`simulate`] runs it against a scripted server in virtual time. What the simulator prints is
//! what the layer does.
//!
//! # Quick start: add A6 to a tonic client
//!
//! Wrap the channel in the layer; any tonic-generated client takes the result. The service
//! config is the standard JSON your clients already read (camelCase or PascalCase keys).
//!
//! ```no_run
//! use hedgehog::RetryLayer;
//! use tonic::transport::Channel;
//! use tower::ServiceBuilder;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let layer = RetryLayer::from_service_config(
//!     r#"{
//!       "methodConfig": [{
//!         "name": [{ "service": "inventory.v1.Inventory" }],
//!         "retryPolicy": {
//!           "maxAttempts": 4,
//!           "initialBackoff": "0.01s",
//!           "maxBackoff": "0.1s",
//!           "backoffMultiplier": 2,
//!           "retryableStatusCodes": ["UNAVAILABLE"]
//!         }
//!       }]
//!     }"#,
//! )?;
//! let channel = Channel::from_static("http://127.0.0.1:50051").connect_lazy();
//! let service = ServiceBuilder::new().layer(layer).service(channel);
//!
//! // A generated client wraps it the same way: `InventoryClient::new(service)`.
//! let mut grpc = tonic::client::Grpc::new(service);
//! grpc.ready().await?;
//! # Ok(())
//! # }
//! ```
//!
//! [`RetryLayer::builder`] sets the rest: the retry buffer limits, the jitter, a seed, a
//! [`trace::Recorder`] that sees every attempt. The layer needs only tonic's body and status
//! types, so it works with `hedgehog = { version = "…", default-features = false }`.
//!
//! # Quick start: snapshot a retry config in `cargo test`
//!
//! A [`Scenario`] is a service config, a scripted server and the calls to make; [`simulate`]
//! runs it in virtual time, deterministically for a seed, and returns the [`Trace`]: every
//! attempt of every call. Assert on it, or snapshot it (with insta:
//! `insta::assert_snapshot!(hedgehog::render::to_yaml(&trace))`), and a change to the config
//! that changes what clients do shows up as a diff in review.
//!
//! ```
//! use std::path::Path;
//!
//! use hedgehog::code::Code;
//! use hedgehog::Scenario;
//!
//! let text = r#"{
//!   "name": "inventory-flaky",
//!   "description": "Two UNAVAILABLE, then OK; maxAttempts 4 absorbs it.",
//!   "service_config": {
//!     "methodConfig": [{
//!       "name": [{ "service": "inventory.v1.Inventory" }],
//!       "retryPolicy": { "maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
//!                        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"] }
//!     }]
//!   },
//!   "jitter": "none",
//!   "server": {
//!     "schedule": { "script": [{ "status": "UNAVAILABLE" }, { "status": "UNAVAILABLE" },
//!                              { "status": "OK" }] },
//!     "latency": { "fixed_ms": 2 }
//!   },
//!   "client": { "method": "inventory.v1.Inventory/GetItem", "calls": 1, "deadline_ms": 1000 }
//! }"#;
//! let value = hedgehog::json::parse(text)?;
//! let scenario = Scenario::from_value(&value, Path::new("."), "inventory-flaky")?;
//!
//! let trace = hedgehog::simulate(&scenario, 1);
//!
//! let call = &trace.calls[0];
//! assert_eq!(call.status, Code::Ok);
//! // Attempts 2 and 3 carried `grpc-previous-rpc-attempts: 1` and `2`.
//! let previous: Vec<_> = call.attempts.iter().map(|a| a.previous).collect();
//! assert_eq!(previous, [None, Some(1), Some(2)]);
//! // Without jitter the backoffs are 10 ms and 20 ms; each attempt takes 2 ms.
//! assert_eq!(hedgehog::time::to_ms(call.ended - call.started), 36.0);
//! insta::assert_snapshot!(hedgehog::render::to_text(&trace, &scenario.description), @r#"
//!     scenario inventory-flaky · seed 1 · sim
//!       Two UNAVAILABLE, then OK; maxAttempts 4 absorbs it.
//!
//!     call 0: OK "Try and Success" after 36.000ms (started 0.000ms, 3 attempts)
//!       attempt 1  previous none sent      0.000ms  ended      2.000ms  UNAVAILABLE
//!       attempt 2  previous 1    sent     12.000ms  ended     14.000ms  UNAVAILABLE
//!       attempt 3  previous 2    sent     34.000ms  ended     36.000ms  OK  committed
//!
//!     events:
//!            0.000ms  call 0   attempt 1  sent             previous=none
//!            2.000ms  call 0   attempt 1  closed           UNAVAILABLE
//!            2.000ms  call 0              backoff          retry 1: nominal 10ms, drawn 10ms (none jitter), next attempt at 12.000ms
//!           12.000ms  call 0   attempt 2  sent             previous=1
//!           14.000ms  call 0   attempt 2  closed           UNAVAILABLE
//!           14.000ms  call 0              backoff          retry 2: nominal 20ms, drawn 20ms (none jitter), next attempt at 34.000ms
//!           34.000ms  call 0   attempt 3  sent             previous=2
//!           36.000ms  call 0   attempt 3  headers
//!           36.000ms  call 0   attempt 3  commit
//!           36.000ms  call 0   attempt 3  closed           OK
//!           36.000ms  call 0   attempt 3  finish           OK (ok)
//! "#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The same scenario files drive the `hedgehog sim` command (feature `cli`), so a run found in
//! a test can be replayed and explained from the command line.
//!
//! # Where things are
//!
//! - [`config`]: the service config as data: parsing ([`parse_service_config`]), validation
//!   with JSON paths, method selection, and which gRPC runtimes accept it.
//! - [`live`]: [`RetryLayer`] and its [`RetryLayerBuilder`] (and [`live::ConfigHandle`] to
//!   replace the config while calls run); with `test-server`, any server behaviour served over
//!   real HTTP/2; with `echo`, the echo test server.
//! - [`scenario`]: what a simulated run is made of: the scenario file or its Rust builder
//!   ([`Scenario::builder`]), the server model and the [`scenario::behaviour::Behaviour`]
//!   trait for your own, the load spec, the seeded random streams.
//! - [`profile`]: what each gRPC runtime does differently with the same config (R5, R16,
//!   R24–R27, R39, R48–R63, R68, R73, R76), as values the engine consults (`--as`).
//! - [`sim`]: the simulator; [`simulate`], [`simulate_summary`] and [`simulate_with`] are its
//!   entry points.
//! - [`trace`]: what a run leaves behind: [`Trace`] and its records, typed events, recorders,
//!   summaries and the renderers ([`render`]).
//! - [`code`]: gRPC status codes (convertible to and from [`tonic::Code`]); [`time`]: integer
//!   nanoseconds; [`clock`] and [`transport`]: the two seams between the engine and a world.
//! - `experiments` (feature `experiments`): sweeps over seeds and variants, reports and plots.
//! - `observe` (features `tracing`, `otel`): recorders that report calls as `tracing` spans
//!   and as the gRFC A66/A96 OpenTelemetry metrics.
//!
//! # Features
//!
//! - `cli` (default): the `hedgehog` binary; implies `echo`, `experiments` and `tracing`.
//! - `echo`: the echo proto (compiled at build time with protox), the echo server and client,
//!   `sim --live`; implies `test-server`.
//! - `test-server`: `live::RunningServer::start_behaviour`, a behaviour served on 127.0.0.1
//!   for every method of any proto.
//! - `experiments`: sweeps, mergeable statistics, reports and plots (rayon, plotters).
//! - `tracing`: `observe::TracingRecorder`, a span per call and an event per decision.
//! - `otel`: `observe::OtelRecorder`, the A66 and A96 client metrics (`opentelemetry` 0.33).
//!
//! [gRFC A6]: https://github.com/grpc/proposal/blob/master/A6-client-retries.md
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod code;
pub mod config;
#[doc(hidden)]
pub mod driver;
#[doc(hidden)]
pub mod engine;
#[cfg(feature = "experiments")]
#[cfg_attr(docsrs, doc(cfg(feature = "experiments")))]
pub mod experiments;
pub mod json;
pub mod live;
#[cfg(any(feature = "tracing", feature = "otel"))]
pub mod observe;
#[doc(hidden)]
pub mod plan;
pub mod profile;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod trace;
pub mod transport;

pub use config::{parse_str as parse_service_config, ParseError, ParseOptions, ServiceConfig};
pub use live::{CallOptions, RetryLayer, RetryLayerBuilder, RetryService};
pub use scenario::{Scenario, ScenarioError};
pub use sim::run::{run_with as simulate_with, summary as simulate_summary, trace as simulate};
pub use trace::{render, Trace};
