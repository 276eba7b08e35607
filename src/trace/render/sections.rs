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

use super::bytes::{debug_str, json_str, ms_text, pad_to, right, trim_end, uint};
use super::fields::{attempt_fields, call_head, event_fields, Fields, JSON, YAML_BLOCK, YAML_FLOW};
use super::Format;
use crate::time::Nanos;
use crate::trace::{AttemptRecord, CallRecord, EventKind, Outcome};

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

/// A run's identity, what a trace document starts with.
#[derive(Clone, Copy, Debug)]
pub struct Head<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The seed.
    pub seed: u64,
    /// `sim` or `live`.
    pub mode: &'a str,
    /// The runtime profile, when it is not `a6` ([`crate::trace::Trace::profile`]).
    pub profile: Option<&'a str>,
    /// Why the profile's runtime rejected the config ([`crate::trace::Trace::config_rejected`]).
    pub config_rejected: Option<&'a str>,
}

/// The document's head, before any call: the run's identity (and, in text, the description).
/// A profile and a rejection appear only when set, so an `a6` run's head is unchanged.
pub fn head(format: Format, out: &mut Vec<u8>, head: &Head<'_>, description: &str) {
    let Head {
        scenario,
        seed,
        mode,
        profile,
        config_rejected,
    } = *head;
    match format {
        Format::Json => {
            out.extend_from_slice(b"{\"scenario\":");
            json_str(out, scenario);
            out.extend_from_slice(b",\"seed\":");
            uint(out, seed);
            out.extend_from_slice(b",\"mode\":");
            json_str(out, mode);
            if let Some(profile) = profile {
                out.extend_from_slice(b",\"profile\":");
                json_str(out, profile);
            }
            if let Some(why) = config_rejected {
                out.extend_from_slice(b",\"config_rejected\":");
                json_str(out, why);
            }
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
            if let Some(profile) = profile {
                out.extend_from_slice(b"profile: ");
                json_str(out, profile);
                out.push(b'\n');
            }
            if let Some(why) = config_rejected {
                out.extend_from_slice(b"config_rejected: ");
                json_str(out, why);
                out.push(b'\n');
            }
        }
        Format::Text => {
            for piece in ["scenario ", scenario, " · seed "] {
                out.extend_from_slice(piece.as_bytes());
            }
            uint(out, seed);
            for piece in [" · ", mode] {
                out.extend_from_slice(piece.as_bytes());
            }
            if let Some(profile) = profile {
                for piece in [" · as ", profile] {
                    out.extend_from_slice(piece.as_bytes());
                }
            }
            out.push(b'\n');
            for line in description.lines() {
                for piece in ["  ", line, "\n"] {
                    out.extend_from_slice(piece.as_bytes());
                }
            }
            if let Some(why) = config_rejected {
                for piece in ["  config rejected: ", why, "\n"] {
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
    let out = f.key("\"attempts\":", "attempts: ");
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

fn yaml_attempt(out: &mut Vec<u8>, a: &AttemptRecord) {
    out.extend_from_slice(b"      - ");
    attempt_fields(&mut Fields::<YAML_FLOW>::open(out), a);
    out.push(b'\n');
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
