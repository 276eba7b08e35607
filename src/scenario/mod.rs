//! Scenario files (the format: docs/scenarios.md): everything one simulated run needs.
//!
//! The stable core is `name`, `description`, `service_config` (inline object, or a path
//! relative to the scenario file), `jitter`, `seeds`, `server` and `client`. Added here:
//! - `client.methods`: a list of methods used round-robin (call i uses `methods[i % n]`), so
//!   one scenario can show per-method selection; `client.method` is the one-method shorthand;
//! - `client.request_bytes` (default: the message's length) and `client.retry_buffer_bytes`
//!   (default 1 MiB, D22): a request larger than the buffer is sent once, never retried (R66);
//! - `client.max_attempts_limit`: the client's `maxAttempts` ceiling (default 5, R16);
//! - `live_comparable`: true when `--live` can reproduce the trace exactly (no random server
//!   draws that depend on timing, no sub-millisecond races).
//!
//! Unknown keys are errors: a misspelt key silently falling back to a default would produce a
//! believable, wrong trace.
//!
//! Both directions: a scenario is read from a file ([`Scenario::load`]), from text
//! ([`Scenario::from_json`]) or built in Rust ([`Scenario::builder`], checked by the same
//! reader), and any scenario is written back in this format ([`Scenario::to_json`], `Serialize`)
//! with its service config's own text inline, so it replays with `hedgehog sim FILE --seed N`.
//! The `server` object describes the stock server; any other [`behaviour::Behaviour`] can take
//! its place at run time.

pub mod behaviour;
mod builder;
mod chacha_block;
pub mod client;
pub mod client_policy;
pub mod fields;
pub mod latency;
pub mod limits;
pub mod load;
pub mod rng;
pub mod schedule;
pub mod server;
mod write;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::json::Value;

use crate::config::{self, Jitter, ServiceConfig, Warning};
use crate::profile::{Admission, Profile};
pub use builder::{BuildError, ScenarioBuilder};
use client::parse_client;
pub use client::{ClientSpec, MethodRef, DEFAULT_CHANNEL_BUFFER_BYTES, DEFAULT_RETRY_BUFFER_BYTES};
use fields::{self as parse, FieldError};
use load::LoadSpec;
use server::ServerSpec;

/// A loaded scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `name`.
    pub name: String,
    /// `description`: the story.
    pub description: String,
    /// The file it came from, if any.
    pub file: Option<PathBuf>,
    /// The validated service config.
    pub config: ServiceConfig,
    /// The service config's JSON text, as written: the inline object's own text (its keys'
    /// spelling, `".01s"`, `1.0` kept), or the text of the file it names. A scenario written
    /// out ([`Scenario::to_json`]) carries this text inline, so it replays the same config.
    pub config_text: String,
    /// The config's portability warnings.
    pub warnings: Vec<Warning>,
    /// `jitter`: the backoff draw the run uses. When the file sets no `jitter` it is the
    /// profile's own draw (`spec` for `a6` and every current runtime, R24); a `jitter` the
    /// file sets wins over any profile's, so `"none"` pins timings under every runtime.
    pub jitter: Jitter,
    /// Whether the file (or builder) set `jitter`; if not, it follows the profile.
    pub jitter_explicit: bool,
    /// `profile` (default `a6`): the runtime whose choices the engine makes where runtimes
    /// differ (`hedgehog sim --as` replaces it).
    pub profile: &'static Profile,
    /// `seeds` (default `[1]`).
    pub seeds: Vec<u64>,
    /// `server`.
    pub server: ServerSpec,
    /// `client`.
    pub client: ClientSpec,
    /// `live_comparable` (default false).
    pub live_comparable: bool,
    /// `load` (see [`load`]): arrivals, clients, fan-out, server capacity and outages.
    pub load: Option<LoadSpec>,
}

/// Why a scenario did not load: the file, and every problem with its JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScenarioError {
    /// The file the problems are in (a scenario, or the config file it names).
    pub file: String,
    /// The problems, each with its path.
    pub problems: Vec<FieldError>,
}

