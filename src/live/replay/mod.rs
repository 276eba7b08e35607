//! The retry buffer: a request body read once from the application and replayed to every
//! attempt (R65), up to a byte limit (R64, R66, D22).
//!
//! Unary and server-streaming requests from a tonic client arrive complete: their body yields
//! its one frame and its end without waiting, so [`Replay::prefetch`] holds the whole request
//! before the first attempt and the call knows up front whether it fits (`request_fits_buffer`).
//! Client- and bidi-streaming bodies produce messages over time; they are pulled lazily by
//! whichever attempt asks first, appended to the buffer, and served from it to every other
//! attempt (hedges included), so each attempt sees "everything sent so far" and then the live
//! rest. Several attempts may wait on the source at once, so every waiting reader's waker is
//! kept and woken when a chunk arrives or a reader goes away. Each attempt's reader is named
//! by the attempt's slot ([`Replay::reader`]).
//!
//! ## Overflow in the middle of a call (R30b, R61, R66)
//!
//! When a chunk pulled from the source would push the buffer past the limit, the RPC must
//! commit. The attempt whose reader pulled it is the one that has sent the most (R61) and the
//! only one holding the message, so it becomes the buffer's *owner*, and the replay reports its
//! slot to the driver ([`Replay::poll_overflow`], which the layer turns into
//! [`crate::driver::Signal::BufferOverflow`]). The report is made before the chunk is handed
//! to the attempt, so nothing the server answers to it can reach the driver first (the
//! driver's causality rule). The engine then commits to that attempt, cancels every other one
//! and starts no new one (R31). Meanwhile, a reader that reaches the end of the data that fits
//! waits instead of reading on: it is about to be cancelled.
//!
//! Chunks past the limit are not kept (R66), with one exception: the overflowing chunk itself
//! stays until the owner reads further, so that if the owner's stream ends before it got
//! anywhere (a transparent retry, R69), the replacement attempt can take over the whole
//! request. Ownership moves only then: to a reader that asks while the owner is gone and has
//! read nothing that is not kept. A reader asking once that is impossible ends its body with
//! CANCELLED; so does every reader whose attempt the driver has dropped ([`Replay::retire`]),
//! so a cancelled attempt never consumes the application's messages.
//!
//! What this does not cover: the per-channel budget counts only what is buffered before the
//! first attempt; messages a streaming request adds later count against the per-RPC limit only.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::task::AtomicWaker;
use http::HeaderMap;
use http_body::Body as _;
use smallvec::SmallVec;
use tonic::body::Body;
use tonic::Status;

mod reader;
pub use reader::ReplayReader;

/// The shared buffer of one call's request.
#[derive(Debug)]
pub struct Replay {
    state: Mutex<State>,
    overflowed: AtomicBool,
    /// The driver, waiting for an overflow report.
    driver: AtomicWaker,
}

#[derive(Debug)]
struct State {
    /// Inline for one chunk: a unary request's one message allocates nothing here.
    chunks: SmallVec<[Bytes; 1]>,
    buffered: usize,
    limit: usize,
    /// Set once the source ended: its trailers, if any. Boxed, as `failed` is: rare, and the
    /// state stays small to move.
    ended: Option<Option<Box<HeaderMap>>>,
    failed: Option<Box<Status>>,
    source: Option<Body>,
    /// Set once the request outgrew the limit: how many chunks fit. Those every reader may
    /// replay; the rest (the overflowing chunk) only the owner.
    fit: Option<usize>,
    /// After an overflow, the one reader allowed past `fit`; `None` until one asks.
    owner: Option<u32>,
    /// The owner read from the source past what is kept: ownership can no longer move.
    owner_pulled: bool,
    /// Readers whose attempts are gone.
    retired: Vec<u32>,
    /// An overflow in the middle of the call, not yet reported: the owner's slot.
    report: Option<u32>,
    wakers: Vec<Waker>,
}

impl State {
    /// The source ended and everything it gave is kept: nothing is left to read.
    fn is_complete(&self) -> bool {
        self.ended.is_some() && self.fit.is_none()
    }
}

/// The state of a request just read ahead ([`Replay::ahead`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ahead {
    /// As [`Replay::is_complete`].
    pub complete: bool,
    /// As [`Replay::overflowed`].
    pub overflowed: bool,
    /// As [`Replay::buffered`].
    pub buffered: usize,
}

