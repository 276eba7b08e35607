//! A scenario run for real: `hedgehog sim FILE --live`.
//!
//! The scenario's server becomes a [`RunningServer`] on 127.0.0.1 (ephemeral port) answering
//! from a [`ServerModel`] with the run's seed, so it makes the simulated server's decisions in
//! the same arrival order. The calls go through a [`RetryLayer`] built from the scenario's
//! already-parsed config, with its jitter mode and, for call `i`, the simulator's jitter stream
//! `(seed, Jitter, i)` (passed as [`super::layer::CallIndex`]), so backoff draws are the simulated ones too.
//! Call `i` starts at `i × interval_ms` on a real clock whose epoch is the run's start, after
//! the HTTP/2 connection is up (the simulator has no connection set-up to mirror).
//!
//! The scenario's abstract `request_bytes` / `retry_buffer_bytes` decide whether the request
//! fits the retry buffer (R66, D22); live mode applies the same verdict by setting the layer's
//! per-RPC limit to "everything" or "nothing", since the real encoded request has another size.
//! The channel budget (`channel_buffer_bytes`, R64) is scaled the same way: every call sends
//! the same message, so "k calls in flight fit" is "k × request_bytes ≤ budget" in the
//! simulator and "k × encoded size ≤ layer budget" live (`channel_limit`).

use std::sync::Arc;
use std::time::Duration;

use prost::Message as _;

use tonic::transport::Channel;
use tower::ServiceBuilder;

use super::echo::{echo_call, EchoMethod, EchoOptions};
use super::echo_service::WARMUP;
use super::layer::RetryLayer;
use super::pb::EchoRequest;
use super::served_attempt::ServedAttempt;
use super::server_handle::RunningServer;
use crate::clock::TokioClock;
use crate::code::Code;
use crate::scenario::client::ClientSpec;
use crate::scenario::rng::{stream, Purpose};
use crate::scenario::server::ServerModel;
use crate::scenario::Scenario;
use crate::trace::{Mode, Recorder, Tee, Trace, TraceRecorder};

/// How long a live run may take beyond its last call's start before it is abandoned.
const GRACE: Duration = Duration::from_secs(60);

/// What a live run produced.
#[derive(Debug)]
pub struct LiveRun {
    /// The trace, in the simulator's shape, mode `live`.
    pub trace: Trace,
    /// Every attempt as the server saw it, in the order they ended.
    pub served: Vec<ServedAttempt>,
}

