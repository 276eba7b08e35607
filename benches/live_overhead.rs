//! What the retry layer costs on the happy path: unary echo calls on loopback to one server,
//! every call succeeding, through
//!
//! - a bare tonic channel (the baseline);
//! - `RetryLayer` with a retry policy on the method, and with no config (its machinery alone);
//! - `tower::retry::Retry` with a minimal policy (retry UNAVAILABLE up to 3 times, cloning the
//!   request message), and a hand-written retry loop: what a user would write instead of A6.
//!
//! Blocks of calls alternate between the variants so that machine noise hits all alike.
//! Prints p50/p99 latency, calls per second and heap allocations per call (a counting global
//! allocator; the in-process server's allocations are the same for every variant, so the
//! differences are the client side's), the layer's cost at p50 (goal: at most 5 % and 10 µs
//! per call), then 64 calls in flight (64 tasks, each calling in a loop) through the bare
//! channel and the layer, alternating, and their throughput ratio (goal: ≥ 0.95).
//!
//! Run: `cargo bench --bench live_overhead`. With `HEDGEHOG_BENCH_ONLY=<variant>` (`bare`,
//! `layer`, `plain`, `tower-retry`, `hand-loop`) it makes `HEDGEHOG_BENCH_CALLS` calls
//! (default 20,000) of that variant alone after a short warm-up: run it under
//! `valgrind --tool=callgrind` with two call counts and divide the difference in instructions
//! by the difference in calls to get instructions per call.
//!
//! Such counts vary from run to run with the machine's load (which thread frees what, how
//! often glibc's allocator takes its slow path). For a count that repeats to within a few
//! instructions, run on one thread (`HEDGEHOG_BENCH_RUNTIME=current`: the client, the
//! connections and the server share it) with a per-thread allocator cache that never overflows
//! (`GLIBC_TUNABLES=glibc.malloc.tcache_count=65535`), and count the calling task alone
//! (`--toggle-collect='live_overhead::block::*'`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use hedgehog::live::pb::echo_client::EchoClient;
use hedgehog::live::pb::{EchoRequest, EchoResponse};
use hedgehog::live::{RetryLayer, RetryService, RunningServer};
use hedgehog::scenario::server::{ServerModel, ServerSpec};
use tonic::transport::Channel;
use tower::retry::{Policy, Retry};
use tower::{Service, ServiceBuilder};

/// Counts heap allocations (calls and bytes) across the whole process.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract for `layout` is passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: as for `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CONFIG: &str = r#"{"methodConfig": [{"name": [{"service": "echo.Echo"}],
  "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
  "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;
const WARMUP: usize = 2_000;
const BLOCKS: usize = 20;
const PER_BLOCK: usize = 1_000;
const IN_FLIGHT: usize = 64;
const CONCURRENT_BLOCKS: usize = 10;
const PER_TASK: usize = 100;

type Reply = Result<tonic::Response<EchoResponse>, tonic::Status>;
type Layered = EchoClient<RetryService<Channel>>;

/// tower's retry middleware with the smallest useful policy: UNAVAILABLE is retried up to three
/// times at once, no backoff, no budget.
#[derive(Clone)]
struct RetryUnavailable(usize);

impl Policy<EchoRequest, tonic::Response<EchoResponse>, tonic::Status> for RetryUnavailable {
    type Future = std::future::Ready<()>;

    fn retry(
        &mut self,
        _: &mut EchoRequest,
        result: &mut Result<tonic::Response<EchoResponse>, tonic::Status>,
    ) -> Option<Self::Future> {
        match result {
            Err(s) if s.code() == tonic::Code::Unavailable && self.0 > 0 => {
                self.0 -= 1;
                Some(std::future::ready(()))
            }
            _ => None,
        }
    }

    fn clone_request(&mut self, request: &EchoRequest) -> Option<EchoRequest> {
        Some(request.clone())
    }
}

/// One variant of the call path.
#[derive(Clone)]
enum Client {
    Bare(EchoClient<Channel>),
    Layer(Layered),
    TowerRetry(EchoClient<Channel>),
    HandLoop(EchoClient<Channel>),
}

impl Client {
    async fn call(&mut self) -> Reply {
        let request = EchoRequest {
            message: "Try and Success".into(),
        };
        match self {
            Client::Bare(c) => c.unary_echo(request).await,
            Client::Layer(c) => c.unary_echo(request).await,
            Client::TowerRetry(c) => {
                let inner = tower::service_fn(|r: EchoRequest| {
                    let mut c = c.clone();
                    async move { c.unary_echo(r).await }
                });
                Retry::new(RetryUnavailable(3), inner).call(request).await
            }
            Client::HandLoop(c) => {
                let mut left = 3;
                loop {
                    match c.unary_echo(request.clone()).await {
                        Err(s) if s.code() == tonic::Code::Unavailable && left > 0 => left -= 1,
                        reply => return reply,
                    }
                }
            }
        }
    }
}

