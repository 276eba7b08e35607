//! The simulator: scenario files, a virtual clock, scripted servers, the runner, trace formats.

pub mod clock;
pub mod executor;
pub mod format;
pub mod latency;
pub mod load;
pub mod parse;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod server;
pub mod summary;
pub mod transport;
