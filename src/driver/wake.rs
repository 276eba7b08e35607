//! One wait of the driver's loop, with the tie-break the module docs of [`super`] describe:
//! attempt events (oldest slot first), then the timer, then the application's signals — except
//! that a buffer overflow already reported when an event or the timer is taken goes first.
//! Also the loop's one [`Timer`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::poll_fn;
use futures_util::stream::{FusedStream, Stream};

use super::Signal;
use crate::clock::Clock;
use crate::time::Nanos;
use crate::transport::AttemptEvent;

/// The engine's next wakeup as a sleep. The sleep lives inside the driver's future (no
/// allocation per wait), and `at` says which instant it is for, so it is only replaced when
/// the engine's wakeup changes.
pub(super) struct Timer<'a, F> {
    at: Option<Nanos>,
    sleep: Pin<&'a mut Option<F>>,
}

impl<'a, F> Timer<'a, F> {
    pub(super) fn new(sleep: Pin<&'a mut Option<F>>) -> Self {
        Timer { at: None, sleep }
    }

    /// Sleeps until `wakeup` (not at all for `None`).
    #[inline]
    pub(super) fn set<C: Clock<Sleep = F>>(&mut self, clock: &C, wakeup: Option<Nanos>) {
        if self.at != wakeup {
            self.at = wakeup;
            self.sleep.set(wakeup.map(|at| clock.sleep_until(at)));
        }
    }

    /// The sleep fired: forget it.
    #[inline]
    pub(super) fn clear(&mut self) {
        self.at = None;
        self.sleep.set(None);
    }

    pub(super) fn sleep(&mut self) -> Pin<&mut Option<F>> {
        self.sleep.as_mut()
    }
}

/// What one wait of the loop produced.
pub(super) enum Wake<R> {
    Attempt(u32, Option<AttemptEvent<R>>),
    Timer,
    Signal(Signal),
}

/// The signals stream and what was taken from it out of turn.
pub(super) struct Waiter<'a, Sg, R> {
    signals: Pin<&'a mut Sg>,
    /// Signals taken early (while looking for an overflow) and not handled yet, in order.
    deferred: Vec<Signal>,
    /// An attempt event or the timer, put back behind an overflow that came first. The caller
    /// takes it before waiting again. Boxed: it is needed only after an overflow, and a
    /// response inline here would make every call's driver future a few hundred bytes larger.
    stashed: Option<Box<Wake<R>>>,
}

impl<'a, Sg: Stream<Item = Signal> + FusedStream, R> Waiter<'a, Sg, R> {
    pub(super) fn new(signals: Pin<&'a mut Sg>) -> Self {
        Waiter {
            signals,
            deferred: Vec::new(),
            stashed: None,
        }
    }

    /// The event or timer put back behind an overflow, if any: to handle before waiting.
    #[inline]
    pub(super) fn take_stashed(&mut self) -> Option<Wake<R>> {
        self.stashed.take().map(|wake| *wake)
    }

    /// Waits for the next thing to handle. A plain future rather than an `async fn`: one
    /// state machine less between the executor and the attempts on every wait.
    pub(super) fn wait<'w, S, F>(
        &'w mut self,
        attempts: &'w mut [(u32, S)],
        mut sleep: Pin<&'w mut Option<F>>,
    ) -> impl Future<Output = Wake<R>> + use<'a, 'w, Sg, R, S, F>
    where
        S: Stream<Item = AttemptEvent<R>> + Unpin,
        F: Future<Output = ()>,
    {
        poll_fn(move |cx| {
            let wake = match poll_wake(cx, attempts, sleep.as_mut()) {
                Poll::Ready(wake) => wake,
                Poll::Pending => {
                    if !self.deferred.is_empty() {
                        return Poll::Ready(Wake::Signal(self.deferred.remove(0)));
                    }
                    return match self.signals.as_mut().poll_next(cx) {
                        Poll::Ready(Some(signal)) => Poll::Ready(Wake::Signal(signal)),
                        // A finished stream: no more signals.
                        _ => Poll::Pending,
                    };
                }
            };
            // An overflow already reported came before this event (module docs of the driver).
            while let Poll::Ready(Some(signal)) = self.signals.as_mut().poll_next(cx) {
                self.deferred.push(signal);
            }
            let overflow = self
                .deferred
                .iter()
                .position(|s| matches!(s, Signal::BufferOverflow { .. }));
            match overflow {
                Some(i) => {
                    self.stashed = Some(Box::new(wake));
                    Poll::Ready(Wake::Signal(self.deferred.remove(i)))
                }
                None => Poll::Ready(wake),
            }
        })
    }
}

/// Attempt events first, oldest slot first; then the timer. Inlined into the wait's poll,
/// which runs it on every wake of the driver.
#[inline(always)]
fn poll_wake<S, R, F>(
    cx: &mut Context<'_>,
    attempts: &mut [(u32, S)],
    sleep: Pin<&mut Option<F>>,
) -> Poll<Wake<R>>
where
    S: Stream<Item = AttemptEvent<R>> + Unpin,
    F: Future<Output = ()>,
{
    for (slot, attempt) in attempts.iter_mut() {
        if let Poll::Ready(event) = Pin::new(attempt).poll_next(cx) {
            return Poll::Ready(Wake::Attempt(*slot, event));
        }
    }
    if let Some(s) = sleep.as_pin_mut() {
        if s.poll(cx).is_ready() {
            return Poll::Ready(Wake::Timer);
        }
    }
    Poll::Pending
}
