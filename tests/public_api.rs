//! The public types a library user relies on: every public error is a `std::error::Error`
//! that can cross threads (so `?` into `Box<dyn Error + Send + Sync>` and `anyhow` work), and
//! the entry points are reachable from the crate root. A failure here is a compile error.

use std::error::Error;

fn is_error<E: Error + Send + Sync + 'static>() {}

#[test]
fn every_public_error_is_a_std_error() {
    is_error::<hedgehog::ParseError>();
    is_error::<hedgehog::ScenarioError>();
    is_error::<hedgehog::config::ConfigError>();
    is_error::<hedgehog::config::Invalid>();
    is_error::<hedgehog::config::JsonError>();
    is_error::<hedgehog::config::LimitTooLow>();
    is_error::<hedgehog::scenario::fields::FieldError>();
    is_error::<hedgehog::trace::stats::MalformedField>();
    is_error::<hedgehog::profile::UnknownProfile>();
    #[cfg(feature = "echo")]
    {
        is_error::<hedgehog::live::ServerError>();
        is_error::<hedgehog::live::run::LiveRunError>();
    }
    #[cfg(feature = "experiments")]
    {
        use hedgehog::experiments::error::*;
        is_error::<VaryError>();
        is_error::<PathSyntaxError>();
        is_error::<NoSuchPath>();
        is_error::<SeedsError>();
        is_error::<VariantError>();
        is_error::<WorkersError>();
        is_error::<SweepDocError>();
        is_error::<MergeError>();
        is_error::<PlotError>();
    }
}

#[test]
fn the_crate_root_parses_a_config_and_builds_a_layer() {
    let text = r#"{"methodConfig": [{"name": [{"service": "a.B"}],
        "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s",
                        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}}]}"#;
    let parsed = hedgehog::parse_service_config(text, &hedgehog::ParseOptions::strict())
        .expect("a valid config");
    let config: hedgehog::ServiceConfig = parsed.config;
    assert!(
        config.select("a.B", "C").is_some(),
        "R15: the service's entry applies"
    );
    let layer = hedgehog::RetryLayer::builder().config(config).build();
    assert!(layer.is_ok());
}

#[test]
fn codes_convert_to_and_from_tonic_by_number() {
    use hedgehog::code::Code;
    for code in Code::ALL {
        let theirs = tonic::Code::from(code);
        assert_eq!(theirs as i32, code.value(), "{code}");
        assert_eq!(Code::from(theirs), code);
    }
}
