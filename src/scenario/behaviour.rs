//! Server behaviour as a trait: what a server does with each arriving attempt.
//!
//! A [`Behaviour`] decides one attempt's fate from what a real server can know — the method,
//! the `grpc-previous-rpc-attempts` value, the time, how many attempts this server has seen,
//! the request message — and two seeded random streams it is handed. It answers with an
//! [`Answer`]: status, latency, raw pushback trailer, headers-first and the reply.
//!
//! Why a trait over `&self` with the state handed in, rather than `&mut self`: the same
//! behaviour value must run in both worlds — the simulator asks it per attempt in virtual
//! time, and the live test server asks it per HTTP/2 stream — so it is shared (`Send + Sync`,
//! behind an `Arc`) and the per-server state a behaviour may need (the arrival counter and the
//! random streams) lives in [`ServerState`], one per server, owned by the world. A user's
//! behaviour is therefore deterministic (rule 1) without thinking about it: its draws come from
//! the streams `(seed, ServerStatus, server)` and `(seed, ServerLatency, server)`, the very
//! streams the stock schedules draw from, and in arrival order in both worlds.
//!
//! Why two streams: changing how long attempts take must not change which attempts fail, so
//! the stock schedules draw statuses from [`Arrival::rng`] and latencies from
//! [`Arrival::latency_rng`]; a custom behaviour may use either.
//!
//! A behaviour that panics does not take the run down: [`ServerState::answer`] catches the
//! panic and returns a [`BehaviourPanic`] naming the attempt and the message; the simulator
//! reports it as the run's error and the live server answers that attempt INTERNAL.
//!
//! ```
//! use std::sync::Arc;
//! use hedgehog::code::Code;
//! use hedgehog::scenario::behaviour::{Answer, Arrival, Behaviour};
//!
//! // Fail the first two attempts of every call; ask for 20 ms of pushback on the first.
//! let flaky = |a: &mut Arrival<'_>| match a.previous.unwrap_or(0) {
//!     0 => Answer::fail(Code::Unavailable).pushback("20"),
//!     1 => Answer::fail(Code::Unavailable),
//!     _ => Answer::ok(),
//! };
//! let shared: Arc<dyn Behaviour> = Arc::new(flaky);
//! # let _ = shared;
//! ```

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use bytes::Bytes;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;

use super::rng::{stream, Purpose};
use crate::code::Code;
use crate::time::Nanos;

/// What a server knows about an arriving attempt, and the streams to draw from.
#[non_exhaustive]
pub struct Arrival<'a> {
    /// The method, `service/Method` (no leading `/`).
    pub method: &'a str,
    /// The `grpc-previous-rpc-attempts` value the attempt carried (R74); `None` on a first
    /// attempt (or when the header is missing or not a number, live).
    pub previous: Option<u32>,
    /// Nanoseconds since the server started: virtual time in the simulator, elapsed real time
    /// live.
    pub now: Nanos,
    /// 1-based arrival counter of this server, across all calls (grpc-go's `reqCounter`).
    pub count: u64,
    /// The request message: live, the first message's encoded bytes (the user's own proto);
    /// in the simulator, the scenario's `client.message` as UTF-8.
    pub request: &'a [u8],
    /// This server's status stream `(seed, ServerStatus, server)`.
    pub rng: &'a mut dyn RngCore,
    /// This server's latency stream `(seed, ServerLatency, server)`.
    pub latency_rng: &'a mut dyn RngCore,
}

impl fmt::Debug for Arrival<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arrival")
            .field("method", &self.method)
            .field("previous", &self.previous)
            .field("now", &self.now)
            .field("count", &self.count)
            .field("request", &self.request.len())
            .finish_non_exhaustive()
    }
}

/// The message an OK answer carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// The request message, back (the simulator's and the echo server's habit).
    #[default]
    Echo,
    /// An empty message: the default value of any protobuf message type.
    Empty,
    /// These bytes, as the encoded response message (the simulator shows them as UTF-8).
    Bytes(Bytes),
}

