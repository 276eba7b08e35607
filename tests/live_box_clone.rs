//! A `tower::util::BoxCloneService` (`Send` but not `Sync`) can sit under the layer: the inner
//! service needs only `Clone + Send`. Retries still run through it (R21).
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use hedgehog::live::pb::echo_client::EchoClient;
use live_support::{calls, channel, layer, previous, served, server, DEMO_CONFIG};
use serde_json::json;
use tonic::body::Body;
use tower::util::BoxCloneService;
use tower::ServiceBuilder;

type Boxed = BoxCloneService<http::Request<Body>, http::Response<Body>, tonic::transport::Error>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_clone_service_under_the_layer_retries_r21() {
    // Fails 1 of every 2 requests UNAVAILABLE: the first attempt fails, the retry succeeds.
    let mut server = server(json!({"schedule": {"req_modulo": 2}})).await;
    let (layer, recorder) = layer(DEMO_CONFIG);
    let boxed: Boxed = BoxCloneService::new(channel(&server));
    let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(boxed));
    let reply = client
        .unary_echo(live_support::request("boxed"))
        .await
        .expect("the retry succeeds");
    assert_eq!(reply.into_inner().message, "boxed");
    assert_eq!(previous(&served(&mut server, 2).await), [None, Some("1")]);
    assert_eq!(calls(&recorder, 1).await[0].attempts.len(), 2);
}
