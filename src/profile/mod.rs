//! Runtime profiles: what a gRPC runtime does differently with the same service config, as a
//! plain value the one engine consults (`hedgehog sim FILE --as grpc-go`).
//!
//! A service config is written once and read by clients in several languages, and the
//! runtimes differ rule by rule: the jitter they draw (R24–R26), whether the first delay is
//! capped (R27), how they read pushback (R39), whether they hedge at all and how (R52–R63),
//! how their throttle counts (R48–R51), their limits (R16, R68, R73, R76) and what they do
//! with a config they reject (R5). A [`Profile`] is those choices as data, one field per
//! point of difference, each field's type in [`choices`] citing the rule it comes from.
//!
//! Why data and not a second engine (or a trait per runtime): the runtimes agree on almost
//! everything A6 says, and where they differ the difference is a small choice at one point of
//! the one state machine (which pushback value counts, when the throttle is asked). A value
//! keeps every difference in one table that `check-config` can print and the engine can
//! consult, so there is no `if runtime == …` anywhere: the engine asks "does this profile
//! cap the first delay?", never "is this grpc-java?". A new runtime or client library is a
//! new value in [`catalog`] (and a variant of a choice when it does something no runtime did
//! before), not new control flow.
//!
//! Where it sits: the profile names config (the jitter modes, the peers whose acceptance
//! verdicts it reuses), code and time; the engine, the plan, the scenario and the simulator
//! name it; config never does, so `check-config`'s verdicts stay the one list of which
//! runtime rejects what, and [`Profile::admit`] only reads it.

mod admission;
pub mod behaviour;
pub mod catalog;
pub mod choices;
pub mod library;
mod words;

use std::fmt;

pub use admission::Admission;
use choices::*;
use library::RetryLayer;

use crate::config::{Jitter, ParseOptions, Peer};

/// Which implementation a profile describes, and so whose acceptance verdict applies (R5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// hedgehog's own A6 reading: the config loaded, so it is accepted.
    Hedgehog,
    /// A gRPC runtime of the A6 peer notes; its verdict is `check-config`'s for this peer.
    Peer(Peer),
    /// A client library generated from the config with AIP-4221's rules: its verdict is
    /// hedgehog's AIP-4221 reading plus the library's own refusals (see [`library`]).
    Library,
}

/// The choices one runtime makes where the runtimes differ. Every field is consulted by the
/// engine (or by the plan, for acceptance) unless its type's doc says it is data only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    /// `a6`, `grpc-go`, `grpc-go@1.33`, `grpc-java`, `c-core`, `grpc-js`: what `--as` and the
    /// scenario key `profile` take.
    pub name: &'static str,
    /// Whose acceptance verdict applies (R5).
    pub runtime: Runtime,
    /// How a nominal backoff delay becomes the wait (R24–R26): ±20 % ([`Jitter::Spec`]) in
    /// every current runtime; U(0, b) ([`Jitter::Full`]) in grpc-go before v1.69;
    /// [`Jitter::LegacyJava`] U(0.4, 1.2) × b in grpc-java before its 2026 fix. A scenario's
    /// explicit `jitter` key wins over it.
    pub jitter: Jitter,
    /// The first delay when `initialBackoff > maxBackoff` (R27).
    pub first_delay: FirstDelay,
    /// How `grpc-retry-pushback-ms` is read (R35–R39).
    pub pushback: PushbackReading,
    /// Whether and how `hedgingPolicy` hedges (R52–R63).
    pub hedging: HedgingSupport,
    /// How the token bucket counts (R42–R51).
    pub throttle: ThrottleAccounting,
    /// Attempt ceiling, buffers, transparent retries, the hedge header (R16, R68, R73, R76).
    pub limits: Limits,
    /// What the runtime does with a config it rejects (R5).
    pub acceptance: Acceptance,
    /// Whether retries happen inside the gRPC channel (A6) or around whole calls, as the
    /// AIP-4221 client libraries retry ([`library`]).
    pub layer: RetryLayer,
}

impl Profile {
    /// Every profile hedgehog knows, the default first.
    pub const ALL: &'static [&'static Profile] = &[
        &catalog::A6,
        &catalog::GRPC_GO,
        &catalog::GRPC_GO_1_33,
        &catalog::GRPC_JAVA,
        &catalog::C_CORE,
        &catalog::GRPC_JS,
    ];

    /// The AIP-4221 client libraries, which read the same files with their own rules.
    pub const LIBRARIES: &'static [&'static Profile] = &[
        &library::GAX_GO,
        &library::GAX_JAVA,
        &library::PYTHON_API_CORE,
    ];

    /// Every profile: the runtimes ([`Profile::ALL`]), then the libraries.
    pub fn every() -> impl Iterator<Item = &'static Profile> {
        Profile::ALL.iter().chain(Profile::LIBRARIES).copied()
    }

    /// How this profile reads a service config: hedgehog's lenient mode with the client's
    /// `maxAttempts` ceiling, and AIP-4221's `maxAttempts` for a client library.
    pub fn parse_options(&self, max_attempts_limit: u32) -> ParseOptions {
        self.reading(ParseOptions {
            max_attempts_limit,
            ..ParseOptions::default()
        })
    }

    /// `options` as this profile reads a config: the same, or with AIP-4221's `maxAttempts`
    /// for a client library.
    pub fn reading(&self, options: ParseOptions) -> ParseOptions {
        match self.runtime {
            Runtime::Library => options.aip4221(),
            _ => options,
        }
    }

    /// The default: hedgehog's own A6 reading (D1–D25).
    pub fn a6() -> &'static Profile {
        &catalog::A6
    }

    /// The profile called `name`, or an error listing the known names.
    pub fn by_name(name: &str) -> Result<&'static Profile, UnknownProfile> {
        Profile::every()
            .find(|p| p.name == name)
            .ok_or_else(|| UnknownProfile {
                name: name.to_string(),
            })
    }

    /// Whether this is the default `a6` profile (whose traces name no profile).
    pub fn is_a6(&self) -> bool {
        self.name == catalog::A6.name
    }

    /// The known names, comma-separated, for errors and help.
    pub fn names() -> String {
        Profile::every()
            .map(|p| p.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether a `hedgingPolicy` sends more than one attempt under this profile (R63).
    pub fn hedges(&self) -> bool {
        matches!(self.hedging, HedgingSupport::Hedges { .. })
    }
}

/// A profile name hedgehog does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProfile {
    /// The name asked for.
    pub name: String,
}

impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown profile \"{}\"; expected one of: {}",
            self.name,
            Profile::names()
        )
    }
}

impl std::error::Error for UnknownProfile {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_is_found_by_its_own_name_and_names_are_unique() {
        for p in Profile::every() {
            assert_eq!(Profile::by_name(p.name).unwrap(), p);
        }
        let mut names: Vec<_> = Profile::every().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Profile::ALL.len() + Profile::LIBRARIES.len());
        assert!(Profile::a6().is_a6() && Profile::ALL[0].is_a6());
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let e = Profile::by_name("grpc-rust").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown profile \"grpc-rust\"; expected one of: a6, grpc-go, grpc-go@1.33, \
             grpc-java, c-core, grpc-js, gax-go, gax-java, python-api-core"
        );
    }
}
