//! Experiments at scale: sweeps over seeds and scenario variants, mergeable statistics,
//! reports and plots, and the one published model that is not a gRPC call (Brooker's
//! optimistic-concurrency backoff study, [`occ`]).
//!
//! The simulator answers "what does this config do on this seed"; this module answers "what
//! does it do to p99.9 and to my server", which needs thousands of seeds. Each seed is still
//! one deterministic single-threaded world ([`crate::sim::load::world`]); only whole seeds run
//! in parallel, and their totals merge exactly ([`crate::sim::load::tally`]).

pub mod bootstrap;
pub mod error;
pub mod figures;
pub mod interval;
pub mod occ;
pub mod plot;
pub mod replicates;
pub mod report;
pub mod results;
pub mod sweep;
pub mod vary;

/// The most worker threads a sweep starts, whatever `--jobs` says: results are the same for
/// any count, so more threads than this (or than runs to do) would only cost start-up time.
pub const MAX_JOBS: usize = 1024;

/// A pool of `jobs` worker threads for `runs` whole seeds: at least one, at most one per run
/// and at most [`MAX_JOBS`]. Sweeps and the occ study share it, so both refuse a thread count
/// the same way.
pub(crate) fn workers(jobs: usize, runs: usize) -> Result<rayon::ThreadPool, error::WorkersError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.min(runs).clamp(1, MAX_JOBS))
        .build()
        .map_err(|cause| error::WorkersError { jobs, cause })
}
