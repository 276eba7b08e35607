//! Per-call control through one layer: `CallOptions` in a request's extensions turns retries
//! off for one call (R1), gives one call another parsed retry or hedging policy (R15), or
//! makes it wait for ready (R82) — while the other calls of the same layer keep the config's.
#![cfg(feature = "echo")] // needs the `echo` feature (the echo server and client)

mod live_support;

use std::time::Duration;

use hedgehog::config::{parse_str, ParseOptions};
use hedgehog::live::{CallOptions, RetryLayer};
use live_support::{calls, client, client_to, layer, previous, served, server, DEMO_CONFIG, WAIT};
use serde_json::json;

/// A parsed `methodConfig` entry for `echo.Echo`, from `json` (one entry, no names needed
/// beyond the service).
fn options_from(json: &str) -> CallOptions {
    let parsed = parse_str(json, &ParseOptions::default()).expect("valid config");
    let entry = parsed
        .config
        .select_entry_for_path("/echo.Echo/UnaryEcho")
        .expect("an entry for echo.Echo");
    CallOptions::method_config(entry)
}

fn with(options: CallOptions, message: &str) -> tonic::Request<hedgehog::live::pb::EchoRequest> {
    let mut request = tonic::Request::new(live_support::request(message));
    request.extensions_mut().insert(options);
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_retries_makes_one_call_a_single_attempt_r1() {
    // Every third request succeeds: requests 1 and 2 fail UNAVAILABLE, 3 succeeds.
    let mut server = server(json!({"schedule": {"req_modulo": 3}})).await;
    let (layer, recorder) = layer(DEMO_CONFIG);
    let mut client = client(&server, layer);

    let status = client
        .unary_echo(with(CallOptions::no_retries(), "once"))
        .await
        .expect_err("one attempt, and it fails");
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(previous(&served(&mut server, 1).await), [None]);

    // The same layer's next call without options retries as configured (request 2 fails,
    // request 3 succeeds).
    client
        .unary_echo(live_support::request("retried"))
        .await
        .expect("retried");
    assert_eq!(previous(&served(&mut server, 2).await), [None, Some("1")]);
    let records = calls(&recorder, 2).await;
    let attempts: Vec<usize> = records.iter().map(|c| c.attempts.len()).collect();
    assert_eq!(attempts, [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_call_runs_its_own_retry_policy_r15() {
    // 3 of every 4 requests fail: only a policy of at least 4 attempts gets through.
    let mut server = server(json!({"schedule": {"req_modulo": 4}})).await;
    // The layer's config has no policy for the method at all (R1).
    let (layer, recorder) = layer(r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}]}]}"#);
    let mut client = client(&server, layer);
    let options = options_from(
        r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
            "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
                            "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#,
    );
    let reply = client
        .unary_echo(with(options, "own policy"))
        .await
        .expect("the fourth attempt succeeds");
    assert_eq!(reply.into_inner().message, "own policy");
    assert_eq!(
        previous(&served(&mut server, 4).await),
        [None, Some("1"), Some("2"), Some("3")]
    );
    assert_eq!(calls(&recorder, 1).await[0].attempts.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_call_runs_a_hedging_policy_r15() {
    // Requests 0 and 1 fail, 2 succeeds: three hedges sent at once, one of them gets through.
    let mut server = server(json!({"schedule": {"req_modulo": 3}})).await;
    let (layer, recorder) = layer(DEMO_CONFIG);
    let mut client = client(&server, layer);
    let options = options_from(
        r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
            "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0s",
                              "nonFatalStatusCodes": ["UNAVAILABLE"]}}]}"#,
    );
    client
        .unary_echo(with(options, "hedged"))
        .await
        .expect("one hedge succeeds");
    let mut seen = previous(&served(&mut server, 3).await)
        .into_iter()
        .map(|p| p.map(str::to_string))
        .collect::<Vec<_>>();
    seen.sort();
    // Hedges carry their attempt number (R76): 0, 1 and 2 earlier attempts.
    assert_eq!(seen, [None, Some("1".into()), Some("2".into())]);
    assert_eq!(calls(&recorder, 1).await[0].attempts.len(), 3);
}

/// A 127.0.0.1 port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_ready_waits_for_the_server_to_come_up_r82() {
    let port = free_port();
    let uri = format!("http://127.0.0.1:{port}");
    // No policy: a connection that cannot be made fails the call at once (R72)...
    let (layer, recorder) = layer("{}");
    let mut client = client_to(&uri, layer);
    let status = client
        .unary_echo(live_support::request("fast"))
        .await
        .expect_err("nothing listens");
    assert_eq!(status.code(), tonic::Code::Unavailable);

    // ...unless the call waits for ready: it is still waiting well after a failure would
    // have come back, and succeeds once the server is up, on its first attempt.
    let mut waiting = client.clone();
    let call = tokio::spawn(async move {
        let mut request = with(CallOptions::default().wait_for_ready(true), "patient");
        request.set_timeout(WAIT);
        waiting.unary_echo(request).await
    });
    let early = tokio::time::timeout(Duration::from_millis(200), recorder.wait_calls(2)).await;
    assert!(early.is_err(), "a wait-for-ready call does not fail fast");
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let spec = hedgehog::scenario::server::ServerSpec::parse(
        &json!({"schedule": {"req_modulo": 1}}).into(),
        "server",
    )
    .unwrap();
    let mut server = hedgehog::live::RunningServer::start(
        addr,
        hedgehog::scenario::server::ServerModel::new(&spec, 1),
    )
    .await
    .expect("bind the port again");
    let reply = tokio::time::timeout(WAIT, call)
        .await
        .expect("in time")
        .expect("joined")
        .expect("served once the server is up");
    assert_eq!(reply.into_inner().message, "patient");
    assert_eq!(previous(&served(&mut server, 1).await), [None]);
    assert_eq!(calls(&recorder, 2).await[1].attempts.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_for_ready_ends_at_the_deadline_and_a_call_can_opt_out_r82() {
    let uri = format!("http://127.0.0.1:{}", free_port());
    // The method's waitForReady is the default: the call waits, and the deadline ends it.
    let config =
        r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}], "waitForReady": true}]}"#;
    let layer = RetryLayer::from_service_config(config).expect("valid");
    let mut client = client_to(&uri, layer);
    let mut request = tonic::Request::new(live_support::request("deadline"));
    request.set_timeout(Duration::from_millis(300));
    let status = tokio::time::timeout(WAIT, client.unary_echo(request))
        .await
        .expect("the deadline ends it")
        .expect_err("nothing listens");
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded);

    // A call's own choice overrides the method's (R82): it fails fast, UNAVAILABLE.
    let status = tokio::time::timeout(
        WAIT,
        client.unary_echo(with(CallOptions::default().wait_for_ready(false), "fast")),
    )
    .await
    .expect("fails fast")
    .expect_err("nothing listens");
    assert_eq!(status.code(), tonic::Code::Unavailable);
}
