//! The googleapis service configs under `sims/configs/googleapis/` (AIP-4221): A6 rejects the
//! ones without `maxAttempts` and says they look like AIP-4221 configs (R16); the client
//! libraries that read them (`--as gax-go`, `gax-java`, `python-api-core`) accept them.
#![cfg(feature = "cli")] // runs the `hedgehog` binary, which needs the `cli` feature

use std::process::{Command, Output};

const LIBRARIES: [&str; 3] = ["gax-go", "gax-java", "python-api-core"];

/// The fixtures that fail A6 only because `maxAttempts` is missing.
const WITHOUT_MAX_ATTEMPTS: [&str; 3] = [
    "datacatalog_v1_grpc_service_config.json",
    "spanner_v1_grpc_service_config.json",
    "cloudtasks_v2_grpc_service_config.json",
];

fn check(file: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hedgehog"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check-config")
        .arg(format!("sims/configs/googleapis/{file}"))
        .args(extra)
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_missing_max_attempts_is_rejected_by_a6_with_the_aip4221_hint_r16() {
    for file in WITHOUT_MAX_ATTEMPTS {
        for args in [
            &[][..],
            &["--as", "a6"],
            &["--strict"],
            &["--as", "grpc-java"],
        ] {
            let out = check(file, args);
            assert_eq!(out.status.code(), Some(1), "{file} {args:?}");
            let text = stdout(&out);
            assert!(text.contains("retryPolicy.maxAttempts: required"), "{text}");
            assert!(
                text.contains("hint: this looks like an AIP-4221 config"),
                "{text}"
            );
            for library in LIBRARIES {
                assert!(text.contains(library), "{file}: the hint names {library}");
            }
        }
        let json = stdout(&check(file, &["--format", "json"]));
        let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(v["valid"], false);
        assert!(
            v["hint"].as_str().is_some_and(|h| h.contains("AIP-4221")),
            "{v}"
        );
    }
}

#[test]
fn the_client_libraries_accept_them_r16() {
    for file in WITHOUT_MAX_ATTEMPTS {
        for library in LIBRARIES {
            let out = check(file, &["--as", library]);
            let text = stdout(&out);
            assert_eq!(out.status.code(), Some(0), "{file} as {library}: {text}");
            assert!(text.contains(&format!(": valid as {library} ")), "{text}");
            assert!(
                text.contains("retry until the deadline (no maxAttempts, AIP-4221"),
                "{text}"
            );
            assert!(!text.contains("hint:"), "{text}");
            let json = stdout(&check(file, &["--as", library, "--format", "json"]));
            let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
            assert_eq!(v["profile"]["accepts"], true, "{v}");
            assert_eq!(v["profile"]["name"], library);
            assert!(v.get("hint").is_none(), "{v}");
        }
    }
}

#[test]
fn another_error_gets_no_hint_but_the_libraries_read_an_empty_code_list_r19() {
    // library_v1 has an empty retryableStatusCodes: A6 rejects it (R19), with no AIP-4221
    // hint; the libraries take it as "retry nothing".
    let out = check("library_v1_grpc_service_config.json", &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("retryableStatusCodes: must not be empty"),
        "{text}"
    );
    assert!(!text.contains("hint:"), "{text}");
    for library in LIBRARIES {
        let out = check("library_v1_grpc_service_config.json", &["--as", library]);
        assert_eq!(out.status.code(), Some(0), "{library}: {}", stdout(&out));
    }
}

#[test]
fn a_config_with_max_attempts_is_accepted_everywhere() {
    for profile in ["a6", "grpc-go", "grpc-java", "c-core", "grpc-js"]
        .into_iter()
        .chain(LIBRARIES)
    {
        let out = check("pubsub_v1_grpc_service_config.json", &["--as", profile]);
        assert_eq!(out.status.code(), Some(0), "{profile}: {}", stdout(&out));
    }
    let out = check("pubsub_v1_grpc_service_config.json", &["--as", "grpc-rust"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown profile \"grpc-rust\"") && err.contains("gax-java"),
        "{err}"
    );
}