/// How the server answers one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The final status.
    pub status: Code,
    /// Time from the attempt arriving to its end.
    pub latency: Nanos,
    /// The raw `grpc-retry-pushback-ms` trailer value, if any (R35): any text, so malformed
    /// values can be served.
    pub pushback: Option<String>,
    /// Send response headers before the status, which commits the call (R30).
    pub headers_first: bool,
    /// The message of an OK answer.
    pub reply: Reply,
}

impl Answer {
    /// OK at once, echoing the request.
    pub fn ok() -> Answer {
        Answer::fail(Code::Ok)
    }

    /// `status` at once, without pushback or early headers (`Code::Ok` is [`Answer::ok`]).
    pub fn fail(status: Code) -> Answer {
        Answer {
            status,
            latency: 0,
            pushback: None,
            headers_first: false,
            reply: Reply::Echo,
        }
    }

    /// The same answer, `latency` nanoseconds after the attempt arrived.
    pub fn after(mut self, latency: Nanos) -> Answer {
        self.latency = latency;
        self
    }

    /// The same answer with a raw `grpc-retry-pushback-ms` trailer.
    pub fn pushback(mut self, raw: impl Into<String>) -> Answer {
        self.pushback = Some(raw.into());
        self
    }

    /// The same answer, with response headers sent at once (commits the call, R30).
    pub fn headers_first(mut self) -> Answer {
        self.headers_first = true;
        self
    }

    /// The same answer carrying `reply` when OK.
    pub fn reply(mut self, reply: Reply) -> Answer {
        self.reply = reply;
        self
    }
}

/// Decides each arriving attempt's fate. Implemented by the stock schedules
/// ([`super::server::ServerSpec`]) and by any `Fn(&mut Arrival) -> Answer + Send + Sync`.
pub trait Behaviour: Send + Sync {
    /// The answer to one arriving attempt.
    fn answer(&self, arrival: &mut Arrival<'_>) -> Answer;
}

impl<F> Behaviour for F
where
    F: Fn(&mut Arrival<'_>) -> Answer + Send + Sync,
{
    fn answer(&self, arrival: &mut Arrival<'_>) -> Answer {
        self(arrival)
    }
}

/// A behaviour panicked while answering an attempt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the server behaviour panicked on attempt {count} of {method}: {message}")]
#[non_exhaustive]
pub struct BehaviourPanic {
    /// The server's arrival counter of that attempt.
    pub count: u64,
    /// Its method.
    pub method: String,
    /// The panic's message (or a placeholder when it was not a string).
    pub message: String,
}

/// What the server tells its behaviour about one attempt (everything but the streams and the
/// counter, which the [`ServerState`] supplies).
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    /// `service/Method`.
    pub method: &'a str,
    /// `grpc-previous-rpc-attempts`.
    pub previous: Option<u32>,
    /// Nanoseconds since the server started.
    pub now: Nanos,
    /// The request message.
    pub request: &'a [u8],
}

/// One server's state: its arrival counter and its two seeded streams.
#[derive(Debug, Clone)]
pub struct ServerState {
    count: u64,
    rng: ChaCha8Rng,
    latency_rng: ChaCha8Rng,
}

impl ServerState {
    /// Server number `index` of a run with `seed`.
    pub fn new(seed: u64, index: u64) -> ServerState {
        ServerState {
            count: 0,
            rng: stream(seed, Purpose::ServerStatus, index),
            latency_rng: stream(seed, Purpose::ServerLatency, index),
        }
    }

    /// Attempts that have arrived so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Counts an attempt the behaviour never saw (a live attempt cancelled before its request
    /// arrived), so later attempts keep their arrival numbers.
    pub fn skip(&mut self) {
        self.count += 1;
    }

