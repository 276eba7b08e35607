//! A server behaviour of the user's own runs in both worlds: the simulator asks it per attempt
//! in virtual time (`trace_with_behaviour`), and `RunningServer::start_behaviour` serves it
//! over real HTTP/2 for a method of a proto hedgehog has never seen (no echo service: the
//! client frames raw bytes with `BytesCodec`). The two traces must tell the same story.
#![cfg(feature = "test-server")] // needs the `test-server` feature (the behaviour test server)

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hedgehog::clock::TokioClock;
use hedgehog::code::Code;
use hedgehog::live::builder::CallIndex;
use hedgehog::live::compare::{compare, Tolerance};
use hedgehog::live::{BytesCodec, RetryLayer, RunningServer, ServedAttempt};
use hedgehog::scenario::behaviour::{Answer, Arrival, Behaviour, Reply};
use hedgehog::scenario::rng::{stream, Purpose};
use hedgehog::scenario::Scenario;
use hedgehog::sim::run::trace_with_behaviour;
use hedgehog::trace::{Mode, Trace, TraceRecorder};
use http::uri::PathAndQuery;
use tonic::transport::Channel;
use tower::ServiceBuilder;

const MS: u64 = 1_000_000;
const METHOD: &str = "/demo.Demo/Call";

/// Fails the first two attempts of every call (with 30 ms of pushback on the first, R35),
/// answers the third with its own bytes; every answer after 2 ms. It panics — and so fails the
/// comparison with an INTERNAL answer — if it is not told the method and the request.
fn flaky() -> Arc<dyn Behaviour> {
    Arc::new(|a: &mut Arrival<'_>| {
        // What a server can know, the same in both worlds: the method and the request message
        // (the client sends the scenario's message as the raw message bytes).
        assert_eq!((a.method, a.request), ("demo.Demo/Call", &b"hello"[..]));
        match a.previous.unwrap_or(0) {
            0 => Answer::fail(Code::Unavailable).pushback("30").after(2 * MS),
            1 => Answer::fail(Code::Unavailable).after(2 * MS),
            _ => Answer::ok()
                .after(2 * MS)
                .reply(Reply::Bytes(Bytes::from_static(b"done"))),
        }
    })
}

fn retry_scenario() -> Scenario {
    Scenario::builder("custom-behaviour-retry")
        .service_config_text(
            r#"{"methodConfig": [{"name": [{"service": "demo.Demo"}],
            "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.02s", "maxBackoff": "0.05s",
            "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
        )
        .method("demo.Demo/Call")
        .message("hello")
        .calls(3)
        .interval(Duration::from_millis(150))
        .deadline(Duration::from_secs(2))
        .build()
        .expect("a valid scenario")
}

/// What a live run produced: the trace, each call's reply, what the server saw.
struct Live {
    trace: Trace,
    replies: Vec<Result<Bytes, tonic::Status>>,
    served: Vec<ServedAttempt>,
}

/// One unary call of `path` with raw bytes, as a generated client would make it.
async fn call<S>(
    service: S,
    path: &'static str,
    request: tonic::Request<Bytes>,
) -> Result<Bytes, tonic::Status>
where
    S: tonic::client::GrpcService<tonic::body::Body>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResponseBody: http_body::Body<Data = Bytes> + Send + 'static,
    <S::ResponseBody as http_body::Body>::Error:
        Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let mut grpc = tonic::client::Grpc::new(service);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.into().to_string()))?;
    let path = PathAndQuery::from_static(path);
    grpc.unary(request, path, BytesCodec)
        .await
        .map(tonic::Response::into_inner)
}

/// `behaviour` served on 127.0.0.1 with `seed`, and a connected channel to it.
async fn serve(behaviour: Arc<dyn Behaviour>, seed: u64) -> (RunningServer, Channel) {
    let server = RunningServer::start_behaviour(([127, 0, 0, 1], 0).into(), behaviour, seed)
        .await
        .expect("listens");
    let channel = Channel::from_shared(server.uri())
        .expect("uri")
        .connect()
        .await
        .expect("connects");
    (server, channel)
}

