//! Live mode: the same A6 engine over real HTTP/2 with tonic.
//!
//! The simulator and live mode share the engine, the driver, the call plan and the scenario's
//! server model; live mode only supplies the other halves of the two seams:
//! [`crate::clock::TokioClock`] for time and [`TonicTransport`] for attempts. So what `hedgehog sim` prints is what the live client does,
//! and `hedgehog sim --live` checks it.
//!
//! - [`layer`]: [`RetryLayer`], the tower layer that puts the engine in front of any tonic
//!   channel (`EchoClient::new(ServiceBuilder::new().layer(layer).service(channel))`);
//!   [`builder`] configures it; [`reconfigure`] replaces its config while it runs;
//!   [`call_options`]: one call's own policy or wait-for-ready, as a request extension.
//! - [`transport`]: one attempt = one HTTP/2 request; commit at headers; reset on drop;
//!   each sent when the inner service is ready, waiting for a connection if asked (`attempt_send`).
//! - [`replay`]: the retry buffer that replays the request body to every attempt.
//! - [`response`]: the response body, watched for the committed attempt's trailers;
//!   [`retry_info`]: `google.rpc.RetryInfo` read as pushback (opt-in).
//! - [`echo_service`]: the failing echo server as a tonic service, answering from the
//!   scenario's server model; [`served_attempt`]: what the model tells it and the record of
//!   every attempt it saw; [`server_handle`]: the server running on its own thread.
//! - [`behaviour_service`]: any [`crate::scenario::behaviour::Behaviour`] as a gRPC server
//!   for every method of any proto ([`RunningServer::start_behaviour`]), framing messages with
//!   [`bytes_codec`] (no generated code, no echo proto).
//! - [`echo`]: one call of any echo method.
//! - [`run`], [`compare`]: `hedgehog sim --live`, and its verdict against the simulation.
//! - [`wire`]: `grpc-timeout` and the HTTP-to-gRPC status mapping.
//! - [`pb`]: the generated echo client and messages (`proto/echo.proto`).

mod attempt_send;
pub mod behaviour_service;
pub mod builder;
pub mod bytes_codec;
mod call;
pub mod call_options;
pub mod compare;
pub mod echo;
pub mod echo_service;
pub mod layer;
pub mod reconfigure;
pub mod replay;
pub mod response;
pub mod retry_info;
pub mod run;
pub mod served_attempt;
pub mod server_handle;
pub mod transport;
pub mod wire;

pub use behaviour_service::BehaviourService;
pub use bytes_codec::BytesCodec;
pub use call_options::CallOptions;
pub use echo_service::EchoService;
pub use layer::{ConfigHandle, RetryLayer, RetryLayerBuilder, RetryService};
pub use served_attempt::{ServedAttempt, ServedOutcome, StepSource};
pub use server_handle::{RunningServer, ServerError};
pub use transport::TonicTransport;

/// Generated protobuf and tonic code for `proto/echo.proto`.
#[allow(missing_docs)]
pub mod pb {
    tonic::include_proto!("echo");
}

/// The request header that carries the number of earlier attempts (R74, R76).
pub const PREVIOUS_ATTEMPTS: &str = "grpc-previous-rpc-attempts";
