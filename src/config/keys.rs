//! Finding a field in a JSON object by its A6 name, in either parse mode (R8, D1).
//!
//! A6 spells every key in lowerCamelCase and says unknown keys are ignored (A21). That makes a
//! misspelled key dangerous: `RetryPolicy` silently disables retries, and `MaxAttempts` inside a
//! policy leaves a required field missing. So a lookup here also looks for near misses:
//!
//! - a *case variant* (`MaxAttempts`): grpc-go matches keys case-insensitively and its own
//!   demo relies on it, so lenient mode accepts it with a warning. Strict mode treats it as the
//!   unknown key it is: inside a policy that is an error (a required field goes missing, or an
//!   optional one is silently dropped), outside a policy it is ignored with a warning.
//! - a *snake_case variant* (`max_attempts`, `retry_policy`): no peer accepts these, so neither
//!   mode does (D1); the key is ignored with a warning, or, when it leaves a required field
//!   missing, named in the `required` error as a hint.
//!
//! Two keys that match the same field ignoring case (`maxAttempts` and `MaxAttempts`) are an
//! error in lenient mode, for the same reason duplicate keys are (D3).

use crate::json::{Map, Value};

use super::ctx::Ctx;
use super::Peer;
use crate::json::path;

/// A JSON object being validated, and whether it is a policy object (whose keys are required
/// fields peers validate) or a container whose unknown keys peers simply ignore.
pub(crate) struct Obj<'a> {
    /// The object's path.
    pub path: String,
    map: &'a Map,
    in_policy: bool,
}

/// A field that was found: its path (with the key as written) and value.
pub(crate) struct Field<'a> {
    /// `methodConfig[0].retryPolicy.MaxAttempts` — the key as written in the file.
    pub path: String,
    /// The value.
    pub value: &'a Value,
}

const NON_GO: [Peer; 3] = [Peer::Java, Peer::Core, Peer::Node];

impl<'a> Obj<'a> {
    /// The object at `path`, or an `expected an object` error.
    pub fn new(ctx: &mut Ctx, path: String, value: &'a Value, in_policy: bool) -> Option<Obj<'a>> {
        match value.as_object() {
            Some(map) => Some(Obj {
                path,
                map,
                in_policy,
            }),
            None => {
                ctx.error(&path, "expected an object");
                None
            }
        }
    }

    /// The path of `key` inside this object.
    pub fn child(&self, key: &str) -> String {
        path::key(&self.path, key)
    }

    /// An optional field.
    pub fn get(&self, ctx: &mut Ctx, name: &str) -> Option<Field<'a>> {
        self.lookup(ctx, name, false)
    }

    /// A required field; reports `required` (with a hint about near misses) when absent.
    pub fn required(&self, ctx: &mut Ctx, name: &str) -> Option<Field<'a>> {
        self.lookup(ctx, name, true)
    }

    fn lookup(&self, ctx: &mut Ctx, name: &str, required: bool) -> Option<Field<'a>> {
        let case_variants: Vec<&'a String> = self
            .map
            .keys()
            .filter(|k| *k != name && k.eq_ignore_ascii_case(name))
            .collect();
        let snake_variants: Vec<&'a String> = self
            .map
            .keys()
            .filter(|k| !k.eq_ignore_ascii_case(name) && squash(k) == squash(name))
            .collect();
        let mut found: Option<&'a String> = self.map.get_key_value(name).map(|(k, _)| k);
        if found.is_none() && !ctx.strict {
            found = case_variants.first().copied();
        }
        let missing_required = required && found.is_none();
        for variant in &case_variants {
            let at = self.child(variant);
            if ctx.strict {
                let what = format!("key {variant:?} is not {name:?}: keys are lowerCamelCase");
                if !self.in_policy {
                    ctx.warn(
                        &at,
                        format!("{what}; ignored (grpc-go alone matches letter case loosely)"),
                        &[],
                        &NON_GO,
                    );
                } else if !missing_required {
                    ctx.error_accepted_by(
                        &at,
                        format!("{what} (only grpc-go matches letter case loosely)"),
                        &[Peer::Go],
                    );
                }
            } else if Some(*variant) == found {
                let what = format!(
                    "key {variant:?} read as {name:?} (letter case ignored, as grpc-go does)"
                );
                match (self.in_policy, required) {
                    (true, true) => ctx.warn(&at, what, &NON_GO, &[]),
                    _ => ctx.warn(&at, what, &[], &NON_GO),
                }
            } else {
                let first = found.map(String::as_str).unwrap_or(name);
                ctx.error(&at, format!("same key as {first:?} ignoring letter case"));
            }
        }
        if !missing_required {
            for variant in &snake_variants {
                let what =
                    format!("unknown key {variant:?} ignored: keys are lowerCamelCase ({name:?})");
                ctx.warn(&self.child(variant), what, &[], &Peer::ALL);
            }
        }
        if missing_required {
            let hint = case_variants.first().or(snake_variants.first());
            let accepted_by: &[Peer] = if case_variants.is_empty() {
                &[]
            } else {
                &[Peer::Go]
            };
            let message = match hint {
                Some(k) => format!("required (found {k:?}: keys are lowerCamelCase)"),
                None => "required".to_string(),
            };
            ctx.error_accepted_by(&self.child(name), message, accepted_by);
        }
        found.and_then(|k| {
            self.map.get(k).map(|value| Field {
                path: self.child(k),
                value,
            })
        })
    }
}

