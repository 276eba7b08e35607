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
//! kept and woken when a chunk arrives or a reader goes away.
//!
//! When a chunk would push the buffer past the limit, the RPC must commit (R66): the chunk is
//! not stored; the reader that pulled it keeps reading the source directly (it is the attempt
//! the call is committed to) and every other reader, present or future, ends with an error.
//! [`Replay::overflowed`] reports it so the caller can tell the engine.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::FutureExt;
use http::HeaderMap;
use http_body::{Body as _, Frame};
use http_body_util::BodyExt;
use tonic::body::Body;
use tonic::Status;

/// The shared buffer of one call's request.
#[derive(Debug)]
pub struct Replay {
    state: Mutex<State>,
    overflowed: AtomicBool,
}

#[derive(Debug)]
struct State {
    chunks: Vec<Bytes>,
    buffered: usize,
    limit: usize,
    /// Set once the source ended: its trailers, if any.
    ended: Option<Option<HeaderMap>>,
    failed: Option<Status>,
    source: Option<Body>,
    /// After an overflow, the one reader still allowed to read.
    owner: Option<u64>,
    next_reader: u64,
    wakers: Vec<Waker>,
}

impl Replay {
    /// Reads every frame `body` has ready now (for a tonic unary request: all of it) into a
    /// buffer of at most `limit` bytes; the rest is read on demand.
    pub fn prefetch(mut body: Body, limit: usize) -> Arc<Replay> {
        let mut state = State {
            chunks: Vec::new(),
            buffered: 0,
            limit,
            ended: None,
            failed: None,
            source: None,
            owner: None,
            next_reader: 0,
            wakers: Vec::new(),
        };
        let mut overflowed = false;
        loop {
            if body.is_end_stream() {
                state.ended = Some(None);
                break;
            }
            match body.frame().now_or_never() {
                Some(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if state.buffered + data.len() <= limit => {
                        state.buffered += data.len();
                        state.chunks.push(data);
                    }
                    Ok(data) => {
                        // Too big to keep: the first reader gets it, nobody else (R66).
                        overflowed = true;
                        state.owner = Some(0);
                        state.chunks.push(data);
                        state.source = Some(body);
                        break;
                    }
                    Err(frame) => {
                        state.ended = Some(frame.into_trailers().ok());
                        break;
                    }
                },
                Some(Some(Err(status))) => {
                    state.failed = Some(status);
                    break;
                }
                Some(None) => {
                    state.ended = Some(None);
                    break;
                }
                None => {
                    state.source = Some(body);
                    break;
                }
            }
        }
        Arc::new(Replay {
            state: Mutex::new(state),
            overflowed: AtomicBool::new(overflowed),
        })
    }

    /// Whether the whole request is buffered (nothing left to read from the application).
    pub fn is_complete(&self) -> bool {
        let state = self.lock();
        state.ended.is_some() && state.owner.is_none()
    }

    /// Whether the request outgrew the limit, committing the call (R66).
    pub fn overflowed(&self) -> bool {
        self.overflowed.load(Ordering::Acquire)
    }

    /// Bytes held for replay.
    pub fn buffered(&self) -> usize {
        self.lock().buffered
    }

