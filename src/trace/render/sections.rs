//! A trace document written piece by piece: its head, each call, the events, its end, in any of
//! the three formats. The whole-trace renderers ([`super::to_yaml`], [`super::to_text`]) and
//! the streaming recorder ([`crate::trace::StreamRecorder`]) both write through these pieces,
//! so a streamed trace is the rendered one byte for byte, by construction rather than by
//! keeping two copies in step.
//!
//! Every piece appends to a byte buffer and builds no intermediate JSON value: the JSON pieces
//! are the records' own `Serialize` impls, the YAML pieces write each record's flow line
//! directly (strings JSON-quoted and floats in serde_json's shortest spelling, as the value
//! based renderer printed them), and the text pieces are the people's layout.

use std::io::Write as _;

use super::Format;
use crate::time::{to_ms, MsText, Nanos};
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

/// Appends `value` as compact JSON (a string quoted and escaped, a float in its shortest
/// round-trip spelling). Writing to a `Vec` cannot fail, and these values always serialize.
fn json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(&mut *out, value);
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
            json(out, scenario);
            let _ = write!(out, ",\"seed\":{seed},\"mode\":");
            json(out, mode);
            if let Some(profile) = profile {
                out.extend_from_slice(b",\"profile\":");
                json(out, profile);
            }
            if let Some(why) = config_rejected {
                out.extend_from_slice(b",\"config_rejected\":");
                json(out, why);
            }
            out.extend_from_slice(b",\"calls\":[");
        }
        Format::Yaml => {
            out.extend_from_slice(b"scenario: ");
            json(out, scenario);
            let _ = write!(out, "\nseed: {seed}\nmode: ");
            json(out, mode);
            out.push(b'\n');
            if let Some(profile) = profile {
                out.extend_from_slice(b"profile: ");
                json(out, profile);
                out.push(b'\n');
            }
            if let Some(why) = config_rejected {
                out.extend_from_slice(b"config_rejected: ");
                json(out, why);
                out.push(b'\n');
            }
        }
        Format::Text => {
            let _ = write!(out, "scenario {scenario} · seed {seed} · {mode}");
            if let Some(profile) = profile {
                let _ = write!(out, " · as {profile}");
            }
            out.push(b'\n');
            for line in description.lines() {
                let _ = writeln!(out, "  {line}");
            }
            if let Some(why) = config_rejected {
                let _ = writeln!(out, "  config rejected: {why}");
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
        Format::Json => json(out, c),
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
            json(out, e);
        }
        Format::Yaml => {
            if first {
                out.extend_from_slice(b"events:\n");
            }
            let _ = write!(out, "  - {{at_ms: ");
            json(out, &to_ms(e.at));
            let _ = write!(out, ", call: {}, attempt: ", e.call);
            option(out, e.attempt);
            let _ = write!(out, ", kind: \"{}\", detail: ", e.kind.as_str());
            json(out, e.detail);
            out.extend_from_slice(b"}\n");
        }
        Format::Text => {
            if first {
                out.extend_from_slice(b"\nevents:\n");
            }
            let start = out.len();
            let _ = write!(out, "  {:>12}  call {:<3} ", MsText(e.at), e.call);
            // `attempt N`, left-aligned in 10 columns, written in place (no String per event).
            let field = out.len();
            if let Some(a) = e.attempt {
                let _ = write!(out, "attempt {a}");
            }
            pad_to(out, field, 10);
            let _ = write!(out, " {:<16} {}", e.kind.as_str(), e.detail);
            let kept = std::str::from_utf8(&out[start..]).map_or(0, |l| l.trim_end().len());
            out.truncate(start + kept);
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

fn option(out: &mut Vec<u8>, value: Option<u32>) {
    match value {
        Some(v) => {
            let _ = write!(out, "{v}");
        }
        None => out.extend_from_slice(b"null"),
    }
}

fn yaml_call(out: &mut Vec<u8>, c: &CallRecord) {
    let _ = write!(
        out,
        "  - call: {}\n    status: \"{}\"\n    message: ",
        c.call,
        c.status.name()
    );
    match &c.message {
        Some(m) => json(out, m.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b"\n    started_ms: ");
    json(out, &to_ms(c.started));
    out.extend_from_slice(b"\n    ended_ms: ");
    json(out, &to_ms(c.ended));
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
    let _ = write!(out, "      - {{attempt: {}, previous: ", a.attempt);
    option(out, a.previous);
    out.extend_from_slice(b", sent_ms: ");
    json(out, &to_ms(a.sent));
    out.extend_from_slice(b", ended_ms: ");
    match a.ended {
        Some(t) => json(out, &to_ms(t)),
        None => out.extend_from_slice(b"null"),
    }
    match a.outcome {
        Some(o) => {
            let _ = write!(out, ", outcome: \"{}\"", o.as_str());
        }
        None => out.extend_from_slice(b", outcome: null"),
    }
    let _ = write!(out, ", committed: {}, pushback_ms: ", a.committed);
    match &a.pushback {
        Some(p) => json(out, p.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    if a.transparent {
        out.extend_from_slice(b", transparent: true");
    }
    out.extend_from_slice(b"}\n");
}

/// Pads what was written since `from` with spaces to `width` bytes (the text is ASCII), as
/// `{:<width}` would.
fn pad_to(out: &mut Vec<u8>, from: usize, width: usize) {
    let written = out.len() - from;
    out.resize(out.len() + width.saturating_sub(written), b' ');
}

fn text_call(out: &mut Vec<u8>, c: &CallRecord) {
    let message = c
        .message
        .as_ref()
        .map_or(String::new(), |m| format!(" {m:?}"));
    let _ = writeln!(
        out,
        "\ncall {}: {}{message} after {} (started {}, {} attempt{})",
        c.call,
        c.status,
        MsText(c.ended.saturating_sub(c.started)),
        MsText(c.started),
        c.attempts.len(),
        if c.attempts.len() == 1 { "" } else { "s" },
    );
    for a in &c.attempts {
        let outcome = a.outcome.map_or("(running)", Outcome::as_str);
        let _ = write!(out, "  attempt {:<2} previous ", a.attempt);
        let field = out.len();
        match a.previous {
            Some(p) => {
                let _ = write!(out, "{p}");
            }
            None => out.extend_from_slice(b"none"),
        }
        pad_to(out, field, 4);
        let _ = write!(out, " sent {:>12}  ended ", MsText(a.sent));
        match a.ended {
            Some(t) => {
                let _ = write!(out, "{:>12}", MsText(t));
            }
            None => {
                let _ = write!(out, "{:>12}", "-");
            }
        }
        let _ = write!(out, "  {outcome}");
        if let Some(p) = &a.pushback {
            let _ = write!(out, "  pushback {p:?}");
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
