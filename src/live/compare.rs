//! Live vs simulated: do two traces of the same scenario and seed tell the same story?
//!
//! The contract: the attempt sequence the simulator prints is the one the live
//! client performs. So, per call, these must be *identical*: the status, the number of
//! attempts, and per attempt its number, `previous`, outcome, commit flag, raw pushback and
//! transparent flag.
//!
//! Times cannot be identical: real sockets take time, and tokio's timer fires on millisecond
//! ticks, never early. Two checks, both with stated tolerances:
//! - **intervals**: the call's time points (each attempt's send and end, the call's end),
//!   taken in simulated order; each gap between neighbours must match its simulated gap
//!   within `step + step_ratio × gap`. This checks every delay the engine chose (backoff,
//!   pushback, hedging delay) and every server latency on its own, so lateness does not
//!   accumulate into it;
//! - **absolute**: each point within `fixed + per_attempt × (k + 1)` of its simulated time
//!   (k = the attempt's index in its call), a loose bound on the accumulated drift.

use crate::time::{to_ms, Nanos, NANOS_PER_MS};
use crate::trace::{AttemptRecord, CallRecord, Trace};

/// How far live times may stray from simulated ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance {
    /// Allowed for every gap between neighbouring time points.
    pub step: Nanos,
    /// Plus this fraction of the simulated gap, in percent.
    pub step_percent: u64,
    /// Allowed for every absolute time.
    pub fixed: Nanos,
    /// Added to `fixed` for each attempt up to and including the one measured.
    pub per_attempt: Nanos,
}

impl Default for Tolerance {
    /// Gaps within 10 ms + 10 %; absolute times within 20 ms + 8 ms per attempt.
    fn default() -> Self {
        Tolerance {
            step: 10 * NANOS_PER_MS,
            step_percent: 10,
            fixed: 20 * NANOS_PER_MS,
            per_attempt: 8 * NANOS_PER_MS,
        }
    }
}

impl Tolerance {
    fn at(self, k: usize) -> Nanos {
        let k = u64::try_from(k).unwrap_or(u64::MAX).saturating_add(1);
        self.fixed
            .saturating_add(self.per_attempt.saturating_mul(k))
    }

    fn gap(self, sim_gap: Nanos) -> Nanos {
        self.step
            .saturating_add(sim_gap.saturating_mul(self.step_percent) / 100)
    }

    /// In words, for reports.
    pub fn describe(self) -> String {
        format!(
            "each gap within {}ms + {}%, each time within {}ms + {}ms per attempt",
            to_ms(self.step),
            self.step_percent,
            to_ms(self.fixed),
            to_ms(self.per_attempt)
        )
    }
}

/// The verdict.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Calls compared.
    pub calls: usize,
    /// Attempts compared.
    pub attempts: usize,
    /// Differences in what happened (counts, previous, outcomes, commits), in words.
    pub structure: Vec<String>,
    /// Times beyond the tolerance, in words.
    pub timing: Vec<String>,
    /// The largest absolute time difference seen, in nanoseconds.
    pub max_time_diff: Nanos,
    /// The largest gap difference seen, in nanoseconds.
    pub max_gap_diff: Nanos,
}

impl Comparison {
    /// True when nothing disagrees.
    pub fn agrees(&self) -> bool {
        self.structure.is_empty() && self.timing.is_empty()
    }

    /// Every difference, structure first.
    pub fn disagreements(&self) -> Vec<String> {
        self.structure.iter().chain(&self.timing).cloned().collect()
    }
}

/// Compares `live` against `sim` call by call.
pub fn compare(sim: &Trace, live: &Trace, tolerance: Tolerance) -> Comparison {
    let mut out = Comparison::default();
    if sim.calls.len() != live.calls.len() {
        out.structure.push(format!(
            "calls: simulated {}, live {}",
            sim.calls.len(),
            live.calls.len()
        ));
    }
    for (s, l) in sim.calls.iter().zip(&live.calls) {
        compare_call(s, l, tolerance, &mut out);
    }
    out
}

