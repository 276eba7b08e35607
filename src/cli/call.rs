//! `hedgehog call`: the retrying echo client of grpc-go's retry demo. Thin: the layer
//! ([`hedgehog::live::RetryLayer`]) does A6; this file builds it from the config file, makes
//! the calls one after another and prints each call's outcome and attempts.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hedgehog::config::{warning_line, ParseError};
use hedgehog::live::echo::{echo_call, EchoMethod, EchoOptions};
use hedgehog::live::RetryLayer;
use hedgehog::trace::render::{to_json, to_text};
use hedgehog::trace::{Mode, TraceRecorder};
use tower::ServiceBuilder;

use super::format::{text_or_json, TextOrJson};

/// Arguments of `call`.
#[derive(Debug, clap::Args)]
#[command(
    about = "Call the echo server through the A6 retry layer and show every attempt",
    long_about = "Make --count echo calls, one after another, through hedgehog's tower layer \
configured by a service config file (the grpc-go demo config works verbatim). Prints each \
call's status and reply and its attempts: when each was sent, the grpc-previous-rpc-attempts \
value it carried and how it ended. --format json prints the trace's JSON shape (calls with \
attempts, and the event log). Portability warnings about the config go to stderr.\n\n\
Exit codes: 0 every call succeeded, 1 a call failed, 2 bad arguments or an unreadable or \
invalid config (its JSON path and what was expected are printed).",
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
    /// Seed for backoff jitter (default: drawn at random; the output prints the seed used, so
    /// `--seed` with it replays the client's draws).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_parser = text_or_json("The trace's JSON shape"), default_value = "text")]
    pub format: TextOrJson,
}

fn layer(args: &Args, seed: u64, recorder: Arc<TraceRecorder>) -> Result<RetryLayer, String> {
    // Always seeded, with the seed the output prints: `--seed` of a printed seed replays the
    // client's draws.
    let builder = RetryLayer::builder()
        .recorder(super::observe::live_recorder(recorder))
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
    let channel = match tonic::transport::Channel::from_shared(args.target.clone()) {
        Ok(endpoint) => endpoint,
        Err(e) => return usage(&format!("--target: {:?} is not a URI: {e}", args.target)),
    };
    let recorder = Arc::new(TraceRecorder::new());
    let seed = args.seed.unwrap_or_else(rand::random);
    let layer = match layer(&args, seed, Arc::clone(&recorder)) {
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
    let options = EchoOptions {
        timeout: args.deadline_ms.map(Duration::from_millis),
        index: None,
    };
    let (replies, trace) = runtime.block_on(async {
        let service = ServiceBuilder::new()
            .layer(layer)
            .service(channel.connect_lazy());
        let mut replies = Vec::new();
        for i in 0..args.count {
            let reply = echo_call(service.clone(), &method, &args.message, &options).await;
            replies.push(reply);
            // The driver records the call once the committed attempt's trailers are in.
            let wait = recorder.wait_calls(usize::try_from(i + 1).unwrap_or(usize::MAX));
            if tokio::time::timeout(Duration::from_secs(30), wait)
                .await
                .is_err()
            {
                eprintln!("hedgehog call: call {i} was not recorded within 30s");
            }
        }
        (
            replies,
            recorder.trace(&args.target, seed, Mode::Live),
        )
    });
    let mut trace = trace;
    for (call, reply) in trace.calls.iter_mut().zip(&replies) {
        call.message = reply.as_ref().ok().cloned();
    }
    let failed = replies.iter().any(Result::is_err);
    match args.format {
        TextOrJson::Json => println!("{}", to_json(&trace)),
        TextOrJson::Text => {
            trace.events.clear();
            let about = format!("{} → {}", args.method, args.target);
            print!("{}", to_text(&trace, &about));
            for (i, reply) in replies.iter().enumerate() {
                if let Err(status) = reply {
                    println!("call {i} failed: {:?} {}", status.code(), status.message());
                }
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
