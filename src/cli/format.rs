//! `--format` values of every command, in one place.
//!
//! Why value parsers and not one `ValueEnum` per command: `sim`, `call` and `check-config`
//! choose among the same formats but describe them differently in `--help` (`call`'s JSON is
//! "the trace's JSON shape", `check-config`'s is "one JSON object"). A derived `ValueEnum` ties
//! the words to the type, which is how the crate came to have one enum per command; a parser
//! keeps one type per set of formats and lets each command keep its own words.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use hedgehog::trace::render::Format;

/// What `--help` says about "text" in every command.
const TEXT_HELP: &str = "For people";

/// `--format text|json`: words for people, or one JSON document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextOrJson {
    /// For people.
    Text,
    /// JSON.
    Json,
}

/// The parser of `--format text|json`; `json_help` is what `--help` says about `json`.
pub fn text_or_json(json_help: &'static str) -> impl TypedValueParser<Value = TextOrJson> {
    PossibleValuesParser::new([
        PossibleValue::new("text").help(TEXT_HELP),
        PossibleValue::new("json").help(json_help),
    ])
    .map(|name| match name.as_str() {
        "json" => TextOrJson::Json,
        _ => TextOrJson::Text,
    })
}

/// What `sim` prints: a trace in one of the renderer's formats, or a picture of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimFormat {
    /// The trace, streamed in this format.
    Trace(Format),
    /// One seed's attempt timeline as SVG.
    Svg,
}

/// The parser of `sim`'s `--format text|yaml|json|svg`: the trace renderer's own [`Format`],
/// or the picture.
pub fn sim_format() -> impl TypedValueParser<Value = SimFormat> {
    PossibleValuesParser::new([
        PossibleValue::new("text").help(TEXT_HELP),
        PossibleValue::new("yaml").help("For snapshots and diffs"),
        PossibleValue::new("json")
            .help("The JSON trace (docs/trace.md), one document per seed and line"),
        PossibleValue::new("svg")
            .help("A picture of one seed's attempt timeline (--seed, or the file's first seed)"),
    ])
    .map(|name| match name.as_str() {
        "yaml" => SimFormat::Trace(Format::Yaml),
        "json" => SimFormat::Trace(Format::Json),
        "svg" => SimFormat::Svg,
        _ => SimFormat::Trace(Format::Text),
    })
}

/// How `sweep` and `merge` print a sweep report: `--format table|csv|json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// Aligned columns, for people.
    Table,
    /// One row per variant.
    Csv,
    /// The mergeable document (`hedgehog merge` reads it).
    Json,
}
