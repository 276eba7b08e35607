//! `check-config`'s lints on the command line: the `--deny` switch and the lines it prints.
//!
//! `--deny` makes findings fail the run (exit 1) so CI can hold a config to a standard; lints
//! and portability warnings are denied separately because they answer different questions
//! (does it do what you meant / will every runtime read it the same).

use hedgehog::config::{Lint, LintCode, Warning};
use serde::Serialize;

/// What `--deny` turns into a failing exit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deny {
    /// One lint code.
    Code(LintCode),
    /// Every lint.
    Lints,
    /// Every portability warning.
    Portability,
    /// Lints and portability warnings.
    Warnings,
}

const GROUPS: [&str; 3] = ["lints", "portability", "warnings"];

/// Parses a `--deny` value: a lint code, `lints`, `portability` or `warnings`.
pub fn parse_deny(text: &str) -> Result<Deny, String> {
    match text {
        "lints" => return Ok(Deny::Lints),
        "portability" => return Ok(Deny::Portability),
        "warnings" => return Ok(Deny::Warnings),
        _ => {}
    }
    if let Some(code) = LintCode::from_name(text) {
        return Ok(Deny::Code(code));
    }
    let names = GROUPS
        .into_iter()
        .chain(LintCode::ALL.iter().map(|c| c.as_str()));
    let nearest = names
        .map(|n| {
            (
                strsim::damerau_levenshtein(&text.to_ascii_lowercase(), n),
                n,
            )
        })
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= 3);
    let hint = match nearest {
        Some((_, n)) => format!(" (did you mean {n:?}?)"),
        None => String::new(),
    };
    Err(format!(
        "unknown {text:?}{hint}: expected a lint code (docs/lints.md), lints, portability or warnings"
    ))
}

/// The denied findings, as `code ×count` labels in a stable order; empty when nothing is denied.
pub fn denied(deny: &[Deny], lints: &[Lint], warnings: &[Warning]) -> Vec<String> {
    let mut out = Vec::new();
    for code in LintCode::ALL {
        let denied = deny
            .iter()
            .any(|d| matches!(d, Deny::Lints | Deny::Warnings) || *d == Deny::Code(code));
        let n = lints.iter().filter(|l| l.code == code).count();
        if denied && n > 0 {
            out.push(format!("{code} ×{n}"));
        }
    }
    let portability = deny
        .iter()
        .any(|d| matches!(d, Deny::Portability | Deny::Warnings));
    if portability && !warnings.is_empty() {
        out.push(format!("portability ×{}", warnings.len()));
    }
    out
}

/// The text section: `  path: message [code]`, then the fix indented under it.
pub fn text(lints: &[Lint]) -> String {
    if lints.is_empty() {
        return String::new();
    }
    let mut out = format!("\nlints ({}):\n", lints.len());
    for l in lints {
        out.push_str(&format!("  {}: {} [{}]\n", l.path, l.message, l.code));
        if let Some(fix) = &l.fix {
            out.push_str(&format!("      fix: {fix}\n"));
        }
    }
    out
}

/// One lint in `--format json`, fields in output order.
#[derive(Serialize)]
pub struct JsonLint<'a> {
    code: &'static str,
    path: &'a str,
    message: &'a str,
    fix: Option<&'a str>,
}

/// The JSON array: `{code, path, message, fix}` per lint (`fix` null when there is none).
pub fn json(lints: &[Lint]) -> Vec<JsonLint<'_>> {
    lints
        .iter()
        .map(|l| JsonLint {
            code: l.code.as_str(),
            path: &l.path,
            message: &l.message,
            fix: l.fix.as_deref(),
        })
        .collect()
}
