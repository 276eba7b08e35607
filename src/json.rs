//! Reading JSON documents (configs and scenario files) — STUB, the config helper fills it in.
//!
//! Contract: `parse` returns a `serde_json::Value` (insertion-ordered objects; numbers keep their
//! exact text thanks to serde_json's `arbitrary_precision`), or a `JsonError` with 1-based line
//! and column for malformed JSON *and for duplicate keys within one object* (D3).

pub use crate::config::JsonError;

/// Parses a JSON document; duplicate keys in any object are an error.
pub fn parse(text: &str) -> Result<serde_json::Value, JsonError> {
    let _ = text;
    todo!("config helper")
}
