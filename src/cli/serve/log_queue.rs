//! The log of `serve`: lines go through a bounded queue to a writer thread, so the server never
//! waits on its stdout.
//!
//! Why a thread and a bounded queue: a stdout that nobody reads blocks every write once the
//! pipe is full, and a stdout that was closed (`serve | head -n 1`) fails every write. Writing
//! from the serving loop would stall it (Ctrl-C unanswered, records piling up without bound)
//! or panic it (`println!` on a broken pipe). Here the loop only offers each line to a queue
//! of fixed capacity and moves on: a full queue drops the line, a failed write closes the log
//! for good. Nothing is lost silently: [`LogQueue::finish`] tells how many lines were never
//! written, and `serve` says so on stderr at exit.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

/// Lines waiting for the writer at most; more are dropped (about 100 bytes each).
pub const CAPACITY: usize = 1024;

/// A bounded log whose lines a thread of its own writes out.
pub struct LogQueue {
    lines: SyncSender<String>,
    offered: u64,
    written: Arc<AtomicU64>,
    ended: mpsc::Receiver<()>,
}

/// What became of the lines offered to a [`LogQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogEnd {
    /// Lines offered.
    pub offered: u64,
    /// Lines written out (the others were dropped: queue full, output closed, or still
    /// waiting when the time to drain ran out).
    pub written: u64,
}

impl LogEnd {
    /// Lines offered but never written.
    pub fn lost(&self) -> u64 {
        self.offered - self.written
    }
}

impl LogQueue {
    /// Starts the writer thread on `out`, holding at most `capacity` waiting lines.
    pub fn start(capacity: usize, out: impl Write + Send + 'static) -> std::io::Result<LogQueue> {
        let (lines, queued) = mpsc::sync_channel::<String>(capacity);
        let written = Arc::new(AtomicU64::new(0));
        let (end, ended) = mpsc::channel();
        let count = Arc::clone(&written);
        std::thread::Builder::new()
            .name("hedgehog-serve-log".into())
            .spawn(move || {
                write_all(queued, out, &count);
                let _ = end.send(());
            })?;
        Ok(LogQueue {
            lines,
            offered: 0,
            written,
            ended,
        })
    }

    /// Offers one line; never waits. A full queue or a closed output drops it.
    pub fn log(&mut self, line: String) {
        self.offered += 1;
        match self.lines.try_send(line) {
            Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
        }
    }

    /// Closes the queue and waits up to `drain` for the writer to write what is waiting.
    pub fn finish(self, drain: Duration) -> LogEnd {
        let LogQueue {
            lines,
            offered,
            written,
            ended,
        } = self;
        drop(lines);
        let _ = ended.recv_timeout(drain);
        LogEnd {
            offered,
            written: written.load(Ordering::SeqCst),
        }
    }
}

/// Writes every queued line to `out` until the queue closes or a write fails.
fn write_all(queued: mpsc::Receiver<String>, mut out: impl Write, written: &AtomicU64) {
    for line in queued {
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            return; // closed: the lines still queued are dropped with the receiver
        }
        written.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An output that keeps what it is given, or fails every write.
    #[derive(Clone, Default)]
    struct Sink {
        text: Arc<Mutex<Vec<u8>>>,
        broken: bool,
    }

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.broken {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            self.text.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order() {
        let sink = Sink::default();
        let mut log = LogQueue::start(8, sink.clone()).unwrap();
        log.log("a".into());
        log.log("b".into());
        let end = log.finish(Duration::from_secs(10));
        assert_eq!(
            end,
            LogEnd {
                offered: 2,
                written: 2
            }
        );
        assert_eq!(&*sink.text.lock().unwrap(), b"a\nb\n");
    }

    #[test]
    fn a_broken_output_loses_lines_and_counts_them() {
        let sink = Sink {
            broken: true,
            ..Sink::default()
        };
        let mut log = LogQueue::start(8, sink).unwrap();
        for i in 0..20 {
            log.log(i.to_string());
        }
        let end = log.finish(Duration::from_secs(10));
        assert_eq!(end.offered, 20);
        assert_eq!(end.lost(), 20);
    }

    #[test]
    fn a_blocked_output_never_blocks_the_logger() {
        /// An output whose writes wait until the test ends.
        struct Stuck(mpsc::Receiver<()>);
        impl Write for Stuck {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                let _ = self.0.recv();
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (release, stuck) = mpsc::channel();
        let mut log = LogQueue::start(4, Stuck(stuck)).unwrap();
        for i in 0..10_000 {
            log.log(i.to_string()); // returns although nothing can be written
        }
        let end = log.finish(Duration::from_millis(10));
        assert_eq!(
            end,
            LogEnd {
                offered: 10_000,
                written: 0
            }
        );
        let _ = release.send(());
    }
}
