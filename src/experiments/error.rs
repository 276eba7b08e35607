//! What can go wrong in an experiment, one small type per failure.
//!
//! Why typed errors here: the library reports these to callers other than the CLI (tests,
//! scripts that merge shards), which may want to tell "not a sweep document" from "overlapping
//! seeds" without matching on words. Each type prints exactly the words the CLI has always
//! printed, so `hedgehog sweep` and `hedgehog merge` output is unchanged.
//!
//! A wrapped cause is printed as part of the message (the CLI's words include it) and so is
//! named `cause`, not `source`: reporting it again as [`std::error::Error::source`] would print
//! it twice in any report that walks the chain.

use std::path::PathBuf;

use crate::scenario::ScenarioError;
use crate::trace::stats::MalformedField;

/// A `--vary` argument that is not `PATH=V1,V2,...`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VaryError {
    /// No `=`.
    #[error("--vary {0}: expected PATH=V1,V2,...")]
    NoEquals(String),
    /// The path cannot be read.
    #[error("--vary {text}: {cause}")]
    Path {
        /// The whole argument.
        text: String,
        /// What is wrong with its path.
        cause: PathSyntaxError,
    },
    /// A value between commas is empty.
    #[error("--vary {0}: empty value")]
    EmptyValue(String),
}

/// A path that is not `key.key[index]...`; prints as `path "a..b": empty key`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("path \"{path}\": {problem}")]
#[non_exhaustive]
pub struct PathSyntaxError {
    /// The path as typed.
    pub path: String,
    /// `empty key`, `unclosed [`, `[x] is not an index`, `unexpected "x"`.
    pub problem: String,
}

/// A path that does not lead to a value of the scenario file: editing must never add a key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoSuchPath {
    /// The path cannot be read at all.
    #[error(transparent)]
    Syntax(#[from] PathSyntaxError),
    /// An object along the way lacks the key.
    #[error("path \"{path}\" does not exist: no key \"{key}\" at {at} (keys there: {keys})")]
    NoKey {
        /// The whole path.
        path: String,
        /// The missing key.
        key: String,
        /// The deepest part that exists (`the top level` at the root).
        at: String,
        /// The keys found there, comma-separated.
        keys: String,
    },
    /// A key meets something that is not an object.
    #[error("path \"{path}\" does not exist: {at} is not an object")]
    NotObject {
        /// The whole path.
        path: String,
        /// The deepest part that exists.
        at: String,
    },
    /// An array along the way is too short.
    #[error("path \"{path}\" does not exist: {at} has {len} elements, no [{index}]")]
    NoIndex {
        /// The whole path.
        path: String,
        /// The deepest part that exists.
        at: String,
        /// The array's length.
        len: usize,
        /// The index asked for.
        index: usize,
    },
    /// An index meets something that is not an array.
    #[error("path \"{path}\" does not exist: {at} is not an array")]
    NotArray {
        /// The whole path.
        path: String,
        /// The deepest part that exists.
        at: String,
    },
}

/// `--seeds` that is not `A..B`, `A..=B` or `N`, or names no seeds or too many.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SeedsError {
    /// Not a range of non-negative integers.
    #[error("--seeds {0}: expected A..B, A..=B or N (non-negative integers)")]
    Malformed(String),
    /// `A >= B`.
    #[error("--seeds {0}: the range is empty")]
    Empty(String),
    /// More seeds than any sweep should run.
    #[error("--seeds {0}: more than 100000000 seeds")]
    TooMany(String),
}

/// One variant of a sweep could not be made from the scenario file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VariantError {
    /// A `--vary` path is not in the file.
    #[error("{file}: {cause}")]
    Vary {
        /// The scenario file.
        file: String,
        /// Where the path stops.
        cause: NoSuchPath,
    },
    /// The edited file is no longer a valid scenario.
    #[error("{cause}\n(in the variant {label})")]
    Scenario {
        /// The variant's label (`hedgingDelay=5ms`).
        label: String,
        /// What the scenario parser found.
        cause: ScenarioError,
    },
}

/// The worker threads of a sweep could not be started.
#[derive(Debug, thiserror::Error)]
#[error("cannot start {jobs} worker threads: {cause}")]
#[non_exhaustive]
pub struct WorkersError {
    /// How many were asked for.
    pub jobs: usize,
    /// rayon's reason.
    pub cause: rayon::ThreadPoolBuildError,
}

/// A document `hedgehog merge` cannot read as a sweep.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SweepDocError {
    /// No `"hedgehog_sweep": 1`.
    #[error("not a hedgehog sweep document (expected \"hedgehog_sweep\": 1)")]
    NotASweep,
    /// A field is missing or of the wrong shape.
    #[error("{path}: expected {expected}")]
    Field {
        /// `variants[0].label`.
        path: String,
        /// `a string`.
        expected: &'static str,
    },
    /// A variant's tally is malformed.
    #[error("variants[{index}].tally.{problem}")]
    Tally {
        /// The variant's index.
        index: usize,
        /// The tally reader's words (`runs: expected a non-negative integer`).
        problem: MalformedField,
    },
    /// A variant's replicate groups (what its intervals are computed from) are malformed.
    #[error("variants[{index}].{problem}")]
    Replicates {
        /// The variant's index.
        index: usize,
        /// The reader's words (`replicates.groups[3].ok: expected a non-negative integer`).
        problem: MalformedField,
    },
}

/// Shards that do not add up to one sweep; `file` counts from 1 in the order given.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// No documents at all.
    #[error("nothing to merge")]
    Nothing,
    /// Another scenario than the first file's.
    #[error("file {file}: scenario \"{found}\", expected \"{expected}\"")]
    OtherScenario {
        /// Which file.
        file: usize,
        /// Its scenario.
        found: String,
        /// The first file's.
        expected: String,
    },
    /// Other variants than the first file's.
    #[error("file {file}: its variants differ from the first file's (same --vary needed)")]
    OtherVariants {
        /// Which file.
        file: usize,
    },
    /// Seeds counted twice.
    #[error("file {file}: seeds {first}..={last} overlap seeds already merged")]
    Overlap {
        /// Which file.
        file: usize,
        /// The overlapping range's first seed.
        first: u64,
        /// Its last seed.
        last: u64,
    },
    /// Time series with other buckets cannot be added.
    #[error("file {file}: variant \"{label}\" has {found} ns time buckets, expected {expected}")]
    OtherBuckets {
        /// Which file.
        file: usize,
        /// The variant.
        label: String,
        /// Its bucket width.
        found: u64,
        /// The first file's.
        expected: u64,
    },
}

/// The plots could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The directory cannot be created.
    #[error("{}: cannot create: {cause}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// The file system's reason.
        cause: std::io::Error,
    },
    /// One plot could not be drawn or written.
    #[error("{}: {problem}", file.display())]
    Draw {
        /// The SVG file.
        file: PathBuf,
        /// plotters' reason, in its words.
        problem: String,
    },
}