/// Why a live run could not produce a trace (the calls' own failures are in the trace).
#[derive(Debug, thiserror::Error)]
pub enum LiveRunError {
    /// A client method that is not one of the echo service's.
    #[error("method {0}")]
    NotAnEchoMethod(String),
    /// The scenario's server could not listen.
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    /// The client could not reach it.
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    /// The off-the-record warm-up call failed.
    #[error("warm-up call failed: {0}")]
    Warmup(tonic::Status),
    /// The scenario's service config did not make a layer.
    #[error("{0:?}")]
    Config(crate::config::ParseError),
    /// A call's task panicked or was cancelled.
    #[error("call task failed: {0}")]
    CallTask(tokio::task::JoinError),
    /// Not every call finished within the grace period.
    #[error("calls not finished within {0:?}")]
    Unfinished(Duration),
    /// The server did not stop within the grace period.
    #[error("the server did not shut down in time")]
    ShutdownTimeout,
    /// The scenario runs as another runtime than hedgehog's own (`profile`): live mode is
    /// hedgehog's A6 client, so only the `a6` profile runs live.
    #[error("live mode runs hedgehog's own A6 client only; profile \"{0}\" is for the simulator")]
    NotA6(&'static str),
}

/// Runs `scenario` with `seed` over real HTTP/2 on 127.0.0.1.
pub async fn run_live(scenario: &Scenario, seed: u64) -> Result<LiveRun, LiveRunError> {
    run_live_with(scenario, seed, None).await
}

/// [`run_live`], the layer recording into `also` (spans, metrics) besides the trace.
pub async fn run_live_with(
    scenario: &Scenario,
    seed: u64,
    also: Option<Arc<dyn Recorder + Send + Sync>>,
) -> Result<LiveRun, LiveRunError> {
    if !scenario.profile.is_a6() {
        return Err(LiveRunError::NotA6(scenario.profile.name));
    }
    let client = &scenario.client;
    let methods: Vec<EchoMethod> = client
        .methods
        .iter()
        .map(|m| {
            EchoMethod::from_name(&m.to_string())
                .ok_or(LiveRunError::NotAnEchoMethod(m.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let model = ServerModel::new(&scenario.server, seed);
    let server = RunningServer::start(([127, 0, 0, 1], 0).into(), model)
        .await
        .map_err(LiveRunError::Listen)?;
    let channel = Channel::from_shared(server.uri())
        .map_err(|e| LiveRunError::Connect(server.uri(), e.to_string()))?
        .connect()
        .await
        .map_err(|e| LiveRunError::Connect(server.uri(), e.to_string()))?;
    // Warm the connection up (TCP, HTTP/2 settings, first-request costs) off the record.
    let warmup = EchoMethod::from_name(WARMUP)
        .ok_or_else(|| LiveRunError::NotAnEchoMethod(WARMUP.to_string()))?;
    echo_call(channel.clone(), &warmup, "", &EchoOptions::default())
        .await
        .map_err(LiveRunError::Warmup)?;
    let recorder = Arc::new(TraceRecorder::new());
    let installed: Arc<dyn Recorder + Send + Sync> = match also {
        Some(also) => Arc::new(Tee(Arc::clone(&recorder), also)),
        None => recorder.clone(),
    };
    let fits = client.request_bytes <= client.retry_buffer_bytes;
    let clock = TokioClock::new();
    let layer = RetryLayer::builder()
        .config(scenario.config.clone())
        .jitter(scenario.jitter)
        .rng(Arc::new(move |i| {
            Box::new(stream(seed, Purpose::Jitter, i))
        }))
        .per_rpc_buffer_limit(if fits { usize::MAX } else { 0 })
        .channel_buffer_limit(channel_limit(client, &client.message))
        .recorder(installed)
        .clock(clock)
        .build()
        .map_err(LiveRunError::Config)?;
    let service = ServiceBuilder::new().layer(layer).service(channel);
    let mut tasks = Vec::new();
    for i in 0..client.calls {
        let start = clock.epoch() + Duration::from_nanos(i.saturating_mul(client.interval));
        if start > tokio::time::Instant::now() {
            tokio::time::sleep_until(start).await;
        }
        let method = methods[usize::try_from(i % methods.len() as u64).unwrap_or(0)].clone();
        let options = EchoOptions {
            timeout: client.deadline.map(Duration::from_nanos),
            index: Some(i),
        };
        let (service, message) = (service.clone(), client.message.clone());
        tasks.push(tokio::spawn(async move {
            echo_call(service, &method, &message, &options).await
        }));
    }
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.map_err(LiveRunError::CallTask)?);
    }
    let n = usize::try_from(client.calls).unwrap_or(usize::MAX);
    tokio::time::timeout(GRACE, recorder.wait_calls(n))
        .await
        .map_err(|_| LiveRunError::Unfinished(GRACE))?;
    let mut trace = recorder.trace(&scenario.name, seed, Mode::Live);
    for call in &mut trace.calls {
        let reply = usize::try_from(call.call).ok().and_then(|i| replies.get(i));
        if let (Code::Ok, Some(Ok(message))) = (call.status, reply) {
            call.message = Some(message.clone());
        }
    }
    // Close the client side first: a graceful shutdown waits for open connections.
    drop(service);
    let served = tokio::time::timeout(GRACE, server.stop())
        .await
        .map_err(|_| LiveRunError::ShutdownTimeout)?;
    Ok(LiveRun { trace, served })
}

/// The layer's channel budget that admits as many calls in flight as the scenario's does:
/// `⌊channel_buffer_bytes / request_bytes⌋` requests of the size the layer actually buffers
/// (the encoded message and its 5-byte gRPC frame header). Unlimited when the budget never
/// binds (no bytes to hold, or room for every call at once), so nothing else is perturbed.
fn channel_limit(client: &ClientSpec, message: &str) -> usize {
    let calls = client
        .channel_buffer_bytes
        .checked_div(client.request_bytes);
    match calls {
        Some(calls) if calls < client.calls => {
            let encoded = EchoRequest {
                message: message.to_string(),
            }
            .encoded_len()
                + 5;
            usize::try_from(calls)
                .ok()
                .and_then(|calls| calls.checked_mul(encoded))
                .unwrap_or(usize::MAX)
        }
        _ => usize::MAX,
    }
}