/// Runs `scenario` live against `behaviour` served with `seed`, the calls going through the
/// layer with the simulator's jitter streams (as `sim --live` does).
async fn run_live(scenario: &Scenario, behaviour: Arc<dyn Behaviour>, seed: u64) -> Live {
    let (server, channel) = serve(behaviour, seed).await;
    // Warm the connection up off the record: the server answers it without the behaviour.
    let warm = call(
        channel.clone(),
        "/demo.Demo/HedgehogWarmup",
        tonic::Request::new(Bytes::from_static(b"warm")),
    )
    .await;
    assert_eq!(warm.expect("warm-up"), Bytes::from_static(b"warm"));
    let recorder = Arc::new(TraceRecorder::new());
    let clock = TokioClock::new();
    let layer = RetryLayer::builder()
        .config(scenario.config.clone())
        .jitter(scenario.jitter)
        .rng(Arc::new(move |i| {
            Box::new(stream(seed, Purpose::Jitter, i))
        }))
        .recorder(recorder.clone())
        .clock(clock)
        .build()
        .expect("a layer");
    let service = ServiceBuilder::new().layer(layer).service(channel);
    let client = &scenario.client;
    let mut tasks = Vec::new();
    for i in 0..client.calls {
        tokio::time::sleep_until(clock.epoch() + Duration::from_nanos(i * client.interval)).await;
        let mut request = tonic::Request::new(Bytes::from(client.message.clone()));
        request.extensions_mut().insert(CallIndex(i));
        if let Some(d) = client.deadline {
            request.set_timeout(Duration::from_nanos(d));
        }
        tasks.push(tokio::spawn(call(service.clone(), METHOD, request)));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("the call task"));
    }
    let n = usize::try_from(client.calls).expect("calls");
    tokio::time::timeout(Duration::from_secs(30), recorder.wait_calls(n))
        .await
        .expect("every call recorded");
    drop(service);
    let served = tokio::time::timeout(Duration::from_secs(30), server.stop())
        .await
        .expect("the server stops");
    Live {
        trace: recorder.trace(&scenario.name, seed, Mode::Live),
        replies,
        served,
    }
}

