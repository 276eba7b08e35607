//! The load world's machinery: a server with finite capacity and outages ([`backend`]), the
//! transport in front of it ([`transport`]), the per-seed tally ([`tally`]) and the world that
//! runs many clients ([`world`]), and the client policies A6 is compared with ([`policy`],
//! carried out by `app_call`). What a `load` object *says* is the scenario's
//! ([`crate::scenario::load`]); this is how the simulator carries it out.

mod app_call;
pub mod backend;
pub mod policy;
mod requests;
pub mod tally;
pub mod transport;
pub mod world;

pub use crate::scenario::load::*;
