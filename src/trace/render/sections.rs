//! A trace document written piece by piece: its head, each call, the events, its end, in any of
//! the three formats. The whole-trace renderers ([`super::to_yaml`], [`super::to_text`]) and
//! the streaming recorder ([`crate::trace::StreamRecorder`]) both write through these pieces,
//! so a streamed trace is the rendered one byte for byte, by construction rather than by
//! keeping two copies in step.
//!
//! Every piece appends to a byte buffer through [`super::bytes`] (no `core::fmt`, no
//! intermediate JSON value): the JSON pieces write each record in the shape of its own
//! `Serialize` impl, byte for byte (a test holds the two together, and `tests/trace_stream.rs`
//! holds every sims/ file's streamed JSON to `serde_json::to_string` of its trace), the YAML
//! pieces write each record's flow line (strings JSON-quoted and floats in serde_json's
//! shortest spelling), and the text pieces are the people's layout.

use super::bytes::{
    debug_str, json_str, json_str_or_null, ms_json, ms_json_or_null, ms_text, name_str, pad_to,
    right, trim_end, uint, uint_or_null,
};
use super::Format;
use crate::time::Nanos;
use crate::trace::{AttemptRecord, CallRecord, EventKind, Outcome};

/// `key!(f, "name")`: [`Fields::key`] with the name spelled for both styles at compile time.
macro_rules! key {
    ($fields:expr, $name:literal) => {
        $fields.key(concat!("\"", $name, "\":"), concat!($name, ": "))
    };
}

/// One line of the event log, borrowed: what [`crate::trace::TraceEvent`] holds, with its
/// detail text wherever it was rendered.
#[derive(Clone, Copy, Debug)]
pub struct EventLine<'a> {
    /// When.
    pub at: Nanos,
    /// Which call.
    pub call: u64,
    /// Which attempt, if any.
    pub attempt: Option<u32>,
    /// What kind of event.
    pub kind: EventKind,
    /// Its detail text.
    pub detail: &'a str,
}

/// The document's head, before any call: the run's identity (and, in text, the description).
pub fn head(
    format: Format,
    out: &mut Vec<u8>,
    scenario: &str,
    seed: u64,
    mode: &str,
    description: &str,
) {
    match format {
        Format::Json => {
            out.extend_from_slice(b"{\"scenario\":");
            json_str(out, scenario);
            out.extend_from_slice(b",\"seed\":");
            uint(out, seed);
            out.extend_from_slice(b",\"mode\":");
            json_str(out, mode);
            out.extend_from_slice(b",\"calls\":[");
        }
        Format::Yaml => {
            out.extend_from_slice(b"scenario: ");
            json_str(out, scenario);
            out.extend_from_slice(b"\nseed: ");
            uint(out, seed);
            out.extend_from_slice(b"\nmode: ");
            json_str(out, mode);
            out.push(b'\n');
        }
        Format::Text => {
            for piece in ["scenario ", scenario, " · seed "] {
                out.extend_from_slice(piece.as_bytes());
            }
            uint(out, seed);
            for piece in [" · ", mode, "\n"] {
                out.extend_from_slice(piece.as_bytes());
            }
            for line in description.lines() {
                for piece in ["  ", line, "\n"] {
                    out.extend_from_slice(piece.as_bytes());
                }
            }
        }
    }
}

/// One call; `first` when no call was written before it.
pub fn call(format: Format, out: &mut Vec<u8>, c: &CallRecord, first: bool) {
    before_call(format, out, first);
    call_body(format, out, c);
}

/// What goes before a call: a separator, or before the first call the list's key.
pub fn before_call(format: Format, out: &mut Vec<u8>, first: bool) {
    match format {
        Format::Json if !first => out.push(b','),
        Format::Yaml if first => out.extend_from_slice(b"calls:\n"),
        Format::Json | Format::Yaml | Format::Text => {}
    }
}

