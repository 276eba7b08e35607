//! The executor's order: time jumps, same-instant ties, spawn order, foreign wakers, and
//! sources acting where a sleeping task would.

use super::*;
use crate::clock::Clock;

/// What tasks saw: `(instant, name)`, in order.
pub(crate) type Log = Rc<RefCell<Vec<(u64, &'static str)>>>;

/// Sleeps until `at`, then logs `name` at the instant it woke.
pub(crate) async fn sleeper(clock: SimClock, log: Log, at: u64, name: &'static str) {
    clock.sleep_until(at).await;
    log.borrow_mut().push((clock.now(), name));
}

#[test]
fn time_jumps_to_each_timer_in_order() {
    let mut ex = Executor::new();
    let log: Log = Rc::default();
    ex.spawn(sleeper(ex.clock().clone(), log.clone(), 30, "c"));
    ex.spawn(sleeper(ex.clock().clone(), log.clone(), 10, "a"));
    ex.spawn(sleeper(ex.clock().clone(), log.clone(), 20, "b"));
    assert_eq!(ex.run(), 0);
    assert_eq!(*log.borrow(), [(10, "a"), (20, "b"), (30, "c")]);
    assert_eq!(ex.clock().pending_timers(), 0);
}

#[test]
fn same_instant_wakes_in_registration_order() {
    let mut ex = Executor::new();
    let log: Log = Rc::default();
    for name in ["first", "second", "third"] {
        ex.spawn(sleeper(ex.clock().clone(), log.clone(), 5, name));
    }
    ex.run();
    assert_eq!(*log.borrow(), [(5, "first"), (5, "second"), (5, "third")]);
}

#[test]
fn dropped_sleeps_do_not_move_time() {
    let mut ex = Executor::new();
    let clock = ex.clock().clone();
    let log: Log = Rc::default();
    let (c, l) = (clock.clone(), log.clone());
    ex.spawn(async move {
        // Race a 100ns sleep against a 10ns one; the loser is dropped.
        let long = c.sleep_until(100);
        let short = c.sleep_until(10);
        futures_util::pin_mut!(long, short);
        futures_util::future::select(long, short).await;
        l.borrow_mut().push((c.now(), "won"));
    });
    ex.run();
    assert_eq!(*log.borrow(), [(10, "won")]);
    assert_eq!(
        clock.now(),
        10,
        "the dropped 100ns sleep must not advance time"
    );
}

#[test]
fn tasks_spawn_tasks_and_past_sleeps_are_ready() {
    let mut ex = Executor::new();
    let log: Log = Rc::default();
    let (c, l, s) = (ex.clock().clone(), log.clone(), ex.spawner().clone());
    ex.spawn(async move {
        c.sleep_until(7).await;
        s.spawn(sleeper(c.clone(), l.clone(), 3, "past"));
        s.spawn(sleeper(c.clone(), l.clone(), 9, "future"));
    });
    ex.run();
    assert_eq!(*log.borrow(), [(7, "past"), (9, "future")]);
}

#[test]
fn sleeps_under_a_combinator_with_its_own_wakers_still_fire_in_order() {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut ex = Executor::new();
    let log: Log = Rc::default();
    let (c, l) = (ex.clock().clone(), log.clone());
    ex.spawn(async move {
        // FuturesUnordered polls children with its own wakers: the ordinary wake path.
        let mut set: FuturesUnordered<_> = [30u64, 10, 20]
            .into_iter()
            .map(|at| {
                let c = c.clone();
                async move {
                    c.sleep_until(at).await;
                    at
                }
            })
            .collect();
        while let Some(at) = set.next().await {
            l.borrow_mut()
                .push((c.now(), if at == 10 { "a" } else { "b" }));
        }
    });
    assert_eq!(ex.run(), 0);
    assert_eq!(*log.borrow(), [(10, "a"), (20, "b"), (30, "b")]);
}

/// A source acts where a task sleeping for the same instants would: same place among
/// the tasks woken at an instant, same registration order for ties, spawned tasks after
/// those already woken, and an instant already due acted on without yielding.
#[test]
fn a_source_runs_exactly_where_a_sleeping_task_would() {
    fn world(as_source: bool) -> Vec<(u64, &'static str)> {
        let mut ex = Executor::new();
        let log: Log = Rc::default();
        let instants = [0u64, 5, 5, 10, 20];
        // Tasks sleeping for the same instants, registered before and after the source.
        ex.spawn(sleeper(ex.clock().clone(), log.clone(), 5, "before"));
        let (c, l, s) = (ex.clock().clone(), log.clone(), ex.spawner().clone());
        let act = move |k: usize| {
            l.borrow_mut().push((c.now(), "source"));
            let late = if k == 1 { "spawned at 5" } else { "spawned" };
            s.spawn(sleeper(c.clone(), l.clone(), 10, late));
        };
        if as_source {
            let mut k = 0;
            ex.spawn_source(move || {
                if k > 0 {
                    act(k - 1);
                }
                k += 1;
                instants.get(k - 1).copied()
            });
        } else {
            let c = ex.clock().clone();
            ex.spawn(async move {
                for (k, at) in instants.into_iter().enumerate() {
                    c.sleep_until(at).await;
                    act(k);
                }
            });
        }
        ex.spawn(sleeper(ex.clock().clone(), log.clone(), 10, "after"));
        assert_eq!(ex.run(), 0);
        let out = log.borrow().clone();
        out
    }
    let task = world(false);
    assert_eq!(world(true), task);
    assert_eq!(task.len(), 12, "{task:?}");
}

#[test]
fn a_task_waiting_forever_is_reported() {
    let mut ex = Executor::new();
    ex.spawn(futures_util::future::pending::<()>());
    ex.spawn(async {});
    assert_eq!(ex.run(), 1);
}
