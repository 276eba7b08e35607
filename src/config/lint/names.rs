//! Name lints: `methodConfig[i].name` entries no RPC will ever carry (R10–R15, D17).
//!
//! Every runtime compares a call's `package.Service` and `Method` with the config's strings
//! literally (R15). So a pattern (`.*`, `*`), a short service name without its package, or a
//! stray space makes a policy that validates and never applies; and an entry without `name` is
//! skipped whole. These lints read the JSON directly, so they also fire in an invalid config.

use crate::json::Value;

use super::{entries, field, Lint, LintCode};
use crate::json::path;

/// Characters no proto service or method name contains, but patterns do.
const PATTERN_CHARS: &[char] = &[
    '*', '?', '[', ']', '(', ')', '^', '$', '|', '+', '\\', '{', '}',
];

/// Adds the name lints of every entry.
pub(super) fn lint(root: &Value, lints: &mut Vec<Lint>) {
    for (at, entry) in entries(root) {
        if !entry.is_object() {
            continue;
        }
        let names = field(entry, "name");
        let items = names.and_then(|(_, v)| v.as_array());
        let empty = match (names, items) {
            (None, _) => true,
            (Some((_, v)), _) if v.is_null() => true,
            (Some(_), Some(items)) => items.is_empty(),
            (Some(_), None) => false, // not an array: a validation error says so
        };
        if empty {
            lints.push(
                Lint::new(
                    LintCode::NameMissing,
                    &at,
                    "entry without names: every runtime skips it (D17), so its settings apply to no RPC",
                )
                .fix(r#"for every method write "name": [{}]; for one service "name": [{"service": "pkg.Service"}]"#),
            );
        }
        let Some(((key, _), items)) = names.zip(items) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            name_item(&path::index(&path::key(&at, key), i), item, lints);
        }
    }
}

