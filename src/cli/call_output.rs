//! What `hedgehog call` prints, written as each call ends so memory stays flat whatever
//! `--count` says: nothing per call outlives its printing.
//!
//! The layer's recorder is a [`Streamer`]: each finished call record goes down a channel to the
//! load loop, which pairs it with the call's reply and hands both to [`Output::call`]. The text
//! format prints each call's block as [`to_text`] would (minus the header); the JSON format
//! streams the documented trace document — `calls` one line per call, then `events` — and
//! adds a `summary`. The event log comes after every call in that shape, so events are
//! spooled to a temporary file as they happen and copied out at the end, instead of being held
//! in memory.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use hedgehog::code::Code;
use hedgehog::json::{Map, Value};
use hedgehog::time::{to_ms, Nanos};
use hedgehog::trace::render::to_text;
use hedgehog::trace::stats::LatencyStats;
use hedgehog::trace::{CallRecord, Event, Mode, Recorder, TraceRecorder};
use tokio::sync::mpsc::UnboundedSender;

use super::format::TextOrJson;

/// Events as JSON, comma-separated, in an unlinked temporary file.
#[derive(Debug)]
struct EventSpool {
    file: BufWriter<File>,
    written: u64,
}

type SharedSpool = Arc<Mutex<Option<EventSpool>>>;

fn lock(spool: &SharedSpool) -> MutexGuard<'_, Option<EventSpool>> {
    spool.lock().unwrap_or_else(|e| e.into_inner())
}

fn spool_file() -> std::io::Result<File> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!("hedgehog-call-events-{}-{nanos}.json", std::process::id());
    let path = std::env::temp_dir().join(name);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    // Unlinked at once where the system allows: the file goes away with the process.
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// The layer's recorder: finished calls to the load loop, events (JSON only) to the spool.
#[derive(Debug)]
pub struct Streamer {
    records: UnboundedSender<CallRecord>,
    events: Option<SharedSpool>,
}

impl Recorder for Streamer {
    fn wants_events(&self) -> bool {
        self.events.is_some()
    }

    fn event(&self, event: &Event<'_>) {
        let Some(spool) = &self.events else { return };
        let line = event.to_trace_event();
        if let Some(spool) = lock(spool).as_mut() {
            let comma = if spool.written == 0 { "" } else { "," };
            let json = serde_json::to_string(&line).unwrap_or_default();
            let _ = write!(spool.file, "{comma}\n{json}");
            spool.written += 1;
        }
    }

    fn call(&self, record: &CallRecord) {
        let _ = self.records.send(record.clone());
    }
}

/// The printer and the tally of a `call` run.
#[derive(Debug)]
pub struct Output {
    format: TextOrJson,
    events: Option<SharedSpool>,
    stats: LatencyStats,
    printed: u64,
    count: u64,
    /// Whether a call failed.
    pub failed: bool,
}