/// `maxAttempts`, `max_attempts`, `Max-Attempts` → `maxattempts`.
pub(crate) fn squash(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ParseOptions;
    use crate::json::test_json as json;

    fn ctx(strict: bool) -> Ctx {
        Ctx::new(&ParseOptions {
            strict,
            max_attempts_limit: 5,
            aip4221: false,
        })
    }

    #[test]
    fn case_variant_lenient_is_found_with_warning_r8_d1() {
        let v = json!({"MaxAttempts": 4});
        let mut c = ctx(false);
        let obj = Obj::new(&mut c, "p".into(), &v, true).expect("object");
        let f = obj.required(&mut c, "maxAttempts").expect("found");
        assert_eq!(f.path, "p.MaxAttempts");
        assert!(c.errors.is_empty());
        assert_eq!(
            c.warnings[0].rejected_by,
            [Peer::Java, Peer::Core, Peer::Node]
        );
    }

    #[test]
    fn case_variant_strict_is_required_error_with_hint_d1() {
        let v = json!({"MaxAttempts": 4});
        let mut c = ctx(true);
        let obj = Obj::new(&mut c, "p".into(), &v, true).expect("object");
        assert!(obj.required(&mut c, "maxAttempts").is_none());
        assert_eq!(c.errors.len(), 1);
        assert_eq!(c.errors[0].error.path, "p.maxAttempts");
        assert!(c.errors[0]
            .error
            .message
            .starts_with("required (found \"MaxAttempts\""));
    }

    #[test]
    fn snake_case_never_matches_d1() {
        for strict in [false, true] {
            let v = json!({"max_attempts": 4, "hedging_delay": "1s"});
            let mut c = ctx(strict);
            let obj = Obj::new(&mut c, "p".into(), &v, true).expect("object");
            assert!(obj.required(&mut c, "maxAttempts").is_none());
            assert!(obj.get(&mut c, "hedgingDelay").is_none());
            assert_eq!(
                c.errors[0].error.message,
                "required (found \"max_attempts\": keys are lowerCamelCase)"
            );
            assert_eq!(c.warnings.len(), 1, "hedging_delay warned");
            assert_eq!(c.warnings[0].ignored_by, Peer::ALL);
        }
    }

    #[test]
    fn two_spellings_of_one_key_are_an_error_d3() {
        let v = json!({"maxAttempts": 4, "MAXATTEMPTS": 5});
        let mut c = ctx(false);
        let obj = Obj::new(&mut c, "p".into(), &v, true).expect("object");
        let f = obj.required(&mut c, "maxAttempts").expect("exact wins");
        assert_eq!(f.path, "p.maxAttempts");
        assert_eq!(c.errors[0].error.path, "p.MAXATTEMPTS");
    }
}
