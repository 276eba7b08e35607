//! Live vs simulated: do two traces of the same scenario and seed tell the same story?
//!
//! The contract (DESIGN.md): the attempt sequence the simulator prints is the one the live
//! client performs. So, per call, these must be *identical*: the status, the number of
//! attempts, and per attempt its number, `previous`, outcome, commit flag, raw pushback and
//! transparent flag. Times cannot be identical: real sockets take time, and tokio's timer fires
//! on millisecond ticks, never early. Every attempt can add about a millisecond of timer
//! rounding plus loopback time, and the delays add up along a call, so the allowed difference
//! grows with the attempt's position: `|live − sim| ≤ fixed + per_attempt × (k + 1)` for the
//! k-th attempt (0-based) of a call, and for the call's end with k = the attempt count.

use crate::time::{to_ms, Nanos, NANOS_PER_MS};
use crate::trace::{CallRecord, Trace};

/// How far live times may stray from simulated ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance {
    /// Allowed for every time.
    pub fixed: Nanos,
    /// Added for each attempt up to and including the one measured.
    pub per_attempt: Nanos,
}

impl Default for Tolerance {
    /// 10 ms + 3 ms per attempt.
    fn default() -> Self {
        Tolerance {
            fixed: 10 * NANOS_PER_MS,
            per_attempt: 3 * NANOS_PER_MS,
        }
    }
}

impl Tolerance {
    fn at(self, k: usize) -> Nanos {
        let k = u64::try_from(k).unwrap_or(u64::MAX).saturating_add(1);
        self.fixed
            .saturating_add(self.per_attempt.saturating_mul(k))
    }

    /// In words, for reports.
    pub fn describe(self) -> String {
        format!(
            "|live - sim| <= {}ms + {}ms per attempt so far",
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
    /// Every difference, in words; empty when the traces agree.
    pub disagreements: Vec<String>,
    /// The largest time difference seen, in nanoseconds.
    pub max_time_diff: Nanos,
}

impl Comparison {
    /// True when nothing disagrees.
    pub fn agrees(&self) -> bool {
        self.disagreements.is_empty()
    }
}

/// Compares `live` against `sim` call by call.
pub fn compare(sim: &Trace, live: &Trace, tolerance: Tolerance) -> Comparison {
    let mut out = Comparison::default();
    if sim.calls.len() != live.calls.len() {
        out.disagreements.push(format!(
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

fn compare_call(s: &CallRecord, l: &CallRecord, tolerance: Tolerance, out: &mut Comparison) {
    let call = s.call;
    out.calls += 1;
    let mut differ = |what: String| out.disagreements.push(format!("call {call}: {what}"));
    if s.status != l.status {
        differ(format!("status: simulated {}, live {}", s.status, l.status));
    }
    if s.attempts.len() != l.attempts.len() {
        differ(format!(
            "attempts: simulated {}, live {}",
            s.attempts.len(),
            l.attempts.len()
        ));
    }
    let mut times = vec![("call ended".to_string(), s.ended, l.ended, s.attempts.len())];
    for (k, (sa, la)) in s.attempts.iter().zip(&l.attempts).enumerate() {
        let n = sa.attempt;
        let facts = |a: &crate::trace::AttemptRecord| {
            format!(
                "attempt {} previous {:?} outcome {} committed {} pushback {:?} transparent {}",
                a.attempt,
                a.previous,
                a.outcome.map_or("(running)", |o| o.as_str()),
                a.committed,
                a.pushback,
                a.transparent
            )
        };
        let (sf, lf) = (facts(sa), facts(la));
        if sf != lf {
            differ(format!("slot {k}: simulated [{sf}], live [{lf}]"));
        }
        times.push((format!("attempt {n} sent"), sa.sent, la.sent, k));
        if let (Some(se), Some(le)) = (sa.ended, la.ended) {
            times.push((format!("attempt {n} ended"), se, le, k));
        }
    }
    for (what, st, lt, k) in times {
        let diff = st.abs_diff(lt);
        out.max_time_diff = out.max_time_diff.max(diff);
        if diff > tolerance.at(k) {
            differ(format!(
                "{what}: simulated {:.3}ms, live {:.3}ms (allowed ±{}ms)",
                to_ms(st),
                to_ms(lt),
                to_ms(tolerance.at(k))
            ));
        }
    }
    out.attempts += s.attempts.len().min(l.attempts.len());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::trace::{AttemptRecord, Outcome};

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
            calls: vec![CallRecord {
                call: 0,
                status,
                message: None,
                started: 0,
                ended,
                attempts,
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
        assert!(c.agrees(), "{:?}", c.disagreements);
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
        assert_eq!(c.disagreements.len(), 2, "{:?}", c.disagreements);
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
    fn times_beyond_tolerance_disagree() {
        let sim = trace(vec![attempt(1, 0, MS, Code::Ok)], Code::Ok);
        let live = trace(vec![attempt(1, 0, 20 * MS, Code::Ok)], Code::Ok);
        let c = compare(&sim, &live, Tolerance::default());
        assert!(
            c.disagreements
                .iter()
                .any(|d| d.contains("attempt 1 ended")),
            "{:?}",
            c.disagreements
        );
    }
}
