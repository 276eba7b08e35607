//! The detail text of a trace line: how each typed [`What`] reads in the JSON, YAML and text
//! traces, e.g. `UNAVAILABLE` or `retry 1: nominal 10ms, drawn 9.1ms (spec jitter), …`.
//!
//! These strings are part of the JSON trace contract and of every committed snapshot: change
//! none of them. They are built only by recorders that keep text.

use std::fmt;

use super::What;
use crate::time::{human, MsText, Nanos};

/// The trace's detail text, e.g. `UNAVAILABLE` or `retry 1: nominal 10ms, drawn 9.1ms …`.
/// These strings are part of the JSON trace contract: change none of them.
impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            What::Sent {
                previous,
                transparent,
            } => {
                match previous {
                    Some(p) => write!(f, "previous={p}"),
                    None => f.write_str("previous=none"),
                }?;
                if transparent {
                    f.write_str(", transparent retry")?;
                }
                Ok(())
            }
            What::Headers | What::Cancel => Ok(()),
            What::Closed { outcome, pushback } => match pushback {
                Some(raw) => write!(f, "{} pushback={raw:?}", outcome.as_str()),
                None => f.write_str(outcome.as_str()),
            },
            What::Backoff {
                retry,
                nominal,
                delay,
                jitter,
                next,
            } => write!(
                f,
                "retry {retry}: nominal {}, drawn {} ({jitter} jitter), next attempt at {}",
                human(nominal),
                human(delay),
                at_ms(next)
            ),
            What::Pushback { raw, meaning, next } => {
                write!(f, "{raw:?}: {}", meaning.describe())?;
                match next {
                    Some(next) => write!(f, ", next attempt at {}", at_ms(next)),
                    None => Ok(()),
                }
            }
            What::Tokens { milli, max_milli } => {
                write!(f, "{} of {} tokens", tokens(milli), tokens(max_milli))
            }
            What::Throttled { milli, max_milli } => write!(
                f,
                "{} of {} tokens, not above half",
                tokens(milli),
                tokens(max_milli)
            ),
            What::HedgeTimer { at, cause } => {
                write!(f, "next hedge at {} ({cause})", at_ms(at))
            }
            What::HedgingStopped { cause } => write!(f, "no more hedges: {cause}"),
            What::RecvTimeout { timeout } => write!(
                f,
                "no response within {} (perAttemptRecvTimeout), attempt cancelled",
                human(timeout)
            ),
            What::Transparent { cause } => write!(f, "attempt {cause}, replayed"),
            // Why, when it is not the usual headers (R30b).
            What::Commit { overflow } => f.write_str(if overflow { "buffer overflow" } else { "" }),
            What::Deadline { deadline } => match deadline {
                Some(d) => write!(f, "deadline {}", at_ms(d)),
                None => Ok(()),
            },
            What::Finish { status, reason } => write!(f, "{status} ({reason})"),
        }
    }
}

fn at_ms(ns: Nanos) -> MsText {
    MsText(ns)
}

fn tokens(milli: u32) -> String {
    format!("{}.{:03}", milli / 1000, milli % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::time::ms;
    use crate::trace::{EventKind, Outcome, PushbackMeaning};

    fn detail(what: What<'_>) -> String {
        what.detail()
    }

    #[test]
    fn details_are_the_trace_contract_strings() {
        let sent = What::Sent {
            previous: None,
            transparent: false,
        };
        assert_eq!(detail(sent), "previous=none");
        let sent = What::Sent {
            previous: Some(2),
            transparent: true,
        };
        assert_eq!(detail(sent), "previous=2, transparent retry");
        let closed = What::Closed {
            outcome: Outcome::Status(Code::Unavailable),
            pushback: Some("200"),
        };
        assert_eq!(detail(closed), "UNAVAILABLE pushback=\"200\"");
        let backoff = What::Backoff {
            retry: 1,
            nominal: ms(10),
            delay: 9_100_000,
            jitter: "spec",
            next: 10_100_000,
        };
        assert_eq!(
            detail(backoff),
            "retry 1: nominal 10ms, drawn 9.1ms (spec jitter), next attempt at 10.100ms"
        );
        let pushback = What::Pushback {
            raw: "-1",
            meaning: PushbackMeaning::Stop,
            next: None,
        };
        assert_eq!(detail(pushback), "\"-1\": stop (negative)");
        let tokens = What::Throttled {
            milli: 4_500,
            max_milli: 10_000,
        };
        assert_eq!(detail(tokens), "4.500 of 10.000 tokens, not above half");
        assert_eq!(detail(What::Commit { overflow: true }), "buffer overflow");
        assert_eq!(detail(What::Deadline { deadline: None }), "");
        let finish = What::Finish {
            status: Code::Ok,
            reason: "ok",
        };
        assert_eq!(detail(finish), "OK (ok)");
        assert_eq!(finish.kind(), EventKind::Finish);
    }
}