impl ScenarioError {
    fn one(file: &str, problem: FieldError) -> Self {
        ScenarioError {
            file: file.to_string(),
            problems: vec![problem],
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.path.is_empty() {
                write!(f, "{}: {}", self.file, p.message)?;
            } else {
                write!(f, "{}: {p}", self.file)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

const TOP_KEYS: [&str; 11] = [
    "load",
    "name",
    "description",
    "service_config",
    "jitter",
    "profile",
    "seeds",
    "server",
    "client",
    "live_comparable",
    "$comment",
];

/// A problem with the file as a whole (unreadable, not JSON): no JSON path to name.
fn whole_file(message: String) -> FieldError {
    FieldError {
        path: String::new(),
        message,
    }
}

/// Reads a JSON file with the project's parser (duplicate keys are errors, D3); its text and
/// its value.
fn read_json(path: &Path) -> Result<(String, Value), ScenarioError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::one(&label, whole_file(format!("cannot read the file: {e}")))
    })?;
    let value = parse_json(&text, &label)?;
    Ok((text, value))
}

/// Parses JSON text with the project's parser; errors name `label`, the line and the column.
fn parse_json(text: &str, label: &str) -> Result<Value, ScenarioError> {
    crate::json::parse(text).map_err(|e| {
        ScenarioError::one(
            label,
            whole_file(format!(
                "line {}, column {}: {}",
                e.line, e.column, e.message
            )),
        )
    })
}

/// The exact text of a scenario's inline `service_config` object, if it has one.
fn raw_service_config(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Top<'a> {
        #[serde(borrow)]
        service_config: Option<&'a serde_json::value::RawValue>,
    }
    let top: Top<'_> = serde_json::from_str(text).ok()?;
    top.service_config
        .filter(|raw| raw.get().starts_with('{'))
        .map(|raw| raw.get().to_string())
}

/// Validates a service config value found at `prefix` of `label` (a scenario's inline object,
/// `service_config.`) or in a file of its own (`label` that file, no prefix), in lenient mode
/// with the client's `maxAttempts` ceiling, as `profile` reads it (AIP-4221's `maxAttempts`
/// for a client library).
pub(crate) fn parse_config(
    value: &Value,
    max_attempts_limit: u32,
    profile: &Profile,
    label: &str,
    prefix: &str,
) -> Result<config::Parsed, ScenarioError> {
    let options = profile.parse_options(max_attempts_limit);
    config::parse_value(value, &options).map_err(|invalid| {
        let mut problems: Vec<FieldError> = invalid
            .errors
            .iter()
            .map(|e| FieldError::new(&format!("{prefix}{}", e.path), e.message.clone()))
            .collect();
        if config::aip4221::looks_like_aip4221(&invalid.errors) {
            problems.push(FieldError::new(
                prefix.trim_end_matches('.'),
                config::aip4221::hint(),
            ));
        }
        ScenarioError {
            file: label.to_string(),
            problems,
        }
    })
}

