//! The JSON trace as serde impls: `Trace`, `CallRecord`, `AttemptRecord` and `TraceEvent` are
//! `Serialize` and `Deserialize` in exactly the documented shape (docs/trace.md), and
//! `hedgehog sim --format json` prints `serde_json::to_string(&trace)`, so a library user's
//! serialization and the CLI's agree byte for byte.
//!
//! Times are nanoseconds in the records and milliseconds with microsecond precision in JSON
//! ([`to_ms`]); reading a trace back rounds each time to the nearest whole microsecond
//! ([`from_ms`]), so a trace whose times are whole microseconds survives the round trip
//! unchanged, and any trace renders to the same text after one. Two outcomes share a name in
//! JSON: an attempt the client cancelled and one the server ended with status `CANCELLED` both
//! print `"CANCELLED"`; reading takes it as the client's cancellation.

use serde::de::{self, Deserialize, Deserializer};
use serde::ser::{Serialize, SerializeStruct, Serializer};

use super::EventLine;
use crate::code::Code;
use crate::time::{to_ms, Nanos};
use crate::trace::{AttemptRecord, CallRecord, EventKind, Outcome, Trace, TraceEvent};

/// Milliseconds as the trace prints them back to nanoseconds, rounded to whole microseconds.
pub fn from_ms(ms: f64) -> Option<Nanos> {
    let micros = (ms * 1_000.0).round();
    (micros.is_finite() && micros >= 0.0 && micros < (Nanos::MAX / 1_000) as f64)
        .then(|| micros as Nanos * 1_000)
}

impl Serialize for Trace {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Trace", 7)?;
        out.serialize_field("scenario", &self.scenario)?;
        out.serialize_field("seed", &self.seed)?;
        out.serialize_field("mode", &self.mode)?;
        // Only a run under another profile than `a6` names it (docs/trace.md).
        match &self.profile {
            Some(profile) => out.serialize_field("profile", profile)?,
            None => out.skip_field("profile")?,
        }
        match &self.config_rejected {
            Some(why) => out.serialize_field("config_rejected", why)?,
            None => out.skip_field("config_rejected")?,
        }
        out.serialize_field("calls", &self.calls)?;
        out.serialize_field("events", &self.events)?;
        out.end()
    }
}

impl Serialize for CallRecord {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("CallRecord", 6)?;
        out.serialize_field("call", &self.call)?;
        out.serialize_field("status", self.status.name())?;
        out.serialize_field("message", &self.message)?;
        out.serialize_field("started_ms", &to_ms(self.started))?;
        out.serialize_field("ended_ms", &to_ms(self.ended))?;
        out.serialize_field("attempts", &self.attempts)?;
        out.end()
    }
}

impl Serialize for AttemptRecord {
    /// `transparent` appears only when true, as docs/trace.md describes.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("AttemptRecord", 8)?;
        out.serialize_field("attempt", &self.attempt)?;
        out.serialize_field("previous", &self.previous)?;
        out.serialize_field("sent_ms", &to_ms(self.sent))?;
        out.serialize_field("ended_ms", &self.ended.map(to_ms))?;
        out.serialize_field("outcome", &self.outcome.map(Outcome::as_str))?;
        out.serialize_field("committed", &self.committed)?;
        out.serialize_field("pushback_ms", &self.pushback)?;
        if self.transparent {
            out.serialize_field("transparent", &true)?;
        } else {
            out.skip_field("transparent")?;
        }
        out.end()
    }
}

impl Serialize for TraceEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.line().serialize(s)
    }
}

impl Serialize for EventLine<'_> {
    /// The shape of a [`TraceEvent`], which serializes through this.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("TraceEvent", 5)?;
        out.serialize_field("at_ms", &to_ms(self.at))?;
        out.serialize_field("call", &self.call)?;
        out.serialize_field("attempt", &self.attempt)?;
        out.serialize_field("kind", self.kind.as_str())?;
        out.serialize_field("detail", self.detail)?;
        out.end()
    }
}

/// The JSON shape of a trace, field for field, as serde reads it.
#[derive(serde::Deserialize)]
struct TraceJson {
    scenario: String,
    seed: u64,
    mode: String,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    config_rejected: Option<String>,
    calls: Vec<CallRecord>,
    events: Vec<TraceEvent>,
}

#[derive(serde::Deserialize)]
struct CallJson {
    call: u64,
    status: String,
    message: Option<String>,
    started_ms: f64,
    ended_ms: f64,
    attempts: Vec<AttemptRecord>,
}

