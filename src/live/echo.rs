//! One echo call of any of the four methods, for `hedgehog call`, `sim --live` and the tests.
//!
//! The four methods differ only in how the message travels: unary and server-streaming send
//! one request; client- and bidi-streaming send a stream of one message. Replies are joined
//! with `,` so a streaming reply prints as one string.

use std::time::Duration;

use futures_util::StreamExt;
use tonic::client::GrpcService;
use tonic::codegen::{Body as HttpBody, Bytes, StdError};

use super::pb::echo_client::EchoClient;
use super::pb::EchoRequest;

/// Which echo method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EchoMethod {
    /// `UnaryEcho`.
    Unary,
    /// `ServerStreamingEcho`.
    ServerStreaming,
    /// `ClientStreamingEcho`.
    ClientStreaming,
    /// `BidirectionalStreamingEcho`.
    Bidi,
}

impl EchoMethod {
    /// The method for `echo.Echo/NAME` (a leading `/` allowed); `None` for anything else.
    pub fn from_name(full: &str) -> Option<EchoMethod> {
        let full = full.strip_prefix('/').unwrap_or(full);
        match full.strip_prefix("echo.Echo/")? {
            "UnaryEcho" => Some(EchoMethod::Unary),
            "ServerStreamingEcho" => Some(EchoMethod::ServerStreaming),
            "ClientStreamingEcho" => Some(EchoMethod::ClientStreaming),
            "BidirectionalStreamingEcho" => Some(EchoMethod::Bidi),
            _ => None,
        }
    }
}

fn request<T>(message: T, timeout: Option<Duration>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(t) = timeout {
        request.set_timeout(t);
    }
    request
}

async fn collect(
    response: tonic::Response<tonic::Streaming<super::pb::EchoResponse>>,
) -> Result<String, tonic::Status> {
    let mut stream = response.into_inner();
    let mut replies = Vec::new();
    while let Some(reply) = stream.next().await {
        replies.push(reply?.message);
    }
    Ok(replies.join(","))
}

/// Calls `method` with `message` and an optional deadline (sent as `grpc-timeout`); the reply.
pub async fn echo_call<T>(
    client: &mut EchoClient<T>,
    method: EchoMethod,
    message: &str,
    timeout: Option<Duration>,
) -> Result<String, tonic::Status>
where
    T: GrpcService<tonic::body::Body>,
    T::Error: Into<StdError>,
    T::ResponseBody: HttpBody<Data = Bytes> + Send + 'static,
    <T::ResponseBody as HttpBody>::Error: Into<StdError> + Send,
{
    let one = EchoRequest {
        message: message.to_string(),
    };
    match method {
        EchoMethod::Unary => {
            let reply = client.unary_echo(request(one, timeout)).await?;
            Ok(reply.into_inner().message)
        }
        EchoMethod::ServerStreaming => {
            collect(client.server_streaming_echo(request(one, timeout)).await?).await
        }
        EchoMethod::ClientStreaming => {
            let outbound = futures_util::stream::iter([one]);
            let reply = client
                .client_streaming_echo(request(outbound, timeout))
                .await?;
            Ok(reply.into_inner().message)
        }
        EchoMethod::Bidi => {
            let outbound = futures_util::stream::iter([one]);
            collect(
                client
                    .bidirectional_streaming_echo(request(outbound, timeout))
                    .await?,
            )
            .await
        }
    }
}