impl Scenario {
    /// Loads a scenario file (and the config file it names, if any).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let (text, value) = read_json(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let label = path.display().to_string();
        let mut scenario = Scenario::read(&value, raw_service_config(&text), base, &label)?;
        scenario.file = Some(path.to_path_buf());
        Ok(scenario)
    }

    /// Reads a scenario from its JSON text (as [`Scenario::to_json`] writes it); `base`
    /// resolves a `service_config` path and `label` names the source in errors.
    pub fn from_json(text: &str, base: &Path, label: &str) -> Result<Scenario, ScenarioError> {
        let value = parse_json(text, label)?;
        Scenario::read(&value, raw_service_config(text), base, label)
    }

    /// Builds a scenario from a parsed value; `base` resolves a `service_config` path and
    /// `label` names the source in errors.
    pub fn from_value(value: &Value, base: &Path, label: &str) -> Result<Scenario, ScenarioError> {
        Scenario::read(value, None, base, label)
    }

    /// [`Scenario::from_value`], with the inline config's exact text when the caller has it.
    fn read(
        value: &Value,
        raw_config: Option<String>,
        base: &Path,
        label: &str,
    ) -> Result<Scenario, ScenarioError> {
        let err = |e: FieldError| ScenarioError::one(label, e);
        let map = parse::object(value, "", &TOP_KEYS).map_err(err)?;
        let name = parse::string(parse::required(map, "", "name").map_err(err)?, "name")
            .map_err(err)?
            .to_string();
        let description = parse::string(
            parse::required(map, "", "description").map_err(err)?,
            "description",
        )
        .map_err(err)?
        .to_string();
        let profile = match map.get("profile") {
            None => Profile::a6(),
            Some(v) => {
                let text = parse::string(v, "profile").map_err(err)?;
                Profile::by_name(text)
                    .map_err(|e| err(FieldError::new("profile", e.to_string())))?
            }
        };
        let jitter_explicit = map.contains_key("jitter");
        let jitter = match map.get("jitter") {
            None => profile.jitter,
            Some(v) => {
                let text = parse::string(v, "jitter").map_err(err)?;
                Jitter::from_name(text).ok_or_else(|| {
                    err(FieldError::new(
                        "jitter",
                        format!("unknown jitter \"{text}\"; expected one of: spec, full, none, legacy-java, gax-go, gax-java, python-api-core"),
                    ))
                })?
            }
        };
        let seeds = match map.get("seeds") {
            None => vec![1],
            Some(v) => {
                let list = v.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
                    err(FieldError::new(
                        "seeds",
                        "expected a non-empty array of integers",
                    ))
                })?;
                list.iter()
                    .enumerate()
                    .map(|(i, s)| parse::uint(s, &parse::index("seeds", i)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(err)?
            }
        };
        let server = ServerSpec::parse(parse::required(map, "", "server").map_err(err)?, "server")
            .map_err(err)?;
        let mut client =
            parse_client(parse::required(map, "", "client").map_err(err)?).map_err(err)?;
        client.default_buffers(&profile.limits);
        let live_comparable = match map.get("live_comparable") {
            Some(v) => parse::boolean(v, "live_comparable").map_err(err)?,
            None => false,
        };
        let load = match map.get("load") {
            Some(v) => Some(LoadSpec::parse(v, "load").map_err(err)?),
            None => None,
        };
        let limit = client.max_attempts_limit;
        let sc = parse::required(map, "", "service_config").map_err(err)?;
        let (parsed, config_text) = match sc {
            Value::String(rel) => {
                if rel.trim().is_empty() {
                    return Err(err(FieldError::new(
                        "service_config",
                        "expected an object or a path to a config file, got \"\"",
                    )));
                }
                let path = base.join(rel);
                // A missing file is a mistake in this scenario, at this key: say both.
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    let why = format!("cannot read the config file {}: {e}", path.display());
                    err(FieldError::new("service_config", why))
                })?;
                let label = path.display().to_string();
                let v = parse_json(&text, &label)?;
                (
                    parse_config(&v, limit, profile, &label, "")?,
                    text.trim().to_string(),
                )
            }
            Value::Object(_) => {
                let text = raw_config.unwrap_or_else(|| sc.to_string());
                (
                    parse_config(sc, limit, profile, label, "service_config.")?,
                    text,
                )
            }
            other => {
                return Err(err(FieldError::new(
                    "service_config",
                    format!(
                        "expected an object or a path to a config file, got {}",
                        parse::kind(other)
                    ),
                )))
            }
        };
        Ok(Scenario {
            name,
            description,
            file: None,
            config: parsed.config,
            config_text,
            warnings: parsed.warnings,
            jitter,
            jitter_explicit,
            profile,
            seeds,
            server,
            client,
            live_comparable,
            load,
        })
    }

    /// Top-level keys with a default that a file may leave out and a sweep may still vary
    /// (`--vary profile=a6,grpc-go`).
    pub const DEFAULTED_KEYS: [&'static str; 2] = ["profile", "jitter"];

    /// The same scenario run as `profile`'s runtime would run it (`hedgehog sim --as`); the
    /// backoff draw and the retry buffers follow the profile unless the scenario set them
    /// (`jitter`, `client.retry_buffer_bytes`, `client.channel_buffer_bytes`). The config is
    /// not read again, so a client library's AIP-4221 reading of `maxAttempts` needs
    /// [`Scenario::as_profile`].
    pub fn with_profile(mut self, profile: &'static Profile) -> Scenario {
        self.profile = profile;
        if !self.jitter_explicit {
            self.jitter = profile.jitter;
        }
        self.client.default_buffers(&profile.limits);
        self
    }

    /// [`Scenario::with_profile`], reading the service config again as `profile` reads it
    /// when that differs (a client library's AIP-4221 `maxAttempts`): the error names the
    /// config's problems under that reading.
    pub fn as_profile(self, profile: &'static Profile) -> Result<Scenario, ScenarioError> {
        let limit = self.client.max_attempts_limit;
        if profile.parse_options(limit) == self.profile.parse_options(limit) {
            return Ok(self.with_profile(profile));
        }
        let label = self
            .file
            .as_ref()
            .map_or_else(|| self.name.clone(), |f| f.display().to_string());
        let value = parse_json(&self.config_text, &label)?;
        let parsed = parse_config(&value, limit, profile, &label, "service_config.")?;
        Ok(Scenario {
            config: parsed.config,
            warnings: parsed.warnings,
            ..self.with_profile(profile)
        })
    }

    /// What the profile's runtime does with this scenario's service config (R5): runs it,
    /// drops its policies, fails every call, or makes none.
    pub fn admission(&self) -> Admission {
        self.profile
            .admit(&self.config_text, self.client.max_attempts_limit)
    }

    /// How to replay one run of this scenario from a shell: `hedgehog sim FILE --seed N` when
    /// the file it came from still describes it; otherwise (built in memory, or changed since
    /// it was loaded) the scenario's JSON to save, and the command to run on it.
    pub fn replay_command(&self, seed: u64) -> String {
        let json = self.to_json();
        let on_disk = self
            .file
            .as_ref()
            .filter(|file| Scenario::load(file).is_ok_and(|loaded| loaded.to_json() == json));
        match on_disk {
            Some(file) => format!("hedgehog sim {} --seed {seed}", file.display()),
            None => format!(
                "save this scenario as {0}.json and run `hedgehog sim {0}.json --seed {seed}`:\n{json}",
                self.name
            ),
        }
    }
}

