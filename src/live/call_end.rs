//! [`CallEnd`]: what the sides of one call share. The driver (polled by the caller's future,
//! then by the response body) hands the response over and publishes the final status; the
//! committed attempt's body reports how it closed; the application's side says it gave up;
//! every attempt's request body reads the replay buffer held here, and every attempt after
//! the first rebuilds its head from the copy of the application's head held here. One
//! allocation per call carries all of it, with no channel: each side knows when to look (see
//! the type's docs).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use http::Response;

use super::kept_head::KeptHead;
use super::replay::{Replay, ReplayHolder, ReplayReader};
use super::response::{Close, LiveBody};
use crate::code::Code;

/// What the sides of a call share: the request's replay buffer ([`super::replay`], held here
/// so a call makes one shared allocation, not two), and what each side tells the other: the
/// driver hands the response over here and publishes the call's final status (for a body
/// still being read); the committed attempt's body reports how the attempt closed; the
/// application, by dropping its response future or body early, publishes that it gave up
/// (R33), which the driver takes as its cancel signal.
///
/// Giving up wakes nobody: it happens only as the caller's future or the body is dropped,
/// and that hands the driver to a task of its own, whose first poll sees it.
#[derive(Debug)]
pub struct CallEnd {
    replay: Replay,
    /// The application's request head for the attempts that do not take it: put here, where
    /// it is written once, rather than in the transport, which moves with the call's driver
    /// into its box (a few hundred bytes, copied at each move).
    head: KeptHead,
    slots: Mutex<Slots>,
    /// The final status is in `slots`: a body checks this before taking the lock.
    finished: AtomicBool,
    /// A body that reads while the driver runs elsewhere.
    waker: AtomicWaker,
    gave_up: AtomicBool,
    /// The committed attempt, waiting for its body's close.
    attempt: AtomicWaker,
    /// A close is in `slots`: the attempt checks this before taking the lock (it is polled
    /// at every step of the driver while its body is read).
    closing: AtomicBool,
    /// A response is in `slots`: the caller's future checks this before taking the lock (it
    /// looks after every poll of the driver).
    delivered: AtomicBool,
}

impl ReplayHolder for CallEnd {
    fn replay(&self) -> &Replay {
        &self.replay
    }
}

/// What [`CallEnd`] carries between the two sides, under one lock.
#[derive(Debug, Default)]
struct Slots {
    status: Option<Code>,
    /// The response the driver delivered, until the caller's future takes it.
    response: Option<Response<LiveBody>>,
    /// How the committed attempt's body ended (its slot and close), until the attempt takes it.
    close: Option<(u32, Close)>,
}

impl CallEnd {
    /// The shared end of a call whose request is in `replay`.
    pub fn new(replay: Replay) -> Self {
        CallEnd::with_head(replay, KeptHead::default())
    }

    /// [`CallEnd::new`] holding the copy of the application's head later attempts rebuild
    /// theirs from.
    pub(super) fn with_head(replay: Replay, head: KeptHead) -> Self {
        CallEnd {
            replay,
            head,
            slots: Mutex::default(),
            finished: AtomicBool::new(false),
            waker: AtomicWaker::new(),
            gave_up: AtomicBool::new(false),
            attempt: AtomicWaker::new(),
            closing: AtomicBool::new(false),
            delivered: AtomicBool::new(false),
        }
    }

    /// The call's request buffer.
    pub fn replay(&self) -> &Replay {
        &self.replay
    }

    /// The copy of the application's head (an empty one if the end was made without it).
    pub(super) fn head(&self) -> &KeptHead {
        &self.head
    }

    /// The body of the attempt in `slot`: the request, replayed.
    pub fn reader(self: &Arc<Self>, slot: u32) -> ReplayReader {
        ReplayReader::new(Arc::clone(self) as Arc<dyn ReplayHolder>, slot)
    }

    /// The application gave up on the call (its future or body is being dropped, and the
    /// driver goes to a task of its own).
    pub fn give_up(&self) {
        self.gave_up.store(true, Ordering::Release);
    }

