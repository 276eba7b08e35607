//! `methodConfig[i].name`: which RPCs an entry covers (R10–R14, D17).
//!
//! `""`, `null` and an absent key all mean "any" (R12), normalised here to `None` so that
//! selection (R15) compares one representation. A method without a service is invalid (R13),
//! and a name may appear once in the whole config (R14): the duplicate error points back at the
//! first occurrence, because that is the one a user has to compare with.

use std::collections::BTreeMap;

use crate::json::Value;

use super::ctx::Ctx;
use super::keys::Obj;
use super::MethodName;
use super::Peer;
use crate::json::path;

/// The names of one entry, each with its path; empty when the entry is to be skipped.
pub(crate) fn parse(ctx: &mut Ctx, entry: &Obj) -> Vec<(MethodName, String)> {
    let Some(field) = entry.get(ctx, "name") else {
        ctx.warn(&entry.path, "no name, entry skipped", &[Peer::Node], &[]);
        return Vec::new();
    };
    let Some(items) = field.value.as_array() else {
        ctx.error(&field.path, "expected an array");
        return Vec::new();
    };
    if items.is_empty() {
        ctx.warn(&field.path, "empty name list, entry skipped", &[], &[]);
        return Vec::new();
    }
    let mut names = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = path::index(&field.path, i);
        let Some(obj) = Obj::new(ctx, at.clone(), item, false) else {
            continue;
        };
        let service = part(ctx, &obj, "service");
        let method = part(ctx, &obj, "method");
        let (Some(service), Some(method)) = (service, method) else {
            continue;
        };
        if let (None, Some(m)) = (&service, &method) {
            ctx.error_accepted_by(
                &at,
                format!("method {m:?} set without a service"),
                &[Peer::Core],
            );
            continue;
        }
        names.push((MethodName { service, method }, at));
    }
    names
}

/// `service` or `method`: `Some(None)` for "any", `None` when the value is unusable.
fn part(ctx: &mut Ctx, obj: &Obj, key: &str) -> Option<Option<String>> {
    let Some(field) = obj.get(ctx, key) else {
        return Some(None);
    };
    match field.value {
        Value::String(s) if s.is_empty() => {
            if key == "method" {
                ctx.warn(
                    &field.path,
                    "empty method means the service default",
                    &[Peer::Core, Peer::Node],
                    &[],
                );
            }
            Some(None)
        }
        Value::String(s) => Some(Some(s.clone())),
        Value::Null => {
            if key == "service" {
                ctx.warn(
                    &field.path,
                    "null service means the global default",
                    &[Peer::Java, Peer::Node],
                    &[],
                );
            }
            Some(None)
        }
        _ => {
            ctx.error(&field.path, "expected a string or null");
            None
        }
    }
}

/// Reports every name that appeared before, naming the first place (R14).
pub(crate) fn check_unique<'a>(
    ctx: &mut Ctx,
    names: impl IntoIterator<Item = &'a (MethodName, String)>,
) {
    let mut first: BTreeMap<&MethodName, &str> = BTreeMap::new();
    for (name, at) in names {
        if let Some(earlier) = first.get(name) {
            let what = match (&name.service, &name.method) {
                (Some(s), Some(m)) => format!("duplicate name {s}/{m}"),
                (Some(s), None) => format!("duplicate name {s} (service default)"),
                _ => "duplicate global default".to_string(),
            };
            ctx.error(at, format!("{what} (first at {earlier})"));
        } else {
            first.insert(name, at);
        }
    }
}