fn facts(a: &AttemptRecord) -> String {
    format!(
        "attempt {} previous {:?} outcome {} committed {} pushback {:?} transparent {}",
        a.attempt,
        a.previous,
        a.outcome.map_or("(running)", |o| o.as_str()),
        a.committed,
        a.pushback,
        a.transparent
    )
}

/// A time point of a call: its name, simulated and live time, and attempt index.
type Point = (String, Nanos, Nanos, usize);

fn compare_call(s: &CallRecord, l: &CallRecord, tolerance: Tolerance, out: &mut Comparison) {
    let call = s.call;
    out.calls += 1;
    let structure_before = out.structure.len();
    if s.status != l.status {
        let what = format!("status: simulated {}, live {}", s.status, l.status);
        out.structure.push(format!("call {call}: {what}"));
    }
    if s.attempts.len() != l.attempts.len() {
        let (sn, ln) = (s.attempts.len(), l.attempts.len());
        out.structure
            .push(format!("call {call}: attempts: simulated {sn}, live {ln}"));
    }
    let mut points: Vec<Point> = vec![("call ended".into(), s.ended, l.ended, s.attempts.len())];
    for (k, (sa, la)) in s.attempts.iter().zip(&l.attempts).enumerate() {
        let (sf, lf) = (facts(sa), facts(la));
        if sf != lf {
            let what = format!("slot {k}: simulated [{sf}], live [{lf}]");
            out.structure.push(format!("call {call}: {what}"));
        }
        let n = sa.attempt;
        points.push((format!("attempt {n} sent"), sa.sent, la.sent, k));
        if let (Some(se), Some(le)) = (sa.ended, la.ended) {
            points.push((format!("attempt {n} ended"), se, le, k));
        }
    }
    out.attempts += s.attempts.len().min(l.attempts.len());
    if out.structure.len() > structure_before {
        return; // times of different stories mean nothing
    }
    let mut timing = Vec::new();
    gaps(&points, (s.started, l.started), tolerance, out, &mut timing);
    for (what, st, lt, k) in &points {
        let diff = st.abs_diff(*lt);
        out.max_time_diff = out.max_time_diff.max(diff);
        if diff > tolerance.at(*k) {
            timing.push(format!(
                "{what}: simulated {:.3}ms, live {:.3}ms (allowed ±{}ms)",
                to_ms(*st),
                to_ms(*lt),
                to_ms(tolerance.at(*k))
            ));
        }
    }
    out.timing
        .extend(timing.into_iter().map(|t| format!("call {call}: {t}")));
}