/// The lints of one `{service, method}` object.
fn name_item(at: &str, item: &Value, lints: &mut Vec<Lint>) {
    let part = |key| field(item, key).and_then(|(k, v)| Some((path::key(at, k), v.as_str()?)));
    let service = part("service");
    let method = part("method");
    for (p, text) in service.iter().chain(method.iter()) {
        if text.trim() != *text {
            let message = format!(
                "{text:?} has leading or trailing white space: runtimes compare names literally (R15), so no RPC matches"
            );
            let fix = format!("write {:?}", text.trim());
            lints.push(Lint::new(LintCode::NameWhitespace, p, message).fix(fix));
        }
    }
    let service = service
        .map(|(p, s)| (p, s.trim()))
        .filter(|(_, s)| !s.is_empty());
    let method = method
        .map(|(p, m)| (p, m.trim()))
        .filter(|(_, m)| !m.is_empty());
    if let Some((p, m)) = &method {
        if looks_like_pattern(m) || m.contains(['.', '/']) {
            let fix = match &service {
                Some((_, s)) => format!(
                    r#"for every method of the service leave "method" out: {{"service": "{s}"}}"#
                ),
                None => r#"for every method write "name": [{}]"#.to_string(),
            };
            let message = format!(
                "method {m:?} is not a method name: runtimes match names literally (R15), never as patterns or paths, so no RPC matches"
            );
            lints.push(Lint::new(LintCode::NamePattern, p, message).fix(fix));
        } else if service.is_none() {
            let message = format!(
                "method {m:?} without a service: hedgehog, grpc-go, grpc-java and grpc-js reject the whole config (R13); C-core accepts it"
            );
            let fix =
                format!(r#"name the service too: {{"service": "pkg.Service", "method": "{m}"}}"#);
            lints.push(Lint::new(LintCode::NameMethodWithoutService, at, message).fix(fix));
        }
    }
    if let Some((p, s)) = &service {
        if looks_like_pattern(s) {
            let fix = if s.chars().all(|c| PATTERN_CHARS.contains(&c) || c == '.') {
                r#"for every service write "name": [{}] (a global default)"#.to_string()
            } else {
                "list each service by its full name, e.g. \"pkg.v1.Service\"".to_string()
            };
            let message = format!(
                "service {s:?} looks like a pattern: runtimes match names literally (R15), and no service is called that"
            );
            lints.push(Lint::new(LintCode::NamePattern, p, message).fix(fix));
        } else if !s.contains('.') {
            let message = format!(
                "service {s:?} has no package: runtimes match the full name (package.Service), so this matches only a service declared without a package"
            );
            let fix = format!("write the full name, e.g. \"mypackage.{s}\"");
            lints.push(Lint::new(LintCode::NameNoPackage, p, message).fix(fix));
        }
    }
}

/// `*`, `.*`, `foo.*`, `[A-Z]+`: characters a proto name never contains.
fn looks_like_pattern(name: &str) -> bool {
    name.contains(PATTERN_CHARS) || name.contains("..")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{codes, only};
    use super::super::LintCode::*;
    use serde_json::json;

    fn named(name: serde_json::Value) -> serde_json::Value {
        json!({"methodConfig": [{"name": name}]})
    }

    #[test]
    fn wildcard_service_fires_and_suggests_global_default_r15() {
        let lints = only(
            named(json!([{"service": ".*"}])),
            NamePattern,
            &Default::default(),
        );
        assert_eq!(lints.len(), 1);
        assert_eq!(lints[0].path, "methodConfig[0].name[0].service");
        assert!(lints[0].fix.as_deref().unwrap().contains(r#""name": [{}]"#));
        assert_eq!(codes(named(json!([{"service": "*"}]))), [NamePattern]);
        assert_eq!(
            codes(named(json!([{"service": "google.*.Foo"}]))),
            [NamePattern]
        );
    }

    #[test]
    fn wildcard_method_fires_and_suggests_service_default_r15() {
        let lints = only(
            named(json!([{"service": "echo.Echo", "method": "*"}])),
            NamePattern,
            &Default::default(),
        );
        assert_eq!(lints[0].path, "methodConfig[0].name[0].method");
        assert!(lints[0]
            .fix
            .as_deref()
            .unwrap()
            .contains(r#"{"service": "echo.Echo"}"#));
        let full = named(json!([{"service": "echo.Echo", "method": "echo.Echo/UnaryEcho"}]));
        assert_eq!(codes(full), [NamePattern]);
    }

    #[test]
    fn literal_names_do_not_fire() {
        let ok = named(
            json!([{"service": "google.pubsub.v1.Publisher", "method": "Publish"},
            {"service": "echo.Echo"}, {}]),
        );
        assert_eq!(codes(ok), []);
    }

    #[test]
    fn method_without_service_fires_r13() {
        let lints = only(
            named(json!([{"method": "Get"}])),
            NameMethodWithoutService,
            &Default::default(),
        );
        assert_eq!(lints[0].path, "methodConfig[0].name[0]");
        assert_eq!(
            codes(named(json!([{"service": "", "method": "Get"}]))),
            [NameMethodWithoutService]
        );
        assert_eq!(
            codes(named(json!([{"service": "a.B", "method": "Get"}]))),
            []
        );
    }

    #[test]
    fn service_without_package_fires() {
        let lints = only(
            named(json!([{"service": "Echo"}])),
            NameNoPackage,
            &Default::default(),
        );
        assert!(lints[0].fix.as_deref().unwrap().contains("mypackage.Echo"));
        assert_eq!(codes(named(json!([{"service": "echo.Echo"}]))), []);
    }

    #[test]
    fn white_space_fires_on_either_part() {
        let lints = only(
            named(json!([{"service": "a.B", "method": " IngestEvents"}])),
            NameWhitespace,
            &Default::default(),
        );
        assert_eq!(lints[0].path, "methodConfig[0].name[0].method");
        assert_eq!(lints[0].fix.as_deref(), Some("write \"IngestEvents\""));
        assert_eq!(codes(named(json!([{"service": "a.B "}]))), [NameWhitespace]);
        assert_eq!(
            codes(named(json!([{"service": "a.B", "method": "IngestEvents"}]))),
            []
        );
    }

    #[test]
    fn entry_without_names_fires_d17() {
        assert_eq!(
            codes(json!({"methodConfig": [{"timeout": "1s"}]})),
            [NameMissing]
        );
        assert_eq!(codes(named(json!([]))), [NameMissing]);
        assert_eq!(codes(named(json!(null))), [NameMissing]);
        assert_eq!(codes(named(json!([{}]))), []);
        // Not an array: a validation error, not a lint.
        assert_eq!(codes(named(json!("echo.Echo"))), []);
    }
}
