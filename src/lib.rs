//! hedgehog: gRPC client retries and hedging exactly as gRFC A6 specifies, driven by standard
//! service config JSON, with a deterministic simulator that shows what a config does.
#![warn(missing_docs)]

pub mod clock;
pub mod code;
pub mod config;
pub mod driver;
pub mod engine;
pub mod experiments;
pub mod json;
pub mod live;
#[cfg(any(feature = "tracing", feature = "otel"))]
pub mod observe;
pub mod plan;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod trace;
pub mod transport;
