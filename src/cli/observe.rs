//! `RUST_LOG` for the binary: with it set, every simulated or live call is also a `tracing`
//! span with an event per decision, written to stderr through a `tracing-subscriber` `fmt`
//! layer filtered by `RUST_LOG` (`RUST_LOG=hedgehog=debug`), each span printed once more as it
//! closes, with its final fields. Without it nothing is installed,
//! so stdout (the trace, the summary) and the snapshots stay exactly as they were.

use std::sync::{Arc, OnceLock};

use hedgehog::scenario::Scenario;
use hedgehog::sim::run::{run_with, RunStats};
use hedgehog::trace::{Recorder, Tee};

/// Whether spans go anywhere: decided once, by [`init`].
static SPANS: OnceLock<bool> = OnceLock::new();

/// Installs the stderr subscriber when `RUST_LOG` is set.
pub fn init() {
    SPANS.get_or_init(|| {
        #[cfg(feature = "cli")]
        if std::env::var_os("RUST_LOG").is_some() {
            use std::io::IsTerminal;
            use tracing_subscriber::fmt::format::FmtSpan;
            use tracing_subscriber::EnvFilter;
            // A closing span prints its final fields (status, attempts, committed attempt).
            return tracing_subscriber::fmt()
                .with_env_filter(EnvFilter::from_default_env())
                .with_span_events(FmtSpan::CLOSE)
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr)
                .try_init()
                .is_ok();
        }
        false
    });
}

/// The tracing recorder, if `RUST_LOG` asked for spans.
pub fn spans() -> Option<Arc<dyn Recorder + Send + Sync>> {
    if !SPANS.get().copied().unwrap_or(false) {
        return None;
    }
    #[cfg(feature = "cli")]
    return Some(Arc::new(hedgehog::observe::TracingRecorder::new()));
    #[cfg(not(feature = "cli"))]
    None
}

/// Runs `scenario` with `seed` into `recorder`, its calls also spans when asked.
pub fn sim_run(scenario: &Scenario, seed: u64, recorder: &dyn Recorder) -> RunStats {
    match spans() {
        Some(spans) => run_with(scenario, seed, &Tee(recorder, spans)),
        None => run_with(scenario, seed, recorder),
    }
}

/// `trace` for a layer, with spans when asked.
pub fn live_recorder<R>(trace: Arc<R>) -> Arc<dyn Recorder + Send + Sync>
where
    R: Recorder + Send + Sync + 'static,
{
    match spans() {
        Some(spans) => Arc::new(Tee(trace, spans)),
        None => trace,
    }
}
