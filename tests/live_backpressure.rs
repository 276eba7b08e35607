//! Tower's contract below the layer: the layer is ready only when the inner service is, the
//! first attempt uses that readiness, and every later attempt waits for its own — so a
//! `Buffer`, `ConcurrencyLimit` or `Balance` under the layer pushes back on retries too
//! (tower-test's mock stands for them). Then a balanced tonic channel with one endpoint gone.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::task::Poll;
use std::time::Duration;

use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::{RetryLayer, RetryService, PREVIOUS_ATTEMPTS};
use http::{Request, Response};
use live_support::{calls, layer, served, server, DEMO_CONFIG, WAIT};
use serde_json::json;
use tonic::body::Body;
use tonic::transport::{Channel, Endpoint};
use tower::{Layer, Service, ServiceBuilder};
use tower_test::mock;

/// A unary echo request as a generated client would send it.
fn echo_request() -> Request<Body> {
    Request::builder()
        .uri("http://test/echo.Echo/UnaryEcho")
        .header("content-type", "application/grpc")
        .body(Body::empty())
        .expect("valid request")
}

/// A Trailers-Only answer with `code` (R30: it does not commit).
fn trailers_only(code: tonic::Code) -> Response<Body> {
    Response::builder()
        .header("content-type", "application/grpc")
        .header("grpc-status", (code as i32).to_string())
        .body(Body::empty())
        .expect("valid response")
}

type Mocked = (
    RetryService<mock::Mock<Request<Body>, Response<Body>>>,
    mock::Handle<Request<Body>, Response<Body>>,
);

