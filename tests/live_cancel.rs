//! Dropping a call at each of its await points, through the layer over tower-test's mock:
//! before the first attempt is sent, while an attempt is in flight, during a backoff, after
//! commit while the response body streams, and outside any runtime. Each time nothing
//! panics, every in-flight attempt is cancelled (its inner future or body dropped), and the
//! request's bytes go back to the channel's retry buffer budget (R33, R67). Over tonic, a
//! dropped attempt future or body is an RST_STREAM the server sees as a cancellation
//! (`tests/live_a6.rs` checks that on a real server for hedges and committed streams).
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hedgehog::code::Code;
use hedgehog::live::{RetryLayer, RetryService};
use hedgehog::trace::TraceRecorder;
use http::{Request, Response};
use http_body_util::{Full, StreamBody};
use live_support::{calls, DEMO_CONFIG};
use tonic::body::Body;
use tower::{Layer, Service};
use tower_test::mock;

const REQUEST: &[u8] = b"0123456789";

/// Counts what is alive below the layer: attempts' response futures and response bodies.
#[derive(Clone, Default)]
struct Alive(Arc<AtomicUsize>);

struct Guard(Arc<AtomicUsize>);

impl Alive {
    fn guard(&self) -> Guard {
        self.0.fetch_add(1, Ordering::SeqCst);
        Guard(Arc::clone(&self.0))
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The mock, with every attempt's response future counted while it lives.
#[derive(Clone)]
struct Counted {
    inner: mock::Mock<Request<Body>, Response<Body>>,
    alive: Alive,
}

type Boxed = Pin<Box<dyn Future<Output = Result<Response<Body>, tower::BoxError>> + Send>>;

impl Service<Request<Body>> for Counted {
    type Response = Response<Body>;
    type Error = tower::BoxError;
    type Future = Boxed;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Boxed {
        let guard = self.alive.guard();
        let response = self.inner.call(request);
        Box::pin(async move {
            let _guard = guard;
            response.await
        })
    }
}

struct Setup {
    layer: RetryLayer,
    service: RetryService<Counted>,
    handle: mock::Handle<Request<Body>, Response<Body>>,
    alive: Alive,
    recorder: Arc<TraceRecorder>,
}

/// The grpc-go demo policy (4 attempts, 10ms backoff) over the counted mock, ready for one
/// request.
async fn setup() -> Setup {
    let (inner, mut handle) = mock::pair::<Request<Body>, Response<Body>>();
    handle.allow(1);
    let recorder = Arc::new(TraceRecorder::new());
    let layer = RetryLayer::builder()
        .service_config(DEMO_CONFIG)
        .recorder(recorder.clone())
        .build()
        .expect("valid");
    let alive = Alive::default();
    let counted = Counted {
        inner,
        alive: alive.clone(),
    };
    let mut service = layer.layer(counted);
    std::future::poll_fn(|cx| service.poll_ready(cx))
        .await
        .expect("ready");
    Setup {
        layer,
        service,
        handle,
        alive,
        recorder,
    }
}

fn request() -> Request<Body> {
    Request::builder()
        .uri("http://test/echo.Echo/UnaryEcho")
        .body(Body::new(Full::new(Bytes::from_static(REQUEST))))
        .expect("valid request")
}

fn unavailable() -> Response<Body> {
    Response::builder()
        .header("grpc-status", "14")
        .body(Body::empty())
        .expect("valid response")
}

/// The call's end, as recorded once the cleanup task ran: cancelled, with nothing left.
async fn assert_cleaned_up(setup: &Setup) {
    let call = &calls(&setup.recorder, 1).await[0];
    assert_eq!(call.status, Code::Cancelled);
    assert_eq!(setup.alive.count(), 0, "every attempt cancelled");
    assert_eq!(setup.layer.buffer_in_use(), 0, "the budget came back");
}

/// Starts the call and waits until its first attempt reached the mock.
async fn first_attempt_sent(
    setup: &mut Setup,
) -> (
    tokio_test::task::Spawn<hedgehog::live::layer::ResponseFuture>,
    mock::SendResponse<Response<Body>>,
) {
    let mut call = tokio_test::task::spawn(setup.service.call(request()));
    assert!(call.poll().is_pending());
    let (_, reply) = setup.handle.next_request().await.expect("sent");
    (call, reply)
}

#[tokio::test]
async fn dropped_before_the_first_attempt_is_sent_r33() {
    let mut setup = setup().await;
    let call = setup.service.call(request());
    assert_eq!(setup.layer.buffer_in_use(), REQUEST.len() as u64);
    drop(call);
    assert_cleaned_up(&setup).await;
}

#[tokio::test]
async fn dropped_while_an_attempt_is_in_flight_r33() {
    let mut setup = setup().await;
    let (call, _reply) = first_attempt_sent(&mut setup).await;
    assert_eq!(setup.alive.count(), 1);
    drop(call);
    assert_cleaned_up(&setup).await;
}

#[tokio::test]
async fn dropped_during_a_backoff_r33() {
    let mut setup = setup().await;
    let (mut call, reply) = first_attempt_sent(&mut setup).await;
    reply.send_response(unavailable());
    // The first attempt closed UNAVAILABLE: the call waits out its backoff (the mock is not
    // ready again either, so no retry can have been sent).
    assert!(call.poll().is_pending());
    assert_eq!(setup.alive.count(), 0);
    assert!(matches!(setup.handle.poll_request(), Poll::Pending));
    assert_eq!(setup.layer.buffer_in_use(), REQUEST.len() as u64);
    drop(call);
    assert_cleaned_up(&setup).await;
    assert_eq!(calls(&setup.recorder, 1).await[0].attempts.len(), 1);
}

#[tokio::test]
async fn dropped_after_commit_while_the_body_streams_r33() {
    let mut setup = setup().await;
    let (call, reply) = first_attempt_sent(&mut setup).await;
    // Headers without a status commit (R30); the body never ends while it lives.
    let guard = setup.alive.guard();
    let body = futures_util::stream::unfold(guard, |guard| async move {
        std::future::pending::<()>().await;
        Some((
            Ok::<_, tonic::Status>(http_body::Frame::data(Bytes::new())),
            guard,
        ))
    });
    let response = Response::builder()
        .header("content-type", "application/grpc")
        .body(Body::new(StreamBody::new(body)))
        .expect("valid response");
    reply.send_response(response);
    let response = call.await.expect("committed");
    assert_eq!(setup.alive.count(), 1, "the body streams");
    drop(response);
    assert_cleaned_up(&setup).await;
}

#[test]
fn dropped_outside_any_runtime_does_not_panic_or_leak() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (setup, call) = runtime.block_on(async {
        let mut setup = setup().await;
        let (call, _) = first_attempt_sent(&mut setup).await;
        (setup, call.into_inner())
    });
    // A response future outliving its runtime (shut down first), dropped on a thread with
    // none: no cleanup task can be spawned, so the driver is dropped where it stands — its
    // attempts with it.
    drop(runtime);
    std::thread::spawn(move || drop(call))
        .join()
        .expect("dropping outside a runtime does not panic");
    assert_eq!(setup.alive.count(), 0, "the attempt was cancelled");
    assert_eq!(setup.layer.buffer_in_use(), 0, "the budget came back");
}
