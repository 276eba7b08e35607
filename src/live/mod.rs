//! Live mode: the same A6 engine over real HTTP/2 with tonic.
//!
//! - [`server`]: the failing echo server, answering from the simulator's server model.
//! - [`pb`]: the generated echo client and messages (`proto/echo.proto`).

pub mod replay;
pub mod response;
pub mod server;
pub mod transport;

/// Generated protobuf and tonic code for `proto/echo.proto`.
#[allow(missing_docs)]
pub mod pb {
    tonic::include_proto!("echo");
}

/// The request header that carries the number of earlier attempts (R74, R76).
pub const PREVIOUS_ATTEMPTS: &str = "grpc-previous-rpc-attempts";
