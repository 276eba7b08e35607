//! Helpers shared by the live tests: start a server from a `server` object, build a client
//! through the layer, wait on server records with timeouts (never fixed sleeps).
#![allow(dead_code)]

pub mod raw_h2;

use std::sync::Arc;
use std::time::Duration;

use hedgehog::engine::Jitter;
use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::{RetryLayer, RetryService, RunningServer, ServedAttempt};
use hedgehog::scenario::server::{ServerModel, ServerSpec};
use hedgehog::trace::{CallRecord, TraceRecorder};
use tonic::transport::Channel;
use tower::ServiceBuilder;

/// The grpc-go retry demo's config, verbatim (PascalCase keys, ".01s").
pub const DEMO_CONFIG: &str = include_str!("../../sims/configs/grpc-go-demo.json");

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// Starts an echo server on 127.0.0.1:0 answering from the `server` object `json`.
pub async fn server(json: serde_json::Value) -> RunningServer {
    let spec = ServerSpec::parse(&json.into(), "server").expect("valid server spec");
    RunningServer::start("127.0.0.1:0".parse().unwrap(), ServerModel::new(&spec, 1))
        .await
        .expect("bind 127.0.0.1:0")
}

/// A lazily connecting channel to `server`.
pub fn channel(server: &RunningServer) -> Channel {
    Channel::from_shared(server.uri()).unwrap().connect_lazy()
}

/// A client through `layer` to `uri`, over a lazily connecting channel.
pub fn client_to(uri: &str, layer: RetryLayer) -> EchoClient<RetryService<Channel>> {
    let channel = Channel::from_shared(uri.to_string())
        .unwrap()
        .connect_lazy();
    EchoClient::new(ServiceBuilder::new().layer(layer).service(channel))
}

/// A client through `layer`.
pub fn client(server: &RunningServer, layer: RetryLayer) -> EchoClient<RetryService<Channel>> {
    EchoClient::new(ServiceBuilder::new().layer(layer).service(channel(server)))
}

/// A layer for `config` recording into the returned recorder, with jitter off and a seed.
pub fn layer(config: &str) -> (RetryLayer, Arc<TraceRecorder>) {
    let recorder = Arc::new(TraceRecorder::new());
    let layer = RetryLayer::builder()
        .service_config(config)
        .seed(1)
        .recorder(recorder.clone())
        .build()
        .expect("valid config");
    (layer, recorder)
}

/// A layer for `config` recording every event, with no jitter, so times are exact.
pub fn exact_layer(config: &str) -> (RetryLayer, Arc<TraceRecorder>) {
    let recorder = Arc::new(TraceRecorder::new());
    let layer = RetryLayer::builder()
        .service_config(config)
        .jitter(Jitter::None)
        .recorder(recorder.clone())
        .build()
        .expect("valid config");
    (layer, recorder)
}

/// The next `n` attempts the server finished, each within [`WAIT`].
pub async fn served(server: &mut RunningServer, n: usize) -> Vec<ServedAttempt> {
    let mut out = Vec::new();
    for i in 0..n {
        match server.next_attempt(WAIT).await {
            Some(a) => out.push(a),
            None => panic!("server saw only {i} of {n} attempts: {out:#?}"),
        }
    }
    out
}

/// Waits until the recorder holds `n` finished calls, and returns them.
pub async fn calls(recorder: &TraceRecorder, n: usize) -> Vec<CallRecord> {
    tokio::time::timeout(WAIT, recorder.wait_calls(n))
        .await
        .expect("calls recorded in time")
}

/// `previous` values as the server saw them.
pub fn previous(attempts: &[ServedAttempt]) -> Vec<Option<&str>> {
    attempts.iter().map(|a| a.previous.as_deref()).collect()
}

/// An echo request carrying `message`.
pub fn request(message: &str) -> EchoRequest {
    EchoRequest {
        message: message.into(),
    }
}
