//! Deferred timers (`timers.rs`) change nothing observable: a deferred sleep fires at its
//! instant in its registration order, a deferred sleep dropped never reaches the queue, and a
//! task whose covering sleep is taken away outside its poll still wakes.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use futures_util::future::poll_fn;

use super::clock::Sleep;
use super::executor::tests::{sleeper, Log};
use super::executor::Executor;
use crate::clock::Clock;

/// A task waiting on an attempt-like sleep at 10 and a deadline-like sleep at 30, polled in
/// that order (the driver's order): the 30 is deferred, then queued at 10 with the sequence it
/// was registered with — after "early" (registered before it), before "late" (after it).
#[test]
fn a_deferred_sleep_fires_in_its_registration_order() {
    let mut ex = Executor::new();
    let log: Log = Rc::default();
    ex.spawn(sleeper(ex.clock().clone(), log.clone(), 30, "early"));
    let (c, l) = (ex.clock().clone(), log.clone());
    ex.spawn(async move {
        let mut near = Box::pin(c.sleep_until(10));
        let mut far = Box::pin(c.sleep_until(30));
        poll_fn(|cx| {
            let near_done = near.as_mut().poll(cx).is_ready();
            match far.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(()),
                Poll::Pending if near_done && c.now() == 10 => {
                    // At 10: still deferred until this poll ends.
                    assert_eq!(c.queued_timers(), 2, "early's and late's");
                    Poll::Pending
                }
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        l.borrow_mut().push((c.now(), "deferred"));
    });
    ex.spawn(sleeper(ex.clock().clone(), log.clone(), 30, "late"));
    assert_eq!(ex.run(), 0);
    assert_eq!(
        *log.borrow(),
        [(30, "early"), (30, "deferred"), (30, "late")]
    );
}

/// A call's usual life: its deadline, polled after its attempt, is dropped before the
/// attempt's end wakes it again: the deadline never touched the queue.
#[test]
fn a_deferred_sleep_dropped_never_reaches_the_queue() {
    let mut ex = Executor::new();
    let clock = ex.clock().clone();
    let c = clock.clone();
    ex.spawn(async move {
        let mut attempt = Box::pin(c.sleep_until(10));
        let mut deadline = Some(Box::pin(c.sleep_until(1_000_000)));
        poll_fn(|cx| {
            let done = attempt.as_mut().poll(cx).is_ready();
            if let Some(d) = deadline.as_mut() {
                assert!(d.as_mut().poll(cx).is_pending());
            }
            if !done {
                assert_eq!(c.queued_timers(), 1, "the attempt's end only");
            } else {
                assert_eq!(
                    c.queued_timers(),
                    0,
                    "the attempt's end fired; nothing else"
                );
                deadline = None;
                return Poll::Ready(());
            }
            Poll::Pending
        })
        .await;
        assert_eq!((c.queued_timers(), c.pending_timers()), (0, 0));
    });
    assert_eq!(ex.run(), 0);
    assert_eq!(clock.now(), 10);
}

/// The sleep covering a deferred one is dropped, or polled, by another task: the deferred
/// sleep is queued at once, so its task still wakes at its instant.
#[test]
fn a_cover_taken_away_outside_the_poll_queues_the_deferred_sleep() {
    for poll_it in [false, true] {
        let mut ex = Executor::new();
        let log: Log = Rc::default();
        let shared: Rc<RefCell<Option<Pin<Box<Sleep>>>>> = Rc::default();
        let (c, l, s) = (ex.clock().clone(), log.clone(), Rc::clone(&shared));
        ex.spawn(async move {
            *s.borrow_mut() = Some(Box::pin(c.sleep_until(10)));
            let mut far = Box::pin(c.sleep_until(20));
            poll_fn(|cx| {
                if let Some(near) = s.borrow_mut().as_mut() {
                    let _ = near.as_mut().poll(cx);
                }
                far.as_mut().poll(cx)
            })
            .await;
            l.borrow_mut().push((c.now(), "far"));
        });
        let (c, l) = (ex.clock().clone(), log.clone());
        ex.spawn(async move {
            let near = shared.borrow_mut().take();
            if let (true, Some(mut near)) = (poll_it, near) {
                near.as_mut().await;
                l.borrow_mut().push((c.now(), "near, moved"));
            }
        });
        assert_eq!(ex.run(), 0, "polled by the other task: {poll_it}");
        let expected: &[(u64, &str)] = if poll_it {
            &[(10, "near, moved"), (20, "far")]
        } else {
            &[(20, "far")]
        };
        assert_eq!(*log.borrow(), expected);
    }
}
