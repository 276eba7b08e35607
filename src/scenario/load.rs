//! Load: the world around one client at scale — open-loop arrivals, several client
//! processes, fan-out requests, and a server with finite capacity, outages and a front-end
//! timeout. A scenario opts in with a top-level `load` object; without it nothing here runs
//! and every existing scenario keeps its exact trace.
//!
//! ```json
//! "load": {
//!   "clients": 1,
//!   "arrivals": {"process": "poisson", "rate_per_s": 280, "duration_ms": 60000},
//!   "fan_out": 1,
//!   "server": {"capacity_per_s": 300, "timeout_ms": 1000, "timeout_status": "UNAVAILABLE",
//!              "outages": [{"from_ms": 10000, "to_ms": 20000, "mode": "hold"}]},
//!   "series_ms": 1000
//! }
//! ```
//!
//! Why these pieces and no more: they are what the published retry/hedging results need
//! (Dean & Barroso's fan-out, Bronson et al.'s overload after an outage) and each is O(1)
//! state, so a run's memory stays flat in the number of calls (see [`crate::sim::load::backend`]).
//!
//! - `clients`: independent client *processes*, each with its own channel and therefore its
//!   own retry-throttle bucket (A6 keeps one bucket per target per process, R41). Each runs the
//!   arrival process on its own seeded stream; offered load is `clients × rate_per_s`.
//! - `arrivals`: open loop — requests start on schedule whatever happened to earlier ones.
//!   `fixed` starts request k at exactly `phase + k / rate` (a per-client phase, uniform in
//!   one period); `poisson` draws exponential gaps, the first one from t = 0. Without
//!   `arrivals`, requests start as `client.calls` every `client.interval_ms` (closed schedule).
//! - `fan_out`: one user request is K parallel RPCs and is done when all K are done; its
//!   latency is the slowest RPC's, and it succeeds only if all K succeed.
//! - `server`: see [`crate::sim::load::backend::Backend`].
//! - `series_ms`: width of the time buckets of the time series (offered, attempts, goodput,
//!   served), default 1 s.
//! - `client_policy`: A6 (the default) or a policy A6 is compared with, per client
//!   ([`super::client_policy`]).

use crate::json::Value;

use super::client_policy::ClientPolicySpec;
use super::fields::{self as parse, FieldError};
use super::limits::{MAX_CLIENTS, MAX_FAN_OUT, MAX_OFFERED_RPCS_PER_S, MAX_RATE_PER_S};
use crate::code::Code;
use crate::time::{Nanos, NANOS_PER_SEC};

/// How requests arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// Exactly every `1 / rate`, from a per-client phase in `[0, 1 / rate)`.
    Fixed,
    /// Exponential gaps with mean `1 / rate` (seeded, per client).
    Poisson,
}

/// `load.arrivals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrivals {
    /// Fixed or Poisson.
    pub process: Process,
    /// Requests per second per client, in thousandths (exact for rates like 0.5/s).
    pub rate_milli: u64,
    /// No request starts at or after this instant.
    pub duration: Nanos,
}

/// What an outage does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutageMode {
    /// Requests arriving in the window fail fast with UNAVAILABLE and cost no capacity.
    Unavailable,
    /// The server does no work in the window; requests wait and are served after it.
    Hold,
}

/// One outage window `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outage {
    /// Start.
    pub from: Nanos,
    /// End (exclusive).
    pub to: Nanos,
    /// What happens inside.
    pub mode: OutageMode,
}

/// `load.server`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BackendSpec {
    /// Service time of one request when capacity is finite (`1 / capacity_per_s`).
    pub service: Option<Nanos>,
    /// Front-end timeout: a response not ready this long after arrival is answered with
    /// `timeout_status` at that instant, while the server still does the work.
    pub timeout: Option<(Nanos, Code)>,
    /// Outage windows, sorted by start, non-overlapping.
    pub outages: Vec<Outage>,
}

/// A parsed `load` object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadSpec {
    /// Client processes (each with its own throttle bucket).
    pub clients: u64,
    /// Open-loop arrivals, or `None` for the closed `client.calls` schedule.
    pub arrivals: Option<Arrivals>,
    /// RPCs per user request.
    pub fan_out: u32,
    /// The server's capacity, timeout and outages.
    pub server: BackendSpec,
    /// Width of a time-series bucket.
    pub series: Nanos,
    /// Who decides whether each client sends and retries (`a6`: the service config).
    pub client_policy: ClientPolicySpec,
}

impl Default for LoadSpec {
    /// One client, the closed schedule, no fan-out, an infinite server, 1 s buckets: exactly
    /// the world of a scenario without `load`.
    fn default() -> Self {
        LoadSpec {
            clients: 1,
            arrivals: None,
            fan_out: 1,
            server: BackendSpec::default(),
            series: NANOS_PER_SEC,
            client_policy: ClientPolicySpec::A6,
        }
    }
}

