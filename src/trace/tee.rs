//! Recorders made of recorders: [`Tee`] hands everything to two, [`EventsOnly`] holds the
//! call records back for the world that completes them.
//!
//! A user who wants a trace *and* metrics installs `Tee(trace, metrics)` where one recorder
//! is accepted (the layer's builder, the simulator's runner); tees nest for more. Each half
//! still receives events only if it wants them, so a half that does not (a [`super::Summary`])
//! costs the other nothing.

use std::sync::Arc;

use super::{CallRecord, CallStart, Event, Keeps, Recorder};

/// Two recorders as one: each gets every call start and record, and the events it wants.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tee<A, B>(pub A, pub B);

impl<A: Recorder, B: Recorder> Recorder for Tee<A, B> {
    fn started(&self, start: &CallStart<'_>) {
        self.0.started(start);
        self.1.started(start);
    }
    fn wants_events(&self) -> bool {
        self.0.wants_events() || self.1.wants_events()
    }
    fn keeps(&self) -> Keeps {
        self.0.keeps().max(self.1.keeps())
    }
    fn event(&self, event: &Event<'_>) {
        if self.0.wants_events() {
            self.0.event(event);
        }
        if self.1.wants_events() {
            self.1.event(event);
        }
    }
    fn call(&self, record: &CallRecord) {
        self.0.call(record);
        self.1.call(record);
    }
}

/// A recorder behind a pointer records as the recorder it points to, so a [`Tee`] can hold
/// the `Arc`s a layer's builder takes, or borrow recorders the caller reads afterwards.
macro_rules! forward {
    ($($pointer:ty),*) => {$(
        impl<R: Recorder + ?Sized> Recorder for $pointer {
            fn started(&self, start: &CallStart<'_>) {
                (**self).started(start);
            }
            fn wants_events(&self) -> bool {
                (**self).wants_events()
            }
            fn keeps(&self) -> Keeps {
                (**self).keeps()
            }
            fn event(&self, event: &Event<'_>) {
                (**self).event(event);
            }
            fn call(&self, record: &CallRecord) {
                (**self).call(record);
            }
        }
    )*};
}

forward!(Arc<R>, &R);

/// Forwards events but not call records: the world that started the call hands the record on
/// itself, after adding what the driver does not know (the method, the reply message).
pub(crate) struct EventsOnly<'a, R: ?Sized>(pub(crate) &'a R);

impl<R: Recorder + ?Sized> Recorder for EventsOnly<'_, R> {
    fn wants_events(&self) -> bool {
        self.0.wants_events()
    }
    // The world that started the call hands the record on: it wants it if its recorder does.
    fn keeps(&self) -> Keeps {
        self.0.keeps()
    }
    fn event(&self, event: &Event<'_>) {
        self.0.event(event);
    }
    fn call(&self, _record: &CallRecord) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::config::Policy;
    use crate::trace::{Discard, Summary, TraceRecorder, What};

    fn record() -> CallRecord {
        CallRecord {
            call: 0,
            method: Some(Arc::from("/s/m")),
            status: Code::Ok,
            message: None,
            started: 0,
            ended: 5,
            attempts: vec![],
            attempts_unlisted: 0,
        }
    }

    #[test]
    fn a_tee_hands_each_half_what_it_wants() {
        let tee = Tee(Arc::new(TraceRecorder::new()), Summary::new("s", 1));
        assert!(tee.wants_events());
        assert!(!Tee(Discard, Summary::new("s", 1)).wants_events());
        let start = CallStart {
            call: 0,
            at: 0,
            method: "/s/m",
            registered: true,
            target: "t",
            policy: &Policy::None,
        };
        tee.started(&start);
        let what = What::Headers;
        tee.event(&Event {
            at: 1,
            call: 0,
            attempt: Some(1),
            what,
        });
        tee.call(&record());
        let trace = tee.0.trace("s", 1, crate::trace::Mode::Sim);
        assert_eq!((trace.events.len(), trace.calls.len()), (1, 1));
        assert_eq!(trace.calls[0].method.as_deref(), Some("/s/m"));
        assert_eq!(tee.1.calls(), 1);
        assert_eq!(start.policy_kind(), "none");
    }

    #[test]
    fn events_only_holds_the_record_back() {
        let inner = TraceRecorder::new();
        let only = EventsOnly(&inner);
        only.call(&record());
        assert!(only.wants_events());
        assert!(inner.calls().is_empty());
    }
}
