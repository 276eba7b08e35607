//! The transport seam: start one attempt, observe its headers and its close; drop it to cancel.
//!
//! A transport value serves one call (it holds that call's request, so it can replay it for every
//! attempt). The simulator's transport asks a scripted server; the live one opens an HTTP/2
//! stream. Nothing here knows about A6: the engine decides, the transport carries out.

use futures_util::Stream;

use crate::code::Code;
use crate::time::Nanos;

/// What the driver asks the transport to start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptStart {
    /// The call's index in its run.
    pub call: u64,
    /// Unique per call, in send order, counting transparent retries too.
    pub slot: u32,
    /// The A6 attempt number, 1-based; a transparent retry repeats its attempt's number (R71).
    pub attempt: u32,
    /// The `grpc-previous-rpc-attempts` value to send; `None` on the first attempt (R74, R76).
    pub previous: Option<u32>,
    /// The call's absolute deadline on the driver's clock, if any (for `grpc-timeout`).
    pub deadline: Option<Nanos>,
}

/// What an attempt reports. An attempt yields at most one `Headers`, then exactly one of the
/// other variants, then ends.
#[derive(Debug)]
pub enum AttemptEvent<R> {
    /// Response headers arrived (not Trailers-Only): the call commits to this attempt (R30).
    Headers(R),
    /// The attempt ended with a status; `pushback` holds every raw `grpc-retry-pushback-ms`
    /// trailer value (R35); `response` is what the application gets if this attempt decides
    /// the call (a Trailers-Only response, or nothing when headers already delivered it).
    Closed {
        /// The attempt's status.
        status: Code,
        /// Raw pushback values, in the order received.
        pushback: Vec<String>,
        /// The response for the application, when not already delivered with `Headers`.
        response: Option<R>,
    },
    /// The attempt never left the client (R69): retried transparently.
    NotSent,
    /// Refused by the server before its application saw it (REFUSED_STREAM, GOAWAY; R70).
    Refused,
}

/// Starts attempts for one call.
pub trait Transport {
    /// What the application receives from the winning attempt.
    type Response;
    /// One running attempt; dropping it cancels it.
    type Attempt: Stream<Item = AttemptEvent<Self::Response>> + Unpin;
    /// Starts an attempt.
    fn start(&self, start: &AttemptStart) -> Self::Attempt;
}
