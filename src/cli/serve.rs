//! `hedgehog serve`: the failing echo server of grpc-go's retry demo, driven by the same server
//! model as the simulator. Thin: [`hedgehog::live::RunningServer`] does the work; this file
//! reads the schedule, prints the address and one line per attempt, and stops on Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use hedgehog::json::{Map, Value};
use hedgehog::live::server_handle::ServerOptions;
use hedgehog::live::RunningServer;
use hedgehog::scenario::server::{ServerModel, ServerSpec};

mod log_queue;

use log_queue::LogQueue;

/// How long a graceful shutdown waits for running requests and open connections.
const SHUTDOWN: Duration = Duration::from_secs(5);

/// How long `serve` waits at exit for its log to reach stdout.
const LOG_DRAIN: Duration = Duration::from_secs(2);

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
#[command(
    about = "Run the failing echo server (grpc-go's retry demo server)",
    long_about = "Serve echo.Echo (UnaryEcho, ServerStreamingEcho, ClientStreamingEcho, \
BidirectionalStreamingEcho) over HTTP/2. Each arriving attempt gets its answer from the \
simulator's server model: with --req-modulo N every N-th request succeeds and the rest fail \
UNAVAILABLE (grpc-go's demo uses 4); with --schedule FILE the file holds a scenario's `server` \
object (req_modulo, a script of steps with status, latency_ms, raw pushback_ms and \
headers_first, or fail_rate drawn from --seed; and a latency distribution). Errors go out as \
Trailers-Only responses, so clients may retry them.\n\n\
Prints `listen on address HOST:PORT` (the real port when --port 0), then one line per attempt \
with its counter, the grpc-previous-rpc-attempts it carried and the status it answered. \
Ctrl-C stops it gracefully. A stdout that is closed or not read never stops the server: \
lines that cannot be written are dropped, and their number is printed on stderr at exit. \
A connection that has not sent the HTTP/2 preface within 5 s is closed.\n\n\
Exit codes: 0 stopped by Ctrl-C, 2 bad arguments, unreadable or invalid schedule, or the port \
cannot be bound.",
    after_help = "Examples:\n  hedgehog serve --req-modulo 4\n  \
hedgehog serve --port 0 --schedule sims/servers/flaky.json --seed 7"
)]
pub struct Args {
    /// TCP port (0 picks a free one).
    #[arg(long, default_value_t = 50052)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Every N-th request succeeds, the others fail UNAVAILABLE (default 4).
    #[arg(long, value_name = "N", conflicts_with = "schedule")]
    pub req_modulo: Option<u64>,
    /// A JSON file holding a scenario's `server` object.
    #[arg(long, value_name = "FILE")]
    pub schedule: Option<PathBuf>,
    /// Seed of the server's random draws (fail_rate, latency distributions).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Close a connection that has not sent the HTTP/2 preface within this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000, hide = true)]
    pub preface_timeout_ms: u64,
}

fn spec(args: &Args) -> Result<ServerSpec, String> {
    let Some(file) = &args.schedule else {
        let n = args.req_modulo.unwrap_or(4);
        let schedule: Map = [("req_modulo", Value::from(n))].into_iter().collect();
        let value = Value::Object(
            [("schedule", Value::Object(schedule))]
                .into_iter()
                .collect(),
        );
        return ServerSpec::parse(&value, "").map_err(|e| format!("--req-modulo: {}", e.message));
    };
    let name = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {name}: {e}"))?;
    let value = hedgehog::json::parse(&text).map_err(|e| {
        format!(
            "{name}:{}:{}: not valid JSON: {}",
            e.line, e.column, e.message
        )
    })?;
    ServerSpec::parse(&value, "").map_err(|e| format!("{name}: {}: {}", e.path, e.message))
}

/// Runs `serve`.
pub fn run(args: Args) -> ExitCode {
    let spec = match spec(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hedgehog serve: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hedgehog serve: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::new(args.host, args.port);
    let mut log = match LogQueue::start(log_queue::CAPACITY, std::io::stdout()) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("hedgehog serve: cannot start the log writer: {e}");
            return ExitCode::from(2);
        }
    };
    let model = ServerModel::new(&spec, args.seed);
    let options =
        ServerOptions::default().preface_timeout(Duration::from_millis(args.preface_timeout_ms));
    let code = runtime.block_on(serve(addr, model, options, &mut log));
    let end = log.finish(LOG_DRAIN);
    if end.lost() > 0 {
        eprintln!(
            "hedgehog serve: {} of {} log lines not written (stdout closed, or not read fast enough)",
            end.lost(),
            end.offered
        );
    }
    code
}

/// Serves on `addr` until Ctrl-C, offering the log lines to `log`.
async fn serve(
    addr: SocketAddr,
    model: ServerModel,
    options: ServerOptions,
    log: &mut LogQueue,
) -> ExitCode {
    let mut server = match RunningServer::start_with(addr, model, options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hedgehog serve: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    // Install the Ctrl-C handler (first poll) before anyone can know the address.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    if futures_util::FutureExt::now_or_never(&mut ctrl_c).is_some() {
        return ExitCode::SUCCESS;
    }
    log.log(format!("listen on address {}", server.local_addr));
    loop {
        tokio::select! {
            // Log lines first, so none is lost when Ctrl-C arrives with records pending.
            biased;
            record = server.attempts.recv() => match record {
                Some(record) => log.log(record.to_string()),
                None => break,
            },
            _ = &mut ctrl_c => break,
        }
    }
    log.log("shutting down".to_string());
    // Graceful: running requests finish (and are logged as they do: every attempt answered
    // has its line); clients that keep their connection open get SHUTDOWN.
    let (_, closed) = tokio::sync::mpsc::unbounded_channel();
    let mut attempts = std::mem::replace(&mut server.attempts, closed);
    let stop = tokio::time::timeout(SHUTDOWN, server.shutdown());
    tokio::pin!(stop);
    let stopped = loop {
        tokio::select! {
            biased;
            record = attempts.recv() => match record {
                Some(record) => log.log(record.to_string()),
                None => break (&mut stop).await,
            },
            stopped = &mut stop => break stopped,
        }
    };
    while let Ok(record) = attempts.try_recv() {
        log.log(record.to_string());
    }
    match stopped {
        Ok(Err(e)) => eprintln!("hedgehog serve: {e}"),
        Ok(Ok(())) => {}
        Err(_) => eprintln!("hedgehog serve: connections still open after {SHUTDOWN:?}; closed"),
    }
    ExitCode::SUCCESS
}
