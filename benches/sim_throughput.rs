//! Simulator throughput: simulated attempts per second on one core, and peak memory.
//!
//! `cargo bench --bench sim_throughput` (add `-- --calls N` to change the size, `-- --only
//! NAME` to run one variant, e.g. under callgrind). Runs a retry and a hedging variant against
//! a server that fails 30% of requests at random, in `--summary` mode (no per-event trace);
//! then the load world (`load`: two client processes with Poisson arrivals, fan-out 2, a
//! finite-capacity server with a front-end timeout) with the retry policy and about as many
//! RPCs, so its cost per attempt can be compared with the plain runner's in one run; then the
//! retry variant again with 10× the calls: if memory is flat in the number of calls, the peak
//! (VmHWM) barely moves.
//!
//! Measured 2026-12-07 on the 2-core development machine with nothing else running, seven
//! runs at the end of issue 16's fourth round: retry 3.03 M attempts/s (median; 2.44–3.13 M),
//! hedging 3.57 M (3.08–4.04 M), the load world 2.66 M (2.49–3.14 M), retry at 1,000,000 calls
//! 3.12 M (3.00–3.22 M); VmHWM 4.4–5.8 MiB. callgrind (20,000 calls, total instructions /
//! attempts): retry 2,674, hedging 2,468, load world 2,996 per simulated attempt (4,690, 4,259
//! and 4,881 before issue 16's first round; the README's performance section says what
//! changed and where the rest goes, and docs/perf/floor.md what the same work costs without
//! an executor).
//!
//! Full traces, one variant per process, named with `--only`: `trace-json`, `trace-yaml`,
//! `trace-text` (streamed to /dev/null, as `hedgehog sim --format F` writes them) and
//! `collected-json`, `collected-yaml`, `collected-text` (collected, then rendered: the path
//! before streaming), each with the retry scenario; they print attempts per second of CPU,
//! output bytes per call, and the peak memory's growth per call.

use std::path::Path;
use std::time::Instant;

use hedgehog::scenario::Scenario;
use std::io::Write as _;

use hedgehog::sim::run::{run_with, summary};
use hedgehog::trace::render::{to_json_string, to_text, to_yaml, Format};
use hedgehog::trace::{
    CallRecord, Event, EventKind, Mode, Recorder, StreamRecorder, Tee, TraceRecorder,
};
use serde_json::json;

fn scenario(name: &str, policy: serde_json::Value, calls: u64) -> Scenario {
    from_value(name, scenario_value(name, policy, calls))
}

fn from_value(name: &str, value: serde_json::Value) -> Scenario {
    Scenario::from_value(&value.into(), Path::new("."), name).unwrap_or_else(|e| panic!("{e}"))
}

fn scenario_value(name: &str, policy: serde_json::Value, calls: u64) -> serde_json::Value {
    json!({
        "name": name,
        "description": "benchmark",
        "service_config": {"methodConfig": [{"name": [{"service": "echo.Echo"}], name: policy}]},
        "jitter": "spec",
        "seeds": [1],
        "server": {"schedule": {"fail_rate": 0.3}, "latency": {"exponential_ms": 2}},
        "client": {"method": "echo.Echo/UnaryEcho", "calls": calls, "interval_ms": 0.01,
                   "deadline_ms": 1000}
    })
}

/// The load world at the plain runner's offered rate (100,000 RPCs per second of virtual
/// time): 2 clients × 25,000 user requests/s × fan-out 2, for about `calls` RPCs, against a
/// server with ten times that capacity and a 500 ms front-end timeout.
fn load_scenario(policy: serde_json::Value, calls: u64) -> Scenario {
    let mut value = scenario_value("retryPolicy", policy, calls);
    value["load"] = json!({
        "clients": 2,
        "arrivals": {"process": "poisson", "rate_per_s": 25000, "duration_ms": calls as f64 / 100.0},
        "fan_out": 2,
        "server": {"capacity_per_s": 1_000_000, "timeout_ms": 500, "timeout_status": "UNAVAILABLE"}
    });
    from_value("load", value)
}

/// Peak resident memory in KiB, from /proc (Linux); 0 elsewhere.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// Nanoseconds this thread has spent on a CPU (Linux schedstat), so a busy shared machine
/// does not distort the figure; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
}

