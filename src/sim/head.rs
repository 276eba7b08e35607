//! The head of a simulated run's trace: the scenario, the seed, and under a runtime profile
//! other than `a6` the profile's name and what its runtime did with a config it rejects (R5).
//! An `a6` run's head names no profile, so every trace from before profiles existed is
//! unchanged byte for byte.

use crate::scenario::Scenario;
use crate::trace::render::Head;
use crate::trace::{Mode, Summary, Trace};

/// The trace's profile and rejection, when the scenario runs as another runtime than `a6`.
pub(super) fn name_profile(scenario: &Scenario, mut trace: Trace) -> Trace {
    let head = trace_head(scenario, trace.seed);
    trace.profile = head.profile.map(str::to_string);
    trace.config_rejected = head.config_rejected;
    trace
}

/// What a trace of `seed` of `scenario` starts with: its name, seed and mode, and, under a
/// profile other than `a6`, the profile and what its runtime did with a config it rejects
/// (R5). The owned rejection text goes with it.
pub fn trace_head(scenario: &Scenario, seed: u64) -> SimHead<'_> {
    let profile = scenario.profile;
    let config_rejected = if profile.is_a6() {
        None
    } else {
        scenario.admission().note().map(str::to_string)
    };
    SimHead {
        scenario: &scenario.name,
        seed,
        profile: (!profile.is_a6()).then_some(profile.name),
        config_rejected,
    }
}

/// The head of a simulated run's trace ([`trace_head`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimHead<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The seed.
    pub seed: u64,
    /// The profile, unless `a6`.
    pub profile: Option<&'static str>,
    /// Why the profile's runtime rejected the config, if it did.
    pub config_rejected: Option<String>,
}

impl SimHead<'_> {
    /// As the renderers take it.
    pub fn as_head(&self) -> Head<'_> {
        Head {
            scenario: self.scenario,
            seed: self.seed,
            mode: Mode::Sim.as_str(),
            profile: self.profile,
            config_rejected: self.config_rejected.as_deref(),
        }
    }
}

/// An empty [`Summary`] of `seed` of `scenario`, naming its profile and rejection as the
/// trace's head does.
pub fn summary_for(scenario: &Scenario, seed: u64) -> Summary {
    let head = trace_head(scenario, seed);
    let mut summary = Summary::new(&scenario.name, seed);
    summary.profile = head.profile.map(str::to_string);
    summary.config_rejected = head.config_rejected;
    summary
}
