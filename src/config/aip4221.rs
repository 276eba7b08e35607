//! AIP-4221: how Google's generated client libraries read the same `*_grpc_service_config.json`.
//!
//! googleapis publishes a service config for each API, and the generated clients read it with
//! AIP-4221's rules, not A6's (R16): `maxAttempts` may be absent, and gax-go, gax-java and
//! python-api-core all ignore it, retrying until the method's `timeout` runs out. A6 requires
//! `maxAttempts`, so such a file is invalid for every gRPC runtime and hedgehog says so; but a
//! bare "required" is of no use to someone asking what the Pub/Sub client does on UNAVAILABLE.
//! So this module does two things from the same single validation pass:
//!
//! - **The hint.** When a config fails A6 *only* because `retryPolicy.maxAttempts` is missing,
//!   the error says it looks like an AIP-4221 config and names the readers
//!   ([`looks_like_aip4221`], [`hint`]).
//! - **The reading.** With [`ParseOptions::aip4221`](super::ParseOptions::aip4221) the parser
//!   reads `maxAttempts` the way those libraries do: absent is fine, a value is still
//!   type-checked (their proto3-JSON readers reject a non-integer) but not used, and the
//!   attempt budget becomes [`UNTIL_DEADLINE_ATTEMPTS`] — retries go on until the deadline,
//!   under a safety cap like D21's for transparent retries. An empty `retryableStatusCodes`,
//!   which A6 refuses (R19), is taken as those clients take it: nothing is retried.

use super::ctx::Ctx;
use super::keys::{Field, Obj};
use super::values;
use super::ConfigError;

/// The profiles that read AIP-4221 configs, in the order the hint names them.
pub const READERS: [&str; 3] = ["gax-go", "gax-java", "python-api-core"];

/// The attempt budget of a policy read with AIP-4221's rules: the libraries have no attempt
/// limit and stop at the deadline, but a simulated call with tiny backoffs and no deadline
/// would otherwise never end. A call that reaches the cap ends with its last status, as one
/// whose attempts ran out (R22).
pub const UNTIL_DEADLINE_ATTEMPTS: u32 = 1_000;

/// True when every error is a missing `retryPolicy.maxAttempts` (and there is at least one):
/// the config is what AIP-4221 clients read, and only A6's R16 rejects it.
pub fn looks_like_aip4221(errors: &[ConfigError]) -> bool {
    !errors.is_empty()
        && errors
            .iter()
            .all(|e| e.message == "required" && e.path.ends_with(".retryPolicy.maxAttempts"))
}

/// The sentence that follows the errors of such a config.
pub fn hint() -> String {
    format!(
        "this looks like an AIP-4221 config (Google client libraries' retry settings, where maxAttempts may be absent): {} read it and retry until the method's timeout; check it as they would with --as {}",
        READERS.join(", "),
        READERS[0]
    )
}

/// `maxAttempts` read as AIP-4221 clients read it: `(budget, as written or 0 when absent)`.
/// A present value must still be an integer; it is reported as ignored.
pub(crate) fn max_attempts(ctx: &mut Ctx, obj: &Obj) -> Option<(u32, u32)> {
    let Some(field) = obj.get(ctx, "maxAttempts") else {
        return Some((UNTIL_DEADLINE_ATTEMPTS, 0));
    };
    let value = values::integer(ctx, &field)?;
    let what = format!(
        "{value} ignored: AIP-4221 clients ({}) retry until the method's timeout",
        READERS.join(", ")
    );
    ctx.warn(&field.path, what, &[], &[]);
    let written = u32::try_from(value.max(0)).unwrap_or(u32::MAX);
    Some((UNTIL_DEADLINE_ATTEMPTS, written))
}