fn measure(label: &str, s: &Scenario) {
    let (start, cpu0) = (Instant::now(), cpu_ns());
    let sum = summary(s, 1);
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu0, cpu_ns()) {
        (Some(a), Some(b)) => (b - a) as f64 / 1e9,
        _ => wall,
    };
    let attempts = sum.attempts();
    println!(
        "{label:<18} calls {:>8}  attempts {:>8}  wall {:>6.3}s  cpu {:>6.3}s  {:>9.0} attempts/s wall  {:>9.0} attempts/s cpu  OK {:>5.1}%  p99 {:.3}ms  VmHWM {} KiB",
        sum.calls(),
        attempts,
        wall,
        cpu,
        attempts as f64 / wall,
        attempts as f64 / cpu,
        100.0 * sum.status_count(hedgehog::code::Code::Ok) as f64 / sum.calls().max(1) as f64,
        hedgehog::time::to_ms(sum.latency_at(0.99)),
        vm_hwm_kib(),
    );
    assert_eq!(sum.unfinished, 0);
}

/// Counts attempts sent, beside the trace recorder it is teed with.
#[derive(Default)]
struct Attempts(std::cell::Cell<u64>);

impl Recorder for Attempts {
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&self, event: &Event<'_>) {
        if event.what.kind() == EventKind::Sent {
            self.0.set(self.0.get() + 1);
        }
    }
    fn call(&self, _record: &CallRecord) {}
}

/// A full trace in `format` to /dev/null: streamed (`collected` false: what `hedgehog sim`
/// does) or collected and rendered at the end (what it did before). Memory is the peak's
/// growth over the run, per call.
fn measure_trace(label: &str, s: &Scenario, format: Format, collected: bool) {
    let hwm0 = vm_hwm_kib();
    let null = std::fs::File::create("/dev/null").expect("/dev/null");
    let mut out = std::io::BufWriter::with_capacity(1 << 16, null);
    let (start, cpu0) = (Instant::now(), cpu_ns());
    let attempts = Attempts::default();
    let mut bytes = 0;
    if collected {
        let trace = TraceRecorder::new();
        run_with(s, 1, &Tee(&trace, &attempts));
        let trace = trace.into_trace(&s.name, 1, Mode::Sim);
        let text = match format {
            Format::Json => to_json_string(&trace),
            Format::Yaml => to_yaml(&trace),
            Format::Text => to_text(&trace, &s.description),
        };
        bytes = text.len();
        out.write_all(text.as_bytes()).expect("write");
    } else {
        let counted = Counted(&mut out, &mut bytes);
        let stream = StreamRecorder::new(counted, format, &s.name, 1, Mode::Sim, &s.description);
        run_with(s, 1, &Tee(&stream, &attempts));
        stream.finish().expect("write");
    }
    out.flush().expect("flush");
    let cpu = match (cpu0, cpu_ns()) {
        (Some(a), Some(b)) => (b - a) as f64 / 1e9,
        _ => start.elapsed().as_secs_f64(),
    };
    let calls = s.client.calls.max(1);
    let attempts = attempts.0.get();
    println!(
        "{label:<18} calls {calls:>8}  attempts {attempts:>8}  cpu {cpu:>6.3}s  {:>9.0} attempts/s cpu  output {:>6.0} B/call  VmHWM {} KiB, {:.0} B/call over the start",
        attempts as f64 / cpu,
        bytes as f64 / calls as f64,
        vm_hwm_kib(),
        (vm_hwm_kib() - hwm0) as f64 * 1024.0 / calls as f64,
    );
}

/// A writer that counts what goes through it.
struct Counted<'a, W>(&'a mut W, &'a mut usize);

impl<W: std::io::Write> std::io::Write for Counted<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.0.write(buf)?;
        *self.1 += n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let calls = args
        .iter()
        .position(|a| a == "--calls")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000u64);
    let retry = json!({"maxAttempts": 4, "initialBackoff": "0.01s", "maxBackoff": "0.1s",
        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]});
    let hedge = json!({"maxAttempts": 3, "hedgingDelay": "0.005s",
        "nonFatalStatusCodes": ["UNAVAILABLE"]});
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let run = |label: &str| only.is_none_or(|o| o == label);
    println!("simulator throughput, fail_rate 0.3, exponential 2ms latency, summary mode");
    if run("retry") {
        measure("retry", &scenario("retryPolicy", retry.clone(), calls));
    }
    if run("hedging") {
        measure("hedging", &scenario("hedgingPolicy", hedge, calls));
    }
    if run("load") {
        measure("load", &load_scenario(retry.clone(), calls));
    }
    // Full traces: only when named (`--only trace-json`, `collected-json`, …), one per
    // process, so each peak is its own.
    for (name, format) in [
        ("json", Format::Json),
        ("yaml", Format::Yaml),
        ("text", Format::Text),
    ] {
        for collected in [false, true] {
            let label = format!("{}-{name}", if collected { "collected" } else { "trace" });
            if only == Some(label.as_str()) {
                let s = scenario("retryPolicy", retry.clone(), calls);
                measure_trace(&label, &s, format, collected);
            }
        }
    }
    if run("retry10x") {
        measure(
            "retry, 10x calls",
            &scenario("retryPolicy", retry, calls * 10),
        );
    }
}
