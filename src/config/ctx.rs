//! The validation context: options in, errors and warnings out.
//!
//! Validation never stops at the first problem (R4, D3): every check reports into this context
//! and carries on, so one run lists everything wrong with a config. Errors remember which peers
//! would nevertheless *accept* the config (for example grpc-go accepts both policies in one
//! entry), so the portability verdict can be computed from the same single pass.

use super::{ConfigError, ParseOptions, Peer, Warning};
use crate::json::path;

/// An error plus the peers that accept what hedgehog rejects.
#[derive(Clone, Debug)]
pub(crate) struct Issue {
    /// The error as users see it.
    pub error: ConfigError,
    /// Peers that accept the config despite this.
    pub accepted_by: Vec<Peer>,
}

/// Where validation reports.
#[derive(Debug)]
pub(crate) struct Ctx {
    /// Strict mode (D1).
    pub strict: bool,
    /// The client's `maxAttempts` ceiling, at least 2 (D4).
    pub limit: u32,
    /// `maxAttempts` read as AIP-4221 clients read it.
    pub aip4221: bool,
    /// Errors so far.
    pub errors: Vec<Issue>,
    /// Warnings so far.
    pub warnings: Vec<Warning>,
}

impl Ctx {
    /// A fresh context; a limit below 2 is raised to 2 (callers reject it first, D4).
    pub fn new(options: &ParseOptions) -> Self {
        Ctx {
            strict: options.strict,
            limit: options.max_attempts_limit.max(2),
            aip4221: options.aip4221,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// An error every peer agrees with.
    pub fn error(&mut self, path: &str, message: impl Into<String>) {
        self.error_accepted_by(path, message, &[]);
    }

    /// An error that `accepted_by` peers do not make.
    pub fn error_accepted_by(
        &mut self,
        path: &str,
        message: impl Into<String>,
        accepted_by: &[Peer],
    ) {
        let error = ConfigError {
            path: path.to_string(),
            message: message.into(),
        };
        self.errors.push(Issue {
            error,
            accepted_by: accepted_by.to_vec(),
        });
    }

    /// A portability warning (D2). The message says what hedgehog did; the peers travel in
    /// their own fields, and displays add them in words.
    pub fn warn(
        &mut self,
        path: &str,
        message: impl Into<String>,
        rejected_by: &[Peer],
        ignored_by: &[Peer],
    ) {
        self.warnings.push(Warning {
            path: path.to_string(),
            message: message.into(),
            rejected_by: rejected_by.to_vec(),
            ignored_by: ignored_by.to_vec(),
        });
    }

    /// A liberty of lenient mode (D1): a warning there, an error in strict mode. `rejected_by`
    /// are the peers that reject it; the others accept it.
    pub fn liberty(&mut self, path: &str, what: &str, rejected_by: &[Peer]) {
        if self.strict {
            let message = format!("{what}; accepted only in lenient mode");
            self.error_accepted_by(path, message, &Peer::all_except(rejected_by));
        } else {
            self.warn(
                path,
                format!("{what}; accepted in lenient mode"),
                rejected_by,
                &[],
            );
        }
    }

    /// Errors and warnings, each sorted by path (stable, so same-path items keep their order).
    pub fn finish(mut self) -> (Vec<Issue>, Vec<Warning>) {
        self.errors
            .sort_by_cached_key(|i| path::sort_key(&i.error.path));
        self.warnings
            .sort_by_cached_key(|w| path::sort_key(&w.path));
        (self.errors, self.warnings)
    }
}
