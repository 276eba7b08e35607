//! Raw HTTP/2 servers, for answers the tonic echo server cannot give (a refused stream, a
//! held stream, chosen trailers): bind 127.0.0.1:0, and hand every stream of every
//! connection to a handler in a task of its own.

use std::future::Future;

use bytes::Bytes;
use h2::server::SendResponse;
use h2::RecvStream;

/// Serves every stream with `handler`; returns the `http://` URI.
pub async fn serve<F, Fut>(handler: F) -> String
where
    F: Fn(http::Request<RecvStream>, SendResponse<Bytes>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                let Ok(mut conn) = h2::server::handshake(socket).await else {
                    return;
                };
                while let Some(Ok((request, respond))) = conn.accept().await {
                    tokio::spawn(handler(request, respond));
                }
            });
        }
    });
    format!("http://{addr}")
}

/// The request's `grpc-previous-rpc-attempts`, as sent.
pub fn previous<B>(request: &http::Request<B>) -> Option<String> {
    request
        .headers()
        .get("grpc-previous-rpc-attempts")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Response headers of a gRPC response: status 200, `application/grpc`, and `extra`.
pub fn grpc_headers(extra: &[(&str, &str)]) -> http::Response<()> {
    let mut response = http::Response::builder()
        .status(200)
        .header("content-type", "application/grpc");
    for (name, value) in extra {
        response = response.header(*name, *value);
    }
    response.body(()).expect("valid headers")
}
