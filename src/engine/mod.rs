//! The A6 engine: a sans-I/O state machine per call.
//!
//! Events go in ([`Input`]), actions come out ([`Output`]). The engine reads no clock (the
//! caller passes `now`), does no I/O, and draws randomness only from the RNG it is handed, so
//! the same inputs give the same outputs on every machine. Everything A6 says lives here, once;
//! the [`crate::driver`] only carries the decisions out, in the simulator and live alike.

pub mod backoff;
mod call;
mod hedging;
pub mod outputs;
pub mod pushback;
mod recv_timeout;
mod retry;
mod runtime;
pub mod throttle;
mod transparent;

pub use backoff::{Backoff, Jitter};
pub use call::{CallEngine, Env};
pub use outputs::Outputs;
pub use pushback::Pushback;
pub use throttle::{Throttle, ThrottleRegistry};

use crate::code::Code;
use crate::config::Policy;
use crate::profile::Profile;
use crate::time::Nanos;

/// Everything the engine needs to know about one call before it starts.
#[derive(Clone, Debug)]
pub struct CallPlan {
    /// The method's policy (already clamped to the client's limit).
    pub policy: Policy,
    /// Absolute deadline on the driver's clock (R77, R81).
    pub deadline: Option<Nanos>,
    /// How backoff delays are jittered (D6).
    pub jitter: Jitter,
    /// False when the request does not fit the retry buffer: the call is committed to its first
    /// attempt from the start, so it is sent once and never retried (R66, D22).
    pub request_fits_buffer: bool,
    /// The runtime whose choices the engine makes where runtimes differ (default `a6`,
    /// hedgehog's own reading D1–D25).
    pub profile: &'static Profile,
    /// The runtime rejected the service config and fails every call at once with this status,
    /// sending nothing (R5: C-core's lame channel, grpc-java's UNKNOWN).
    pub config_rejected: Option<Code>,
}

/// An event for the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Response headers arrived on `slot` (R30).
    Headers {
        /// The attempt's slot.
        slot: u32,
    },
    /// `slot` ended with `status`; `pushback` holds the raw `grpc-retry-pushback-ms` values.
    Closed {
        /// The attempt's slot.
        slot: u32,
        /// Its status.
        status: Code,
        /// Raw pushback trailer values, in order.
        pushback: Vec<String>,
    },
    /// `slot` never left the client (R69).
    NotSent {
        /// The attempt's slot.
        slot: u32,
    },
    /// `slot` was refused before the server application saw it (R70).
    Refused {
        /// The attempt's slot.
        slot: u32,
    },
    /// The data sent so far no longer fits the retry buffer (R30b, R66). `slot` names the
    /// attempt that sent the data that overflowed, when the transport knows it: the call
    /// commits to it if it is live, else to the oldest live attempt (R61), else to the next
    /// attempt sent.
    BufferOverflow {
        /// The attempt holding the overflowing data, if known.
        slot: Option<u32>,
    },
    /// The application cancelled the call (R33).
    Cancel,
    /// Time has advanced to `now`: fire due timers and the deadline.
    Tick,
}

/// What the engine asks for, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Start an attempt.
    Send(SendAttempt),
    /// Cancel (drop) a live attempt.
    Cancel {
        /// The attempt's slot.
        slot: u32,
    },
    /// The call is committed to `slot`: no other attempt will start (R31).
    Committed {
        /// The attempt's slot.
        slot: u32,
    },
    /// The call is over. Exactly one per call, always last.
    Finish(Finish),
    /// A decision worth a trace line; changes nothing.
    Note(Note),
}

/// An attempt to start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendAttempt {
    /// Unique per call, in send order.
    pub slot: u32,
    /// A6 attempt number, 1-based.
    pub attempt: u32,
    /// `grpc-previous-rpc-attempts` (R74, R76).
    pub previous: Option<u32>,
    /// A transparent retry (R69–R71): counts toward nothing.
    pub transparent: bool,
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finish {
    /// The status the application gets.
    pub status: Code,
    /// The attempt whose result it is, if any.
    pub slot: Option<u32>,
    /// Why the engine stopped.
    pub reason: FinishReason,
}

