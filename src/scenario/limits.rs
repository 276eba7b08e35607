//! Caps on what a scenario file may ask the simulator to hold at once.
//!
//! A file is input, and input must not decide how much memory a run takes: calls are generated
//! as virtual time advances and a finished call is freed, so what grows is what is *in flight
//! together*. These caps bound exactly that — calls started at one instant, RPCs of one user
//! request, arrivals per second — and a value above one is an error naming the JSON path, the
//! value and the limit, never a silent clamp. docs/scenarios.md lists them with their reasons.

/// `client.calls` when `client.interval_ms` is 0: every call starts at t = 0 and is in flight
/// at once.
pub const MAX_SIMULTANEOUS_CALLS: u64 = 100_000;

/// Calls (RPCs, in the load world) in flight together at any instant of a run. Not a value
/// of the file but what its rate and its server's latency make together: a slow server
/// without `client.deadline_ms` keeps every call as long as it takes. A call in flight is
/// its task (about 1.6 KB, `sim::task_pool`) plus its engine, record and attempts: 100,000
/// measured 284 MB peak RSS (debug build; 16 MB with 1,000), about 2.7 KB each, so a few
/// hundred MB. It is the count [`MAX_SIMULTANEOUS_CALLS`] allows at t = 0, so a file the
/// caps accept never meets it at its start. Checked as the run goes (`sim::in_flight`).
pub const MAX_IN_FLIGHT: u64 = 100_000;

/// `load.fan_out`: the RPCs one user request starts at the same instant.
pub const MAX_FAN_OUT: u64 = 10_000;

/// `load.clients`: arrival processes, each with its own stream and schedule.
pub const MAX_CLIENTS: u64 = 65_536;

/// Offered RPCs per second, `clients × rate_per_s × fan_out`: what arrives per second of
/// virtual time, and so (times the latency) what is in flight.
pub const MAX_OFFERED_RPCS_PER_S: f64 = 10_000_000.0;

/// `capacity_per_s` and `rate_per_s` above this are not rates a simulated server or client
/// has (the service time would round to under a nanosecond).
pub const MAX_RATE_PER_S: f64 = 1_000_000_000.0;