#[derive(serde::Deserialize)]
struct AttemptJson {
    attempt: u32,
    previous: Option<u32>,
    sent_ms: f64,
    ended_ms: Option<f64>,
    outcome: Option<String>,
    committed: bool,
    pushback_ms: Option<String>,
    #[serde(default)]
    transparent: bool,
}

#[derive(serde::Deserialize)]
struct EventJson {
    at_ms: f64,
    call: u64,
    attempt: Option<u32>,
    kind: String,
    detail: String,
}

fn time<E: de::Error>(ms: f64, field: &str) -> Result<Nanos, E> {
    from_ms(ms).ok_or_else(|| E::custom(format!("{field}: {ms} is not a time in milliseconds")))
}

fn status<E: de::Error>(name: &str) -> Result<Code, E> {
    Code::from_name(name).ok_or_else(|| E::custom(format!("unknown status {name:?}")))
}

fn outcome<E: de::Error>(name: &str) -> Result<Outcome, E> {
    Ok(match name {
        "CANCELLED" => Outcome::Cancelled,
        "NOT_SENT" => Outcome::NotSent,
        "REFUSED" => Outcome::Refused,
        code => Outcome::Status(status(code)?),
    })
}

/// Every event kind, to read one back from its name.
const EVENT_KINDS: [EventKind; 15] = [
    EventKind::Sent,
    EventKind::Headers,
    EventKind::Closed,
    EventKind::Backoff,
    EventKind::Pushback,
    EventKind::Tokens,
    EventKind::Throttled,
    EventKind::HedgeTimer,
    EventKind::HedgingStopped,
    EventKind::RecvTimeout,
    EventKind::Transparent,
    EventKind::Commit,
    EventKind::Cancel,
    EventKind::Deadline,
    EventKind::Finish,
];

impl<'de> Deserialize<'de> for Trace {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Trace, D::Error> {
        let t = TraceJson::deserialize(d)?;
        Ok(Trace {
            scenario: t.scenario,
            seed: t.seed,
            mode: t.mode,
            profile: t.profile,
            config_rejected: t.config_rejected,
            calls: t.calls,
            events: t.events,
        })
    }
}

impl<'de> Deserialize<'de> for CallRecord {
    /// Fields the JSON does not carry get their defaults.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CallRecord, D::Error> {
        let c = CallJson::deserialize(d)?;
        Ok(CallRecord {
            call: c.call,
            status: status(&c.status)?,
            message: c.message,
            started: time(c.started_ms, "started_ms")?,
            ended: time(c.ended_ms, "ended_ms")?,
            attempts: c.attempts,
            method: None,
            attempts_unlisted: 0,
        })
    }
}

impl<'de> Deserialize<'de> for AttemptRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AttemptRecord, D::Error> {
        let a = AttemptJson::deserialize(d)?;
        Ok(AttemptRecord {
            attempt: a.attempt,
            previous: a.previous,
            sent: time(a.sent_ms, "sent_ms")?,
            ended: a.ended_ms.map(|ms| time(ms, "ended_ms")).transpose()?,
            outcome: a.outcome.as_deref().map(outcome).transpose()?,
            committed: a.committed,
            pushback: a.pushback_ms,
            transparent: a.transparent,
        })
    }
}

impl<'de> Deserialize<'de> for TraceEvent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TraceEvent, D::Error> {
        let e = EventJson::deserialize(d)?;
        let kind = EVENT_KINDS
            .into_iter()
            .find(|k| k.as_str() == e.kind)
            .ok_or_else(|| de::Error::custom(format!("unknown event kind {:?}", e.kind)))?;
        Ok(TraceEvent {
            at: time(e.at_ms, "at_ms")?,
            call: e.call,
            attempt: e.attempt,
            kind,
            detail: e.detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_ms_inverts_to_ms_for_whole_microseconds() {
        for ns in [0, 1_000, 9_100_000, 31_404_000, 86_400_000_000_000] {
            assert_eq!(from_ms(to_ms(ns)), Some(ns));
        }
        assert_eq!(from_ms(to_ms(1_499)), Some(1_000), "rounded like to_ms");
        assert_eq!(from_ms(-1.0), None);
        assert_eq!(from_ms(f64::NAN), None);
    }

    #[test]
    fn every_event_kind_reads_back_from_its_name() {
        for kind in EVENT_KINDS {
            let text = format!(
                r#"{{"at_ms": 1.5, "call": 0, "attempt": null, "kind": "{}", "detail": ""}}"#,
                kind.as_str()
            );
            let e: TraceEvent = serde_json::from_str(&text).expect("valid event");
            assert_eq!((e.kind, e.at), (kind, 1_500_000));
        }
    }
}
