//! hedgehog: gRPC client retries and hedging exactly as gRFC A6 specifies, driven by standard
//! service config JSON, with a deterministic simulator that shows what a config does.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod clock;
pub mod code;
pub mod config;
pub mod driver;
pub mod engine;
#[cfg(feature = "experiments")]
#[cfg_attr(docsrs, doc(cfg(feature = "experiments")))]
pub mod experiments;
pub mod json;
pub mod live;
pub mod plan;
pub mod scenario;
pub mod sim;
pub mod time;
pub mod trace;
pub mod transport;
