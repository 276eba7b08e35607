//! The load loop of `hedgehog call`: `--count` calls, at most `--concurrency` in flight,
//! started back to back (closed loop) or at `--rate` per second (open loop).
//!
//! Each call has an *intended start*: the moment it was launched in a closed loop, or
//! `start + i / rate` in an open loop. Its latency is measured from there, so when a slow
//! server holds every slot and a call launches late, the wait counts (no coordinated
//! omission). Work is linear and memory flat: a call's reply waits only for its own record
//! (they are paired by call index, set on each request), then both are printed and dropped.
//! Ctrl-C or SIGTERM stops launching, drops the calls in flight and still prints the summary.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hedgehog::live::echo::{echo_call, EchoMethod, EchoOptions};
use hedgehog::live::RetryService;
use hedgehog::trace::CallRecord;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::call_output::Output;

/// How long a call's record may lag behind its reply (the driver records the call once the
/// committed attempt's trailers are in).
const RECORD_WAIT: Duration = Duration::from_secs(30);

/// The calls to make and how.
#[derive(Debug)]
pub struct Load {
    /// Number of calls.
    pub count: u64,
    /// Calls in flight at most.
    pub concurrency: usize,
    /// Open-loop arrivals per second, if any.
    pub rate: Option<f64>,
}

/// What one call sends.
#[derive(Debug)]
pub struct Request {
    /// The method.
    pub method: EchoMethod,
    /// The message.
    pub message: String,
    /// The per-call deadline.
    pub timeout: Option<Duration>,
}

type Reply = Result<String, tonic::Status>;

/// Half of a finished call: whichever of reply and record came first.
enum Half {
    Reply(Reply, u64),
    Record(CallRecord),
}

/// Resolves on Ctrl-C or SIGTERM; never, if neither can be listened to.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                biased;
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Pairs replies with records and prints each call once it has both.
struct Pairs<'a> {
    waiting: BTreeMap<u64, Half>,
    output: &'a mut Output,
    bar: &'a indicatif::ProgressBar,
}

impl Pairs<'_> {
    fn reply(&mut self, call: u64, reply: Reply, took: u64) {
        match self.waiting.remove(&call) {
            Some(Half::Record(record)) => self.print(record, &reply, took),
            _ => {
                self.waiting.insert(call, Half::Reply(reply, took));
            }
        }
    }

    fn record(&mut self, record: CallRecord) {
        match self.waiting.remove(&record.call) {
            Some(Half::Reply(reply, took)) => self.print(record, &reply, took),
            _ => {
                self.waiting.insert(record.call, Half::Record(record));
            }
        }
    }

    fn print(&mut self, record: CallRecord, reply: &Reply, took: u64) {
        self.output.call(record, reply, took);
        self.bar.inc(1);
    }

    fn replies_waiting(&self) -> bool {
        self.waiting.values().any(|h| matches!(h, Half::Reply(..)))
    }
}

/// Makes the calls; returns whether a signal interrupted them.
pub async fn run(
    load: &Load,
    service: RetryService<tonic::transport::Channel>,
    request: Request,
    mut records: UnboundedReceiver<CallRecord>,
    output: &mut Output,
) -> bool {
    let request = Arc::new(request);
    let bar = super::sweep::progress(load.count);
    let mut pairs = Pairs {
        waiting: BTreeMap::new(),
        output,
        bar: &bar,
    };
    let mut in_flight: JoinSet<(u64, Reply, u64)> = JoinSet::new();
    let stop = stop_signal();
    tokio::pin!(stop);
    let start = Instant::now();
    let intended = |i: u64| match load.rate {
        Some(rate) => start + Duration::from_secs_f64(i as f64 / rate),
        None => Instant::now(),
    };
    let mut launched = 0u64;
    let mut interrupted = false;
    while launched < load.count || !in_flight.is_empty() {
        let can_launch = launched < load.count && in_flight.len() < load.concurrency;
        let next = intended(launched);
        tokio::select! {
            biased;
            _ = &mut stop => { interrupted = true; break; }
            Some(record) = records.recv() => pairs.record(record),
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                if let Ok((call, reply, took)) = done {
                    pairs.reply(call, reply, took);
                }
            }
            _ = tokio::time::sleep_until(next), if can_launch => {
                let (service, request) = (service.clone(), Arc::clone(&request));
                let call = launched;
                in_flight.spawn(async move {
                    let options = EchoOptions { timeout: request.timeout, index: Some(call) };
                    let reply = echo_call(service, &request.method, &request.message, &options).await;
                    (call, reply, nanos(next.elapsed()))
                });
                launched += 1;
            }
        }
    }
    // The records of calls already answered.
    let deadline = tokio::time::sleep(RECORD_WAIT);
    tokio::pin!(deadline);
    while !interrupted && pairs.replies_waiting() {
        tokio::select! {
            biased;
            _ = &mut stop => interrupted = true,
            _ = &mut deadline => break,
            Some(record) = records.recv() => pairs.record(record),
        }
    }
    bar.finish_and_clear();
    for (call, half) in &pairs.waiting {
        if matches!(half, Half::Reply(..)) && !interrupted {
            eprintln!("hedgehog call: call {call} was not recorded within 30s");
        }
    }
    interrupted
}
