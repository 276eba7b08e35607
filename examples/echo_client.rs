//! A tonic echo client with A6 retries from grpc-go's demo config, through hedgehog's layer.
//!
//! `cargo run --example echo_client` starts its own failing echo server in-process (3 of every
//! 4 requests fail UNAVAILABLE, as in grpc-go's retry demo) and calls it; with an address,
//! `cargo run --example echo_client -- http://127.0.0.1:50052`, it calls that server instead
//! (e.g. one started with `hedgehog serve --req-modulo 4`).

use std::sync::Arc;

use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::{RetryLayer, RunningServer};
use hedgehog::scenario::server::{ServerModel, ServerSpec};
use hedgehog::trace::TraceRecorder;
use tonic::transport::Channel;
use tower::ServiceBuilder;

/// grpc-go's examples/features/retry config, with the service renamed to this proto's package.
const SERVICE_CONFIG: &str = r#"{"methodConfig":[{"name":[{"service":"echo.Echo","method":"UnaryEcho"}],
  "retryPolicy":{"MaxAttempts":4,"InitialBackoff":".01s","MaxBackoff":".01s",
  "BackoffMultiplier":1.0,"RetryableStatusCodes":["UNAVAILABLE"]}}]}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut local = None;
    let target = match std::env::args().nth(1) {
        Some(target) => target,
        None => {
            let spec = ServerSpec::parse(
                &serde_json::json!({"schedule": {"req_modulo": 4}}).into(),
                "",
            )
            .map_err(|e| e.message)?;
            let server =
                RunningServer::start(([127, 0, 0, 1], 0).into(), ServerModel::new(&spec, 1))
                    .await?;
            let uri = server.uri();
            local = Some(server);
            uri
        }
    };

    // The layer: the service config, and a recorder to show what happened.
    let recorder = Arc::new(TraceRecorder::with_events(false));
    let layer = RetryLayer::builder()
        .service_config(SERVICE_CONFIG)
        .target(&target)
        .recorder(recorder.clone())
        .build()
        .map_err(|e| format!("{e:?}"))?;
    for warning in layer.warnings() {
        eprintln!("portability warning: {}: {}", warning.path, warning.message);
    }

    // Any generated tonic client works: wrap the channel in the layer.
    let channel = Channel::from_shared(target.clone())?.connect_lazy();
    let mut client = EchoClient::new(ServiceBuilder::new().layer(layer).service(channel));
    let reply = client
        .unary_echo(EchoRequest {
            message: "Try and Success".into(),
        })
        .await?;
    println!("reply from {target}: {:?}", reply.into_inner().message);

    for call in recorder.wait_calls(1).await {
        for a in &call.attempts {
            let previous = a.previous.map_or("none".into(), |p| p.to_string());
            let outcome = a.outcome.map_or("(running)", |o| o.as_str());
            println!("  attempt {} previous {previous:<4} {outcome}", a.attempt);
        }
    }
    if let Some(server) = local {
        for seen in server.stop().await {
            println!("  server: {seen}");
        }
    }
    Ok(())
}
