//! `hedgehog call`: the retrying echo client of grpc-go's retry demo. Thin: the layer
//! ([`hedgehog::live::RetryLayer`]) does A6; this file builds it from the config file, makes
//! the calls one after another and prints each call's outcome and attempts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hedgehog::config::{warning_line, ParseError};
use hedgehog::live::echo::EchoMethod;
use hedgehog::live::RetryLayer;
use tower::ServiceBuilder;

use super::call_load::{self, Load, Request};
use super::call_output::{Output, Streamer};
use super::format::{text_or_json, TextOrJson};

/// Open-loop arrivals per second at most: one every microsecond.
const MAX_RATE: f64 = 1_000_000.0;
/// Calls in flight at most (each holds a task and an HTTP/2 stream).
const MAX_CONCURRENCY: usize = 10_000;
/// Calls in flight at most under `--rate` when `--concurrency` is not given.
const OPEN_LOOP_CONCURRENCY: usize = 1_000;

/// Arguments of `call`.
#[derive(Debug, clap::Args)]
#[command(
    about = "Call the echo server through the A6 retry layer and show every attempt",
    long_about = "Make --count echo calls through hedgehog's tower layer configured by a service \
config file (the grpc-go demo config works verbatim): one after another, --concurrency K at a \
time, or --rate R per second (open loop). Prints each call as it ends: its status and reply \
and its attempts (when each was sent, the grpc-previous-rpc-attempts value it carried and how \
it ended), then a summary (calls by status, latency percentiles measured from each call's \
intended start), also on Ctrl-C or SIGTERM. --format json prints the trace's JSON shape (calls \
with attempts, one per line, the event log, and a summary). A progress line goes to stderr \
when it is a terminal; so do portability warnings about the config.\n\n\
Exit codes: 0 every call succeeded, 1 a call failed, 2 bad arguments or an unreadable or \
invalid config (its JSON path and what was expected are printed), 130 interrupted.",
    after_help = "Examples:\n  hedgehog call --service-config sims/configs/grpc-go-demo.json\n  \
hedgehog call --method echo.Echo/ServerStreamingEcho --count 3 --format json"
)]
pub struct Args {
    /// Server URI.
    #[arg(long, default_value = "http://127.0.0.1:50052")]
    pub target: String,
    /// Service config JSON file (default: none, one attempt per call).
    #[arg(long, value_name = "FILE")]
    pub service_config: Option<PathBuf>,
    /// `echo.Echo/UnaryEcho`, `…/ServerStreamingEcho`, `…/ClientStreamingEcho`,
    /// `…/BidirectionalStreamingEcho`, or any other `service/method` (called like UnaryEcho).
    #[arg(long, default_value = "echo.Echo/UnaryEcho")]
    pub method: String,
    /// The message to echo.
    #[arg(long, default_value = "Try and Success")]
    pub message: String,
    /// Per-call deadline in milliseconds (sent as grpc-timeout).
    #[arg(long, value_name = "MS")]
    pub deadline_ms: Option<u64>,
    /// Number of calls.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub count: u64,
    /// Calls in flight at most (default 1; 1000 with --rate).
    #[arg(long, value_name = "K")]
    pub concurrency: Option<usize>,
    /// Start calls at R per second whatever the server does (open loop); latencies count
    /// from each call's intended start.
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// Seed for backoff jitter (default: drawn at random; the output prints the seed used, so
    /// `--seed` with it replays the client's draws).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_parser = text_or_json("The trace's JSON shape"), default_value = "text")]
    pub format: TextOrJson,
}

fn layer(args: &Args, seed: u64, streamer: Arc<Streamer>) -> Result<RetryLayer, String> {
    let recorder = super::observe::live_recorder(streamer);
    // Always seeded, with the seed the output prints: `--seed` of a printed seed replays the
    // client's draws.
    let builder = RetryLayer::builder()
        .recorder(recorder)
        .target(&args.target)
        .seed(seed);
    let Some(file) = &args.service_config else {
        return builder.build().map_err(|_| "no config".to_string());
    };
    let name = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {name}: {e}"))?;
    match builder.service_config(&text).build() {
        Ok(layer) => Ok(layer),
        Err(ParseError::Json(e)) => Err(format!(
            "{name}:{}:{}: not valid JSON: {}",
            e.line, e.column, e.message
        )),
        Err(ParseError::Invalid(invalid)) => {
            let lines: Vec<String> = invalid
                .errors
                .iter()
                .map(|e| format!("{name}: {}: {}", e.path, e.message))
                .collect();
            Err(lines.join("\n"))
        }
    }
}

/// The load from the flags, or what is wrong with them.
fn load(args: &Args) -> Result<Load, String> {
    if let Some(rate) = args.rate {
        if !(rate.is_finite() && rate > 0.0 && rate <= MAX_RATE) {
            return Err(format!(
                "--rate: expected calls per second in (0, {MAX_RATE}], got {rate}"
            ));
        }
    }
    let default = if args.rate.is_some() {
        OPEN_LOOP_CONCURRENCY
    } else {
        1
    };
    let concurrency = args.concurrency.unwrap_or(default);
    if concurrency == 0 || concurrency > MAX_CONCURRENCY {
        return Err(format!(
            "--concurrency: expected 1..={MAX_CONCURRENCY} calls in flight, got {concurrency}"
        ));
    }
    Ok(Load {
        count: args.count,
        concurrency,
        rate: args.rate,
    })
}

/// Runs `call`.
pub fn run(args: Args) -> ExitCode {
    let usage = |message: &str| {
        for line in message.lines() {
            eprintln!("hedgehog call: {line}");
        }
        ExitCode::from(2)
    };
    let Some(method) = EchoMethod::from_name(&args.method) else {
        return usage(&format!(
            "--method: expected service/method such as echo.Echo/UnaryEcho, got {:?}",
            args.method
        ));
    };
    let load = match load(&args) {
        Ok(l) => l,
        Err(e) => return usage(&e),
    };
    let channel = match tonic::transport::Channel::from_shared(args.target.clone()) {
        Ok(endpoint) => endpoint,
        Err(e) => return usage(&format!("--target: {:?} is not a URI: {e}", args.target)),
    };
    let seed = args.seed.unwrap_or_else(rand::random);
    let (records, received) = tokio::sync::mpsc::unbounded_channel();
    let about = format!("{} → {}", args.method, args.target);
    let (mut output, streamer) =
        match Output::begin(args.format, &args.target, seed, &about, args.count, records) {
            Ok(o) => o,
            Err(e) => return usage(&e),
        };
    let layer = match layer(&args, seed, Arc::new(streamer)) {
        Ok(l) => l,
        Err(e) => return usage(&e),
    };
    let file = args
        .service_config
        .as_ref()
        .map(|f| f.display().to_string());
    for w in layer.warnings() {
        let file = file.as_deref().unwrap_or("service config");
        eprintln!("hedgehog call: warning: {file}: {}", warning_line(w));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the runtime: {e}")),
    };
    let request = Request {
        method,
        message: args.message.clone(),
        timeout: args.deadline_ms.map(Duration::from_millis),
    };
    let interrupted = runtime.block_on(async {
        let service = ServiceBuilder::new()
            .layer(layer)
            .service(channel.connect_lazy());
        call_load::run(&load, service, request, received, &mut output).await
    });
    let failed = output.failed || output.printed() < load.count;
    output.finish(interrupted);
    if interrupted {
        ExitCode::from(130)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
