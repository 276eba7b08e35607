//! What the retry layer costs on the happy path: unary echo calls on loopback, one at a time,
//! through `RetryLayer` (a retry policy on the method, every call succeeding), through the layer
//! with no config, and through a bare tonic channel to the same server. Blocks of calls
//! alternate between the three so that machine noise hits all alike. Prints p50/p99 latency and calls per second for each, and the layer's
//! cost at p50 (goal: at most 5 % and 10 µs per call).
//!
//! Run: `cargo bench --bench live_overhead` (one run, no statistics framework). With
//! `HEDGEHOG_BENCH_ONLY=bare` or `=layer` it runs one variant alone, for `perf stat`/`perf record`.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::pb::EchoRequest;
use hedgehog::live::{RetryLayer, RunningServer};
use hedgehog::scenario::server::{ServerModel, ServerSpec};
use tonic::transport::Channel;
use tower::ServiceBuilder;

const CONFIG: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
  "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
  "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;
const WARMUP: usize = 2_000;
const BLOCKS: usize = 20;
const PER_BLOCK: usize = 1_000;

struct Stats {
    hist: Histogram<u64>,
    busy: Duration,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            hist: Histogram::new(3).expect("histogram"),
            busy: Duration::ZERO,
        }
    }

    fn line(&self, name: &str) -> String {
        let us = |q: f64| self.hist.value_at_quantile(q) as f64 / 1e3;
        let rate = self.hist.len() as f64 / self.busy.as_secs_f64();
        format!(
            "{name:<14} p50 {:>8.1}µs  p99 {:>8.1}µs  {:>8.0} calls/s  ({} calls)",
            us(0.5),
            us(0.99),
            rate,
            self.hist.len()
        )
    }
}

async fn block<T>(client: &mut EchoClient<T>, n: usize, stats: Option<&mut Stats>)
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    let mut samples = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let reply = client
            .unary_echo(EchoRequest {
                message: "Try and Success".into(),
            })
            .await;
        samples.push(t.elapsed());
        assert!(reply.is_ok(), "{reply:?}");
    }
    if let Some(stats) = stats {
        stats.busy += started.elapsed();
        for s in samples {
            let _ = stats
                .hist
                .record(u64::try_from(s.as_nanos()).unwrap_or(u64::MAX));
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let spec = ServerSpec::parse(
            &serde_json::json!({"schedule": {"req_modulo": 1}}).into(),
            "",
        )
        .expect("spec");
        let server = RunningServer::start(([127, 0, 0, 1], 0).into(), ServerModel::new(&spec, 1))
            .await
            .expect("server");
        let connect = || async {
            Channel::from_shared(server.uri())
                .expect("uri")
                .connect()
                .await
                .expect("connect")
        };
        let layer = RetryLayer::from_service_config(CONFIG).expect("config");
        let mut bare = EchoClient::new(connect().await);
        let mut layered =
            EchoClient::new(ServiceBuilder::new().layer(layer).service(connect().await));
        // The layer without a config: its machinery alone, one attempt per call.
        let bare_layer = RetryLayer::builder().build().expect("no config");
        let mut plain = EchoClient::new(
            ServiceBuilder::new()
                .layer(bare_layer)
                .service(connect().await),
        );
        block(&mut bare, WARMUP, None).await;
        block(&mut layered, WARMUP, None).await;
        block(&mut plain, WARMUP, None).await;
        // HEDGEHOG_BENCH_ONLY=bare|layer runs one variant alone (for `perf stat`).
        if let Ok(only) = std::env::var("HEDGEHOG_BENCH_ONLY") {
            let mut s = Stats::new();
            for _ in 0..BLOCKS {
                match only.as_str() {
                    "bare" => block(&mut bare, PER_BLOCK, Some(&mut s)).await,
                    _ => block(&mut layered, PER_BLOCK, Some(&mut s)).await,
                }
            }
            println!("{}", s.line(&only));
            return;
        }
        let (mut b, mut l, mut p) = (Stats::new(), Stats::new(), Stats::new());
        for _ in 0..BLOCKS {
            block(&mut bare, PER_BLOCK, Some(&mut b)).await;
            block(&mut layered, PER_BLOCK, Some(&mut l)).await;
            block(&mut plain, PER_BLOCK, Some(&mut p)).await;
        }
        println!("unary echo on loopback, sequential calls, {BLOCKS} alternating blocks");
        println!("{}", b.line("bare channel"));
        println!("{}", l.line("RetryLayer"));
        println!("{}", p.line("no config"));
        let (bp, lp) = (
            b.hist.value_at_quantile(0.5) as f64,
            l.hist.value_at_quantile(0.5) as f64,
        );
        let (b99, l99) = (
            b.hist.value_at_quantile(0.99) as f64,
            l.hist.value_at_quantile(0.99) as f64,
        );
        println!(
            "layer cost     p50 {:+.1}µs ({:+.1}%)  p99 {:+.1}µs ({:+.1}%)",
            (lp - bp) / 1e3,
            (lp - bp) / bp * 100.0,
            (l99 - b99) / 1e3,
            (l99 - b99) / b99 * 100.0
        );
    });
}