/// The live run that agrees with `sim`, out of five tries (a loaded machine can stretch one
/// real-time run past the tolerance; a real disagreement shows on every try).
async fn agreeing_run(scenario: &Scenario, behaviour: &Arc<dyn Behaviour>, sim: &Trace) -> Live {
    let mut disagreements = Vec::new();
    for _ in 0..5 {
        let live = run_live(scenario, behaviour.clone(), 1).await;
        let verdict = compare(sim, &live.trace, Tolerance::default());
        if verdict.agrees() {
            return live;
        }
        disagreements.push(verdict.disagreements());
    }
    panic!("{}: live never agreed: {disagreements:#?}", scenario.name);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_behaviour_tells_the_same_story_simulated_and_live() {
    let scenario = retry_scenario();
    let behaviour = flaky();
    let sim = trace_with_behaviour(&scenario, 1, behaviour.clone()).expect("no panic");
    // The simulated story: three attempts per call, pushback honoured once (R35, R38).
    for c in &sim.calls {
        assert_eq!(c.status, Code::Ok, "{c:?}");
        assert_eq!(c.attempts.len(), 3);
        assert_eq!(c.attempts[0].pushback.as_deref(), Some("30"));
        assert!(c.attempts[1].sent - c.attempts[0].ended.expect("ended") == 30 * MS);
        assert_eq!(c.message.as_deref(), Some("done"));
    }
    let live = agreeing_run(&scenario, &behaviour, &sim).await;
    for reply in &live.replies {
        assert_eq!(reply.as_ref().expect("OK"), &Bytes::from_static(b"done"));
    }
    // The server saw what the behaviour was told: the method, previous none/1/2 per call (R74).
    let mut seen: Vec<(u64, Option<String>)> = live
        .served
        .iter()
        .map(|s| (s.count, s.previous.clone()))
        .collect();
    seen.sort();
    let expected: Vec<(u64, Option<String>)> = (0..9)
        .map(|k| {
            (
                k + 1,
                [None, Some("1".into()), Some("2".into())][k as usize % 3].clone(),
            )
        })
        .collect();
    assert_eq!(seen, expected);
    assert!(live.served.iter().all(|s| s.path == METHOD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_hedges_reach_the_behaviour_in_send_order_live_as_simulated() {
    // hedgingDelay 0: three attempts at once (R52, R53). The behaviour answers by arrival
    // count, so a swap in arrival order changes which attempt wins.
    let behaviour: Arc<dyn Behaviour> = Arc::new(|a: &mut Arrival<'_>| {
        if a.count % 3 == 0 {
            Answer::ok().after(40 * MS)
        } else {
            Answer::fail(Code::Unavailable).after(5 * MS)
        }
    });
    let scenario = Scenario::builder("custom-behaviour-hedging")
        .service_config_text(
            r#"{"methodConfig": [{"name": [{"service": "demo.Demo"}], "hedgingPolicy":
            {"maxAttempts": 3, "hedgingDelay": "0s", "nonFatalStatusCodes": ["UNAVAILABLE"]}}]}"#,
        )
        .method("demo.Demo/Call")
        .calls(2)
        .interval(Duration::from_millis(200))
        .deadline(Duration::from_secs(2))
        .build()
        .expect("valid");
    let sim = trace_with_behaviour(&scenario, 1, behaviour.clone()).expect("no panic");
    for c in &sim.calls {
        assert_eq!(c.status, Code::Ok);
        assert_eq!(c.attempts.len(), 3);
        assert!(
            c.attempts[2].committed,
            "the third attempt sent wins: {c:?}"
        );
    }
    agreeing_run(&scenario, &behaviour, &sim).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_behaviour_is_an_error_in_the_simulator_and_internal_live() {
    let behaviour: Arc<dyn Behaviour> = Arc::new(|a: &mut Arrival<'_>| {
        if a.count == 2 {
            panic!("attempt two is not allowed");
        }
        Answer::ok()
    });
    let scenario = Scenario::builder("panicking")
        .service_config_text("{}")
        .method("demo.Demo/Call")
        .calls(3)
        .build()
        .expect("valid");
    let e = trace_with_behaviour(&scenario, 1, behaviour.clone()).expect_err("it panicked");
    assert_eq!(e.count, 2);
    assert_eq!(e.message, "attempt two is not allowed");
    assert_eq!(e.method, "demo.Demo/Call");

    let (server, channel) = serve(behaviour, 1).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = call(
            channel.clone(),
            METHOD,
            tonic::Request::new(Bytes::from_static(b"x")),
        )
        .await;
        statuses.push(r.map_err(|s| (s.code(), s.message().to_string())));
    }
    assert_eq!(statuses[0], Ok(Bytes::from_static(b"x")), "echoed");
    let (code, message) = statuses[1].clone().expect_err("INTERNAL");
    assert_eq!(code, tonic::Code::Internal);
    assert!(message.contains("attempt two is not allowed"), "{message}");
    assert!(statuses[2].is_ok(), "the server goes on: {statuses:?}");
    drop(channel);
    let served = server.stop().await;
    assert_eq!(served.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_the_behaviour_is_told_the_real_time_since_the_server_started() {
    let clock: Arc<dyn Behaviour> = Arc::new(|a: &mut Arrival<'_>| {
        Answer::ok().reply(Reply::Bytes(Bytes::from(a.now.to_string())))
    });
    let (server, channel) = serve(clock, 1).await;
    let mut told = Vec::new();
    for _ in 0..2 {
        let r = call(channel.clone(), METHOD, tonic::Request::new(Bytes::new())).await;
        let text = String::from_utf8(r.expect("OK").to_vec()).expect("UTF-8");
        told.push(text.parse::<u64>().expect("nanoseconds"));
        // The gap between the calls is the input here, not a synchronisation.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(told[0] < 5_000 * MS, "{told:?}");
    assert!(told[1] - told[0] >= 50 * MS, "{told:?}");
    drop(channel);
    server.stop().await;
}
