//! `hedgehog serve`: the failing echo server of grpc-go's retry demo, driven by the same server
//! model as the simulator. Thin: [`hedgehog::live::RunningServer`] does the work; this file
//! reads the schedule, prints the address and one line per attempt, and stops on Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use hedgehog::json::{Map, Value};
use hedgehog::live::RunningServer;
use hedgehog::scenario::server::{ServerModel, ServerSpec};

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
Ctrl-C stops it gracefully.\n\n\
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
    runtime.block_on(async move {
        let mut server = match RunningServer::start(addr, ServerModel::new(&spec, args.seed)).await
        {
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
        println!("listen on address {}", server.local_addr);
        loop {
            tokio::select! {
                // Log lines first, so none is lost when Ctrl-C arrives with records pending.
                biased;
                record = server.attempts.recv() => match record {
                    Some(record) => println!("{record}"),
                    None => break,
                },
                _ = &mut ctrl_c => break,
            }
        }
        println!("shutting down");
        // Graceful: running requests finish; clients that keep their connection open get 5s.
        match tokio::time::timeout(Duration::from_secs(5), server.shutdown()).await {
            Ok(Err(e)) => eprintln!("hedgehog serve: {e}"),
            Ok(Ok(())) => {}
            Err(_) => eprintln!("hedgehog serve: connections still open after 5s; closed"),
        }
        ExitCode::SUCCESS
    })
}
