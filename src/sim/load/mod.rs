//! The load world's machinery: a server with finite capacity and outages ([`backend`]), the
//! transport in front of it ([`transport`]), the per-seed tally ([`tally`]) and the world that
//! runs many clients ([`world`]). What a `load` object *says* is the scenario's
//! ([`crate::scenario::load`]); this is how the simulator carries it out.

pub mod backend;
pub mod tally;
pub mod transport;
pub mod world;

pub use crate::scenario::load::*;
