//! Scenario files (DESIGN.md "Scenario file"): everything one simulated run needs.
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

pub mod client;
pub mod fields;
pub mod latency;
pub mod load;
pub mod rng;
pub mod schedule;
pub mod server;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::{self, Jitter, ParseOptions, ServiceConfig, Warning};
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
    /// The config's portability warnings.
    pub warnings: Vec<Warning>,
    /// `jitter` (default `spec`).
    pub jitter: Jitter,
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

const TOP_KEYS: [&str; 10] = [
    "load",
    "name",
    "description",
    "service_config",
    "jitter",
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

/// Reads a JSON file with the project's parser (duplicate keys are errors, D3).
fn read_json(path: &Path) -> Result<Value, ScenarioError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::one(&label, whole_file(format!("cannot read the file: {e}")))
    })?;
    crate::json::parse(&text).map_err(|e| {
        ScenarioError::one(
            &label,
            whole_file(format!(
                "line {}, column {}: {}",
                e.line, e.column, e.message
            )),
        )
    })
}

impl Scenario {
    /// Loads a scenario file (and the config file it names, if any).
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let value = read_json(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut scenario = Scenario::from_value(&value, base, &path.display().to_string())?;
        scenario.file = Some(path.to_path_buf());
        Ok(scenario)
    }

    /// Builds a scenario from a parsed value; `base` resolves a `service_config` path and
    /// `label` names the source in errors.
    pub fn from_value(value: &Value, base: &Path, label: &str) -> Result<Scenario, ScenarioError> {
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
        let jitter = match map.get("jitter") {
            None => Jitter::Spec,
            Some(v) => {
                let text = parse::string(v, "jitter").map_err(err)?;
                Jitter::from_name(text).ok_or_else(|| {
                    err(FieldError::new(
                        "jitter",
                        format!("unknown jitter \"{text}\"; expected one of: spec, full, none"),
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
        let client = parse_client(parse::required(map, "", "client").map_err(err)?).map_err(err)?;
        let live_comparable = match map.get("live_comparable") {
            Some(v) => parse::boolean(v, "live_comparable").map_err(err)?,
            None => false,
        };
        let load = match map.get("load") {
            Some(v) => Some(LoadSpec::parse(v, "load").map_err(err)?),
            None => None,
        };
        let options = ParseOptions {
            max_attempts_limit: client.max_attempts_limit,
            ..Default::default()
        };
        let sc = parse::required(map, "", "service_config").map_err(err)?;
        let (parsed, config_label, prefix) = match sc {
            Value::String(rel) => {
                let path = base.join(rel);
                let v = read_json(&path)?;
                (
                    config::parse_value(&v, &options),
                    path.display().to_string(),
                    String::new(),
                )
            }
            Value::Object(_) => (
                config::parse_value(sc, &options),
                label.to_string(),
                "service_config.".into(),
            ),
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
        let parsed = parsed.map_err(|invalid| ScenarioError {
            file: config_label,
            problems: invalid
                .errors
                .iter()
                .map(|e| FieldError::new(&format!("{prefix}{}", e.path), e.message.clone()))
                .collect(),
        })?;
        Ok(Scenario {
            name,
            description,
            file: None,
            config: parsed.config,
            warnings: parsed.warnings,
            jitter,
            seeds,
            server,
            client,
            live_comparable,
            load,
        })
    }

    /// How to replay one run of this scenario from a shell.
    pub fn replay_command(&self, seed: u64) -> String {
        let file = self
            .file
            .as_ref()
            .map_or("<scenario>".to_string(), |f| f.display().to_string());
        format!("hedgehog sim {file} --seed {seed}")
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
    use serde_json::json;

    #[test]
    fn scenario_errors_name_the_file_and_path() {
        let v = json!({"name": "x", "description": "d", "service_config": {},
            "jitter": "half", "server": {"schedule": {"req_modulo": 1}},
            "client": {"method": "a/b"}});
        let e = Scenario::from_value(&v, Path::new("."), "sims/x.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "sims/x.json: jitter: unknown jitter \"half\"; expected one of: spec, full, none"
        );
        let v = json!({"name": "x", "description": "d", "service_config": 3,
            "server": {"schedule": {"req_modulo": 1}}, "client": {"method": "a/b"}});
        let e = Scenario::from_value(&v, Path::new("."), "f").unwrap_err();
        assert_eq!(e.problems[0].path, "service_config");
        let e = Scenario::from_value(&json!([]), Path::new("."), "f").unwrap_err();
        assert_eq!(e.problems[0].path, "<root>");
    }
}