/// An empty `retryableStatusCodes` read as AIP-4221 clients read it: accepted, and nothing is
/// retried (A6 requires a non-empty list, R19). True when that applies, with a warning.
pub(crate) fn empty_codes(ctx: &mut Ctx, field: &Field) -> bool {
    let empty = ctx.aip4221 && field.value.as_array().is_some_and(|a| a.is_empty());
    if empty {
        let what = "empty: AIP-4221 clients accept it and retry nothing";
        ctx.warn(&field.path, what, &[], &[]);
    }
    empty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{check_str, parse_str, ParseOptions, Policy};

    const NO_MAX_ATTEMPTS: &str = r#"{"methodConfig": [{
        "name": [{"service": "google.pubsub.v1.Publisher"}], "timeout": "60s",
        "retryPolicy": {"initialBackoff": "0.100s", "maxBackoff": "60s",
                        "backoffMultiplier": 1.3, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;

    #[test]
    fn a6_rejects_a_missing_max_attempts_and_names_the_readers_r16() {
        let report = check_str(NO_MAX_ATTEMPTS, &ParseOptions::lenient()).expect("JSON");
        assert!(!report.valid);
        assert!(looks_like_aip4221(&report.errors), "{:?}", report.errors);
        let hint = hint();
        for reader in READERS {
            assert!(hint.contains(reader), "{hint}");
        }
        let err = parse_str(NO_MAX_ATTEMPTS, &ParseOptions::strict()).expect_err("A6 rejects");
        assert!(
            err.to_string().contains("looks like an AIP-4221 config"),
            "{err}"
        );
    }

    #[test]
    fn another_error_next_to_it_is_not_only_aip4221() {
        let text = NO_MAX_ATTEMPTS.replace("1.3", "0");
        let report = check_str(&text, &ParseOptions::lenient()).expect("JSON");
        assert!(!report.valid);
        assert!(!looks_like_aip4221(&report.errors), "{:?}", report.errors);
        let err = parse_str(&text, &ParseOptions::lenient()).expect_err("invalid");
        assert!(!err.to_string().contains("AIP-4221"), "{err}");
        assert!(!looks_like_aip4221(&[]));
    }

    #[test]
    fn read_as_aip4221_the_policy_retries_until_the_deadline() {
        let parsed = parse_str(NO_MAX_ATTEMPTS, &ParseOptions::lenient().aip4221()).expect("valid");
        let Policy::Retry(p) = &parsed.config.method_configs[0].policy else {
            panic!("a retry policy");
        };
        assert_eq!(
            (p.max_attempts, p.configured_max_attempts),
            (UNTIL_DEADLINE_ATTEMPTS, 0)
        );
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }

    #[test]
    fn an_empty_code_list_retries_nothing_r19() {
        let text = NO_MAX_ATTEMPTS.replace(r#"["UNAVAILABLE"]"#, "[]");
        let err = parse_str(&text, &ParseOptions::lenient()).expect_err("A6 refuses it");
        assert!(err.to_string().contains("must not be empty"), "{err}");
        let parsed = parse_str(&text, &ParseOptions::lenient().aip4221()).expect("accepted");
        let Policy::Retry(p) = &parsed.config.method_configs[0].policy else {
            panic!("a retry policy");
        };
        assert!(p.retryable_codes.is_empty());
    }

    #[test]
    fn a_written_max_attempts_is_checked_then_ignored() {
        let text = NO_MAX_ATTEMPTS.replace(
            r#""initialBackoff""#,
            r#""maxAttempts": 1, "initialBackoff""#,
        );
        let parsed = parse_str(&text, &ParseOptions::strict().aip4221()).expect("1 is ignored");
        let Policy::Retry(p) = &parsed.config.method_configs[0].policy else {
            panic!("a retry policy");
        };
        assert_eq!(
            (p.max_attempts, p.configured_max_attempts),
            (UNTIL_DEADLINE_ATTEMPTS, 1)
        );
        assert!(
            parsed.warnings[0]
                .message
                .starts_with("1 ignored: AIP-4221"),
            "{:?}",
            parsed.warnings
        );
        let text = NO_MAX_ATTEMPTS.replace(
            r#""initialBackoff""#,
            r#""maxAttempts": 2.5, "initialBackoff""#,
        );
        let err = parse_str(&text, &ParseOptions::lenient().aip4221()).expect_err("not an integer");
        assert!(
            err.to_string().contains("maxAttempts: expected an integer"),
            "{err}"
        );
    }
}
