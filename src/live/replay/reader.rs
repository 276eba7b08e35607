//! [`ReplayReader`]: one attempt's view of the shared request buffer, as an HTTP body.
//!
//! It serves the chunks already kept, then pulls the live rest from the source (or waits
//! while another reader does), and ends its body with CANCELLED once its attempt was retired
//! or the data it needs was not kept (see the parent module on overflow).

use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use tonic::Status;

use super::ReplayHolder;

/// One attempt's view of the request body.
#[derive(Debug)]
pub struct ReplayReader {
    pub(super) holder: Arc<dyn ReplayHolder>,
    pub(super) id: u32,
    pub(super) index: usize,
    pub(super) done: bool,
}

impl ReplayReader {
    /// The body of the attempt in `slot`, reading the replay `holder` holds.
    pub fn new(holder: Arc<dyn ReplayHolder>, slot: u32) -> ReplayReader {
        ReplayReader {
            holder,
            id: slot,
            index: 0,
            done: false,
        }
    }

    fn fail(&mut self, message: &'static str) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        self.done = true;
        Poll::Ready(Some(Err(Status::cancelled(message))))
    }
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
        let holder = Arc::clone(&this.holder);
        let replay = holder.replay();
        let mut state = replay.lock();
        if state.retired.contains(&this.id) {
            drop(state);
            return this.fail("the attempt was cancelled");
        }
        let fit = state.fit.unwrap_or(usize::MAX);
        if this.index < fit {
            if let Some(chunk) = state.chunks.get(this.index) {
                this.index += 1;
                return Poll::Ready(Some(Ok(Frame::data(chunk.clone()))));
            }
        }
        if state.fit.is_some() {
            // Past what every attempt may replay: the owner's alone (module docs).
            match state.owner {
                Some(owner) if owner == this.id => {}
                Some(owner) if !state.retired.contains(&owner) => {
                    // The call is committed to the owner; this attempt is about to be cancelled.
                    if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                        state.wakers.push(cx.waker().clone());
                    }
                    return Poll::Pending;
                }
                Some(_) if state.owner_pulled => {
                    drop(state);
                    return this.fail("request outgrew the retry buffer; its attempt ended");
                }
                _ => state.owner = Some(this.id),
            }
            if let Some(chunk) = state.chunks.get(this.index) {
                this.index += 1;
                return Poll::Ready(Some(Ok(Frame::data(chunk.clone()))));
            }
        }
        if let Some(status) = &state.failed {
            this.done = true;
            return Poll::Ready(Some(Err(Status::clone(status))));
        }
        if let Some(trailers) = &state.ended {
            this.done = true;
            let trailers = trailers.as_deref().cloned();
            return Poll::Ready(trailers.map(|t| Ok(Frame::trailers(t))));
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
                        state.failed = Some(Box::new(status.clone()));
                        this.done = true;
                        Poll::Ready(Some(Err(status)))
                    }
                    Some(Ok(frame)) => match frame.into_data() {
                        Ok(data) => {
                            if state.fit.is_some() {
                                // The owner reads on, unbuffered (R66).
                                state.owner_pulled = true;
                            } else if state.buffered + data.len() > state.limit {
                                // This attempt holds the overflowing chunk: the call commits
                                // to it, reported before the chunk leaves (module docs).
                                state.fit = Some(state.chunks.len());
                                state.owner = Some(this.id);
                                state.chunks.push(data.clone());
                                state.report = Some(this.id);
                                this.index += 1;
                                replay.overflowed.store(true, Ordering::Release);
                                replay.driver.wake();
                            } else {
                                state.buffered += data.len();
                                state.chunks.push(data.clone());
                                this.index += 1;
                            }
                            Poll::Ready(Some(Ok(Frame::data(data))))
                        }
                        Err(frame) => {
                            let trailers = frame.into_trailers().ok();
                            state.ended = Some(trailers.clone().map(Box::new));
                            state.source = None;
                            this.done = true;
                            Poll::Ready(trailers.map(|t| Ok(Frame::trailers(t))))
                        }
                    },
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        // Lets HTTP/2 mark the last DATA frame END_STREAM instead of sending an empty frame
        // after it: for a unary request, one frame and one server wakeup less per attempt.
        self.at_end()
    }
}

impl ReplayReader {
    /// Nothing is left to send: everything kept was read and the source ended without trailers.
    fn at_end(&self) -> bool {
        if self.done {
            return true;
        }
        let state = self.holder.replay().lock();
        matches!(state.ended, Some(None))
            && state.failed.is_none()
            && self.index >= state.chunks.len()
            && !state.retired.contains(&self.id)
    }
}

impl Drop for ReplayReader {
    fn drop(&mut self) {
        // The source may hold this reader's waker only: let the others re-register theirs.
        // Not a retirement: HTTP/2 drops a body whose stream the server ended, before the
        // driver has heard of it, and ownership must not move behind the engine's back.
        for waker in self.holder.replay().lock().wakers.drain(..) {
            waker.wake();
        }
    }
}