/// The scenario files directly inside `dir` (`*.json`, not subdirectories), sorted by name so
/// every walk over them is deterministic.
pub fn scenario_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::test_json as json;

    #[test]
    fn scenario_errors_name_the_file_and_path() {
        let v = json!({"name": "x", "description": "d", "service_config": {},
            "jitter": "half", "server": {"schedule": {"req_modulo": 1}},
            "client": {"method": "a/b"}});
        let e = Scenario::from_value(&v, Path::new("."), "sims/x.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "sims/x.json: jitter: unknown jitter \"half\"; expected one of: spec, full, none, legacy-java, gax-go, gax-java, python-api-core"
        );
        let v = json!({"name": "x", "description": "d", "service_config": 3,
            "server": {"schedule": {"req_modulo": 1}}, "client": {"method": "a/b"}});
        let e = Scenario::from_value(&v, Path::new("."), "f").unwrap_err();
        assert_eq!(e.problems[0].path, "service_config");
        let e = Scenario::from_value(&json!([]), Path::new("."), "f").unwrap_err();
        assert_eq!(e.problems[0].path, "<root>");
    }

    #[test]
    fn a_config_path_that_cannot_be_read_names_the_scenario_and_its_key() {
        for rel in ["1ms", "", " "] {
            let v = json!({"name": "x", "description": "d", "service_config": rel,
                "server": {"schedule": {"req_modulo": 1}}, "client": {"method": "a/b"}});
            let e = Scenario::from_value(&v, Path::new("no-such-dir"), "sims/x.json").unwrap_err();
            let text = e.to_string();
            assert!(text.starts_with("sims/x.json: service_config: "), "{text}");
            assert_eq!(e.problems[0].path, "service_config");
        }
    }
}
