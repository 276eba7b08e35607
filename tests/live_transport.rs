//! `TonicTransport` used on its own, as a library user who runs the driver themselves would
//! (the layer builds its transports another way, so these are the only tests of this path):
//! built with `new` over tower-test's mock service, the first attempt handed over ready
//! (`ready_for_first_attempt`) or already sent (`first_attempt_sent`), `google.rpc.RetryInfo`
//! read when asked (`reading_retry_info`). Each later attempt is a fresh request on a clone
//! of the service with the application's head, `grpc-previous-rpc-attempts` (R74) and the
//! replayed body (R65).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hedgehog::clock::{Clock, TokioClock};
use hedgehog::code::{Code, CodeSet};
use hedgehog::config::{Policy, RetryPolicy};
use hedgehog::driver::{run_call, CallContext, CallResult};
use hedgehog::engine::{CallPlan, Jitter};
use hedgehog::live::call_end::CallEnd;
use hedgehog::live::replay::Replay;
use hedgehog::live::response::LiveBody;
use hedgehog::live::retry_info;
use hedgehog::live::transport::RequestTemplate;
use hedgehog::live::TonicTransport;
use hedgehog::time::ms;
use hedgehog::trace::Discard;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tonic::body::Body;
use tower::Service;
use tower_test::mock;

type Mock = mock::Mock<Request<Body>, Response<Body>>;
type Handle = mock::Handle<Request<Body>, Response<Body>>;

const MESSAGE: &[u8] = b"\0\0\0\0\x05hello";
/// How long one wait for the mock may take before the test fails.
const WAIT: Duration = Duration::from_secs(10);

/// Three attempts, 10ms backoff, UNAVAILABLE retryable.
fn plan() -> CallPlan {
    CallPlan {
        policy: Policy::Retry(RetryPolicy {
            max_attempts: 3,
            configured_max_attempts: 3,
            initial_backoff: ms(10),
            max_backoff: ms(10),
            backoff_multiplier_ppb: 1_000_000_000,
            retryable_codes: [Code::Unavailable].into_iter().collect::<CodeSet>(),
            per_attempt_recv_timeout: None,
        }),
        deadline: None,
        jitter: Jitter::None,
        request_fits_buffer: true,
        profile: hedgehog::profile::Profile::a6(),
        config_rejected: None,
    }
}

/// The application's request, its buffer, and a transport for it over `service`.
fn transport(service: Mock) -> (TonicTransport<Mock>, TokioClock) {
    let request = Request::post("http://test.example/echo.Echo/UnaryEcho")
        .header("te", "trailers")
        .header("x-app", "kept")
        // The application's own value is the layer's to say, never sent as given (R74).
        .header(hedgehog::live::PREVIOUS_ATTEMPTS, "7")
        .body(Body::new(Full::new(Bytes::from_static(MESSAGE))))
        .expect("a request");
    let (parts, body) = request.into_parts();
    let end = Arc::new(CallEnd::new(Replay::read_ahead(body, 1 << 20)));
    let clock = TokioClock::new();
    let template = RequestTemplate::new(parts);
    (TonicTransport::new(service, template, clock, end), clock)
}

/// Runs the call to its end while the application reads the response it is given (the
/// committed attempt ends only when its body has been read to the trailers); returns the
/// call's result and the response body's bytes.
async fn run(transport: &TonicTransport<Mock>, clock: TokioClock) -> (CallResult, Bytes) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let ctx = CallContext {
        call: 0,
        plan: plan(),
        started: clock.now(),
        throttle: None,
        rng: &mut rng,
        recorder: &Discard,
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<Response<LiveBody>>();
    let mut tx = Some(tx);
    let deliver = move |response| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(response);
        }
    };
    let read = async {
        let response = rx.await.expect("a delivered response");
        response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes()
    };
    tokio::join!(run_call(&clock, transport, ctx, deliver), read)
}

