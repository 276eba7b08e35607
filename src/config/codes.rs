//! Status code lists: `retryableStatusCodes`, `nonFatalStatusCodes` (R7, R19, R21, D16).
//!
//! A6 allows an integer 0..=16 or a canonical name in any letter case. The peers are narrower
//! (R7): grpc-go and grpc-java want upper-case names, C-core rejects integers, grpc-java rejects
//! `"OK"` in `retryableStatusCodes`. Both modes accept all of A6's forms and warn about each
//! narrower peer, so the same list passes in CI (strict) and still tells you where it breaks.

use crate::json::Value;

use super::ctx::Ctx;
use super::keys::Field;
use super::values::describe;
use super::Peer;
use crate::code::{Code, CodeSet};
use crate::json::path;

/// Which list is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum List {
    /// `retryableStatusCodes`: required and non-empty (R19).
    Retryable,
    /// `nonFatalStatusCodes`: may be empty (R52).
    NonFatal,
}

/// Reads a code list; `None` if any element is unusable.
pub(crate) fn list(ctx: &mut Ctx, field: &Field, which: List) -> Option<CodeSet> {
    let Some(items) = field.value.as_array() else {
        ctx.error(&field.path, "expected an array");
        return None;
    };
    if items.is_empty() && which == List::Retryable {
        // Java and C-core accept an empty list only next to perAttemptRecvTimeout, which A6
        // lacks; `policy_parse` lets that through in lenient mode before calling this (R23).
        ctx.error(&field.path, "must not be empty");
        return None;
    }
    let mut set = CodeSet::EMPTY;
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match code(ctx, &path::index(&field.path, i), item, which) {
            Some(c) => {
                set.insert(c);
            }
            None => ok = false,
        }
    }
    ok.then_some(set)
}

fn code(ctx: &mut Ctx, at: &str, item: &Value, which: List) -> Option<Code> {
    let code = match item {
        Value::Number(n) => {
            let text = n.to_string();
            let Some(value) = super::number::Dec::parse(&text).and_then(|d| d.integer()) else {
                ctx.error(at, "expected a string or integer");
                return None;
            };
            let Some(code) = i64::try_from(value).ok().and_then(Code::from_value) else {
                ctx.error(at, format!("status code {text} outside 0..=16"));
                return None;
            };
            ctx.warn(
                at,
                format!("integer status code {text} ({})", code.name()),
                &[Peer::Core],
                &[],
            );
            code
        }
        Value::String(name) => {
            if let Some(code) = Code::from_name(name) {
                code
            } else if let Some(code) = Code::from_name_any_case(name) {
                let what = format!("status name {name:?} is not upper case ({})", code.name());
                ctx.warn(at, what, &[Peer::Go, Peer::Java, Peer::Core], &[]);
                code
            } else {
                let hint = if name.eq_ignore_ascii_case("CANCELED") {
                    " (the name is CANCELLED)"
                } else {
                    ""
                };
                ctx.error(
                    at,
                    format!("unknown status code name {}{hint}", describe(item)),
                );
                return None;
            }
        }
        _ => {
            ctx.error(at, "expected a string or integer");
            return None;
        }
    };
    if code == Code::Ok && which == List::Retryable {
        ctx.warn(at, "OK can never be retried (D16)", &[Peer::Java], &[]);
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ParseOptions;
    use crate::json::test_json as json;

    fn read(value: Value, which: List) -> (Option<CodeSet>, Ctx) {
        let mut ctx = Ctx::new(&ParseOptions::strict());
        let field = Field {
            path: "c".into(),
            value: &value,
        };
        (list(&mut ctx, &field, which), ctx)
    }

    #[test]
    fn all_a6_forms_are_accepted_with_peer_warnings_r7() {
        let (set, ctx) = read(json!([14, "unavailable", "ABORTED", "OK"]), List::Retryable);
        assert_eq!(
            set.map(|s| s.to_string()).as_deref(),
            Some("OK, ABORTED, UNAVAILABLE")
        );
        assert!(ctx.errors.is_empty());
        let peers: Vec<&[Peer]> = ctx
            .warnings
            .iter()
            .map(|w| w.rejected_by.as_slice())
            .collect();
        assert_eq!(
            peers,
            [
                &[Peer::Core][..],
                &[Peer::Go, Peer::Java, Peer::Core],
                &[Peer::Java]
            ]
        );
    }

    #[test]
    fn bad_elements_each_get_their_index_r7() {
        let (set, ctx) = read(
            json!(["CANCELED", 17, 1.5, null, "UNAVAILABLE"]),
            List::NonFatal,
        );
        assert!(set.is_none());
        let paths: Vec<&str> = ctx.errors.iter().map(|i| i.error.path.as_str()).collect();
        assert_eq!(paths, ["c[0]", "c[1]", "c[2]", "c[3]"]);
        assert!(ctx.errors[0]
            .error
            .message
            .ends_with("(the name is CANCELLED)"));
    }

    #[test]
    fn only_retryable_codes_must_be_non_empty_r19_r52() {
        assert!(read(json!([]), List::Retryable).0.is_none());
        assert_eq!(read(json!([]), List::NonFatal).0, Some(CodeSet::EMPTY));
    }
}
