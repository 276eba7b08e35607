//! The simulator: scenario files, a virtual clock, scripted servers, the runner, trace formats.
//!
//! A simulated run is the live client with two seams swapped: [`clock::SimClock`] for real
//! time and [`transport::SimTransport`] (answered by a [`server::ServerModel`]) for HTTP/2. The
//! driver and the engine are the very ones live mode runs, so a trace shows what the real
//! client does, attempt by attempt.
//!
//! Why it is reproducible (DESIGN.md rules 1–6): every random draw comes from a ChaCha stream
//! derived from `(seed, purpose, index)` ([`rng`]); time is integer nanoseconds and moves only
//! when every task has stalled ([`executor`]), jumping to the next timer; ties at one instant
//! resolve by registration order, tasks run FIFO, and attempts sent at one instant take server
//! steps in send order. Nothing reads a real clock, spawns a thread or opens a socket.
//!
//! Why it is fast (≥ 1M simulated attempts per second on one core is the goal): one boxed
//! future and one waker per call, timers in a monotone radix queue (`radix`) over a reused
//! slab, timer wakes that go straight to the executor without reference counting or locks, and
//! in `--summary` mode ([`crate::trace::Summary`]) no per-event strings at all, so memory stays flat in the
//! number of calls.
//!
//! Entry points: [`scenario::Scenario::load`], then [`run::trace`], [`run::summary`] or
//! [`run::run_with`] (any [`crate::trace::Recorder`]); [`mod@format`] renders a trace.

pub mod clock;
pub mod executor;
pub mod load;
mod radix;
pub mod run;
pub mod transport;
