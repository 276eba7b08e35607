//! Per-peer verdicts: would grpc-go, grpc-java, C-core and grpc-js accept this config?
//!
//! Computed from the same single validation pass as the errors and warnings (what
//! each runtime takes, D2): a peer *rejects* when an error is not one it accepts or a warning
//! lists it in `rejected_by`; otherwise it *ignores* part of the config when a warning lists it
//! in `ignored_by`; otherwise it *accepts*. The verdict is the same in lenient and strict mode
//! for the same file, except where strict mode stops reading a part (a `RetryPolicy` key it
//! ignores is not looked into).

use super::ctx::Issue;
use super::{Peer, Warning};

/// What one peer would do with the config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Valid, and every field takes effect.
    Accepts,
    /// The whole config is invalid; the reasons, as `path: message`.
    Rejects(Vec<String>),
    /// Valid, but these parts (`path: message`) do nothing.
    Ignores(Vec<String>),
}

impl Verdict {
    /// `accepts`, `rejects` or `ignores`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Accepts => "accepts",
            Verdict::Rejects(_) => "rejects",
            Verdict::Ignores(_) => "ignores",
        }
    }

    /// The reasons or ignored parts (empty for `Accepts`).
    pub fn details(&self) -> &[String] {
        match self {
            Verdict::Accepts => &[],
            Verdict::Rejects(d) | Verdict::Ignores(d) => d,
        }
    }
}

/// The verdict of every peer, in [`Peer::ALL`] order.
pub(crate) fn verdicts(errors: &[Issue], warnings: &[Warning]) -> Vec<(Peer, Verdict)> {
    Peer::ALL
        .into_iter()
        .map(|peer| (peer, verdict(peer, errors, warnings)))
        .collect()
}

fn verdict(peer: Peer, errors: &[Issue], warnings: &[Warning]) -> Verdict {
    let mut rejects: Vec<String> = errors
        .iter()
        .filter(|i| !i.accepted_by.contains(&peer))
        .map(|i| format!("{}: {}", i.error.path, i.error.message))
        .collect();
    rejects.extend(
        warnings
            .iter()
            .filter(|w| w.rejected_by.contains(&peer))
            .map(|w| format!("{}: {}", w.path, w.message)),
    );
    if !rejects.is_empty() {
        return Verdict::Rejects(rejects);
    }
    let ignores: Vec<String> = warnings
        .iter()
        .filter(|w| w.ignored_by.contains(&peer))
        .map(|w| format!("{}: {}", w.path, w.message))
        .collect();
    if ignores.is_empty() {
        Verdict::Accepts
    } else {
        Verdict::Ignores(ignores)
    }
}
