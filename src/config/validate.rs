//! Validation of a whole service config: the root, each `methodConfig` entry, and the pieces
//! that span entries (name uniqueness, R14).
//!
//! One pass over the JSON value produces the config, every error and every warning. An entry
//! with errors still has its names recorded, so a duplicate name is reported even next to other
//! problems, and the whole config is rejected if any error exists (R4).

use crate::json::Value;

use super::ctx::{Ctx, Issue};
use super::keys::Obj;
use super::{duration, names, policy_parse, throttling, values};
use super::{MethodConfig, MethodName, ParseOptions, Peer, Policy, ServiceConfig, Warning};
use crate::json::path;

/// Everything one validation pass found.
pub(crate) struct Outcome {
    /// The config as far as it could be read (complete when `errors` is empty).
    pub config: ServiceConfig,
    /// Every error, sorted by path.
    pub errors: Vec<Issue>,
    /// Every warning, sorted by path.
    pub warnings: Vec<Warning>,
}

/// Validates a parsed JSON document.
pub(crate) fn validate(value: &Value, options: &ParseOptions) -> Outcome {
    let mut ctx = Ctx::new(options);
    let mut config = ServiceConfig::default();
    if let Some(root) = Obj::new(&mut ctx, path::ROOT.to_string(), value, false) {
        let mut all_names: Vec<(MethodName, String)> = Vec::new();
        if let Some(field) = root.get(&mut ctx, "methodConfig") {
            match field.value.as_array() {
                Some(entries) => {
                    for (i, entry) in entries.iter().enumerate() {
                        let at = path::index(&field.path, i);
                        if let Some((mc, names)) = method_config(&mut ctx, at, entry) {
                            all_names.extend(names);
                            config.method_configs.extend(mc);
                        }
                    }
                }
                None => ctx.error(&field.path, "expected an array"),
            }
        }
        names::check_unique(&mut ctx, &all_names);
        if let Some(field) = root.get(&mut ctx, "retryThrottling") {
            if let Some(obj) = Obj::new(&mut ctx, field.path, field.value, true) {
                config.retry_throttling = throttling::parse(&mut ctx, &obj);
            }
        }
    }
    let (errors, warnings) = ctx.finish();
    Outcome {
        config,
        errors,
        warnings,
    }
}

type Entry = (Option<MethodConfig>, Vec<(MethodName, String)>);

/// One `methodConfig` entry: the config (if it has names) and its names with their paths.
fn method_config(ctx: &mut Ctx, at: String, value: &Value) -> Option<Entry> {
    let obj = Obj::new(ctx, at, value, false)?;
    let names = names::parse(ctx, &obj);
    let wait_for_ready = obj
        .get(ctx, "waitForReady")
        .and_then(|f| values::boolean(ctx, &f));
    let timeout = obj
        .get(ctx, "timeout")
        .and_then(|f| duration::field(ctx, &f, duration::Bound::NonNegative));
    let max_request = obj
        .get(ctx, "maxRequestMessageBytes")
        .and_then(|f| values::message_bytes(ctx, &f));
    let max_response = obj
        .get(ctx, "maxResponseMessageBytes")
        .and_then(|f| values::message_bytes(ctx, &f));
    let retry = obj
        .get(ctx, "retryPolicy")
        .map(|f| Obj::new(ctx, f.path, f.value, true).and_then(|o| policy_parse::retry(ctx, &o)));
    let hedging = obj
        .get(ctx, "hedgingPolicy")
        .map(|f| Obj::new(ctx, f.path, f.value, true).and_then(|o| policy_parse::hedging(ctx, &o)));
    if obj.get(ctx, "retryThrottling").is_some() {
        let what = "retryThrottling is ignored here, only valid at top level";
        ctx.warn(&obj.child("retryThrottling"), what, &[], &Peer::ALL);
    }
    let policy = match (retry, hedging) {
        (Some(_), Some(_)) => {
            ctx.error_accepted_by(
                &obj.path,
                "retryPolicy and hedgingPolicy cannot both be set",
                &[Peer::Go, Peer::Core],
            );
            Policy::None
        }
        (Some(Some(r)), None) => Policy::Retry(r),
        (None, Some(Some(h))) => Policy::Hedging(h),
        _ => Policy::None,
    };
    let config = (!names.is_empty()).then(|| MethodConfig {
        path: obj.path.clone(),
        names: names.iter().map(|(n, _)| n.clone()).collect(),
        wait_for_ready,
        timeout,
        max_request_message_bytes: max_request,
        max_response_message_bytes: max_response,
        policy,
    });
    Some((config, names))
}
