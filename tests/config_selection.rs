//! Method-config selection (R11, R15): exact name, then the service default, then the global
//! default; the chosen entry applies whole.

use hedgehog::config::{parse_str, ParseOptions, Policy, ServiceConfig};

const CONFIG: &str = r#"{"methodConfig": [
  {"name": [{}], "timeout": "9s"},
  {"name": [{"service": "pkg.Svc"}],
   "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.1s", "maxBackoff": "1s",
                   "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}},
  {"name": [{"service": "pkg.Svc", "method": "OnlyTimeout"}], "timeout": "2s"},
  {"name": [{"service": "pkg.Svc", "method": "Hedged"}, {"service": "other.Svc", "method": "Hedged"}],
   "hedgingPolicy": {"maxAttempts": 3, "hedgingDelay": "0.05s"}}
]}"#;

fn config() -> ServiceConfig {
    parse_str(CONFIG, &ParseOptions::strict())
        .expect("valid")
        .config
}

fn selected(c: &ServiceConfig, service: &str, method: &str) -> Option<String> {
    c.select(service, method).map(|mc| mc.path.clone())
}

#[test]
fn exact_then_service_then_global_r15() {
    let c = config();
    assert_eq!(
        selected(&c, "pkg.Svc", "Hedged").as_deref(),
        Some("methodConfig[3]")
    );
    assert_eq!(
        selected(&c, "other.Svc", "Hedged").as_deref(),
        Some("methodConfig[3]"),
        "any name of the entry"
    );
    assert_eq!(
        selected(&c, "pkg.Svc", "Anything").as_deref(),
        Some("methodConfig[1]")
    );
    assert_eq!(
        selected(&c, "other.Svc", "Other").as_deref(),
        Some("methodConfig[0]")
    );
    assert_eq!(selected(&c, "", "").as_deref(), Some("methodConfig[0]"));
}

#[test]
fn names_match_exactly_and_case_sensitively_r11() {
    let c = config();
    assert_eq!(
        selected(&c, "pkg.svc", "Hedged").as_deref(),
        Some("methodConfig[0]")
    );
    assert_eq!(
        selected(&c, "pkg.Svc", "hedged").as_deref(),
        Some("methodConfig[1]")
    );
    assert_eq!(
        selected(&c, "Svc", "Hedged").as_deref(),
        Some("methodConfig[0]"),
        "the package is part of the name"
    );
}

#[test]
fn a_method_entry_with_only_timeout_turns_off_the_service_retry_policy_r15() {
    let c = config();
    let mc = c.select("pkg.Svc", "OnlyTimeout").expect("entry");
    assert_eq!(mc.policy, Policy::None);
    assert_eq!(mc.timeout, Some(2_000_000_000));
    assert_eq!(c.select_path("/pkg.Svc/OnlyTimeout"), Policy::None);
    assert_eq!(c.select_path("/pkg.Svc/Other").max_attempts(), 4);
}

#[test]
fn select_path_forms() {
    let c = config();
    assert!(matches!(
        c.select_path("/pkg.Svc/Hedged"),
        Policy::Hedging(_)
    ));
    assert!(matches!(
        c.select_path("pkg.Svc/Hedged"),
        Policy::Hedging(_)
    ));
    assert!(
        matches!(c.select_path("pkg.Svc"), Policy::Retry(_)),
        "service only: the service default"
    );
    assert_eq!(
        c.select_entry_for_path("/x.Y/Z").map(|m| m.path.as_str()),
        Some("methodConfig[0]")
    );
}

#[test]
fn nothing_matches_without_a_global_default_r1() {
    let text =
        r#"{"methodConfig": [{"name": [{"service": "a.B", "method": "C"}], "timeout": "1s"}]}"#;
    let c = parse_str(text, &ParseOptions::strict())
        .expect("valid")
        .config;
    assert!(c.select("a.B", "D").is_none());
    assert_eq!(c.select_path("/x.Y/Z"), Policy::None);
    assert_eq!(c.select_path("/x.Y/Z").max_attempts(), 1);
    assert!(ServiceConfig::default().select("a.B", "C").is_none());
}

#[test]
fn empty_and_null_name_parts_mean_any_r12_and_nameless_entries_are_skipped_d17() {
    let text = r#"{"methodConfig": [
        {"name": [{"service": "a.B", "method": ""}], "timeout": "1s"},
        {"name": [{"service": "", "method": null}], "timeout": "2s"},
        {"timeout": "3s"},
        {"name": [], "timeout": "4s"}]}"#;
    let parsed = parse_str(text, &ParseOptions::default()).expect("valid");
    let c = parsed.config;
    assert_eq!(c.method_configs.len(), 2, "nameless entries skipped");
    assert_eq!(
        c.select("a.B", "X").and_then(|m| m.timeout),
        Some(1_000_000_000)
    );
    assert_eq!(
        c.select("q.R", "X").and_then(|m| m.timeout),
        Some(2_000_000_000)
    );
    let skipped: Vec<&str> = parsed
        .warnings
        .iter()
        .filter(|w| w.message.contains("skipped"))
        .map(|w| w.path.as_str())
        .collect();
    assert_eq!(skipped, ["methodConfig[2]", "methodConfig[3].name"]);
}