/// A Trailers-Only answer with `code`, and any extra header.
fn trailers_only(code: Code, extra: Option<(&'static str, Vec<u8>)>) -> Response<Body> {
    let mut response = Response::builder()
        .header("content-type", "application/grpc")
        .header("grpc-status", code.value().to_string());
    if let Some((name, value)) = extra {
        response = response.header(name, value);
    }
    response.body(Body::empty()).expect("a response")
}

/// An OK answer: headers, then a body whose trailers say OK.
fn ok() -> Response<Body> {
    let body = http_body_util::StreamBody::new(futures_util::stream::iter([
        Ok::<_, tonic::Status>(http_body::Frame::data(Bytes::from_static(MESSAGE))),
        Ok(http_body::Frame::trailers({
            let mut t = http::HeaderMap::new();
            t.insert("grpc-status", http::HeaderValue::from_static("0"));
            t
        })),
    ]));
    Response::builder()
        .header("content-type", "application/grpc")
        .body(Body::new(body))
        .expect("a response")
}

/// The next request the mock gets (within [`WAIT`]): its previous-attempts header and body.
async fn next(
    handle: &mut Handle,
) -> (
    Option<String>,
    Bytes,
    String,
    mock::SendResponse<Response<Body>>,
) {
    let (request, send) = tokio::time::timeout(WAIT, handle.next_request())
        .await
        .expect("a request in time")
        .expect("the transport sent a request");
    let previous = request
        .headers()
        .get(hedgehog::live::PREVIOUS_ATTEMPTS)
        .map(|v| v.to_str().expect("ascii").to_string());
    let app = request.headers()["x-app"]
        .to_str()
        .expect("ascii")
        .to_string();
    let body = request
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (previous, body, app, send)
}

#[tokio::test]
async fn a_transport_from_new_retries_on_clones_with_the_replayed_request_r74() {
    let (service, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    let (transport, clock) = transport(service);
    let server = async {
        let (previous, body, app, send) = next(&mut handle).await;
        assert_eq!((previous, &body[..], &app[..]), (None, MESSAGE, "kept"));
        send.send_response(trailers_only(Code::Unavailable, None));
        let (previous, body, app, send) = next(&mut handle).await;
        assert_eq!(
            (previous.as_deref(), &body[..], &app[..]),
            (Some("1"), MESSAGE, "kept")
        );
        send.send_response(ok());
    };
    let ((result, body), ()) = tokio::join!(run(&transport, clock), server);
    assert_eq!(&body[..], MESSAGE);
    assert_eq!(result.status, Code::Ok);
    assert_eq!(result.record.attempts.len(), 2);
}

#[tokio::test]
async fn the_first_attempt_already_sent_is_followed_not_sent_again() {
    let (mut service, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    let (transport, clock) = transport(service.clone());
    // The caller sent attempt 1 itself, on a ready service, with the transport's request.
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .expect("ready");
    let start = hedgehog::transport::AttemptStart {
        call: 0,
        slot: 0,
        attempt: 1,
        previous: None,
        deadline: None,
    };
    let sent = service.call(transport.request(&start));
    let transport = transport.first_attempt_sent(sent);
    let server = async {
        let (previous, body, _, send) = next(&mut handle).await;
        assert_eq!((previous, &body[..]), (None, MESSAGE));
        send.send_response(ok());
    };
    let ((result, body), ()) = tokio::join!(run(&transport, clock), server);
    assert_eq!(&body[..], MESSAGE);
    assert_eq!(result.status, Code::Ok);
    assert_eq!(result.record.attempts.len(), 1);
    // Nothing else went out: the driver's first attempt was the one already sent.
    drop((transport, service));
    assert!(handle.next_request().await.is_none());
}

#[tokio::test]
async fn a_ready_service_takes_the_first_attempt_and_clones_take_the_rest() {
    let (mut service, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    // Only the ready service may call: its clones start without capacity.
    handle.allow(1);
    let (transport, clock) = transport(service.clone());
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .expect("ready");
    let transport = transport.ready_for_first_attempt(service);
    let server = async {
        let (previous, _, _, send) = next(&mut handle).await;
        assert_eq!(previous, None);
        send.send_response(trailers_only(Code::Unavailable, None));
        // The retry's clone waits for readiness: give it capacity.
        handle.allow(1);
        let (previous, _, _, send) = next(&mut handle).await;
        assert_eq!(previous.as_deref(), Some("1"));
        send.send_response(ok());
    };
    let ((result, _), ()) = tokio::join!(run(&transport, clock), server);
    assert_eq!((result.status, result.record.attempts.len()), (Code::Ok, 2));
}

/// The delay between the first attempt's answer and the second attempt, with RetryInfo on or
/// off, when the first answer carries a RetryInfo of 300ms and the backoff is 10ms.
async fn delay_with_retry_info(read: bool) -> Duration {
    let (service, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    let (transport, clock) = transport(service);
    let transport = transport.reading_retry_info(read);
    let server = async {
        let (_, _, _, send) = next(&mut handle).await;
        // A RetryInfo of 300ms, as the project's test servers send it.
        let status = retry_info::status_with_retry_delay(Code::Unavailable.value(), 0, 300_000_000);
        let details = retry_info::encode_details(&status).into_bytes();
        send.send_response(trailers_only(
            Code::Unavailable,
            Some(("grpc-status-details-bin", details)),
        ));
        let answered = tokio::time::Instant::now();
        let (_, _, _, send) = next(&mut handle).await;
        let waited = answered.elapsed();
        send.send_response(ok());
        waited
    };
    let ((result, _), waited) = tokio::join!(run(&transport, clock), server);
    assert_eq!(result.status, Code::Ok);
    waited
}

#[tokio::test(start_paused = true)]
async fn retry_info_is_pushback_only_when_the_transport_reads_it() {
    // Paused time (the mock does no I/O): the delays are the engine's, exactly.
    let off = delay_with_retry_info(false).await;
    let on = delay_with_retry_info(true).await;
    assert_eq!(off, Duration::from_millis(10), "the policy's backoff");
    assert_eq!(
        on,
        Duration::from_millis(300),
        "RetryInfo's delay as pushback"
    );
}
