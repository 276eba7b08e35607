//! The detail text of a trace line: how each typed [`What`] reads in the JSON, YAML and text
//! traces, e.g. `UNAVAILABLE` or `retry 1: nominal 10ms, drawn 9.1ms (spec jitter), …`.
//!
//! These strings are part of the JSON trace contract and of every committed snapshot: change
//! none of them. They are built only by recorders that keep text.

use std::fmt::{self, Write as _};

use super::render::bytes::is_plain;
use super::What;
use crate::time::{human_text, MsText, Nanos};

/// The trace's detail text, e.g. `UNAVAILABLE` or `retry 1: nominal 10ms, drawn 9.1ms …`.
/// These strings are part of the JSON trace contract: change none of them.
impl fmt::Display for What<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.write_detail(&mut text);
        f.write_str(&text)
    }
}

impl What<'_> {
    /// Appends the detail text (what `Display` prints) to `out`, piece by piece: no
    /// `core::fmt`, no allocation beyond `out`'s growth. The streamed traces write one per
    /// event.
    pub fn write_detail(&self, out: &mut String) {
        match *self {
            What::Sent {
                previous,
                transparent,
            } => {
                out.push_str("previous=");
                match previous {
                    Some(p) => push_u64(out, p.into()),
                    None => out.push_str("none"),
                }
                if transparent {
                    out.push_str(", transparent retry");
                }
            }
            What::Headers | What::Cancel => {}
            What::Closed { outcome, pushback } => {
                out.push_str(outcome.as_str());
                if let Some(raw) = pushback {
                    out.push_str(" pushback=");
                    push_debug_str(out, raw);
                }
            }
            What::Backoff {
                retry,
                nominal,
                delay,
                jitter,
                next,
            } => {
                out.push_str("retry ");
                push_u64(out, retry.into());
                out.push_str(": nominal ");
                out.push_str(human_text(nominal).as_str());
                out.push_str(", drawn ");
                out.push_str(human_text(delay).as_str());
                out.push_str(" (");
                out.push_str(jitter);
                out.push_str(" jitter), next attempt at ");
                push_ms(out, next);
            }
            What::Pushback { raw, meaning, next } => {
                push_debug_str(out, raw);
                out.push_str(": ");
                out.push_str(&meaning.describe());
                if let Some(next) = next {
                    out.push_str(", next attempt at ");
                    push_ms(out, next);
                }
            }
            What::Tokens { milli, max_milli } => {
                push_tokens(out, milli);
                out.push_str(" of ");
                push_tokens(out, max_milli);
                out.push_str(" tokens");
            }
            What::Throttled { milli, max_milli } => {
                push_tokens(out, milli);
                out.push_str(" of ");
                push_tokens(out, max_milli);
                out.push_str(" tokens, not above half");
            }
            What::HedgeTimer { at, cause } => {
                out.push_str("next hedge at ");
                push_ms(out, at);
                out.push_str(" (");
                out.push_str(cause);
                out.push(')');
            }
            What::HedgingStopped { cause } => {
                out.push_str("no more hedges: ");
                out.push_str(cause);
            }
            What::RecvTimeout { timeout } => {
                out.push_str("no response within ");
                out.push_str(human_text(timeout).as_str());
                out.push_str(" (perAttemptRecvTimeout), attempt cancelled");
            }
            What::Transparent { cause } => {
                out.push_str("attempt ");
                out.push_str(cause);
                out.push_str(", replayed");
            }
            // Why, when it is not the usual headers (R30b).
            What::Commit { overflow } => {
                if overflow {
                    out.push_str("buffer overflow");
                }
            }
            What::Deadline { deadline } => {
                if let Some(d) = deadline {
                    out.push_str("deadline ");
                    push_ms(out, d);
                }
            }
            What::Finish { status, reason } => {
                out.push_str(status.name());
                out.push_str(" (");
                out.push_str(reason);
                out.push(')');
            }
        }
    }
}

fn push_u64(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// An instant as [`MsText`] prints it.
fn push_ms(out: &mut String, ns: Nanos) {
    match MsText(ns).parts() {
        Some((whole, rest)) => {
            push_u64(out, whole);
            rest.iter().for_each(|&b| out.push(char::from(b)));
        }
        None => out.push_str(MsText(ns).text().as_str()),
    }
}

/// `s` as `{:?}` prints it: quoted, printable ASCII copied as it is, anything else escaped by
/// `Debug` itself.
fn push_debug_str(out: &mut String, s: &str) {
    if is_plain(s) {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        let _ = write!(out, "{s:?}");
    }
}

/// Milli-tokens as tokens with three decimals (`4.500`).
fn push_tokens(out: &mut String, milli: u32) {
    push_u64(out, (milli / 1000).into());
    out.push('.');
    let frac = milli % 1000;
    out.push_str(match frac {
        0..=9 => "00",
        10..=99 => "0",
        _ => "",
    });
    push_u64(out, frac.into());
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
    fn quoted_values_are_what_debug_prints() {
        for raw in [
            "200",
            "",
            "-1",
            "a\"b",
            "back\\slash",
            "tab\there",
            "caf\u{e9}",
            "\u{7f}",
            "'",
        ] {
            let mut out = String::new();
            push_debug_str(&mut out, raw);
            assert_eq!(out, format!("{raw:?}"));
        }
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
        let hedge = What::HedgeTimer {
            at: 20_000_000,
            cause: "delay",
        };
        assert_eq!(detail(hedge), "next hedge at 20.000ms (delay)");
        let timeout = What::RecvTimeout { timeout: ms(15) };
        assert_eq!(
            detail(timeout),
            "no response within 15ms (perAttemptRecvTimeout), attempt cancelled"
        );
        let tokens = What::Tokens {
            milli: 7,
            max_milli: 10_050,
        };
        assert_eq!(detail(tokens), "0.007 of 10.050 tokens");
        assert_eq!(finish.kind(), EventKind::Finish);
    }
}
