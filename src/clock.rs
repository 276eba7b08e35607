//! The clock seam: `now()` and a future that completes at an instant.
//!
//! Two implementations: the simulator's virtual clock ([`crate::sim`]) and [`TokioClock`] for
//! live mode. The driver never reads time any other way, which is what lets one driver run in
//! both worlds.

use std::future::Future;

use crate::time::Nanos;

/// A source of time for the driver.
pub trait Clock {
    /// The future returned by [`Clock::sleep_until`].
    type Sleep: Future<Output = ()>;
    /// Nanoseconds since this clock's epoch.
    fn now(&self) -> Nanos;
    /// Completes once `now() >= at` (at once if `at` is already past).
    fn sleep_until(&self, at: Nanos) -> Self::Sleep;
}

/// Real time, measured from the moment the clock was made. Live mode only: never combined with
/// tokio's paused clock (determinism rule 5, docs/a6-rules.md).
#[derive(Clone, Copy, Debug)]
pub struct TokioClock {
    epoch: tokio::time::Instant,
}

impl TokioClock {
    /// A clock whose epoch is now.
    pub fn new() -> Self {
        TokioClock {
            epoch: tokio::time::Instant::now(),
        }
    }

    /// A clock with the given epoch, so several components share one time origin.
    pub fn with_epoch(epoch: tokio::time::Instant) -> Self {
        TokioClock { epoch }
    }

    /// The instant this clock counts from.
    pub fn epoch(&self) -> tokio::time::Instant {
        self.epoch
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    type Sleep = tokio::time::Sleep;

    fn now(&self) -> Nanos {
        let elapsed = self.epoch.elapsed().as_nanos();
        u64::try_from(elapsed).unwrap_or(u64::MAX)
    }

    fn sleep_until(&self, at: Nanos) -> Self::Sleep {
        tokio::time::sleep_until(self.epoch + std::time::Duration::from_nanos(at))
    }
}