/// A call itself, the same wherever it stands in the list.
pub fn call_body(format: Format, out: &mut Vec<u8>, c: &CallRecord) {
    match format {
        Format::Json => json_call(out, c),
        Format::Yaml => yaml_call(out, c),
        Format::Text => text_call(out, c),
    }
}

/// After the last call (`any` when there was one), before the first event.
pub fn calls_end(format: Format, out: &mut Vec<u8>, any: bool) {
    match format {
        Format::Json => out.extend_from_slice(b"],\"events\":["),
        Format::Yaml if !any => out.extend_from_slice(b"calls: []\n"),
        Format::Yaml | Format::Text => {}
    }
}

/// One event; `first` when no event was written before it.
pub fn event(format: Format, out: &mut Vec<u8>, e: &EventLine<'_>, first: bool) {
    match format {
        Format::Json => {
            if !first {
                out.push(b',');
            }
            event_fields(&mut Fields::<JSON>::open(out), e);
        }
        Format::Yaml => {
            if first {
                out.extend_from_slice(b"events:\n");
            }
            out.extend_from_slice(b"  - ");
            event_fields(&mut Fields::<YAML_FLOW>::open(out), e);
            out.push(b'\n');
        }
        Format::Text => {
            if first {
                out.extend_from_slice(b"\nevents:\n");
            }
            let start = out.len();
            out.extend_from_slice(b"  ");
            ms_text(out, e.at, 12);
            out.extend_from_slice(b"  call ");
            // The call index left-aligned in 3 columns, the attempt in 10, the kind in 16.
            let field = out.len();
            uint(out, e.call);
            pad_to(out, field, 3);
            out.push(b' ');
            let field = out.len();
            if let Some(a) = e.attempt {
                out.extend_from_slice(b"attempt ");
                uint(out, a.into());
            }
            pad_to(out, field, 10);
            out.push(b' ');
            let field = out.len();
            out.extend_from_slice(e.kind.as_str().as_bytes());
            pad_to(out, field, 16);
            out.push(b' ');
            out.extend_from_slice(e.detail.as_bytes());
            trim_end(out, start);
            out.push(b'\n');
        }
    }
}

/// The document's end (`any` when there was an event). The JSON document ends without a
/// newline, as `serde_json::to_string` ends it.
pub fn end(format: Format, out: &mut Vec<u8>, any: bool) {
    match format {
        Format::Json => out.extend_from_slice(b"]}"),
        Format::Yaml if !any => out.extend_from_slice(b"events: []\n"),
        Format::Yaml | Format::Text => {}
    }
}

/// A call as its `Serialize` impl writes it (json.rs), field for field.
fn json_call(out: &mut Vec<u8>, c: &CallRecord) {
    let mut f = Fields::<JSON>::open(out);
    call_head(&mut f, c);
    let out = key!(f, "attempts");
    out.push(b'[');
    for (i, a) in c.attempts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        attempt_fields(&mut Fields::<JSON>::open(out), a);
    }
    out.push(b']');
    f.close();
}

fn yaml_call(out: &mut Vec<u8>, c: &CallRecord) {
    out.extend_from_slice(b"  - ");
    call_head(&mut Fields::<YAML_BLOCK>::open(out), c);
    if c.attempts.is_empty() {
        out.extend_from_slice(b"\n    attempts: []\n");
        return;
    }
    out.extend_from_slice(b"\n    attempts:\n");
    for a in &c.attempts {
        yaml_attempt(out, a);
    }
}

/// A call's fields before its attempts.
fn call_head<const S: u8>(f: &mut Fields<'_, S>, c: &CallRecord) {
    uint(key!(f, "call"), c.call);
    name_str(key!(f, "status"), c.status.name());
    json_str_or_null(key!(f, "message"), c.message.as_deref());
    ms_json(key!(f, "started_ms"), c.started);
    ms_json(key!(f, "ended_ms"), c.ended);
}

fn yaml_attempt(out: &mut Vec<u8>, a: &AttemptRecord) {
    out.extend_from_slice(b"      - ");
    attempt_fields(&mut Fields::<YAML_FLOW>::open(out), a);
    out.push(b'\n');
}