/// What owns a call's [`Replay`] and is shared with its readers: the replay itself, or a
/// larger value of the call holding it (so that a call makes one shared allocation, not two).
pub trait ReplayHolder: Send + Sync + std::fmt::Debug {
    /// The replay.
    fn replay(&self) -> &Replay;
}

impl ReplayHolder for Replay {
    fn replay(&self) -> &Replay {
        self
    }
}

impl Replay {
    /// [`Replay::read_ahead`], shared.
    pub fn prefetch(body: Body, limit: usize) -> Arc<Replay> {
        Arc::new(Replay::read_ahead(body, limit))
    }

    /// Reads every frame `body` has ready now (for a tonic unary request: all of it) into a
    /// buffer of at most `limit` bytes; the rest is read on demand.
    pub fn read_ahead(mut body: Body, limit: usize) -> Replay {
        let mut state = State {
            chunks: SmallVec::new(),
            buffered: 0,
            limit,
            ended: None,
            failed: None,
            source: None,
            fit: None,
            owner: None,
            owner_pulled: false,
            retired: Vec::new(),
            report: None,
            wakers: Vec::new(),
        };
        let mut overflowed = false;
        // Polled directly with one no-op context, rather than through `frame().now_or_never()`,
        // which makes a context and a future per frame (the layer reads ahead at every call).
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if body.is_end_stream() {
                state.ended = Some(None);
                break;
            }
            match Pin::new(&mut body).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if state.buffered + data.len() <= limit => {
                        state.buffered += data.len();
                        state.chunks.push(data);
                    }
                    Ok(data) => {
                        // Too big to keep: the first attempt to ask owns the rest (R66). The
                        // call knows already (`request_fits_buffer`), so nothing is reported.
                        overflowed = true;
                        state.fit = Some(state.chunks.len());
                        state.chunks.push(data);
                        state.source = Some(body);
                        break;
                    }
                    Err(frame) => {
                        state.ended = Some(frame.into_trailers().ok().map(Box::new));
                        break;
                    }
                },
                Poll::Ready(Some(Err(status))) => {
                    state.failed = Some(Box::new(status));
                    break;
                }
                Poll::Ready(None) => {
                    state.ended = Some(None);
                    break;
                }
                Poll::Pending => {
                    state.source = Some(body);
                    break;
                }
            }
        }
        Replay {
            state: Mutex::new(state),
            overflowed: AtomicBool::new(overflowed),
            driver: AtomicWaker::new(),
        }
    }

    /// What [`Replay::read_ahead`] found, read while the replay is still the caller's alone
    /// (so without taking its lock, as [`Replay::is_complete`] and the others must).
    pub fn ahead(&mut self) -> Ahead {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        Ahead {
            complete: state.is_complete(),
            overflowed: *self.overflowed.get_mut(),
            buffered: state.buffered,
        }
    }

    /// Whether the whole request is buffered (nothing left to read from the application).
    pub fn is_complete(&self) -> bool {
        self.lock().is_complete()
    }

    /// Whether the request outgrew the limit, committing the call (R66).
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Acquire)
    }

    /// Bytes held for replay.
    pub fn buffered(&self) -> usize {
        self.lock().buffered
    }

    /// The body of the attempt in `slot`: the buffered chunks, then the live rest.
    pub fn reader(self: &Arc<Self>, slot: u32) -> ReplayReader {
        ReplayReader::new(Arc::clone(self) as Arc<dyn ReplayHolder>, slot)
    }

    /// The attempt in `slot` is gone (the driver dropped it): its reader, if still polled,
    /// ends, and a buffer it owned may move to another attempt. Only the driver's side calls
    /// this, so ownership moves only once the engine has let go of the attempt.
    pub fn retire(&self, slot: u32) {
        let mut state = self.lock();
        // Only a request still being read, or past the limit, has anything to protect.
        let matters = state.source.is_some() || state.fit.is_some();
        if matters && !state.retired.contains(&slot) {
            state.retired.push(slot);
        }
        for waker in state.wakers.drain(..) {
            waker.wake();
        }
    }

    /// Ready once per overflow in the middle of the call, with the slot of the attempt that
    /// holds the overflowing chunk (module docs).
    pub fn poll_overflow(&self, cx: &mut Context<'_>) -> Poll<u32> {
        self.driver.register(cx.waker());
        match self.lock().report.take() {
            Some(slot) => Poll::Ready(slot),
            None => Poll::Pending,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests;
