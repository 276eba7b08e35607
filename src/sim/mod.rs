//! The simulator: a virtual-time executor and the simulated world a scenario runs in.
//!
//! A simulated run is the live client with two seams swapped: [`clock::SimClock`] for real
//! time and [`transport::SimTransport`] (answered by the scenario's
//! [`crate::scenario::server::ServerModel`]) for HTTP/2. The driver, the engine and the call
//! plan are the very ones live mode runs, so a trace shows what the real client does, attempt
//! by attempt. What a run is made of (the scenario, its server behaviour, its seeded streams)
//! is [`crate::scenario`]'s; what it leaves behind (records, events, renderers) is
//! [`crate::trace`]'s. This module only runs it.
//!
//! Why it is reproducible (determinism rules 1–6): every random draw comes from a ChaCha stream
//! derived from `(seed, purpose, index)` ([`crate::scenario::rng`]); time is integer
//! nanoseconds and moves only when every task has stalled ([`executor`]), jumping to the next
//! timer; ties at one instant resolve by registration order, tasks run FIFO, and attempts sent
//! at one instant take server steps in send order. Nothing reads a real clock, spawns a thread
//! or opens a socket.
//!
//! Why it is fast (≥ 1M simulated attempts per second on one core is the goal): one future and
//! one waker per call, both in memory reused from finished calls (`task_pool`); the engine's
//! outputs and a call's live attempts held inline, a jitter stream derived only when drawn
//! from, replies shared rather than copied and records' attempt lists reused, so a call
//! allocates nothing once the run is warm; timers in a calendar ring of lists threaded through
//! a reused slab of timer nodes for the next few milliseconds (`calendar`, its non-empty
//! buckets found by a two-level bitmap, `occupancy`), in front of a heap for the rest (`far`);
//! the driver's loop expanded inside each call's own future (one state machine per call,
//! `run::Channel::call`); timer wakes that go straight to the executor without reference counting or
//! locks; and in `--summary` mode ([`crate::trace::Summary`]) no per-event strings at all, so
//! memory stays flat in the number of calls.
//!
//! As a runtime: a scenario's `profile` (or `hedgehog sim --as`) makes the one engine take
//! that runtime's choices where the runtimes differ ([`crate::profile`]); [`head`] names it
//! in the trace.
//!
//! One world: a scenario without `load` runs in [`run`] and one with it in [`load::world`],
//! and both spawn the same per-call body (`run::Channel::call`).
//!
//! Entry points: [`crate::scenario::Scenario::load`], then [`run::trace`], [`run::summary`]
//! or [`run::run_with`] (any [`crate::trace::Recorder`]); [`crate::trace::render`] prints a
//! trace, and [`picture::svg`] draws one seed's run.

mod calendar;
#[doc(hidden)]
pub mod clock;
#[cfg(test)]
mod deferral_tests;
#[doc(hidden)]
pub mod executor;
mod far;
pub mod head;
pub mod in_flight;
pub mod load;
mod occupancy;
pub mod picture;
#[cfg(test)]
mod queue_tests;
pub mod run;
mod task_pool;
mod timers;
#[doc(hidden)]
pub mod transport;