/// How a record's fields are separated: the formats print calls, attempts and events with the
/// same keys in the same order and the same value spellings, and differ only in this. A const
/// parameter, so each writer is compiled once per style with its separators as constants.
///
/// `{"key":value,…}`
const JSON: u8 = 0;
/// `{key: value, …}` on one line (attempts and events in YAML).
const YAML_FLOW: u8 = 1;
/// `key: value` lines under a list item (a call in YAML); no braces.
const YAML_BLOCK: u8 = 2;

/// Writes one record's fields in a style (above).
struct Fields<'o, const STYLE: u8> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o, const STYLE: u8> Fields<'o, STYLE> {
    #[inline(always)]
    fn open(out: &'o mut Vec<u8>) -> Self {
        if STYLE != YAML_BLOCK {
            out.push(b'{');
        }
        Fields { out, first: true }
    }

    /// Writes the separator and a key, given as this style spells it (`"key":` in JSON,
    /// `key: ` in YAML: [`key!`] writes both from the name); the value goes into the returned
    /// buffer.
    #[inline(always)]
    fn key(&mut self, json: &'static str, yaml: &'static str) -> &mut Vec<u8> {
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
    fn close(&mut self) {
        if STYLE != YAML_BLOCK {
            self.out.push(b'}');
        }
    }
}

/// An attempt, as `AttemptRecord`'s `Serialize` impl writes it (json.rs); `transparent` only
/// when true.
fn attempt_fields<const S: u8>(f: &mut Fields<'_, S>, a: &AttemptRecord) {
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
fn event_fields<const S: u8>(f: &mut Fields<'_, S>, e: &EventLine<'_>) {
    ms_json(key!(f, "at_ms"), e.at);
    uint(key!(f, "call"), e.call);
    uint_or_null(key!(f, "attempt"), e.attempt);
    name_str(key!(f, "kind"), e.kind.as_str());
    json_str(key!(f, "detail"), e.detail);
    f.close();
}

fn text_call(out: &mut Vec<u8>, c: &CallRecord) {
    out.extend_from_slice(b"\ncall ");
    uint(out, c.call);
    out.extend_from_slice(b": ");
    out.extend_from_slice(c.status.name().as_bytes());
    if let Some(m) = &c.message {
        out.push(b' ');
        debug_str(out, m);
    }
    out.extend_from_slice(b" after ");
    ms_text(out, c.ended.saturating_sub(c.started), 0);
    out.extend_from_slice(b" (started ");
    ms_text(out, c.started, 0);
    out.extend_from_slice(b", ");
    uint(out, c.attempts.len() as u64);
    out.extend_from_slice(if c.attempts.len() == 1 {
        b" attempt)\n"
    } else {
        b" attempts)\n"
    });
    for a in &c.attempts {
        out.extend_from_slice(b"  attempt ");
        let field = out.len();
        uint(out, a.attempt.into());
        pad_to(out, field, 2);
        out.extend_from_slice(b" previous ");
        let field = out.len();
        match a.previous {
            Some(p) => uint(out, p.into()),
            None => out.extend_from_slice(b"none"),
        }
        pad_to(out, field, 4);
        out.extend_from_slice(b" sent ");
        ms_text(out, a.sent, 12);
        out.extend_from_slice(b"  ended ");
        match a.ended {
            Some(t) => ms_text(out, t, 12),
            None => right(out, b"-", 12),
        }
        out.extend_from_slice(b"  ");
        out.extend_from_slice(a.outcome.map_or("(running)", Outcome::as_str).as_bytes());
        if let Some(p) = &a.pushback {
            out.extend_from_slice(b"  pushback ");
            debug_str(out, p);
        }
        if a.committed {
            out.extend_from_slice(b"  committed");
        }
        if a.transparent {
            out.extend_from_slice(b"  transparent");
        }
        out.push(b'\n');
    }
}
