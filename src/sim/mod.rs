//! The simulator: scenario files, a virtual clock, scripted servers, the runner, trace formats.
//! STUB — the simulator helper fills it in (issue 3).

pub mod server;
