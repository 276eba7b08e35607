//! One wait of the driver's loop, with the tie-break the module docs of [`super`] describe:
//! attempt events (oldest slot first), then the timer, then the application's signals — except
//! that a buffer overflow already reported when an event or the timer is taken goes first.
//! Also the loop's one [`Timer`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{FusedStream, Stream};

use super::Signal;
use crate::clock::Clock;
use crate::time::Nanos;
use crate::transport::AttemptEvent;

/// The engine's next wakeup as a sleep. The sleep lives inside the driver's future (no
/// allocation per wait), and `at` says which instant it is for, so it is only replaced when
/// the engine's wakeup changes.
pub(crate) struct Timer<'a, F> {
    at: Option<Nanos>,
    sleep: Pin<&'a mut Option<F>>,
}

impl<'a, F> Timer<'a, F> {
    pub(crate) fn new(sleep: Pin<&'a mut Option<F>>) -> Self {
        Timer { at: None, sleep }
    }

    /// Sleeps until `wakeup` (not at all for `None`).
    ///
    /// Always inlined into the loop, which calls this before every wait: as a call of its
    /// own it cost about 30 instructions per simulated attempt more, most of them the call's
    /// saving and restoring of registers.
    #[inline(always)]
    pub(crate) fn set<C: Clock<Sleep = F>>(&mut self, clock: &C, wakeup: Option<Nanos>) {
        if self.at != wakeup {
            self.at = wakeup;
            self.sleep.set(wakeup.map(|at| clock.sleep_until(at)));
        }
    }

    /// The sleep fired: forget it.
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.at = None;
        self.sleep.set(None);
    }

    pub(crate) fn sleep(&mut self) -> Pin<&mut Option<F>> {
        self.sleep.as_mut()
    }
}

/// What one wait of the loop produced. An attempt's event itself is left where the wait was
/// told to put it (see [`Waiter::wait`]), so a response is not copied through every layer of
/// the poll on its way to the call's state.
#[derive(Clone, Copy)]
pub(crate) enum Wake {
    /// The attempt in this slot yielded an event (or ended, if none was left).
    Attempt(u32),
    Timer,
    Signal(Signal),
}

/// The signals stream and what was taken from it out of turn.
pub(crate) struct Waiter<'a, Sg> {
    signals: Pin<&'a mut Sg>,
    /// Signals taken early (while looking for an overflow) and not handled yet, in order.
    deferred: Vec<Signal>,
    /// An attempt event or the timer, put back behind an overflow that came first. The caller
    /// takes it before waiting again.
    stashed: Option<Wake>,
}

impl<'a, Sg: Stream<Item = Signal> + FusedStream> Waiter<'a, Sg> {
    pub(crate) fn new(signals: Pin<&'a mut Sg>) -> Self {
        Waiter {
            signals,
            deferred: Vec::new(),
            stashed: None,
        }
    }

    /// The event or timer put back behind an overflow, if any: to handle before waiting.
    #[inline]
    pub(crate) fn take_stashed(&mut self) -> Option<Wake> {
        self.stashed.take()
    }

    /// Waits for the next thing to handle; an attempt's event goes into `event` (`None` if
    /// the attempt ended without one). A plain future rather than an `async fn`: one state
    /// machine less between the executor and the attempts on every wait.
    pub(crate) fn wait<'w, S, F, R>(
        &'w mut self,
        attempts: &'w mut [(u32, S)],
        event: &'w mut Option<AttemptEvent<R>>,
        sleep: Pin<&'w mut Option<F>>,
    ) -> Wait<'a, 'w, Sg, S, F, R> {
        Wait {
            waiter: self,
            attempts,
            event,
            sleep,
        }
    }
}

/// The future of one [`Waiter::wait`]. A named type rather than a `poll_fn` closure, so its
/// poll can be inlined into the driver's, which polls it on every wake.
pub(crate) struct Wait<'a, 'w, Sg, S, F, R> {
    waiter: &'w mut Waiter<'a, Sg>,
    attempts: &'w mut [(u32, S)],
    event: &'w mut Option<AttemptEvent<R>>,
    sleep: Pin<&'w mut Option<F>>,
}

impl<Sg, S, F, R> Future for Wait<'_, '_, Sg, S, F, R>
where
    Sg: Stream<Item = Signal> + FusedStream,
    S: Stream<Item = AttemptEvent<R>> + Unpin,
    F: Future<Output = ()>,
{
    type Output = Wake;

    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Wake> {
        // Only references: moving them is fine.
        let this = self.get_mut();
        let waiter = &mut *this.waiter;
        let wake = match poll_wake(cx, this.attempts, this.event, this.sleep.as_mut()) {
            Poll::Ready(wake) => wake,
            Poll::Pending => {
                if !waiter.deferred.is_empty() {
                    return Poll::Ready(Wake::Signal(waiter.deferred.remove(0)));
                }
                return match waiter.signals.as_mut().poll_next(cx) {
                    Poll::Ready(Some(signal)) => Poll::Ready(Wake::Signal(signal)),
                    // A finished stream: no more signals.
                    _ => Poll::Pending,
                };
            }
        };
        // An overflow already reported came before this event (module docs of the driver).
        while let Poll::Ready(Some(signal)) = waiter.signals.as_mut().poll_next(cx) {
            waiter.deferred.push(signal);
        }
        let overflow = waiter
            .deferred
            .iter()
            .position(|s| matches!(s, Signal::BufferOverflow { .. }));
        match overflow {
            Some(i) => {
                waiter.stashed = Some(wake);
                Poll::Ready(Wake::Signal(waiter.deferred.remove(i)))
            }
            None => Poll::Ready(wake),
        }
    }
}

/// Attempt events first, oldest slot first; then the timer. Inlined into the wait's poll,
/// which runs it on every wake of the driver.
#[inline(always)]
fn poll_wake<S, R, F>(
    cx: &mut Context<'_>,
    attempts: &mut [(u32, S)],
    event: &mut Option<AttemptEvent<R>>,
    sleep: Pin<&mut Option<F>>,
) -> Poll<Wake>
where
    S: Stream<Item = AttemptEvent<R>> + Unpin,
    F: Future<Output = ()>,
{
    for (slot, attempt) in attempts.iter_mut() {
        if let Poll::Ready(ready) = Pin::new(attempt).poll_next(cx) {
            if event.is_none() {
                // Always so (the loop takes or drops each event before it waits again): put
                // without a call to the event's drop glue, which a plain assignment makes to
                // drop what it replaces, even a `None`.
                std::mem::forget(std::mem::replace(event, ready));
            } else {
                *event = ready;
            }
            return Poll::Ready(Wake::Attempt(*slot));
        }
    }
    if let Some(s) = sleep.as_pin_mut() {
        if s.poll(cx).is_ready() {
            return Poll::Ready(Wake::Timer);
        }
    }
    Poll::Pending
}
