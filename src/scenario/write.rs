//! A scenario written back out in the scenario file format: [`Scenario::to_json`] and
//! `Serialize`.
//!
//! The service config is written as its own text ([`Scenario::config_text`]), inline, so what
//! was read is what is replayed — key spelling, `".01s"`, `1.0` and all — and the file needs no
//! other file beside it. Everything else is written canonically and completely (every default
//! spelled out), with times as exact decimal milliseconds, so reading the output gives back an
//! equal scenario and the same trace for every seed.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::latency::Latency;
use super::load::{Arrivals, BackendSpec, LoadSpec, OutageMode, Process};
use super::schedule::{Schedule, ScriptStep, Then};
use super::server::ServerSpec;
use super::{ClientSpec, Scenario};
use crate::json::write::number;
use crate::time::Nanos;

/// `ns` as exact decimal milliseconds.
fn ms(ns: Nanos) -> Box<RawValue> {
    number(u128::from(ns), 6)
}

#[derive(Serialize)]
struct ScenarioOut<'a> {
    name: &'a str,
    description: &'a str,
    service_config: Box<RawValue>,
    /// Written when the scenario set it; otherwise it follows the profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    jitter: Option<&'static str>,
    /// Written when it is not the default `a6`.
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'static str>,
    seeds: &'a [u64],
    live_comparable: bool,
    server: ServerOut<'a>,
    client: ClientOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load: Option<LoadOut>,
}

#[derive(Serialize)]
struct ServerOut<'a> {
    schedule: ScheduleOut<'a>,
    latency: LatencyOut,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ScheduleOut<'a> {
    ReqModulo {
        req_modulo: u64,
        status: &'static str,
    },
    Script {
        script: Vec<StepOut<'a>>,
        then: &'static str,
    },
    FailRate {
        fail_rate: f64,
        status: &'static str,
    },
}

#[derive(Serialize)]
struct StepOut<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pushback_ms: Option<&'a str>,
    headers_first: bool,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LatencyOut {
    Fixed { fixed_ms: Box<RawValue> },
    Uniform { uniform_ms: [Box<RawValue>; 2] },
    Exponential { exponential_ms: f64 },
    LogNormal { lognormal: LogNormalOut },
}

#[derive(Serialize)]
struct LogNormalOut {
    offset_ms: f64,
    mu: f64,
    sigma: f64,
}

#[derive(Serialize)]
struct ClientOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    methods: Option<Vec<String>>,
    message: &'a str,
    calls: u64,
    interval_ms: Box<RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline_ms: Option<Box<RawValue>>,
    request_bytes: u64,
    /// Written when set; otherwise the profile's default (R68).
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_buffer_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_buffer_bytes: Option<u64>,
    max_attempts_limit: u32,
}

#[derive(Serialize)]
struct LoadOut {
    clients: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    arrivals: Option<ArrivalsOut>,
    fan_out: u32,
    server: BackendOut,
    series_ms: Box<RawValue>,
}

#[derive(Serialize)]
struct ArrivalsOut {
    process: &'static str,
    rate_per_s: Box<RawValue>,
    duration_ms: Box<RawValue>,
}

#[derive(Serialize)]
struct BackendOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    capacity_per_s: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout_status: Option<&'static str>,
    outages: Vec<OutageOut>,
}

#[derive(Serialize)]
struct OutageOut {
    from_ms: Box<RawValue>,
    to_ms: Box<RawValue>,
    mode: &'static str,
}

fn step(s: &ScriptStep) -> StepOut<'_> {
    StepOut {
        status: s.status.name(),
        latency_ms: s.latency.map(ms),
        pushback_ms: s.pushback.as_deref(),
        headers_first: s.headers_first,
    }
}

