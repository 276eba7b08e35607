//! [`StreamRecorder`]: a full trace written while the run goes, not collected and rendered
//! at its end.
//!
//! Every format prints the calls, in index order, and then one event log in the order events
//! happened. So a finished call is rendered at once and written as soon as every call before
//! it has been; one that overtakes an earlier call waits, already rendered, in a small reorder
//! buffer keyed by index (in a simulation only the calls still in flight can be overtaken, so
//! the buffer holds about as many calls as run at once). Events must wait for the last call:
//! they are kept typed, about 80 bytes each (no detail text; the rare pushback value goes to
//! one shared arena), and rendered at [`StreamRecorder::finish`]. The pieces of the document
//! come from [`crate::trace::render`]'s sections, the ones the whole-trace renderers use, so
//! the streamed document is the rendered one byte for byte.
//!
//! A write error (stdout closed) is kept: nothing more is written, and `finish` returns it.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard};

use super::render::{sections, EventLine, Format, Head};
use super::{CallRecord, Event, Mode, Recorder, What};
use crate::time::Nanos;

/// Buffers kept for waiting calls at most (a few hundred bytes each).
const SPARE_BUFFERS: usize = 1024;

/// Writes a trace document to `W` while the run goes (see the module docs).
#[derive(Debug)]
pub struct StreamRecorder<W: Write> {
    format: Format,
    inner: Mutex<Stream<W>>,
}

/// An event kept until the calls are all written: typed, its borrowed text in the arena.
#[derive(Debug)]
struct Kept {
    at: Nanos,
    call: u64,
    attempt: Option<u32>,
    what: What<'static>,
    /// Where its text (if any) lies in [`Stream::texts`].
    text: (u32, u32),
}

#[derive(Debug)]
struct Stream<W> {
    out: W,
    /// The bytes of the piece being written, reused.
    piece: Vec<u8>,
    /// The index of the call written next.
    next: u64,
    /// Whether a call was written.
    any_call: bool,
    /// Rendered calls that finished before an earlier one, by index.
    waiting: BTreeMap<u64, Vec<u8>>,
    /// Buffers of calls written from `waiting`, for the next calls that must wait (most do:
    /// calls overtake each other all the time), so a waiting call's bytes are not grown from
    /// nothing each time.
    spare: Vec<Vec<u8>>,
    events: Vec<Kept>,
    texts: String,
    error: Option<io::Error>,
}

impl<W: Write> Stream<W> {
    /// Writes `piece` (and empties it), unless an earlier write failed.
    fn flush_piece(&mut self) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(&self.piece) {
                self.error = Some(e);
            }
        }
        self.piece.clear();
    }

    /// Writes one rendered call body after its separator, and keeps its buffer for reuse.
    fn write_call(&mut self, format: Format, mut body: Vec<u8>) {
        sections::before_call(format, &mut self.piece, !self.any_call);
        self.any_call = true;
        self.piece.extend_from_slice(&body);
        self.flush_piece();
        if self.spare.len() < SPARE_BUFFERS {
            body.clear();
            self.spare.push(body);
        }
    }
}

impl<W: Write> StreamRecorder<W> {
    /// Starts the document of run `seed` of `scenario` in `format` on `out` (its head is
    /// written now); `description` is the scenario's, which only the text format prints.
    pub fn new(
        out: W,
        format: Format,
        scenario: &str,
        seed: u64,
        mode: Mode,
        description: &str,
    ) -> Self {
        let head = Head {
            scenario,
            seed,
            mode: mode.as_str(),
            profile: None,
            config_rejected: None,
        };
        Self::with_head(out, format, &head, description)
    }

    /// [`StreamRecorder::new`] with a whole head: a run under a runtime profile names it, and
    /// says why the runtime rejected the config if it did.
    pub fn with_head(out: W, format: Format, head: &Head<'_>, description: &str) -> Self {
        let mut stream = Stream {
            out,
            piece: Vec::with_capacity(4096),
            next: 0,
            any_call: false,
            waiting: BTreeMap::new(),
            spare: Vec::new(),
            events: Vec::new(),
            texts: String::new(),
            error: None,
        };
        sections::head(format, &mut stream.piece, head, description);
        stream.flush_piece();
        StreamRecorder {
            format,
            inner: Mutex::new(stream),
        }
    }

