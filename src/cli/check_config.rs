//! `hedgehog check-config FILE`: validate a service config, explain it, and say which gRPC
//! runtimes accept it. Thin: the library ([`hedgehog::config::check_value`]) does the work; this
//! file reads the file and renders text or JSON.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;

use hedgehog::config::{
    check_value, lint_value, warning_line, Lint, LintOptions, ParseOptions, Report, Verdict,
};
use hedgehog::json::{Map, Value};
use hedgehog::time::{ms, NANOS_PER_SEC};
use serde::Serialize;

use hedgehog::profile::behaviour::differences;
use hedgehog::profile::Profile;

use super::check_config_profiles as profiles;
use super::format::{text_or_json, TextOrJson};
use super::lints::{self, Deny};

/// Arguments of `check-config`.
#[derive(Debug, clap::Args)]
// The subcommand's one-line about comes from its variant in `cli/mod.rs`; clap applies that
// after these attributes, so the teaching text lives in `after_long_help` (`--help`).
#[command(
    after_help = "Lenient by default, --strict for A6's canonical form only; exit 0 valid, 1 invalid (or a --deny finding), 2 unreadable. \
More with --help.",
    after_long_help = "Checks a gRPC service config (JSON) against gRFC A6, explains each methodConfig \
entry in plain words (attempts, backoff with A6 jitter, worst-case added latency, hedging, \
throttling), and shows whether grpc-go, grpc-java, C-core (grpcio) and grpc-js accept it.\n\n\
Modes: by default hedgehog is LENIENT: it also takes grpc-go's habits (keys in any letter case \
such as \"MaxAttempts\", durations like \".01s\" or \"1.s\"), numbers written as strings and a \
fractional maxTokens, and reports each as a portability warning, so the classic grpc-go demo \
config works as written. With --strict it accepts only A6's canonical form (lowerCamelCase keys, \
\"0.01s\") and those liberties become errors: use it in CI for configs shared across runtimes. \
snake_case keys (max_attempts) are accepted by no runtime and by neither mode.\n\n\
Exit codes: 0 the config is valid (warnings may remain), 1 it is invalid (every error is listed \
with its JSON path, or a finding --deny names was made), 2 the file cannot be read or is not \
JSON (line and column given) or the arguments are wrong.\n\n\
Profiles: --as PROFILE validates as that gRPC runtime (grpc-go, grpc-go@1.33, grpc-java, \
c-core, grpc-js) or Google client library (gax-go, gax-java, python-api-core) would, and the \
exit code follows its verdict; the libraries read googleapis' AIP-4221 configs, where \
maxAttempts may be absent. --behaviour lists what each of them does differently from a6 with \
this config (docs/runtimes.md).\n\n\
Lints: warnings with a stable code (docs/lints.md) for configs that are valid but will not do \
what they say: names no RPC carries, keys no runtime reads (with a did-you-mean), policies the \
deadline stops from acting, risky retryable codes, no deadline at all. They never make a config \
invalid; --deny CODE, --deny lints, --deny portability or --deny warnings (both) turn them into \
exit 1 for CI.\n\n\
Examples:\n  hedgehog check-config sims/configs/grpc-go-demo.json\n  \
hedgehog check-config sims/configs/a6-strict-demo.json --strict --format json\n  \
hedgehog check-config sims/configs/lint-demo.json --deny warnings --deadline-ms 2000\n  \
hedgehog check-config sims/configs/a6-hedging.json --behaviour\n  \
hedgehog check-config sims/configs/googleapis/spanner_v1_grpc_service_config.json --as gax-java"
)]
pub struct Args {
    /// The service config JSON file.
    pub file: PathBuf,
    /// Accept only A6's canonical form; lenient liberties become errors.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_parser = text_or_json("One JSON object"), default_value = "text")]
    pub format: TextOrJson,
    /// The client's maxAttempts ceiling (at least 2); larger values in the config are clamped.
    #[arg(long, value_name = "N", default_value_t = ParseOptions::DEFAULT_MAX_ATTEMPTS_LIMIT)]
    pub client_max_attempts: u32,
    /// A deadline (ms) the application sets on every call; the lints use the earlier of it and
    /// each entry's timeout.
    #[arg(long, value_name = "MS")]
    pub deadline_ms: Option<u64>,
    /// RPCs per second on one channel, for the throttling recovery lint.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub calls_per_second: u32,
    /// The longest acceptable throttling recovery after an outage, in seconds.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub recovery_horizon_s: u64,
    /// Fail (exit 1) on a lint CODE, on any lint (lints), any portability warning
    /// (portability), or both (warnings). Repeatable.
    #[arg(long, value_name = "WHAT", value_parser = lints::parse_deny)]
    pub deny: Vec<Deny>,
    /// Validate as this runtime or client library would (a6, grpc-go, grpc-go@1.33,
    /// grpc-java, c-core, grpc-js, gax-go, gax-java, python-api-core); the exit code follows
    /// its verdict. The client libraries read maxAttempts as AIP-4221 does.
    #[arg(long = "as", value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Also print what each runtime and client library does differently from a6 with this
    /// config.
    #[arg(long)]
    pub behaviour: bool,
}

