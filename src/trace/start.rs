//! [`CallStart`]: what a recorder learns once, when a call begins.
//!
//! Events carry the call's index, not its method: a trace line does not repeat the method,
//! and the driver, which emits the events, does not know it (the plan is made before the
//! driver starts). The world that starts the call (the simulator's channel, the live layer)
//! says it once, here, so a recorder that labels by method (metrics, spans) maps the call
//! index to it; the finished [`super::CallRecord`] carries the method too.

use crate::config::Policy;
use crate::time::Nanos;

/// A call as it begins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallStart<'a> {
    /// Which call (the index its events and record carry).
    pub call: u64,
    /// When, on the run's clock.
    pub at: Nanos,
    /// The method's path, e.g. `/echo.Echo/UnaryEcho`.
    pub method: &'a str,
    /// Whether the application named the method as a generated stub does (a registered
    /// method, in gRPC's words); false for a generic call to an arbitrary path.
    pub registered: bool,
    /// The channel's target, e.g. `dns:///echo.example:443`.
    pub target: &'a str,
    /// The policy the call runs under (after the client's limits).
    pub policy: &'a Policy,
}

impl CallStart<'_> {
    /// `retry`, `hedging` or `none`: the policy's kind, as spans and docs name it.
    pub fn policy_kind(&self) -> &'static str {
        match self.policy {
            Policy::None => "none",
            Policy::Retry(_) => "retry",
            Policy::Hedging(_) => "hedging",
        }
    }
}
