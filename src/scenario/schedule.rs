//! `server.schedule`: which attempts fail, and how (docs/scenarios.md, `server`).
//!
//! Three kinds, each the simplest model of a real failure pattern: `req_modulo` (grpc-go's demo
//! server: every N-th request succeeds), `script` (an exact story, one step per arriving
//! attempt — the only way to script pushback values, headers-first answers and per-attempt
//! latency), and `fail_rate` (independent seeded failures, for load runs). Parsing checks every
//! field with its JSON path; an unknown kind lists the valid ones.

use crate::json::{Map, Value};

use super::fields::{self as parse, FieldError};
use crate::code::Code;
use crate::time::Nanos;

/// One scripted answer; `latency` `None` means "draw from `server.latency`".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptStep {
    /// Final status.
    pub status: Code,
    /// `latency_ms`, if the step fixes it.
    pub latency: Option<Nanos>,
    /// Raw `pushback_ms` trailer value.
    pub pushback: Option<String>,
    /// `headers_first`.
    pub headers_first: bool,
}

/// What a script does after its last step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Then {
    /// Start over from the first step.
    Repeat,
    /// Keep answering with the last step.
    Last,
}

/// A parsed `server.schedule`.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// Every `n`-th request (counted across all calls) succeeds, the rest fail with `status`.
    ReqModulo {
        /// The period.
        n: u64,
        /// The failure status (default UNAVAILABLE).
        status: Code,
    },
    /// One step per arriving attempt.
    Script {
        /// The steps, non-empty.
        steps: Vec<ScriptStep>,
        /// After the last step.
        then: Then,
    },
    /// Each request fails with probability `p`, independently (seeded).
    FailRate {
        /// Failure probability in [0, 1].
        p: f64,
        /// The failure status (default UNAVAILABLE).
        status: Code,
    },
}

/// The schedule kinds, for "unknown kind" messages.
pub const SCHEDULE_KINDS: [&str; 3] = ["req_modulo", "script", "fail_rate"];

/// A status as the service config spells one (R7): a name in any case (`UNAVAILABLE`,
/// `unavailable`) or its integer code 0..=16. The service config warns about the lenient
/// spellings because some peers reject them; a scenario is read only by hedgehog, so it just
/// takes them.
pub(crate) fn parse_status(value: &Value, path: &str) -> Result<Code, FieldError> {
    let code = match value {
        Value::Number(_) => value.as_i64().and_then(Code::from_value),
        _ => Code::from_name_any_case(parse::string(value, path)?),
    };
    code.ok_or_else(|| {
        FieldError::new(
            path,
            format!(
                "unknown status {}; expected a name like UNAVAILABLE or a code 0..=16",
                parse::show(value)
            ),
        )
    })
}

fn optional_status(map: &Map, path: &str) -> Result<Code, FieldError> {
    match map.get("status") {
        Some(v) => parse_status(v, &parse::join(path, "status")),
        None => Ok(Code::Unavailable),
    }
}

pub(crate) fn parse_schedule(value: &Value, path: &str) -> Result<Schedule, FieldError> {
    let map = value.as_object().ok_or_else(|| {
        FieldError::new(
            path,
            format!("expected an object, got {}", parse::kind(value)),
        )
    })?;
    let kind = SCHEDULE_KINDS
        .iter()
        .find(|k| map.contains_key(k))
        .ok_or_else(|| {
            let found = map
                .keys()
                .next()
                .map_or("nothing".to_string(), |k| format!("\"{k}\""));
            FieldError::new(
                path,
                format!(
                    "unknown schedule kind {found}; expected one of: {}",
                    SCHEDULE_KINDS.join(", ")
                ),
            )
        })?;
    match *kind {
        "req_modulo" => {
            let map = parse::object(value, path, &["req_modulo", "status"])?;
            let at = parse::join(path, "req_modulo");
            let n = parse::uint(&map["req_modulo"], &at)?;
            if n == 0 {
                return Err(FieldError::new(&at, "expected an integer >= 1, got 0"));
            }
            Ok(Schedule::ReqModulo {
                n,
                status: optional_status(map, path)?,
            })
        }
        "fail_rate" => {
            let map = parse::object(value, path, &["fail_rate", "status"])?;
            let at = parse::join(path, "fail_rate");
            let p = parse::non_negative(&map["fail_rate"], &at)?;
            if p > 1.0 {
                return Err(FieldError::new(
                    &at,
                    format!("expected a probability in [0, 1], got {p}"),
                ));
            }
            Ok(Schedule::FailRate {
                p,
                status: optional_status(map, path)?,
            })
        }
        _ => {
            let map = parse::object(value, path, &["script", "then"])?;
            let at = parse::join(path, "script");
            let list = map["script"]
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| FieldError::new(&at, "expected a non-empty array of steps"))?;
            let steps = list
                .iter()
                .enumerate()
                .map(|(i, step)| parse_step(step, &parse::index(&at, i)))
                .collect::<Result<Vec<_>, _>>()?;
            let then = match map.get("then") {
                None => Then::Last,
                Some(v) => match parse::string(v, &parse::join(path, "then"))? {
                    "repeat" => Then::Repeat,
                    "last" => Then::Last,
                    other => {
                        return Err(FieldError::new(
                            &parse::join(path, "then"),
                            format!("unknown value \"{other}\"; expected \"repeat\" or \"last\""),
                        ))
                    }
                },
            };
            Ok(Schedule::Script { steps, then })
        }
    }
}

fn parse_step(value: &Value, path: &str) -> Result<ScriptStep, FieldError> {
    let map = parse::object(
        value,
        path,
        &["status", "latency_ms", "pushback_ms", "headers_first"],
    )?;
    let status = parse_status(
        parse::required(map, path, "status")?,
        &parse::join(path, "status"),
    )?;
    let latency = match map.get("latency_ms") {
        Some(v) => Some(parse::millis(v, &parse::join(path, "latency_ms"))?),
        None => None,
    };
    let pushback = match map.get("pushback_ms") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        // The raw trailer text: a JSON number would have to be re-rendered (10.0, 1e1), so
        // it is refused rather than guessed at.
        Some(other) => {
            return Err(FieldError::new(
                &parse::join(path, "pushback_ms"),
                format!(
                    "expected the raw trailer value as a string, got {}",
                    parse::kind(other)
                ),
            ))
        }
    };
    let headers_first = match map.get("headers_first") {
        Some(v) => parse::boolean(v, &parse::join(path, "headers_first"))?,
        None => false,
    };
    Ok(ScriptStep {
        status,
        latency,
        pushback,
        headers_first,
    })
}