/// Runs `check-config`.
pub fn run(args: Args) -> ExitCode {
    let base = if args.strict {
        ParseOptions::strict()
    } else {
        ParseOptions::lenient()
    };
    let options = match base.with_max_attempts_limit(args.client_max_attempts) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("hedgehog check-config: --client-max-attempts: {e}");
            return ExitCode::from(2);
        }
    };
    let file = args.file.display();
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("hedgehog check-config: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let value = match hedgehog::json::parse(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "hedgehog check-config: {file}:{}:{}: not valid JSON: {}",
                e.line, e.column, e.message
            );
            return ExitCode::from(2);
        }
    };
    let profile = match args.profile.as_deref().map(Profile::by_name).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("hedgehog check-config: --as: {e}");
            return ExitCode::from(2);
        }
    };
    // The config as the profile reads it (AIP-4221's maxAttempts for a client library).
    let reading = profile.map_or(options, |p| p.reading(options));
    let mut report = check_value(&value, &reading);
    if reading != options {
        // The runtimes read A6, whatever reading the profile's library takes.
        report.portability = check_value(&value, &options).portability;
    }
    let verdict = profile.map(|p| profiles::Verdict::of(p, &value, &options));
    let behaviour = args.behaviour.then(|| differences(&value, &options));
    // Lints are A6 advice (a ladder longer than the timeout assumes maxAttempts).
    let lint_options = LintOptions {
        parse: options,
        deadline: args.deadline_ms.map(ms),
        calls_per_second: args.calls_per_second,
        recovery_horizon: args.recovery_horizon_s.saturating_mul(NANOS_PER_SEC),
    };
    let found = lint_value(&value, &lint_options);
    let denied = lints::denied(&args.deny, &found, &report.warnings);
    let out = match args.format {
        TextOrJson::Text => {
            let verdict_of = verdict.as_ref().map(|v| (v.name(), v.accepts()));
            let mut out = text_report(&file.to_string(), &report, &found, &options, verdict_of);
            if let Some(v) = &verdict {
                out.push_str(&v.text());
            }
            if let Some(b) = &behaviour {
                out.push_str(&profiles::behaviour_text(b));
            }
            if !denied.is_empty() {
                out.push_str(&format!("\ndenied (--deny): {}\n", denied.join(", ")));
            }
            out
        }
        TextOrJson::Json => {
            let name = file.to_string();
            let extra = profiles::JsonExtra::new(verdict.as_ref(), behaviour.as_deref());
            format!("{}\n", json_report(&name, &report, &found, &denied, extra))
        }
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    let valid = verdict.as_ref().map_or(report.valid, |v| v.accepts());
    if valid && denied.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The text report; `profile` is `--as`'s name and verdict, which then heads it.
fn text_report(
    file: &str,
    r: &Report,
    found: &[Lint],
    options: &ParseOptions,
    profile: Option<(&str, bool)>,
) -> String {
    let mode = if options.strict { "strict" } else { "lenient" };
    let mut out = String::new();
    let (valid, as_profile) = match profile {
        Some((name, accepts)) => (accepts, format!(" as {name}")),
        None => (r.valid, String::new()),
    };
    let verdict = if valid { "valid" } else { "INVALID" };
    out.push_str(&format!(
        "{file}: {verdict}{as_profile} ({mode} mode, maxAttempts limit {})\n",
        options.max_attempts_limit
    ));
    if !r.errors.is_empty() {
        out.push_str(&format!("\nerrors ({}):\n", r.errors.len()));
        for e in &r.errors {
            out.push_str(&format!("  {}: {}\n", e.path, e.message));
        }
        if let Some(hint) = aip4221_hint(r) {
            out.push_str(&format!("\nhint: {hint}\n"));
        }
    }
    if !r.warnings.is_empty() {
        out.push_str(&format!("\nwarnings ({}):\n", r.warnings.len()));
        for w in &r.warnings {
            out.push_str(&format!("  {}\n", warning_line(w)));
        }
    }
    out.push_str(&lints::text(found));
    if r.valid {
        out.push_str("\nmethods:\n");
        if r.methods.is_empty() {
            out.push_str("  (no methodConfig entries: every RPC makes one attempt)\n");
        }
        for m in &r.methods {
            out.push_str(&format!("  {}\n", m.line()));
        }
        let throttling = r
            .throttling
            .as_deref()
            .unwrap_or("none (retries are never throttled)");
        out.push_str(&format!("\nthrottling: {throttling}\n"));
    }
    out.push_str("\nportability:\n");
    for (peer, v) in &r.portability {
        let name = peer.display_name();
        match v {
            Verdict::Accepts => out.push_str(&format!("  {name:<16} accepts\n")),
            Verdict::Rejects(why) => {
                out.push_str(&format!("  {name:<16} rejects: {}\n", paths(why)))
            }
            Verdict::Ignores(what) => {
                out.push_str(&format!("  {name:<16} ignores part: {}\n", paths(what)))
            }
        }
    }
    out
}

/// The distinct paths of `path: message` details, at most three: the messages are listed above.
/// Linear in the number of details: a set answers "seen before?", the list keeps first-seen
/// order for the output.
fn paths(details: &[String]) -> String {
    let mut known: HashSet<&str> = HashSet::new();
    let mut seen: Vec<&str> = Vec::new();
    for d in details {
        let path = d.split_once(": ").map_or(d.as_str(), |(p, _)| p);
        if known.insert(path) {
            seen.push(path);
        }
    }
    match seen.len() {
        0..=3 => seen.join(", "),
        n => format!("{} and {} more (see above)", seen[..3].join(", "), n - 3),
    }
}

/// The `--format json` document, fields in output order.
#[derive(Serialize)]
struct JsonReport<'a> {
    valid: bool,
    errors: Vec<JsonError<'a>>,
    warnings: Vec<JsonWarning<'a>>,
    methods: Vec<JsonMethod<'a>>,
    throttling: &'a Option<String>,
    portability: Map,
    portability_details: Map,
    lints: Vec<lints::JsonLint<'a>>,
    denied: &'a [String],
    /// The file checked, as given on the command line (added last: an extension).
    file: &'a str,
    /// The AIP-4221 hint when the config fails A6 only for a missing `maxAttempts` (an
    /// extension, absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
    /// `--as` and `--behaviour` (extensions, absent without those flags).
    #[serde(flatten)]
    extra: profiles::JsonExtra<'a>,
}