/// Latency and allocations of one variant's sequential calls.
struct Stats {
    hist: Histogram<u64>,
    busy: Duration,
    allocs: u64,
    bytes: u64,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            hist: Histogram::new(3).expect("histogram"),
            busy: Duration::ZERO,
            allocs: 0,
            bytes: 0,
        }
    }

    fn p50(&self) -> f64 {
        self.hist.value_at_quantile(0.5) as f64
    }

    fn line(&self, name: &str) -> String {
        let us = |q: f64| self.hist.value_at_quantile(q) as f64 / 1e3;
        let n = self.hist.len() as f64;
        format!(
            "{name:<14} p50 {:>7.1}µs  p99 {:>7.1}µs  {:>6.0} calls/s  {:>5.1} allocs/call  {:>6.0} B/call  ({} calls)",
            us(0.5),
            us(0.99),
            n / self.busy.as_secs_f64(),
            self.allocs as f64 / n,
            self.bytes as f64 / n,
            self.hist.len()
        )
    }

    /// This variant's cost over `base` at p50.
    fn cost(&self, base: &Stats, name: &str) -> String {
        let (b, l) = (base.p50(), self.p50());
        let n = self.hist.len() as f64;
        format!(
            "{name:<14} p50 {:+.1}µs ({:+.1}%)  {:+.1} allocs/call  {:+.0} B/call",
            (l - b) / 1e3,
            (l - b) / b * 100.0,
            (self.allocs as f64 - base.allocs as f64) / n,
            (self.bytes as f64 - base.bytes as f64) / n
        )
    }
}

async fn block(client: &mut Client, n: usize, stats: Option<&mut Stats>) {
    let mut samples = Vec::with_capacity(n);
    let (allocs, bytes) = (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let reply = client.call().await;
        samples.push(t.elapsed());
        assert!(reply.is_ok(), "{reply:?}");
    }
    let busy = started.elapsed();
    if let Some(stats) = stats {
        stats.busy += busy;
        stats.allocs += ALLOCS.load(Ordering::Relaxed) - allocs;
        stats.bytes += BYTES.load(Ordering::Relaxed) - bytes;
        for s in samples {
            let _ = stats
                .hist
                .record(u64::try_from(s.as_nanos()).unwrap_or(u64::MAX));
        }
    }
}

/// `IN_FLIGHT` tasks each making `PER_TASK` calls on a clone of `client`: the time taken.
async fn concurrent(client: &Client) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let mut client = client.clone();
            tokio::spawn(async move {
                for _ in 0..PER_TASK {
                    let reply = client.call().await;
                    assert!(reply.is_ok(), "{reply:?}");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    started.elapsed()
}

fn main() {
    // `HEDGEHOG_BENCH_RUNTIME=current`: one thread runs the client, the connections and the
    // server, so a count of the whole process's instructions is every piece of work a call
    // makes, wherever it runs, and nothing else (no idle worker threads).
    let runtime = match std::env::var("HEDGEHOG_BENCH_RUNTIME").as_deref() {
        Ok("current") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        _ => tokio::runtime::Runtime::new().expect("runtime"),
    };
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
        let layered = |channel| EchoClient::new(ServiceBuilder::new().layer(layer.clone()).service(channel));
        // The layer without a config: its machinery alone, one attempt per call.
        let bare_layer = RetryLayer::builder().build().expect("no config");
        let mut variants = [
            ("bare channel", Client::Bare(EchoClient::new(connect().await))),
            ("RetryLayer", Client::Layer(layered(connect().await))),
            (
                "no config",
                Client::Layer(EchoClient::new(
                    ServiceBuilder::new().layer(bare_layer).service(connect().await),
                )),
            ),
            ("tower::retry", Client::TowerRetry(EchoClient::new(connect().await))),
            ("hand loop", Client::HandLoop(EchoClient::new(connect().await))),
        ];
        if let Ok(only) = std::env::var("HEDGEHOG_BENCH_ONLY") {
            let names = ["bare", "layer", "plain", "tower-retry", "hand-loop"];
            let i = names.iter().position(|n| *n == only).expect("a variant name");
            let calls = std::env::var("HEDGEHOG_BENCH_CALLS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(BLOCKS * PER_BLOCK);
            let client = &mut variants[i].1;
            block(client, 200, None).await;
            let mut s = Stats::new();
            block(client, calls, Some(&mut s)).await;
            println!("{}", s.line(&only));
            return;
        }
        for (_, client) in variants.iter_mut() {
            block(client, WARMUP, None).await;
        }
        let mut stats: Vec<Stats> = variants.iter().map(|_| Stats::new()).collect();
        for _ in 0..BLOCKS {
            for ((_, client), s) in variants.iter_mut().zip(&mut stats) {
                block(client, PER_BLOCK, Some(s)).await;
            }
        }
        println!("unary echo on loopback, sequential calls, {BLOCKS} alternating blocks");
        for ((name, _), s) in variants.iter().zip(&stats) {
            println!("{}", s.line(name));
        }
        println!("cost over the bare channel:");
        for ((name, _), s) in variants.iter().zip(&stats).skip(1) {
            println!("{}", s.cost(&stats[0], name));
        }
        let (bare, layer) = (&variants[0].1, &variants[1].1);
        let (mut b, mut l) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..CONCURRENT_BLOCKS {
            b += concurrent(bare).await;
            l += concurrent(layer).await;
        }
        let calls = (CONCURRENT_BLOCKS * IN_FLIGHT * PER_TASK) as f64;
        let (br, lr) = (calls / b.as_secs_f64(), calls / l.as_secs_f64());
        println!(
            "{IN_FLIGHT} calls in flight, {CONCURRENT_BLOCKS} alternating blocks: bare {br:.0} calls/s, \
             RetryLayer {lr:.0} calls/s, ratio {:.3}",
            lr / br
        );
    });
}