    /// A body for one attempt: the buffered chunks, then the live rest.
    pub fn reader(self: &Arc<Self>) -> ReplayReader {
        let mut state = self.lock();
        let id = state.next_reader;
        state.next_reader += 1;
        ReplayReader {
            replay: Arc::clone(self),
            id,
            index: 0,
            done: false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One attempt's view of the request body.
#[derive(Debug)]
pub struct ReplayReader {
    replay: Arc<Replay>,
    id: u64,
    index: usize,
    done: bool,
}

impl http_body::Body for ReplayReader {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let this = &mut *self;
        let replay = Arc::clone(&this.replay);
        let mut state = replay.lock();
        let owner = state.owner;
        if owner.is_some_and(|o| o != this.id) {
            this.done = true;
            return Poll::Ready(Some(Err(Status::cancelled(
                "request outgrew the retry buffer; another attempt owns it",
            ))));
        }
        if let Some(chunk) = state.chunks.get(this.index) {
            this.index += 1;
            let chunk = chunk.clone();
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        if let Some(status) = &state.failed {
            this.done = true;
            return Poll::Ready(Some(Err(status.clone())));
        }
        if let Some(trailers) = &state.ended {
            this.done = true;
            return Poll::Ready(trailers.clone().map(|t| Ok(Frame::trailers(t))));
        }
        let Some(source) = state.source.as_mut() else {
            this.done = true;
            return Poll::Ready(None);
        };
        match Pin::new(source).poll_frame(cx) {
            Poll::Pending => {
                if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    state.wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
            Poll::Ready(next) => {
                for waker in state.wakers.drain(..) {
                    waker.wake();
                }
                match next {
                    None => {
                        state.ended = Some(None);
                        state.source = None;
                        this.done = true;
                        Poll::Ready(None)
                    }
                    Some(Err(status)) => {
                        state.failed = Some(status.clone());
                        this.done = true;
                        Poll::Ready(Some(Err(status)))
                    }
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => {
                            if state.owner.is_none() && state.buffered + data.len() > state.limit {
                                state.owner = Some(this.id);
                                replay.overflowed.store(true, Ordering::Release);
                            }
                            if state.owner.is_none() {
                                state.buffered += data.len();
                                state.chunks.push(data.clone());
                                this.index += 1;
                            }
                            Poll::Ready(Some(Ok(Frame::data(data))))
                        }
                        Err(frame) => {
                            let trailers = frame.into_trailers().ok();
                            state.ended = Some(trailers.clone());
                            state.source = None;
                            this.done = true;
                            Poll::Ready(trailers.map(|t| Ok(Frame::trailers(t))))
                        }
                    },
                }
            }
        }
    }
}

impl Drop for ReplayReader {
    fn drop(&mut self) {
        // The source may hold this reader's waker only: let the others re-register theirs.
        for waker in self.replay.lock().wakers.drain(..) {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(chunks: &[&'static str]) -> Body {
        let frames: Vec<Result<Frame<Bytes>, Status>> = chunks
            .iter()
            .map(|c| Ok(Frame::data(Bytes::from_static(c.as_bytes()))))
            .collect();
        Body::new(http_body_util::StreamBody::new(futures_util::stream::iter(
            frames,
        )))
    }

    async fn read_all(mut reader: ReplayReader) -> Result<Vec<u8>, Status> {
        let mut out = Vec::new();
        while let Some(frame) = reader.frame().await {
            if let Ok(data) = frame?.into_data() {
                out.extend_from_slice(&data);
            }
        }
        Ok(out)
    }

    #[tokio::test]
    async fn complete_request_replays_to_every_attempt_r65() {
        let replay = Replay::prefetch(body_of(&["ab", "cd"]), 1024);
        assert!(replay.is_complete());
        assert_eq!(replay.buffered(), 4);
        for _ in 0..3 {
            assert_eq!(read_all(replay.reader()).await.ok(), Some(b"abcd".to_vec()));
        }
    }

    #[tokio::test]
    async fn exactly_the_limit_still_fits_d22_r68() {
        let replay = Replay::prefetch(body_of(&["abcd"]), 4);
        assert!(!replay.overflowed());
        assert!(replay.is_complete());
    }

    #[tokio::test]
    async fn over_the_limit_goes_to_one_attempt_only_r66() {
        let replay = Replay::prefetch(body_of(&["ab", "cde"]), 4);
        assert!(replay.overflowed());
        assert!(!replay.is_complete());
        assert_eq!(
            read_all(replay.reader()).await.ok(),
            Some(b"abcde".to_vec())
        );
        assert!(
            read_all(replay.reader()).await.is_err(),
            "a second attempt cannot replay"
        );
    }

    #[tokio::test]
    async fn streaming_source_is_shared_between_attempts_r65() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Frame<Bytes>, Status>>();
        let frames =
            futures_util::stream::unfold(rx, |mut rx| async { rx.recv().await.map(|f| (f, rx)) });
        let replay = Replay::prefetch(Body::new(http_body_util::StreamBody::new(frames)), 1024);
        assert!(!replay.is_complete());
        let first = tokio::spawn(read_all(replay.reader()));
        tx.send(Ok(Frame::data(Bytes::from_static(b"x")))).ok();
        tx.send(Ok(Frame::data(Bytes::from_static(b"y")))).ok();
        let second = tokio::spawn(read_all(replay.reader()));
        drop(tx);
        assert_eq!(first.await.ok().and_then(Result::ok), Some(b"xy".to_vec()));
        assert_eq!(second.await.ok().and_then(Result::ok), Some(b"xy".to_vec()));
    }
}