/// The layer with the grpc-go demo policy over tower-test's mock, which allows `allowed`
/// requests.
fn mocked(allowed: u64) -> Mocked {
    let (inner, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    handle.allow(allowed);
    let layer = RetryLayer::from_service_config(DEMO_CONFIG).expect("valid");
    (layer.layer(inner), handle)
}

/// [`mocked`] with one request allowed, and the layer driven to readiness.
async fn ready_mocked() -> Mocked {
    let (mut service, handle) = mocked(1);
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .expect("ready");
    (service, handle)
}

#[tokio::test(start_paused = true)]
async fn the_layer_is_ready_only_when_the_inner_service_is() {
    let (mut service, mut handle) = mocked(0);

    let mut task = tokio_test::task::spawn(());
    task.enter(|cx, _| assert!(service.poll_ready(cx).is_pending()));
    handle.allow(1);
    assert!(
        task.is_woken(),
        "the inner service's readiness wakes the caller"
    );
    task.enter(|cx, _| assert!(service.poll_ready(cx).is_ready()));

    // The first attempt takes that readiness: it reaches the inner service with no further
    // permit (the mock allowed exactly one request).
    let mut call = tokio_test::task::spawn(service.call(echo_request()));
    assert!(call.poll().is_pending());
    let (request, reply) = handle.next_request().await.expect("the first attempt");
    assert!(request.headers().get(PREVIOUS_ATTEMPTS).is_none());
    reply.send_response(trailers_only(tonic::Code::Ok));
    let response = call.await.expect("a response");
    assert_eq!(response.headers()["grpc-status"], "0");

    // The permit was used: the layer is not ready again until the inner service is.
    task.enter(|cx, _| assert!(service.poll_ready(cx).is_pending()));
}

#[tokio::test(start_paused = true)]
async fn the_first_attempt_leaves_with_the_layers_call_as_tower_retry_sends_it() {
    let (mut service, mut handle) = ready_mocked().await;
    // The ready inner service is called by the layer's `call` itself: the request is below
    // the layer before the response future is first polled.
    let call = service.call(echo_request());
    let (request, reply) = tokio::time::timeout(WAIT, handle.next_request())
        .await
        .expect("sent by `call`, not by the first poll")
        .expect("the first attempt");
    assert!(request.headers().get(PREVIOUS_ATTEMPTS).is_none());
    reply.send_response(trailers_only(tonic::Code::Ok));
    let response = call.await.expect("a response");
    assert_eq!(response.headers()["grpc-status"], "0");
}

#[tokio::test(start_paused = true)]
async fn a_call_whose_deadline_has_passed_sends_nothing_r77() {
    let (mut service, mut handle) = ready_mocked().await;
    let mut request = echo_request();
    request
        .headers_mut()
        .insert("grpc-timeout", http::HeaderValue::from_static("0n"));
    // Not sent early either: with no time left the engine starts no attempt (R77).
    let response = service.call(request).await.expect("a response");
    assert_eq!(
        response.headers()["grpc-status"],
        (tonic::Code::DeadlineExceeded as i32).to_string()
    );
    drop(service);
    let sent = tokio::time::timeout(WAIT, handle.next_request())
        .await
        .expect("the mock's services are all gone");
    assert!(sent.is_none(), "no attempt reached the inner service");
}

#[tokio::test(start_paused = true)]
async fn a_retry_waits_for_the_inner_service_to_be_ready_r21() {
    let (mut service, mut handle) = mocked(1);
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .expect("ready");
    let mut call = tokio_test::task::spawn(service.call(echo_request()));
    assert!(call.poll().is_pending());
    let (_, reply) = handle.next_request().await.expect("the first attempt");
    reply.send_response(trailers_only(tonic::Code::Unavailable));

    // Well past the 10ms backoff, the retry is due, but the inner service is not ready: the
    // retry waits for it and sends nothing.
    for _ in 0..10 {
        tokio::time::advance(Duration::from_millis(10)).await;
        assert!(call.poll().is_pending());
    }
    assert!(matches!(handle.poll_request(), Poll::Pending));

    handle.allow(1);
    assert!(call.is_woken(), "readiness wakes the waiting attempt");
    assert!(call.poll().is_pending());
    let (request, reply) = handle.next_request().await.expect("the retry, once ready");
    assert_eq!(request.headers()[PREVIOUS_ATTEMPTS], "1");
    reply.send_response(trailers_only(tonic::Code::Ok));
    let response = call.await.expect("a response");
    assert_eq!(response.headers()["grpc-status"], "0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balanced_channel_with_one_endpoint_gone_still_serves_every_call_r82() {
    let mut up = server(json!({"schedule": {"req_modulo": 1}})).await;
    let gone = server(json!({"schedule": {"req_modulo": 1}})).await;
    let endpoints = [&up, &gone].map(|s| Endpoint::from_shared(s.uri()).expect("uri"));
    let channel = Channel::balance_list(endpoints.into_iter());
    // The retry policy, plus waitForReady: an attempt that picked the endpoint that is gone
    // picks again rather than fail (without it, the policy's 4 attempts could all pick it,
    // and calls spend policy attempts on it).
    let config = DEMO_CONFIG.replace(r#""retryPolicy""#, r#""waitForReady":true,"retryPolicy""#);
    let (layer, recorder) = layer(&config);
    let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(channel));
    let warm = live_support::request("both up");
    client.unary_echo(warm).await.expect("both endpoints up");

    // One endpoint goes away (its connections close, its port refuses); every call still
    // succeeds, on the other one.
    drop(gone);
    for i in 0..20 {
        let mut request = tonic::Request::new(live_support::request(&format!("call {i}")));
        request.set_timeout(WAIT);
        let reply = tokio::time::timeout(WAIT, client.unary_echo(request))
            .await
            .expect("in time")
            .expect("served by the endpoint still up");
        assert_eq!(reply.into_inner().message, format!("call {i}"));
    }
    served(&mut up, 20).await;
    // Picks of the refusing endpoint wait and pick again inside one attempt; only a call
    // that meets the lost connection itself (reset, not refused) spends a policy attempt.
    let records = calls(&recorder, 21).await;
    let extra: usize = records.iter().map(|c| c.attempts.len() - 1).sum();
    assert!(extra <= 1, "{records:#?}");
}
