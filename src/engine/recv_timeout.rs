//! `perAttemptRecvTimeout` (R23, D24): an attempt that gets no response in time is given up.
//!
//! Not part of A6; the retry policy carries it in lenient mode only. What the runtimes do with
//! it, read from their sources:
//!
//! - **grpc-java** (`grpc/grpc-java` at 5fda0c7, 1.85.0-SNAPSHOT) parses it from `retryPolicy`
//!   only (`ServiceConfigUtil.getPerAttemptRecvTimeoutNanosFromRetryPolicy`), rejects a negative
//!   value and then allows an empty `retryableStatusCodes` (`ManagedChannelServiceConfig`,
//!   since grpc-java#8301), but `RetriableStream` never reads `perAttemptRecvTimeoutNanos`: it
//!   has no effect. An open pull request (grpc-java#12939, for #12919) would narrow each
//!   attempt's deadline to `min(call deadline, attempt start + timeout)`.
//! - **C-core** (`grpc/grpc`, `src/core/client_channel/retry_service_config.cc` and
//!   `retry_filter_legacy_call_data.cc`, read through code search, no commit pinned) parses it
//!   from `retryPolicy` only when the channel arg `grpc.experimental.enable_hedging` is set
//!   (default off), requires it to be > 0, and then allows an empty `retryableStatusCodes`.
//!   Then each `CallAttempt` starts a timer when it is created (transparent replays too); the
//!   attempt's initial metadata (or its end) cancels it; when it fires the attempt is cancelled
//!   with `CANCELLED` "retry perAttemptRecvTimeout exceeded" and `ShouldRetry` is asked with no
//!   status, so the retryable-code check is skipped while the throttle, `maxAttempts` and the
//!   normal backoff all apply. If no retry follows, the call is committed to the cancelled
//!   attempt and ends `CANCELLED`. A timer still running on a committed attempt (say committed
//!   by a full retry buffer) fires the same way and ends the call.
//! - **grpc-go** and **grpc-js** ignore the key.
//!
//! hedgehog follows C-core, the one runtime that applies it. Hedging has no per-attempt timeout
//! in any runtime (C-core's code notes that a hedged attempt should not be cancelled by it), so
//! it applies under `retryPolicy` only. The engine keeps the deadline and hands it to the
//! driver through [`CallEngine::next_wakeup`], the same timer as the backoff and the hedging
//! delay: the simulator and the live layer honour it through the one shared driver.

use super::call::CallEngine;
use super::{Env, FinishReason, Note, Output, Outputs};
use crate::code::Code;
use crate::config::Policy;
use crate::time::Nanos;

impl CallEngine {
    /// `slot` got no response within the timeout: cancel it and let the policy decide (R23).
    pub(super) fn on_recv_timeout(
        &mut self,
        now: Nanos,
        slot: u32,
        env: &mut Env<'_>,
        out: &mut Outputs,
    ) {
        let Some(live) = self.take_live(slot) else {
            return;
        };
        let timeout = self.recv_timeout.unwrap_or_default();
        out.push(Output::Note(Note::RecvTimeout { slot, timeout }));
        out.push(Output::Cancel { slot });
        let status = Code::Cancelled;
        self.last = Some((status, slot));
        if self.committed == Some(slot) {
            return self.finish(status, Some(slot), FinishReason::RecvTimeout, env, out);
        }
        match self.plan.policy {
            // Retryable whatever `retryableStatusCodes` says: C-core asks with no status.
            Policy::Retry(_) => self.after_retry_failure(now, live, status, true, None, env, out),
            // Only a retry policy sets the timeout.
            _ => self.finish(status, Some(slot), FinishReason::RecvTimeout, env, out),
        }
    }
}
