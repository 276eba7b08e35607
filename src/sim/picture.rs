//! One seed's run as a picture (`hedgehog sim FILE --format svg`): the run, the trace of its
//! first calls, and what the picture needs that the trace does not hold.
//!
//! The trace has no deadlines: a call's deadline is part of its plan, made before the driver
//! starts. So each drawn call's deadline is made again here by the one rule the simulator's
//! calls go through ([`MethodPlan::call_plan`]: the earlier of the client's `deadline_ms` and
//! the method's `timeout`, R81), from the method and start time its record carries.
//!
//! Memory: the picture draws at most [`MAX_CALLS`] calls, so events of later calls are dropped
//! as they arrive; every call's record is kept, for the totals in the title.

use super::run::{run_with, RunStats};
use crate::plan::MethodPlan;
use crate::scenario::Scenario;
use crate::time::Nanos;
use crate::trace::render::{to_svg, SvgOptions, MAX_CALLS};
use crate::trace::{CallRecord, CallStart, Event, Mode, Recorder, Trace, TraceRecorder};

/// The SVG picture of `seed` of `scenario`: its first [`MAX_CALLS`] calls, with their
/// deadlines and the scenario's description as the caption.
pub fn svg(scenario: &Scenario, seed: u64) -> String {
    svg_and_stats(scenario, seed).0
}

/// [`svg`] and the run's stats (for [`RunStats::check`]: a run that met the in-flight bound
/// drew a run that is not the scenario's).
pub fn svg_and_stats(scenario: &Scenario, seed: u64) -> (String, RunStats) {
    let recorder = FirstCalls {
        limit: MAX_CALLS as u64,
        inner: TraceRecorder::new(),
    };
    let stats = run_with(scenario, seed, &recorder);
    let trace = recorder.inner.into_trace(&scenario.name, seed, Mode::Sim);
    (to_svg(&trace, &svg_options(scenario, &trace)), stats)
}

/// The picture's options for a trace of `scenario`: the description as the caption and each
/// drawn call's deadline.
pub fn svg_options(scenario: &Scenario, trace: &Trace) -> SvgOptions {
    let description = scenario.description.trim();
    let drawn = trace.calls.iter().take(MAX_CALLS);
    SvgOptions {
        caption: (!description.is_empty()).then(|| description.to_string()),
        deadlines: drawn
            .filter_map(|c| Some((c.call, deadline(scenario, c)?)))
            .collect(),
        ..SvgOptions::default()
    }
}

/// The deadline the simulator gave `call` (R81), on the run's clock; `None` when the call
/// had none or its record does not name its method.
pub fn deadline(scenario: &Scenario, call: &CallRecord) -> Option<Nanos> {
    let method = MethodPlan::for_path(&scenario.config, call.method.as_deref()?);
    let client = &scenario.client;
    let plan = method.into_call_plan(client.deadline, call.started, scenario.jitter, true);
    plan.deadline
}

/// A full trace of the calls below `limit` and the bare records of the rest.
struct FirstCalls {
    limit: u64,
    inner: TraceRecorder,
}

impl Recorder for FirstCalls {
    fn started(&self, start: &CallStart<'_>) {
        self.inner.started(start);
    }
    fn wants_events(&self) -> bool {
        true
    }
    fn event(&self, event: &Event<'_>) {
        if event.call < self.limit {
            self.inner.event(event);
        }
    }
    fn call(&self, record: &CallRecord) {
        self.inner.call(record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::time::NANOS_PER_MS;
    use std::path::Path;

    fn scenario(name: &str) -> Scenario {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Scenario::load(&root.join("sims").join(name)).expect("a valid scenario")
    }

    #[test]
    fn each_call_gets_the_client_deadline_from_its_own_start_r81() {
        let s = scenario("throttling-20-failing-calls.json");
        let trace = super::super::run::trace(&s, 1);
        let options = svg_options(&s, &trace);
        assert_eq!(options.deadlines.len(), 20);
        // Calls start 10ms apart, each with deadline_ms 1000.
        assert_eq!(options.deadlines[&0], 1_000 * NANOS_PER_MS);
        assert_eq!(options.deadlines[&3], 1_030 * NANOS_PER_MS);
        assert!(options
            .caption
            .as_deref()
            .unwrap_or("")
            .contains("20 calls"));
    }

    #[test]
    fn the_method_timeout_wins_when_it_is_earlier_r81() {
        // timeout 50ms against the client's 1s deadline; the call ends at its deadline.
        let s = scenario("method-timeout.json");
        let trace = super::super::run::trace(&s, s.seeds[0]);
        let call = &trace.calls[0];
        assert_eq!(deadline(&s, call), Some(call.started + 50 * NANOS_PER_MS));
        assert_eq!(deadline(&s, call), Some(call.ended));
    }
}
