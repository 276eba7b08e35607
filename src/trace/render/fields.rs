//! One record's fields in the JSON trace or in the YAML one: the two print calls, attempts
//! and events with the same keys, in the same order, with the same value spellings (strings
//! JSON-quoted, times in serde_json's shortest float spelling), and differ only in how fields
//! are separated. So each record has one writer here, in the shape of its `Serialize` impl
//! (json.rs), and [`Fields`] supplies the separators of a style given as a const parameter:
//! each writer is compiled once per style with its separators and keys as constants, which
//! costs what hand-written pieces per format did.

use super::bytes::{
    json_str, json_str_or_null, ms_json, ms_json_or_null, name_str, uint, uint_or_null,
};
use super::EventLine;
use crate::trace::{AttemptRecord, CallRecord};

/// `key!(f, "name")`: [`Fields::key`] with the name spelled for both styles at compile time.
macro_rules! key {
    ($fields:expr, $name:literal) => {
        $fields.key(concat!("\"", $name, "\":"), concat!($name, ": "))
    };
}

/// How a record's fields are separated: the formats print calls, attempts and events with the
/// same keys in the same order and the same value spellings, and differ only in this. A const
/// parameter, so each writer is compiled once per style with its separators as constants.
///
/// `{"key":value,…}`
pub const JSON: u8 = 0;
/// `{key: value, …}` on one line (attempts and events in YAML).
pub const YAML_FLOW: u8 = 1;
/// `key: value` lines under a list item (a call in YAML); no braces.
pub const YAML_BLOCK: u8 = 2;

/// Writes one record's fields in a style (above).
pub struct Fields<'o, const STYLE: u8> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o, const STYLE: u8> Fields<'o, STYLE> {
    #[inline(always)]
    pub fn open(out: &'o mut Vec<u8>) -> Self {
        if STYLE != YAML_BLOCK {
            out.push(b'{');
        }
        Fields { out, first: true }
    }

    /// Writes the separator and a key, given as this style spells it (`"key":` in JSON,
    /// `key: ` in YAML: [`key!`] writes both from the name); the value goes into the returned
    /// buffer.
    #[inline(always)]
    pub fn key(&mut self, json: &'static str, yaml: &'static str) -> &mut Vec<u8> {
        let out = &mut *self.out;
        if !std::mem::take(&mut self.first) {
            match STYLE {
                JSON => out.push(b','),
                YAML_FLOW => out.extend_from_slice(b", "),
                _ => out.extend_from_slice(b"\n    "),
            }
        }
        out.extend_from_slice(if STYLE == JSON { json } else { yaml }.as_bytes());
        out
    }

    #[inline(always)]
    pub fn close(&mut self) {
        if STYLE != YAML_BLOCK {
            self.out.push(b'}');
        }
    }
}

/// An attempt, as `AttemptRecord`'s `Serialize` impl writes it (json.rs); `transparent` only
/// when true.
pub fn attempt_fields<const S: u8>(f: &mut Fields<'_, S>, a: &AttemptRecord) {
    uint(key!(f, "attempt"), a.attempt.into());
    uint_or_null(key!(f, "previous"), a.previous);
    ms_json(key!(f, "sent_ms"), a.sent);
    ms_json_or_null(key!(f, "ended_ms"), a.ended);
    match a.outcome {
        Some(o) => name_str(key!(f, "outcome"), o.as_str()),
        None => key!(f, "outcome").extend_from_slice(b"null"),
    }
    let committed: &[u8] = if a.committed { b"true" } else { b"false" };
    key!(f, "committed").extend_from_slice(committed);
    json_str_or_null(key!(f, "pushback_ms"), a.pushback.as_deref());
    if a.transparent {
        key!(f, "transparent").extend_from_slice(b"true");
    }
    f.close();
}

/// An event, as `EventLine`'s `Serialize` impl writes it (json.rs).
pub fn event_fields<const S: u8>(f: &mut Fields<'_, S>, e: &EventLine<'_>) {
    ms_json(key!(f, "at_ms"), e.at);
    uint(key!(f, "call"), e.call);
    uint_or_null(key!(f, "attempt"), e.attempt);
    name_str(key!(f, "kind"), e.kind.as_str());
    json_str(key!(f, "detail"), e.detail);
    f.close();
}

/// A call's fields before its attempts.
pub fn call_head<const S: u8>(f: &mut Fields<'_, S>, c: &CallRecord) {
    uint(key!(f, "call"), c.call);
    name_str(key!(f, "status"), c.status.name());
    json_str_or_null(key!(f, "message"), c.message.as_deref());
    ms_json(key!(f, "started_ms"), c.started);
    ms_json(key!(f, "ended_ms"), c.ended);
}