    /// Counts the next arrival and asks `behaviour` for its answer; a panic becomes an error.
    pub fn answer(
        &mut self,
        behaviour: &dyn Behaviour,
        seen: Seen<'_>,
    ) -> Result<Answer, BehaviourPanic> {
        self.answer_by(seen.method, |count, rng, latency_rng| {
            behaviour.answer(&mut Arrival {
                method: seen.method,
                previous: seen.previous,
                now: seen.now,
                count,
                request: seen.request,
                rng,
                latency_rng,
            })
        })
    }

    /// Counts the next arrival and takes `answer`'s answer (given the arrival count and the
    /// two streams), for an answer that cannot panic: the stock schedules of a
    /// [`super::server::ServerModel`] once it has checked they cannot. No unwinding guard, so
    /// the answer stays in registers on the way out (about 30 instructions per simulated
    /// attempt of copies through the guard's result).
    #[inline(always)]
    pub(crate) fn answer_unguarded(
        &mut self,
        answer: impl FnOnce(u64, &mut ChaCha8Rng, &mut ChaCha8Rng) -> Answer,
    ) -> Answer {
        self.count += 1;
        answer(self.count, &mut self.rng, &mut self.latency_rng)
    }

    /// [`ServerState::answer_unguarded`] behind the panic guard: a panic becomes an error
    /// naming `method` and the arrival it broke on (still counted).
    fn answer_by(
        &mut self,
        method: &str,
        answer: impl FnOnce(u64, &mut ChaCha8Rng, &mut ChaCha8Rng) -> Answer,
    ) -> Result<Answer, BehaviourPanic> {
        catch_unwind(AssertUnwindSafe(|| self.answer_unguarded(answer))).map_err(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic without a message)".to_string());
            BehaviourPanic {
                count: self.count,
                method: method.to_string(),
                message,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn seen(previous: Option<u32>) -> Seen<'static> {
        Seen {
            method: "a.S/M",
            previous,
            now: 5,
            request: b"hi",
        }
    }

    #[test]
    fn a_closure_is_a_behaviour_and_sees_what_the_server_knows() {
        let b = |a: &mut Arrival<'_>| {
            assert_eq!((a.method, a.now, a.request), ("a.S/M", 5, &b"hi"[..]));
            if a.previous.is_none() {
                Answer::fail(Code::Unavailable).pushback("7").after(a.count)
            } else {
                Answer::ok().headers_first()
            }
        };
        let mut state = ServerState::new(1, 0);
        let first = state.answer(&b, seen(None)).unwrap();
        assert_eq!(first.status, Code::Unavailable);
        assert_eq!((first.pushback.as_deref(), first.latency), (Some("7"), 1));
        let second = state.answer(&b, seen(Some(1))).unwrap();
        assert!(second.headers_first && second.status == Code::Ok);
        state.skip();
        assert_eq!(state.count(), 3);
    }

    #[test]
    fn draws_come_from_the_server_streams_rule_1() {
        let b = |a: &mut Arrival<'_>| Answer::ok().after(a.rng.random_range(0..1000));
        let draw = |seed| {
            let mut s = ServerState::new(seed, 0);
            (0..5)
                .map(|_| s.answer(&b, seen(None)).unwrap().latency)
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }

    #[test]
    fn a_panicking_behaviour_is_an_error_naming_the_attempt() {
        let b = |a: &mut Arrival<'_>| {
            if a.count == 2 {
                panic!("no second attempt");
            }
            Answer::ok()
        };
        let mut state = ServerState::new(1, 0);
        assert!(state.answer(&b, seen(None)).is_ok());
        let e = state.answer(&b, seen(Some(1))).unwrap_err();
        assert_eq!((e.count, e.message.as_str()), (2, "no second attempt"));
        assert!(e.to_string().contains("attempt 2 of a.S/M"), "{e}");
        fn send_sync<T: Send + Sync>() {}
        send_sync::<BehaviourPanic>();
    }
}