    /// Writes the calls still waiting (those after a call that never finished, by index),
    /// then the event log and the document's end; flushes `out` and returns it, or the
    /// first write error.
    pub fn finish(self) -> io::Result<W> {
        let format = self.format;
        let mut s = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        for body in std::mem::take(&mut s.waiting).into_values() {
            s.write_call(format, body);
        }
        sections::calls_end(format, &mut s.piece, s.any_call);
        let events = std::mem::take(&mut s.events);
        let mut detail = String::new();
        for (i, e) in events.iter().enumerate() {
            let (from, to) = (e.text.0 as usize, e.text.1 as usize);
            let what = e.what.with_text(|_| &s.texts[from..to]);
            detail.clear();
            what.write_detail(&mut detail);
            let line = EventLine {
                at: e.at,
                call: e.call,
                attempt: e.attempt,
                kind: what.kind(),
                detail: &detail,
            };
            sections::event(format, &mut s.piece, &line, i == 0);
            if s.piece.len() >= 1 << 16 {
                s.flush_piece();
            }
        }
        sections::end(format, &mut s.piece, !events.is_empty());
        s.flush_piece();
        match s.error {
            Some(e) => Err(e),
            None => s.out.flush().map(|()| s.out),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Stream<W>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<W: Write> Recorder for StreamRecorder<W> {
    fn wants_events(&self) -> bool {
        true
    }

    fn event(&self, event: &Event<'_>) {
        let mut s = self.lock();
        let mut text = (0, 0);
        let texts = &mut s.texts;
        let what = event.what.with_text(|t| {
            let from = texts.len();
            texts.push_str(t);
            // An arena past 4 GiB of pushback text would be a run of billions of events.
            text = (to_u32(from), to_u32(texts.len()));
            ""
        });
        s.events.push(Kept {
            at: event.at,
            call: event.call,
            attempt: event.attempt,
            what,
            text,
        });
    }

    fn call(&self, record: &CallRecord) {
        let format = self.format;
        let mut guard = self.lock();
        let s = &mut *guard;
        if record.call > s.next {
            let mut body = s.spare.pop().unwrap_or_default();
            sections::call_body(format, &mut body, record);
            s.waiting.insert(record.call, body);
            return;
        }
        // The next call (or, never in a run, one whose turn has passed: written now).
        sections::before_call(format, &mut s.piece, !s.any_call);
        s.any_call = true;
        sections::call_body(format, &mut s.piece, record);
        s.flush_piece();
        s.next = s.next.max(record.call.saturating_add(1));
        while let Some(body) = s.waiting.remove(&{ s.next }) {
            s.write_call(format, body);
            s.next += 1;
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::code::Code;
    use crate::trace::render::{to_json_string, to_text, to_yaml};
    use crate::trace::{AttemptRecord, Outcome, Trace, TraceEvent};

    /// A writer whose bytes the test can read while the recorder still holds it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn record(call: u64) -> CallRecord {
        let mut r = CallRecord::new(call, Code::Ok, call, call + 5);
        let mut a = AttemptRecord::new(1, None, call);
        (a.ended, a.outcome, a.committed) = (Some(call + 5), Some(Outcome::Status(Code::Ok)), true);
        r.attempts.push(a);
        r
    }

    fn pushback(call: u64) -> Event<'static> {
        let what = What::Closed {
            outcome: Outcome::Status(Code::Unavailable),
            pushback: Some("20"),
        };
        Event::new(3_000, call, Some(1), what)
    }

    #[test]
    fn calls_are_written_in_index_order_as_soon_as_their_turn_comes() {
        for format in [Format::Json, Format::Yaml, Format::Text] {
            let out = Shared::default();
            let r = StreamRecorder::new(out.clone(), format, "s", 7, Mode::Sim, "About.");
            let head = out.text();
            assert!(head.contains('s') && head.contains('7'), "{head}");
            r.event(&pushback(1));
            r.call(&record(1));
            assert_eq!(out.text(), head, "call 1 waits for call 0");
            r.call(&record(0));
            let both = out.text();
            assert!(both.len() > head.len(), "0 and 1 written once 0 finished");
            r.event(&Event::new(9_000, 2, None, What::Cancel));
            r.call(&record(2));
            assert!(out.text().len() > both.len(), "2 written at once");
            r.finish().unwrap();
            let trace = Trace {
                scenario: "s".into(),
                seed: 7,
                mode: "sim".into(),
                profile: None,
                config_rejected: None,
                calls: (0..3).map(record).collect(),
                events: vec![
                    pushback(1).to_trace_event(),
                    Event::new(9_000, 2, None, What::Cancel).to_trace_event(),
                ],
            };
            let whole = match format {
                Format::Json => to_json_string(&trace),
                Format::Yaml => to_yaml(&trace),
                Format::Text => to_text(&trace, "About."),
            };
            assert_eq!(out.text(), whole, "{format:?}");
        }
    }

    #[test]
    fn calls_after_one_that_never_finished_are_written_at_the_end_in_order() {
        let r = StreamRecorder::new(Vec::new(), Format::Json, "s", 1, Mode::Sim, "");
        for call in [3, 2] {
            r.call(&record(call));
        }
        let text = String::from_utf8(r.finish().unwrap()).unwrap();
        let t: Trace = serde_json::from_str(&text).unwrap();
        let order: Vec<u64> = t.calls.iter().map(|c| c.call).collect();
        assert_eq!(order, [2, 3]);
        assert_eq!(t.events, Vec::<TraceEvent>::new());
    }

    #[test]
    fn a_failed_write_is_returned_by_finish() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let r = StreamRecorder::new(Closed, Format::Text, "s", 1, Mode::Sim, "");
        r.call(&record(0));
        let err = r.finish().err().map(|e| e.kind());
        assert_eq!(err, Some(io::ErrorKind::BrokenPipe));
    }
}
