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
//!   [`builder`] configures it; [`reconfigure`] replaces its config while it runs;
//!   [`retry_info`] reads `google.rpc.RetryInfo` as pushback (opt-in); [`call_options`]: one
//!   call's own policy, no retries, or wait-for-ready, as a request extension.
//! - With the `test-server` feature: `behaviour_service`, any
//!   [`crate::scenario::behaviour::Behaviour`] as a gRPC server for every method of any proto,
//!   framing messages with [`bytes_codec`] (no generated code, no echo proto), and
//!   `server_handle`, such a server on 127.0.0.1 on a thread of its own
//!   (`RunningServer::start_behaviour`).
//! - With the `echo` feature: `echo_service`, the failing echo server as a tonic service,
//!   answering from a scenario's server model (`RunningServer::start`); `echo`, one call of
//!   any echo method; `pb`, the generated echo client and messages (`proto/echo.proto`).
//!
//! Inside (hidden from these docs): `transport` (one attempt = one HTTP/2 request; commit at
//! headers; reset on drop; each sent when the inner service is ready, waiting for a connection
//! if asked: `attempt_send`), `replay` (the retry buffer that replays the request body to every
//! attempt), `response` (the response body, watched for the committed attempt's trailers),
//! `served_attempt` (the record of every attempt a test server saw), `wire` (`grpc-timeout`
//! and the HTTP-to-gRPC status mapping), and `run` and `compare` (`hedgehog sim --live` and
//! its verdict against the simulation).

mod attempt_events;
mod attempt_send;
#[cfg(feature = "test-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-server")))]
pub mod behaviour_service;
pub mod builder;
pub mod bytes_codec;
mod call;
#[doc(hidden)]
pub mod call_end;
pub mod call_options;
#[doc(hidden)]
pub mod compare;
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub mod echo;
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub mod echo_service;
mod kept_head;
pub mod layer;
pub mod reconfigure;
#[doc(hidden)]
pub mod replay;
#[doc(hidden)]
pub mod response;
pub mod retry_info;
#[cfg(feature = "echo")]
#[doc(hidden)]
pub mod run;
// Its server half (`Attempt`, `answer`) serves only the test servers.
#[cfg_attr(not(feature = "test-server"), allow(dead_code))]
#[doc(hidden)]
pub mod served_attempt;
#[cfg(feature = "test-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-server")))]
pub mod server_handle;
#[doc(hidden)]
pub mod transport;
#[doc(hidden)]
pub mod wire;

#[cfg(feature = "test-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-server")))]
pub use behaviour_service::BehaviourService;
pub use bytes_codec::BytesCodec;
pub use call_options::CallOptions;
#[cfg(feature = "echo")]
#[cfg_attr(docsrs, doc(cfg(feature = "echo")))]
pub use echo_service::EchoService;
pub use layer::{ConfigHandle, RetryLayer, RetryLayerBuilder, RetryService};
pub use served_attempt::{ServedAttempt, ServedOutcome, StepSource};
#[cfg(feature = "test-server")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-server")))]
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