/// A rate in thousandths per second: at least 0.001/s, at most [`MAX_RATE_PER_S`].
fn rate_milli(value: &Value, path: &str) -> Result<u64, FieldError> {
    let r = parse::non_negative(value, path)?;
    let milli = (r * 1000.0).round();
    if !(1.0..=MAX_RATE_PER_S * 1000.0).contains(&milli) {
        return Err(FieldError::new(
            path,
            format!(
                "expected a rate from 0.001 to {MAX_RATE_PER_S} per second, got {}",
                parse::show(value)
            ),
        ));
    }
    Ok(milli as u64)
}

/// A count from 1 to `limit`, whose excess is named with the limit and why it exists.
fn bounded(value: &Value, path: &str, limit: u64, what: &str) -> Result<u64, FieldError> {
    let n = positive(value, path)?;
    if n > limit {
        return Err(FieldError::new(
            path,
            format!("{n} is over the limit of {limit} ({what})"),
        ));
    }
    Ok(n)
}

fn positive(value: &Value, path: &str) -> Result<u64, FieldError> {
    match parse::uint(value, path)? {
        0 => Err(FieldError::new(path, "expected an integer >= 1, got 0")),
        n => Ok(n),
    }
}

impl LoadSpec {
    /// Parses a `load` object found at `path`.
    pub fn parse(value: &Value, path: &str) -> Result<LoadSpec, FieldError> {
        let keys = [
            "clients",
            "arrivals",
            "fan_out",
            "server",
            "series_ms",
            "client_policy",
            "$comment",
        ];
        let map = parse::object(value, path, &keys)?;
        let at = |k: &str| parse::join(path, k);
        let mut spec = LoadSpec::default();
        if let Some(v) = map.get("clients") {
            let what = "arrival processes";
            spec.clients = bounded(v, &at("clients"), MAX_CLIENTS, what)?;
        }
        if let Some(v) = map.get("fan_out") {
            let what = "RPCs started at once by one request";
            let n = bounded(v, &at("fan_out"), MAX_FAN_OUT, what)?;
            spec.fan_out = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(v) = map.get("series_ms") {
            spec.series = parse::millis(v, &at("series_ms"))?;
            if spec.series == 0 {
                return Err(FieldError::new(&at("series_ms"), "expected a width > 0"));
            }
        }
        if let Some(v) = map.get("client_policy") {
            spec.client_policy = ClientPolicySpec::parse(v, &at("client_policy"))?;
        }
        if let Some(v) = map.get("arrivals") {
            spec.arrivals = Some(parse_arrivals(v, &at("arrivals"))?);
        }
        if let Some(v) = map.get("server") {
            spec.server = parse_backend(v, &at("server"))?;
        }
        if let Some(a) = &spec.arrivals {
            let offered = spec.clients as f64 * a.rate_milli as f64 / 1000.0 * spec.fan_out as f64;
            if offered > MAX_OFFERED_RPCS_PER_S {
                return Err(FieldError::new(
                    &parse::join(&at("arrivals"), "rate_per_s"),
                    format!(
                        "offers {offered} RPCs per second (clients × rate_per_s × fan_out), \
                         over the limit of {MAX_OFFERED_RPCS_PER_S}: the RPCs in flight grow with it"
                    ),
                ));
            }
        }
        Ok(spec)
    }
}

fn parse_arrivals(value: &Value, path: &str) -> Result<Arrivals, FieldError> {
    let map = parse::object(value, path, &["process", "rate_per_s", "duration_ms"])?;
    let at = |k: &str| parse::join(path, k);
    let process = match map.get("process") {
        None => Process::Poisson,
        Some(v) => match parse::string(v, &at("process"))? {
            "fixed" => Process::Fixed,
            "poisson" => Process::Poisson,
            other => {
                return Err(FieldError::new(
                    &at("process"),
                    format!("unknown process \"{other}\"; expected fixed or poisson"),
                ))
            }
        },
    };
    let rate_milli = rate_milli(parse::required(map, path, "rate_per_s")?, &at("rate_per_s"))?;
    let duration = parse::millis(
        parse::required(map, path, "duration_ms")?,
        &at("duration_ms"),
    )?;
    Ok(Arrivals {
        process,
        rate_milli,
        duration,
    })
}

fn parse_backend(value: &Value, path: &str) -> Result<BackendSpec, FieldError> {
    let keys = ["capacity_per_s", "timeout_ms", "timeout_status", "outages"];
    let map = parse::object(value, path, &keys)?;
    let at = |k: &str| parse::join(path, k);
    let service = match map.get("capacity_per_s") {
        Some(v) => {
            let milli = rate_milli(v, &at("capacity_per_s"))?;
            Some(u64::try_from(1_000_000_000_000u128 / u128::from(milli)).unwrap_or(u64::MAX))
        }
        None => None,
    };
    let status = match map.get("timeout_status") {
        Some(v) => super::schedule::parse_status(v, &at("timeout_status"))?,
        None => Code::Unavailable,
    };
    let timeout = match map.get("timeout_ms") {
        Some(v) => Some((parse::millis(v, &at("timeout_ms"))?, status)),
        None if map.contains_key("timeout_status") => {
            return Err(FieldError::new(
                &at("timeout_status"),
                "only meaningful with timeout_ms",
            ))
        }
        None => None,
    };
    let mut outages = Vec::new();
    if let Some(v) = map.get("outages") {
        let list = v.as_array().ok_or_else(|| {
            FieldError::new(
                &at("outages"),
                "expected an array of {from_ms, to_ms, mode}",
            )
        })?;
        for (i, o) in list.iter().enumerate() {
            let p = parse::index(&at("outages"), i);
            let m = parse::object(o, &p, &["from_ms", "to_ms", "mode"])?;
            let from = parse::millis(
                parse::required(m, &p, "from_ms")?,
                &parse::join(&p, "from_ms"),
            )?;
            let to = parse::millis(parse::required(m, &p, "to_ms")?, &parse::join(&p, "to_ms"))?;
            let mode = match m.get("mode") {
                None => OutageMode::Unavailable,
                Some(v) => match parse::string(v, &parse::join(&p, "mode"))? {
                    "unavailable" => OutageMode::Unavailable,
                    "hold" => OutageMode::Hold,
                    other => {
                        return Err(FieldError::new(
                            &parse::join(&p, "mode"),
                            format!("unknown mode \"{other}\"; expected unavailable or hold"),
                        ))
                    }
                },
            };
            if to <= from {
                return Err(FieldError::new(&p, "expected from_ms < to_ms"));
            }
            if outages.last().is_some_and(|last: &Outage| last.to > from) {
                return Err(FieldError::new(
                    &p,
                    "outages must be sorted by from_ms and must not overlap",
                ));
            }
            outages.push(Outage { from, to, mode });
        }
    }
    Ok(BackendSpec {
        service,
        timeout,
        outages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;

    #[test]
    fn defaults_are_the_plain_world() {
        assert_eq!(LoadSpec::parse(&json!({}), "load"), Ok(LoadSpec::default()));
    }

    #[test]
    fn what_is_in_flight_together_is_capped_with_its_limit() {
        let err = |v| LoadSpec::parse(&v, "load").unwrap_err();
        let e = err(json!({"fan_out": 10001}));
        assert!(
            e.path == "load.fan_out" && e.message.contains("10000"),
            "{e:?}"
        );
        let e = err(json!({"clients": 65537}));
        assert!(
            e.path == "load.clients" && e.message.contains("65536"),
            "{e:?}"
        );
        let e = err(json!({"clients": 100, "fan_out": 10,
            "arrivals": {"rate_per_s": 10001, "duration_ms": 1}}));
        assert_eq!(e.path, "load.arrivals.rate_per_s");
        assert!(e.message.contains("10000000"), "{e:?}");
        let ok = json!({"clients": 100, "fan_out": 10,
            "arrivals": {"rate_per_s": 10000, "duration_ms": 1}});
        assert!(LoadSpec::parse(&ok, "load").is_ok());
    }

    #[test]
    fn a_full_object_parses() {
        let s = LoadSpec::parse(
            &json!({"clients": 3, "fan_out": 10, "series_ms": 500,
                "arrivals": {"process": "fixed", "rate_per_s": 280, "duration_ms": 1000},
                "server": {"capacity_per_s": 300, "timeout_ms": 1000,
                  "outages": [{"from_ms": 10, "to_ms": 20, "mode": "hold"}]}}),
            "load",
        )
        .unwrap();
        assert_eq!((s.clients, s.fan_out, s.series), (3, 10, 500_000_000));
        let a = s.arrivals.unwrap();
        assert_eq!(
            (a.process, a.rate_milli, a.duration),
            (Process::Fixed, 280_000, 1_000_000_000)
        );
        assert_eq!(s.server.service, Some(3_333_333));
        assert_eq!(s.server.timeout, Some((1_000_000_000, Code::Unavailable)));
        assert_eq!(s.server.outages[0].mode, OutageMode::Hold);
    }

    #[test]
    fn errors_carry_paths() {
        let bad = |v: Value| LoadSpec::parse(&v, "load").unwrap_err();
        assert_eq!(bad(json!({"fan_out": 0})).path, "load.fan_out");
        assert_eq!(
            bad(json!({"arrivals": {"rate_per_s": 1}})).path,
            "load.arrivals.duration_ms"
        );
        assert_eq!(
            bad(json!({"arrivals": {"rate_per_s": 0, "duration_ms": 1}})).path,
            "load.arrivals.rate_per_s"
        );
        let e = bad(json!({"server": {"outages": [{"from_ms": 5, "to_ms": 5}]}}));
        assert_eq!(e.path, "load.server.outages[0]");
        let e = bad(json!({"server": {"outages": [{"from_ms": 1, "to_ms": 5, "mode": "x"}]}}));
        assert_eq!(e.path, "load.server.outages[0].mode");
        assert_eq!(bad(json!({"rate": 1})).path, "load.rate");
    }
}
