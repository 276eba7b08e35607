//! The server model shared by the simulated server and `hedgehog serve` — STUB.
//!
//! Contract (keep it): a `ServerSpec` is parsed from a scenario's `server` object; a
//! `ServerModel` made from it answers `next_step()` once per arriving attempt, in arrival order,
//! drawing any randomness from its own seeded ChaCha stream. Clock-free and I/O-free, so the
//! simulated and the live server make the same decisions for the same seed.

use crate::code::Code;
use crate::time::Nanos;

/// How the server answers one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Final status.
    pub status: Code,
    /// Time from the attempt arriving to its end.
    pub latency: Nanos,
    /// Raw `grpc-retry-pushback-ms` trailer value, if any.
    pub pushback: Option<String>,
    /// Send response headers before the status (commits the call).
    pub headers_first: bool,
}

/// A parsed `server` object of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerSpec {}

/// A `ServerSpec` with its state (request counter, script position, RNG).
#[derive(Debug)]
pub struct ServerModel {}

impl ServerModel {
    /// A fresh server for `spec`, drawing from a stream derived from `seed`.
    pub fn new(spec: &ServerSpec, seed: u64) -> Self {
        let _ = (spec, seed);
        todo!("simulator helper")
    }

    /// The answer to the next arriving attempt.
    pub fn next_step(&mut self) -> Step {
        todo!("simulator helper")
    }
}