impl Output {
    /// Prints the header (the trace's, for `target` and `seed`) and returns the printer with
    /// the recorder that feeds it. Events are kept (spooled) only for JSON, which prints them.
    pub fn begin(
        format: TextOrJson,
        target: &str,
        seed: u64,
        about: &str,
        count: u64,
        records: UnboundedSender<CallRecord>,
    ) -> Result<(Output, Streamer), String> {
        let events = match format {
            TextOrJson::Text => None,
            TextOrJson::Json => {
                let file =
                    spool_file().map_err(|e| format!("cannot open a temporary file: {e}"))?;
                Some(Arc::new(Mutex::new(Some(EventSpool {
                    file: BufWriter::new(file),
                    written: 0,
                }))))
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = match format {
            TextOrJson::Text => write!(out, "scenario {target} · seed {seed} · live\n  {about}\n"),
            TextOrJson::Json => write!(
                out,
                "{{\"scenario\":{},\"seed\":{seed},\"mode\":\"live\",\"calls\":[",
                serde_json::Value::from(target)
            ),
        };
        let _ = out.flush();
        let streamer = Streamer {
            records,
            events: events.clone(),
        };
        let output = Output {
            format,
            events,
            stats: LatencyStats::new(),
            printed: 0,
            count,
            failed: false,
        };
        Ok((output, streamer))
    }

    /// The calls printed so far.
    pub fn printed(&self) -> u64 {
        self.printed
    }

    /// One finished call: its record, its reply and its latency (from its intended start).
    pub fn call(
        &mut self,
        mut record: CallRecord,
        reply: &Result<String, tonic::Status>,
        took: Nanos,
    ) {
        record.message = reply.as_ref().ok().cloned();
        self.stats.record(took, record.status);
        self.failed |= reply.is_err() || record.status != Code::Ok;
        let mut out = std::io::stdout().lock();
        let _ = match self.format {
            TextOrJson::Json => {
                let comma = if self.printed == 0 { "" } else { "," };
                let json = serde_json::to_string(&record).unwrap_or_default();
                write!(out, "{comma}\n{json}")
            }
            TextOrJson::Text => {
                let call = record.call;
                let one = TraceRecorder::with_events(false);
                one.call(&record);
                let one = one.into_trace("", 0, Mode::Live);
                // Everything after the header line: the call's block.
                let text = to_text(&one, "");
                let block = text.split_once('\n').map_or("", |(_, b)| b);
                let _ = write!(out, "{block}");
                match reply {
                    Err(status) => writeln!(
                        out,
                        "call {call} failed: {:?} {}",
                        status.code(),
                        status.message()
                    ),
                    Ok(_) => Ok(()),
                }
            }
        };
        let _ = out.flush();
        self.printed += 1;
    }

    /// Closes the output with the summary: counts by status and latency percentiles.
    pub fn finish(self, interrupted: bool) {
        let mut out = std::io::stdout().lock();
        match self.format {
            TextOrJson::Json => {
                let _ = write!(out, "\n],\"events\":[");
                if let Some(spool) = self.events.as_ref().and_then(|s| lock(s).take()) {
                    let _ = copy_spool(spool, &mut out);
                }
                let mut summary = Map::new();
                summary.insert("calls", Value::from(self.stats.count()));
                summary.insert("of", Value::from(self.count));
                summary.insert("interrupted", Value::from(interrupted));
                summary.insert("statuses", Value::from(self.stats.statuses_json()));
                summary.insert("latency_ms", self.stats.percentiles_json());
                let summary = Value::Object(summary);
                let _ = writeln!(out, "\n],\"summary\":{summary}}}");
            }
            TextOrJson::Text if self.count > 1 || interrupted => {
                let _ = writeln!(out, "\n{}", self.summary_line(interrupted));
            }
            TextOrJson::Text => {}
        }
        let _ = out.flush();
    }

    fn summary_line(&self, interrupted: bool) -> String {
        let statuses: Vec<String> = Code::ALL
            .into_iter()
            .filter(|c| self.stats.status_count(*c) > 0)
            .map(|c| format!("{} {}", c.name(), self.stats.status_count(c)))
            .collect();
        let ms = |q: f64| format!("{:.3}ms", to_ms(self.stats.latency_at(q)));
        let stopped = if interrupted { " (interrupted)" } else { "" };
        format!(
            "summary: {} of {} calls{stopped}: {}; latency from intended start p50 {} p90 {} p99 {} p999 {} max {}",
            self.stats.count(),
            self.count,
            statuses.join(", "),
            ms(0.5),
            ms(0.9),
            ms(0.99),
            ms(0.999),
            ms(1.0)
        )
    }
}

fn copy_spool(spool: EventSpool, out: &mut impl Write) -> std::io::Result<()> {
    let mut file = spool.file.into_inner().map_err(|e| e.into_error())?;
    file.seek(SeekFrom::Start(0))?;
    std::io::copy(&mut file, out).map(|_| ())
}
