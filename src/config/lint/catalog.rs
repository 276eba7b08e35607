//! The lint codes: one stable name per mistake, grouped in families.
//!
//! A code is part of the CLI contract (`--deny CODE`, `--format json`), so codes are only ever
//! added, never renamed. They are kebab-case words rather than numbers so a CI log reads on its
//! own; `docs/lints.md` lists each with an example and its reason.

/// Which kind of mistake a lint is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintFamily {
    /// `methodConfig[i].name`: names no RPC will ever carry.
    Names,
    /// Keys no runtime reads.
    Keys,
    /// Policies whose numbers stop them from acting.
    Policies,
    /// Status codes or hedging that are safe only for idempotent methods.
    Risky,
    /// Nothing bounds how long a call with a policy can take.
    Deadline,
}

/// One lint's stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintCode {
    /// A service or method written as a pattern or wildcard (`*`, `.*`, regex characters).
    NamePattern,
    /// A method without a service (R13).
    NameMethodWithoutService,
    /// A service name without a package dot.
    NameNoPackage,
    /// A service or method with leading or trailing white space.
    NameWhitespace,
    /// An entry without `name`, or with an empty list (D17).
    NameMissing,
    /// A key no runtime reads at that path (R4), with a did-you-mean.
    UnknownKey,
    /// A key that is valid, but at another path.
    MisplacedKey,
    /// The deadline comes before the earliest first retry.
    TimeoutBeforeFirstRetry,
    /// The worst-case backoff ladder is longer than the deadline.
    LadderExceedsTimeout,
    /// `hedgingDelay × (maxAttempts − 1)` reaches past the deadline.
    HedgingExceedsTimeout,
    /// `maxAttempts` above the client's limit (R16, D4).
    MaxAttemptsClamped,
    /// `retryThrottling` that stops every retry at the first failure (R43, R45).
    ThrottlingNeverRetries,
    /// `retryThrottling` that takes longer than the horizon to recover after an outage.
    ThrottlingSlowRecovery,
    /// A risky retryable code on a mutating method or a whole service.
    RiskyRetryCode,
    /// Hedging on a mutating method or a whole service.
    RiskyHedging,
    /// A policy with no `timeout` and no caller deadline.
    NoDeadline,
}

impl LintCode {
    /// Every code, in documentation order.
    pub const ALL: [LintCode; 16] = [
        LintCode::NamePattern,
        LintCode::NameMethodWithoutService,
        LintCode::NameNoPackage,
        LintCode::NameWhitespace,
        LintCode::NameMissing,
        LintCode::UnknownKey,
        LintCode::MisplacedKey,
        LintCode::TimeoutBeforeFirstRetry,
        LintCode::LadderExceedsTimeout,
        LintCode::HedgingExceedsTimeout,
        LintCode::MaxAttemptsClamped,
        LintCode::ThrottlingNeverRetries,
        LintCode::ThrottlingSlowRecovery,
        LintCode::RiskyRetryCode,
        LintCode::RiskyHedging,
        LintCode::NoDeadline,
    ];

    /// The stable code, `name-pattern`.
    pub fn as_str(self) -> &'static str {
        match self {
            LintCode::NamePattern => "name-pattern",
            LintCode::NameMethodWithoutService => "name-method-without-service",
            LintCode::NameNoPackage => "name-no-package",
            LintCode::NameWhitespace => "name-whitespace",
            LintCode::NameMissing => "name-missing",
            LintCode::UnknownKey => "unknown-key",
            LintCode::MisplacedKey => "misplaced-key",
            LintCode::TimeoutBeforeFirstRetry => "timeout-before-first-retry",
            LintCode::LadderExceedsTimeout => "ladder-exceeds-timeout",
            LintCode::HedgingExceedsTimeout => "hedging-exceeds-timeout",
            LintCode::MaxAttemptsClamped => "max-attempts-clamped",
            LintCode::ThrottlingNeverRetries => "throttling-never-retries",
            LintCode::ThrottlingSlowRecovery => "throttling-slow-recovery",
            LintCode::RiskyRetryCode => "risky-retry-code",
            LintCode::RiskyHedging => "risky-hedging",
            LintCode::NoDeadline => "no-deadline",
        }
    }

    /// The code named `name`, exactly as [`LintCode::as_str`] spells it.
    pub fn from_name(name: &str) -> Option<LintCode> {
        LintCode::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The family the code belongs to.
    pub fn family(self) -> LintFamily {
        match self {
            LintCode::NamePattern
            | LintCode::NameMethodWithoutService
            | LintCode::NameNoPackage
            | LintCode::NameWhitespace
            | LintCode::NameMissing => LintFamily::Names,
            LintCode::UnknownKey | LintCode::MisplacedKey => LintFamily::Keys,
            LintCode::TimeoutBeforeFirstRetry
            | LintCode::LadderExceedsTimeout
            | LintCode::HedgingExceedsTimeout
            | LintCode::MaxAttemptsClamped
            | LintCode::ThrottlingNeverRetries
            | LintCode::ThrottlingSlowRecovery => LintFamily::Policies,
            LintCode::RiskyRetryCode | LintCode::RiskyHedging => LintFamily::Risky,
            LintCode::NoDeadline => LintFamily::Deadline,
        }
    }
}

impl std::fmt::Display for LintCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        for code in LintCode::ALL {
            assert_eq!(LintCode::from_name(code.as_str()), Some(code));
            let same = LintCode::ALL.iter().filter(|c| c.as_str() == code.as_str());
            assert_eq!(same.count(), 1, "{code}");
        }
        assert_eq!(LintCode::from_name("Name-Pattern"), None);
    }
}