/// The interval check: in simulated order, each point's gap to the point before it must match
/// — or, for points anchored at the call's start (a deadline), its offset from the start.
fn gaps(
    points: &[Point],
    started: (Nanos, Nanos),
    tolerance: Tolerance,
    out: &mut Comparison,
    timing: &mut Vec<String>,
) {
    let mut order: Vec<&Point> = points.iter().collect();
    order.sort_by_key(|p| p.1);
    for pair in order.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (sim_gap, live_gap) = (b.1 - a.1, b.2.abs_diff(a.2));
        let diff = sim_gap.abs_diff(live_gap);
        let (sim_offset, live_offset) =
            (b.1.saturating_sub(started.0), b.2.saturating_sub(started.1));
        let from_start = sim_offset.abs_diff(live_offset);
        let best = diff.min(from_start);
        out.max_gap_diff = out.max_gap_diff.max(best);
        if diff > tolerance.gap(sim_gap) && from_start > tolerance.gap(sim_offset) {
            timing.push(format!(
                "{} → {}: simulated {:.3}ms, live {:.3}ms (allowed ±{}ms)",
                a.0,
                b.0,
                to_ms(sim_gap),
                to_ms(live_gap),
                to_ms(tolerance.gap(sim_gap))
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::trace::Outcome;

    fn attempt(n: u32, sent: Nanos, ended: Nanos, code: Code) -> AttemptRecord {
        AttemptRecord {
            attempt: n,
            previous: n.checked_sub(1).filter(|p| *p > 0),
            sent,
            ended: Some(ended),
            outcome: Some(Outcome::Status(code)),
            committed: code == Code::Ok,
            pushback: None,
            transparent: false,
        }
    }

    fn trace(attempts: Vec<AttemptRecord>, status: Code) -> Trace {
        let ended = attempts.last().and_then(|a| a.ended).unwrap_or(0);
        Trace {
            scenario: "t".into(),
            seed: 1,
            mode: "sim".into(),
            profile: None,
            config_rejected: None,
            calls: vec![CallRecord {
                call: 0,
                method: None,
                status,
                message: None,
                started: 0,
                ended,
                attempts,
                attempts_unlisted: 0,
            }],
            events: vec![],
        }
    }

    const MS: Nanos = NANOS_PER_MS;

    #[test]
    fn same_story_within_tolerance_agrees() {
        let sim = trace(
            vec![
                attempt(1, 0, MS, Code::Unavailable),
                attempt(2, 11 * MS, 12 * MS, Code::Ok),
            ],
            Code::Ok,
        );
        let live = trace(
            vec![
                attempt(1, 0, 2 * MS, Code::Unavailable),
                attempt(2, 14 * MS, 16 * MS, Code::Ok),
            ],
            Code::Ok,
        );
        let c = compare(&sim, &live, Tolerance::default());
        assert!(c.agrees(), "{:?}", c.disagreements());
        assert_eq!((c.calls, c.attempts, c.max_time_diff), (1, 2, 4 * MS));
    }

    #[test]
    fn a_different_outcome_or_count_disagrees() {
        let sim = trace(
            vec![
                attempt(1, 0, MS, Code::Unavailable),
                attempt(2, 11 * MS, 12 * MS, Code::Ok),
            ],
            Code::Ok,
        );
        let live = trace(
            vec![attempt(1, 0, MS, Code::Unavailable)],
            Code::Unavailable,
        );
        let c = compare(&sim, &live, Tolerance::default());
        assert_eq!(c.structure.len(), 2, "{:?}", c.disagreements());
        let live = trace(
            vec![
                attempt(1, 0, MS, Code::Unavailable),
                attempt(2, 11 * MS, 12 * MS, Code::Internal),
            ],
            Code::Ok,
        );
        assert!(!compare(&sim, &live, Tolerance::default()).agrees());
    }

    #[test]
    fn a_wrong_delay_disagrees_r36() {
        // A 200ms pushback honoured as a 150ms wait: the gap is 50ms off, more than the
        // allowed 10ms + 10% of 200ms.
        let sim = trace(
            vec![
                attempt(1, 0, MS, Code::Unavailable),
                attempt(2, 201 * MS, 202 * MS, Code::Ok),
            ],
            Code::Ok,
        );
        let live = trace(
            vec![
                attempt(1, 0, MS, Code::Unavailable),
                attempt(2, 151 * MS, 152 * MS, Code::Ok),
            ],
            Code::Ok,
        );
        let c = compare(&sim, &live, Tolerance::default());
        let gap = "attempt 1 ended → attempt 2 sent";
        assert!(c.timing.iter().any(|d| d.contains(gap)), "{:?}", c.timing);
    }

    #[test]
    fn drift_beyond_the_absolute_bound_disagrees() {
        let sim = trace(vec![attempt(1, 0, MS, Code::Ok)], Code::Ok);
        let live = trace(vec![attempt(1, 0, 40 * MS, Code::Ok)], Code::Ok);
        let c = compare(&sim, &live, Tolerance::default());
        let absolute = "attempt 1 ended:";
        assert!(
            c.timing.iter().any(|d| d.contains(absolute)),
            "{:?}",
            c.timing
        );
    }
}
