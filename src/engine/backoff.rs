//! Exponential backoff with jitter (R24–R29, D6, D7), as the engine sees it.
//!
//! The arithmetic lives in config ([`crate::config::BackoffLadder`], [`crate::config::Jitter`]), because `check-config` explains the same
//! ladder and config must not import the engine; the engine re-exports it under the names its
//! callers have always used.

pub use crate::config::{BackoffLadder as Backoff, Jitter};