/// The AIP-4221 hint, when the only errors are missing `maxAttempts` (R16).
fn aip4221_hint(r: &Report) -> Option<String> {
    hedgehog::config::aip4221::looks_like_aip4221(&r.errors).then(hedgehog::config::aip4221::hint)
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonWarning<'a> {
    path: &'a str,
    message: &'a str,
    rejected_by: Vec<&'static str>,
    ignored_by: Vec<&'static str>,
}

#[derive(Serialize)]
struct JsonMethod<'a> {
    path: &'a str,
    names: &'a [String],
    policy: &'static str,
    explanation: &'a str,
    worst_case_backoff_ms: Option<f64>,
}

fn json_report<'a>(
    file: &'a str,
    r: &'a Report,
    found: &'a [Lint],
    denied: &'a [String],
    extra: profiles::JsonExtra<'a>,
) -> String {
    let names = |peers: &[hedgehog::config::Peer]| {
        peers.iter().map(|p| p.display_name()).collect::<Vec<_>>()
    };
    let portability: Map = r
        .portability
        .iter()
        .map(|(p, v)| (p.display_name(), v.as_str()))
        .collect();
    let details: Map = r
        .portability
        .iter()
        .map(|(p, v)| (p.display_name(), Value::from(v.details())))
        .collect();
    let report = JsonReport {
        valid: r.valid,
        errors: r
            .errors
            .iter()
            .map(|e| JsonError {
                path: &e.path,
                message: &e.message,
            })
            .collect(),
        warnings: r
            .warnings
            .iter()
            .map(|w| JsonWarning {
                path: &w.path,
                message: &w.message,
                rejected_by: names(&w.rejected_by),
                ignored_by: names(&w.ignored_by),
            })
            .collect(),
        methods: r
            .methods
            .iter()
            .map(|m| JsonMethod {
                path: &m.path,
                names: &m.names,
                policy: m.kind,
                explanation: &m.text,
                worst_case_backoff_ms: m.worst_case_backoff.map(hedgehog::time::to_ms),
            })
            .collect(),
        throttling: &r.throttling,
        portability,
        portability_details: details,
        lints: lints::json(found),
        file,
        denied,
        hint: aip4221_hint(r),
        extra,
    };
    serde_json::to_string(&report).unwrap_or_default()
}
