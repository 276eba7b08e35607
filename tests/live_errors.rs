//! What a transport failure says: each thing once.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::RetryLayer;
use tower::ServiceBuilder;

/// A port nothing listens on: bind one, note it, close it.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_says_each_thing_once_r72() {
    let channel = tonic::transport::Channel::from_shared(closed_port().await)
        .expect("uri")
        .connect_lazy();
    let layer = RetryLayer::builder().build().expect("layer");
    let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(channel));
    let status = client
        .unary_echo(live_support::request("x"))
        .await
        .expect_err("nothing listens");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    let message = status.message();
    for phrase in ["transport error", "tcp connect error", "onnection refused"] {
        assert_eq!(
            message.matches(phrase).count(),
            1,
            "{phrase:?} once in {message:?}"
        );
    }
}