    /// Ready once the application has given up (the driver's cancel signal). Registers no
    /// waker: see the type's docs.
    pub fn poll_given_up(&self) -> Poll<()> {
        if self.gave_up.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// A body reading while the driver runs elsewhere: woken by [`CallEnd::finish`].
    pub fn register_body(&self, cx: &mut Context<'_>) {
        self.waker.register(cx.waker());
    }

    /// Publishes the call's final status and wakes the body.
    pub fn finish(&self, status: Code) {
        self.lock().status = Some(status);
        self.finished.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// The driver hands the call's response over (the caller's future polls the driver
    /// itself, so it looks right after; nothing to wake). A call has one response: a second
    /// one is dropped.
    pub fn deliver(&self, response: Response<LiveBody>) {
        let mut slots = self.lock();
        // Written only into an empty slot, so nothing is dropped first and the response is
        // moved straight in rather than through a temporary (a response is about 200 bytes).
        if slots.response.is_none() {
            slots.response = Some(response);
        }
        drop(slots);
        self.delivered.store(true, Ordering::Release);
    }

    /// The delivered response, once.
    #[inline]
    pub fn take_response(&self) -> Option<Response<LiveBody>> {
        if !self.delivered.swap(false, Ordering::Acquire) {
            return None;
        }
        self.lock().response.take()
    }

    /// The committed attempt in `slot` closed: wakes the attempt.
    pub fn close(&self, slot: u32, close: Close) {
        self.close_quietly(slot, close);
        self.attempt.wake();
    }

    /// [`CallEnd::close`] for a body that polls the driver itself right after: the attempt
    /// finds the close when it is polled, so nothing is woken. (A wake would only make the
    /// reading task, whose waker the attempt holds, poll once more for nothing.)
    pub fn close_quietly(&self, slot: u32, close: Close) {
        let mut slots = self.lock();
        slots.close = Some((slot, close));
        self.closing.store(true, Ordering::Release);
    }

    /// Ready with the close of the attempt in `slot`, once its body reported it.
    pub fn poll_close(&self, slot: u32, cx: &mut Context<'_>) -> Poll<Close> {
        // A close already reported (the body reports it just before it polls the driver) is
        // taken without registering a waker first.
        if !self.closing.load(Ordering::Acquire) {
            if self.delivered.load(Ordering::Acquire) {
                // The driver just handed the response over and is being polled by the caller's
                // future, which takes the response right after this poll and gives the rest of
                // the driver to its body: the body polls the driver right after it reports the
                // close ([`LiveBody`]'s `report`; dropped first, it reports the close before it
                // hands the driver to a task of its own, whose first poll finds it). So the
                // close needs no wake, and the waker is not stored. (A caller's future dropped
                // before the response came left a cancel signal the driver hears in this same
                // wait, before it could wait for this close.)
                return Poll::Pending;
            }
            self.attempt.register(cx.waker());
            // Registered, then looked again: a close reported after this check wakes the
            // attempt.
            if !self.closing.load(Ordering::Acquire) {
                return Poll::Pending;
            }
        }
        let mut slots = self.lock();
        self.closing.store(false, Ordering::Relaxed);
        match slots.close.take() {
            Some((s, close)) if s == slot => Poll::Ready(close),
            // Another attempt's body (one the call no longer follows): not this attempt's end.
            _ => {
                drop(slots);
                self.attempt.register(cx.waker());
                if self.closing.load(Ordering::Acquire) {
                    // A close came since: look again.
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            }
        }
    }

    /// The call's final status, once the driver published it.
    pub fn final_status(&self) -> Option<Code> {
        if !self.finished.load(Ordering::Acquire) {
            return None;
        }
        self.lock().status
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::body::Body;

    fn end() -> Arc<CallEnd> {
        Arc::new(CallEnd::new(Replay::read_ahead(Body::empty(), 16)))
    }

    fn ok() -> Close {
        Close {
            status: Code::Ok,
            pushback: Vec::new(),
        }
    }

    #[test]
    fn a_close_reaches_only_the_attempt_of_its_slot() {
        let end = end();
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(end.poll_close(1, &mut cx).is_pending());
        end.close(0, ok()); // a body the call no longer follows
        assert!(end.poll_close(1, &mut cx).is_pending());
        end.close(1, ok());
        assert_eq!(end.poll_close(1, &mut cx), Poll::Ready(ok()));
    }

    #[test]
    fn the_response_is_handed_over_once() {
        let end = end();
        assert!(end.take_response().is_none());
        end.deliver(Response::new(LiveBody::default()));
        assert!(end.take_response().is_some());
        assert!(end.take_response().is_none());
    }
}
