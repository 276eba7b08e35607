//! The grpc-go retry demo, live: a server failing 3 of every 4 requests and the demo's config
//! verbatim through the tower layer (R19–R22, R74), and the same without retries (R1, R79).
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use hedgehog::code::Code;
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::{RetryLayer, ServedOutcome};
use hedgehog::trace::Outcome;
use live_support::*;
use serde_json::json;

fn request() -> EchoRequest {
    EchoRequest {
        message: "Try and Success".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_succeeds_on_the_fourth_attempt_r19_r74() {
    let mut server = server(json!({"schedule": {"req_modulo": 4}})).await;
    let (layer, recorder) = layer(DEMO_CONFIG);
    let mut client = client(&server, layer);

    let reply = client
        .unary_echo(request())
        .await
        .expect("the 4th attempt succeeds");
    assert_eq!(reply.into_inner().message, "Try and Success");

    let seen = served(&mut server, 4).await;
    assert_eq!(previous(&seen), [None, Some("1"), Some("2"), Some("3")]);
    let outcomes: Vec<_> = seen.iter().map(|a| a.outcome.clone()).collect();
    let u = ServedOutcome::Answered(Code::Unavailable);
    assert_eq!(
        outcomes,
        [u.clone(), u.clone(), u, ServedOutcome::Answered(Code::Ok)]
    );

    let call = &calls(&recorder, 1).await[0];
    assert_eq!(call.status, Code::Ok);
    let attempts: Vec<_> = call
        .attempts
        .iter()
        .map(|a| (a.attempt, a.previous, a.outcome))
        .collect();
    let unavailable = Some(Outcome::Status(Code::Unavailable));
    assert_eq!(
        attempts,
        [
            (1, None, unavailable),
            (2, Some(1), unavailable),
            (3, Some(2), unavailable),
            (4, Some(3), Some(Outcome::Status(Code::Ok))),
        ]
    );
    // Trailers-Only failures never commit (R30); the OK attempt got headers and did.
    let committed: Vec<bool> = call.attempts.iter().map(|a| a.committed).collect();
    assert_eq!(committed, [false, false, false, true]);
    // Backoff 10ms ×U(0.8, 1.2) between attempts (R24): at least 8ms apart.
    for pair in call.attempts.windows(2) {
        let gap = pair[1].sent - pair[0].ended.expect("ended");
        assert!(gap >= 8_000_000, "backoff gap {gap}ns");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_with_retries_disabled_fails_on_the_first_attempt_r79_d23() {
    let mut server = server(json!({"schedule": {"req_modulo": 4}})).await;
    let layer = RetryLayer::builder()
        .service_config(DEMO_CONFIG)
        .retries(false)
        .build()
        .unwrap();
    let mut client = client(&server, layer);
    let status = client.unary_echo(request()).await.expect_err("no retry");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    let seen = served(&mut server, 1).await;
    assert_eq!(previous(&seen), [None]);
    // The next request is the server's 2nd: a fresh call, previous none again.
    let status = client
        .unary_echo(request())
        .await
        .expect_err("still no retry");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(previous(&served(&mut server, 1).await), [None]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_config_means_one_attempt_r1() {
    let mut server = server(json!({"schedule": {"req_modulo": 4}})).await;
    let layer = RetryLayer::builder().build().unwrap();
    let mut client = client(&server, layer);
    let status = client.unary_echo(request()).await.expect_err("no policy");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(status.message(), "maybeFailRequest: failing it");
    assert_eq!(previous(&served(&mut server, 1).await), [None]);
}