fn server(spec: &ServerSpec) -> ServerOut<'_> {
    let schedule = match &spec.schedule {
        Schedule::ReqModulo { n, status } => ScheduleOut::ReqModulo {
            req_modulo: *n,
            status: status.name(),
        },
        Schedule::Script { steps, then } => ScheduleOut::Script {
            script: steps.iter().map(step).collect(),
            then: match then {
                Then::Repeat => "repeat",
                Then::Last => "last",
            },
        },
        Schedule::FailRate { p, status } => ScheduleOut::FailRate {
            fail_rate: *p,
            status: status.name(),
        },
    };
    let latency = match spec.latency {
        Latency::Fixed(ns) => LatencyOut::Fixed { fixed_ms: ms(ns) },
        Latency::Uniform(a, b) => LatencyOut::Uniform {
            uniform_ms: [ms(a), ms(b)],
        },
        Latency::Exponential { mean_ms } => LatencyOut::Exponential {
            exponential_ms: mean_ms,
        },
        Latency::LogNormal {
            offset_ms,
            mu,
            sigma,
        } => LatencyOut::LogNormal {
            lognormal: LogNormalOut {
                offset_ms,
                mu,
                sigma,
            },
        },
    };
    ServerOut { schedule, latency }
}

fn client(c: &ClientSpec) -> ClientOut<'_> {
    let names: Vec<String> = c.methods.iter().map(ToString::to_string).collect();
    let (method, methods) = match names.as_slice() {
        [one] => (Some(one.clone()), None),
        _ => (None, Some(names)),
    };
    ClientOut {
        method,
        methods,
        message: &c.message,
        calls: c.calls,
        interval_ms: ms(c.interval),
        deadline_ms: c.deadline.map(ms),
        request_bytes: c.request_bytes,
        retry_buffer_bytes: c.retry_buffer_set.then_some(c.retry_buffer_bytes),
        channel_buffer_bytes: c.channel_buffer_set.then_some(c.channel_buffer_bytes),
        max_attempts_limit: c.max_attempts_limit,
    }
}

/// A rate in thousandths per second whose service time (`10^12 / milli` ns, truncated) is
/// `service`: `⌊10^12 / service⌋` is one (⌊N / ⌊N / ⌊N / m⌋⌋⌋ = ⌊N / m⌋).
fn capacity_milli(service: Nanos) -> u128 {
    1_000_000_000_000u128 / u128::from(service.max(1))
}

fn arrivals(a: &Arrivals) -> ArrivalsOut {
    ArrivalsOut {
        process: match a.process {
            Process::Fixed => "fixed",
            Process::Poisson => "poisson",
        },
        rate_per_s: number(u128::from(a.rate_milli), 3),
        duration_ms: ms(a.duration),
    }
}

fn backend(b: &BackendSpec) -> BackendOut {
    BackendOut {
        capacity_per_s: b.service.map(|s| number(capacity_milli(s), 3)),
        timeout_ms: b.timeout.map(|(t, _)| ms(t)),
        timeout_status: b.timeout.map(|(_, code)| code.name()),
        outages: b
            .outages
            .iter()
            .map(|o| OutageOut {
                from_ms: ms(o.from),
                to_ms: ms(o.to),
                mode: match o.mode {
                    OutageMode::Unavailable => "unavailable",
                    OutageMode::Hold => "hold",
                },
            })
            .collect(),
    }
}

fn load(l: &LoadSpec) -> LoadOut {
    LoadOut {
        clients: l.clients,
        arrivals: l.arrivals.as_ref().map(arrivals),
        fan_out: l.fan_out,
        server: backend(&l.server),
        series_ms: ms(l.series),
    }
}

impl Scenario {
    /// The config's text as a JSON value: [`Scenario::config_text`] when it is valid JSON,
    /// else the parsed config written canonically.
    fn config_json(&self) -> Box<RawValue> {
        RawValue::from_string(self.config_text.trim().to_string())
            .or_else(|_| RawValue::from_string(self.config.to_json()))
            .unwrap_or_default()
    }

    /// The scenario in the scenario file format, pretty-printed: save it and run
    /// `hedgehog sim FILE --seed N` to replay any seed of it.
    pub fn to_json(&self) -> String {
        // Writing these types cannot fail (no maps with non-string keys, no failing
        // serializer); should it, the output says why instead of panicking.
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()))
    }
}

impl Serialize for Scenario {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ScenarioOut {
            name: &self.name,
            description: &self.description,
            service_config: self.config_json(),
            jitter: self.jitter_explicit.then(|| self.jitter.as_str()),
            profile: (!self.profile.is_a6()).then_some(self.profile.name),
            seeds: &self.seeds,
            live_comparable: self.live_comparable,
            server: server(&self.server),
            client: client(&self.client),
            load: self.load.as_ref().map(load),
        }
        .serialize(serializer)
    }
}
