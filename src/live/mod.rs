//! Live mode: the same A6 engine over real HTTP/2 with tonic.
//!
//! The simulator and live mode share the engine, the driver, the call plan and the scenario's
//! server model; live mode only supplies the other halves of the two seams:
//! [`crate::clock::TokioClock`] for time and [`TonicTransport`] for attempts. So what `hedgehog sim` prints is what the live client does,
//! and `hedgehog sim --live` checks it.
//!
//! For a library user:
//! - [`layer`]: [`RetryLayer`], the tower layer that puts the engine in front of any tonic
//!   channel (`MyClient::new(ServiceBuilder::new().layer(layer).service(channel))`);
//!   [`builder`] configures it.
//! - With the `echo` feature: `echo_service`, the failing echo server as a tonic service,
//!   answering from a scenario's server model; `server_handle`, that server on 127.0.0.1 on a
//!   thread of its own; `echo`, one call of any echo method; `pb`, the generated echo
//!   client and messages (`proto/echo.proto`).
//!
//! Inside (hidden from these docs): `transport` (one attempt = one HTTP/2 request; commit at
//! headers; reset on drop), `replay` (the retry buffer that replays the request body to every
//! attempt), `response` (the response body, watched for the committed attempt's trailers),
//! `served_attempt` (the record of every attempt the echo server saw), `wire` (`grpc-timeout`
//! and the HTTP-to-gRPC status mapping), and `run` and `compare` (`hedgehog sim --live` and
//! its verdict against the simulation).

pub mod builder;
mod call;
#[cfg(feature = "echo")]
#[doc(hidden)]
pub mod compare;
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub mod echo;
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub mod echo_service;
pub mod layer;
#[doc(hidden)]
pub mod replay;
#[doc(hidden)]
pub mod response;
#[cfg(feature = "echo")]
#[doc(hidden)]
pub mod run;
// Its server half (`Shared`, `Attempt`) serves only the echo server.
#[cfg_attr(not(feature = "echo"), allow(dead_code))]
#[doc(hidden)]
pub mod served_attempt;
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub mod server_handle;
#[doc(hidden)]
pub mod transport;
#[doc(hidden)]
pub mod wire;

#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub use echo_service::EchoService;
pub use layer::{RetryLayer, RetryLayerBuilder, RetryService};
pub use served_attempt::{ServedAttempt, ServedOutcome, StepSource};
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub use server_handle::{RunningServer, ServerError};
pub use transport::TonicTransport;

/// Generated protobuf and tonic code for `proto/echo.proto`.
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
#[allow(missing_docs)]
pub mod pb {
    tonic::include_proto!("echo");
}

/// The request header that carries the number of earlier attempts (R74, R76).
pub const PREVIOUS_ATTEMPTS: &str = "grpc-previous-rpc-attempts";