/// Why a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishReason {
    /// An attempt returned OK.
    Ok,
    /// The committed attempt ended (after headers or a buffer overflow).
    Committed,
    /// The status is not retryable (R21) or, hedging, fatal (R57).
    NotRetryable,
    /// No policy: one attempt only (R1).
    NoPolicy,
    /// `maxAttempts` reached (R22, R58).
    Exhausted,
    /// The server's pushback said stop (R37).
    PushbackStop,
    /// Retry throttling refused the retry (R43).
    Throttled,
    /// The deadline passed (R77).
    Deadline,
    /// The application cancelled (R33).
    Cancelled,
    /// Too many transparent retries (D21).
    TransparentLimit,
    /// The committed attempt got no response within `perAttemptRecvTimeout` (R23).
    RecvTimeout,
    /// The runtime rejected the service config: the call failed before any attempt (R5).
    ConfigRejected,
    /// A malformed pushback value made the runtime fail the call INTERNAL (R39, C-core).
    MalformedPushback,
    /// A client library gave up because the next wait would pass the deadline (R77).
    GaveUpEarly,
    /// One attempt only: the runtime parses `hedgingPolicy` and never hedges (R63).
    HedgingIgnored,
}

impl FinishReason {
    /// A short phrase for traces.
    pub fn describe(self) -> &'static str {
        match self {
            FinishReason::Ok => "ok",
            FinishReason::Committed => "committed attempt ended",
            FinishReason::NotRetryable => "status not retryable",
            FinishReason::NoPolicy => "no retry policy",
            FinishReason::Exhausted => "attempts exhausted",
            FinishReason::PushbackStop => "server pushback said stop",
            FinishReason::Throttled => "retry throttled",
            FinishReason::Deadline => "deadline exceeded",
            FinishReason::Cancelled => "cancelled by the application",
            FinishReason::TransparentLimit => "too many transparent retries",
            FinishReason::RecvTimeout => "committed attempt got no response in time",
            FinishReason::ConfigRejected => "the runtime rejected the service config",
            FinishReason::MalformedPushback => "malformed pushback failed the call",
            FinishReason::GaveUpEarly => "gave up: the next wait would pass the deadline",
            FinishReason::HedgingIgnored => "hedgingPolicy ignored by this runtime",
        }
    }
}

/// A decision recorded for the trace.
///
/// Plain data, with no drop glue: the driver drops a step's outputs after every step, and a
/// variant owning heap memory (the pushback's raw text, once) made each of those drops test
/// every output (about 70 instructions per simulated attempt).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// A backoff delay was drawn for retry `retry` (1-based since the last reset, R28).
    Backoff {
        /// k: the retry index since the start or the last pushback.
        retry: u32,
        /// b(k), capped at maxBackoff.
        nominal: Nanos,
        /// The jittered delay.
        delay: Nanos,
        /// When the next attempt goes out.
        until: Nanos,
    },
    /// A pushback value was read (R35–R37).
    Pushback {
        /// The attempt whose trailers carried it. Its raw value(s) are the driver's: it read
        /// them from that attempt's end, and the call's record keeps them
        /// ([`crate::trace::AttemptRecord::pushback`]).
        slot: u32,
        /// What it means.
        meaning: Pushback,
        /// When the next attempt goes out, if a retry follows.
        until: Option<Nanos>,
    },
    /// The throttle counter after a qualifying failure or a success (R42, R47).
    Tokens {
        /// Milli-tokens now.
        milli: u32,
        /// Milli-tokens at most.
        max_milli: u32,
    },
    /// The throttle refused a retry or hedge (R43).
    Throttled {
        /// Milli-tokens now.
        milli: u32,
        /// Milli-tokens at most.
        max_milli: u32,
    },
    /// The next hedge is due at `at` (R53, R56, R59).
    HedgeTimer {
        /// When.
        at: Nanos,
        /// Why then: `delay`, `non-fatal status`, `pushback`.
        cause: &'static str,
    },
    /// Hedging stopped sending new attempts (R59 negative pushback, R60 throttle).
    HedgingStopped {
        /// Why.
        cause: &'static str,
    },
    /// `slot` got no response within `perAttemptRecvTimeout` and is cancelled (R23).
    RecvTimeout {
        /// The attempt given up.
        slot: u32,
        /// The timeout it had.
        timeout: Nanos,
    },
    /// A transparent retry (R69–R71).
    Transparent {
        /// The slot being replaced.
        slot: u32,
        /// `not sent` or `refused`.
        cause: &'static str,
    },
}

#[cfg(test)]
mod harness;
#[cfg(test)]
mod tests_call;
#[cfg(test)]
mod tests_hedging;
#[cfg(test)]
mod tests_profile;
#[cfg(test)]
mod tests_recv_timeout;
#[cfg(test)]
mod tests_retry;
