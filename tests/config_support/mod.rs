//! Helpers shared by the config tests.

use hedgehog::config::{check_str, ParseOptions, Report};

/// Checks `text` in lenient or strict mode; the test configs are always JSON.
pub fn report(text: &str, strict: bool) -> Report {
    let options = if strict {
        ParseOptions::strict()
    } else {
        ParseOptions::lenient()
    };
    check_str(text, &options).expect("test configs are JSON")
}
