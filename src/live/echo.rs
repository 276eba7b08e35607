//! One echo call of any method, for `hedgehog call`, `sim --live` and the tests.
//!
//! The four echo methods differ only in how the message travels: unary and server-streaming
//! send one request; client- and bidi-streaming send a stream of one message. Any other
//! `service/method` is called like `UnaryEcho` on its own path (the echo server answers every
//! path), so scenarios that show per-method selection run live too. Replies are joined with `,`
//! so a streaming reply prints as one string.

use std::time::Duration;

use futures_util::StreamExt;
use http::uri::PathAndQuery;
use tonic::client::GrpcService;
use tonic::codegen::{Body as HttpBody, Bytes, StdError};

use super::layer::CallIndex;
use super::pb::echo_client::EchoClient;
use super::pb::{EchoRequest, EchoResponse};

/// Which method, and so how the message travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EchoMethod {
    /// `echo.Echo/UnaryEcho`.
    Unary,
    /// `echo.Echo/ServerStreamingEcho`.
    ServerStreaming,
    /// `echo.Echo/ClientStreamingEcho`.
    ClientStreaming,
    /// `echo.Echo/BidirectionalStreamingEcho`.
    Bidi,
    /// Any other `/service/method`, called with unary echo messages.
    Other(PathAndQuery),
}

impl EchoMethod {
    /// The method for `service/method` (a leading `/` allowed); `None` when it is not of that
    /// form.
    pub fn from_name(full: &str) -> Option<EchoMethod> {
        let full = full.strip_prefix('/').unwrap_or(full);
        let (service, method) = full.split_once('/')?;
        if service.is_empty() || method.is_empty() || method.contains('/') {
            return None;
        }
        Some(match (service, method) {
            ("echo.Echo", "UnaryEcho") => EchoMethod::Unary,
            ("echo.Echo", "ServerStreamingEcho") => EchoMethod::ServerStreaming,
            ("echo.Echo", "ClientStreamingEcho") => EchoMethod::ClientStreaming,
            ("echo.Echo", "BidirectionalStreamingEcho") => EchoMethod::Bidi,
            _ => EchoMethod::Other(PathAndQuery::try_from(format!("/{full}")).ok()?),
        })
    }
}

/// How one echo call is made.
#[derive(Clone, Debug, Default)]
pub struct EchoOptions {
    /// Deadline, sent as `grpc-timeout`.
    pub timeout: Option<Duration>,
    /// The call's index in a run (see [`CallIndex`]).
    pub index: Option<u64>,
}

fn request<T>(message: T, options: &EchoOptions) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(t) = options.timeout {
        request.set_timeout(t);
    }
    if let Some(i) = options.index {
        request.extensions_mut().insert(CallIndex(i));
    }
    request
}

async fn collect(
    response: tonic::Response<tonic::Streaming<EchoResponse>>,
) -> Result<String, tonic::Status> {
    let mut stream = response.into_inner();
    let mut replies = Vec::new();
    while let Some(reply) = stream.next().await {
        replies.push(reply?.message);
    }
    Ok(replies.join(","))
}

/// Calls `method` on `service` with `message`; the reply.
pub async fn echo_call<T>(
    service: T,
    method: &EchoMethod,
    message: &str,
    options: &EchoOptions,
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
    let outbound = || futures_util::stream::iter([one.clone()]);
    match method {
        EchoMethod::Unary => {
            let mut client = EchoClient::new(service);
            let reply = client.unary_echo(request(one.clone(), options)).await?;
            Ok(reply.into_inner().message)
        }
        EchoMethod::ServerStreaming => {
            let request = request(one.clone(), options);
            collect(
                EchoClient::new(service)
                    .server_streaming_echo(request)
                    .await?,
            )
            .await
        }
        EchoMethod::ClientStreaming => {
            let request = request(outbound(), options);
            let mut client = EchoClient::new(service);
            let reply = client.client_streaming_echo(request).await?;
            Ok(reply.into_inner().message)
        }
        EchoMethod::Bidi => {
            let request = request(outbound(), options);
            collect(
                EchoClient::new(service)
                    .bidirectional_streaming_echo(request)
                    .await?,
            )
            .await
        }
        EchoMethod::Other(path) => {
            let mut grpc = tonic::client::Grpc::new(service);
            grpc.ready().await.map_err(|e| {
                tonic::Status::unavailable(format!("service not ready: {}", e.into()))
            })?;
            let codec = tonic_prost::ProstCodec::<EchoRequest, EchoResponse>::default();
            let reply = grpc
                .unary(request(one.clone(), options), path.clone(), codec)
                .await?;
            Ok(reply.into_inner().message)
        }
    }
}
