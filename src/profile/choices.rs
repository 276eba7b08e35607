//! The choices a [`super::Profile`] makes, one type per point where the runtimes differ.
//!
//! Each variant's doc names the rule it comes from (R… for A6 and its peer notes, D… for
//! hedgehog's own decisions) and says *observed* where a live run against grpcio 1.85 or
//! grpc-js 1.14 showed it; the other peer behaviours come from the runtimes' sources as the
//! rules record them. A choice the engine consults is marked so in its type's doc; a choice
//! that is data only (no simulated run can show it) says why.

use crate::code::Code;

/// The first backoff delay when `initialBackoff > maxBackoff` (R27). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FirstDelay {
    /// Capped at `maxBackoff` like every later delay: grpc-go and C-core (R27); hedgehog's D7.
    Capped,
    /// `initialBackoff` as written; the cap applies from the second retry on: grpc-java and
    /// grpc-js (R27).
    Uncapped,
}

/// What several `grpc-retry-pushback-ms` values on one attempt mean (R39). Consulted by the
/// engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeveralPushbacks {
    /// Malformed: no retry, the attempt's own status goes back. grpc-go (R39); hedgehog's D8.
    Refuse,
    /// The first value counts: grpc-js (R39).
    First,
    /// The last value counts: grpc-java (R39).
    Last,
}

/// What a pushback value that is not a decimal i32 means (R37, R39). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MalformedPushback {
    /// The server asks for no retry; the attempt's own status goes back and a throttle token
    /// is taken: hedgehog's D8, grpc-go (`strconv.Atoi` fails) and grpc-java
    /// (`Integer.valueOf` fails, read as -1) (R37, R39).
    Refuse,
    /// Read with JavaScript's `parseInt`: leading whitespace, a sign and the leading digits
    /// (`"1.5"` → 1 ms, `"12abc"` → 12 ms); no digits at all (`"abc"`) gives `NaN`, which
    /// waits ~0 ms. So a malformed value retries almost at once: grpc-js, *observed* (R39).
    ParseInt,
    /// The call fails INTERNAL ("Error parsing 'grpc-retry-pushback-ms' metadata"), hiding
    /// the attempt's real status: C-core (grpcio), *observed* (R39).
    FailInternal,
}

/// How a runtime reads `grpc-retry-pushback-ms` (R35–R39). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PushbackReading {
    /// Several values on one attempt (R39).
    pub several: SeveralPushbacks,
    /// A value that is not a decimal i32 (R37, R39).
    pub malformed: MalformedPushback,
    /// Whether a non-negative pushback retries even when the status is *not* retryable:
    /// true for grpc-java only; grpc-go, C-core and grpc-js require a retryable status (R39),
    /// and so does hedgehog (D9).
    pub retries_non_retryable: bool,
}

/// When a non-fatal status sends the next hedge (R56, R63). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NonFatalShortcut {
    /// At once, instead of waiting out `hedgingDelay`: R56 as written; grpc-js (*observed*)
    /// and hedgehog's D14.
    Immediate,
    /// At once only when a positive pushback came with the status (and the pushback's value
    /// is then ignored); otherwise at the next `hedgingDelay`: grpc-java (R63).
    OnlyWithPushback,
}

/// When a hedge after the first asks the throttle (R60, R63). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HedgeThrottleCheck {
    /// When the hedge is about to be sent: hedgehog's D14 (R60).
    WhenSent,
    /// When the hedge is scheduled (its timer set); a hedge already scheduled goes out even
    /// if the tokens fell meanwhile: grpc-java (R63).
    WhenScheduled,
    /// Never: grpc-js sends every hedge whatever the tokens (R63).
    Never,
}

/// What a negative (or malformed, when that means stop) pushback does to a hedged call
/// (R59, R63). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HedgeStopPushback {
    /// No new hedges; attempts already sent carry on: R59, grpc-java and hedgehog's D14.
    StopsHedging,
    /// The call ends with that attempt's status and every other attempt is cancelled:
    /// grpc-js (R63).
    EndsCall,
}

/// Whether `hedgingPolicy` does anything, and how (R52–R63). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HedgingSupport {
    /// The runtime parses `hedgingPolicy` and never hedges: every call makes one attempt,
    /// as with no policy (R63): grpc-go and C-core (grpcio *observed*: one attempt).
    OneAttempt,
    /// The runtime hedges, with these rules.
    Hedges {
        /// R56 and its peer variants.
        shortcut: NonFatalShortcut,
        /// R60 and its peer variants.
        throttle: HedgeThrottleCheck,
        /// R59 and its peer variants.
        stop_pushback: HedgeStopPushback,
    },
}

/// When the throttle counts a success (R48). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThrottleSuccess {
    /// Once per RPC, when the delivered status is OK: grpc-go (R48) and hedgehog's D10.
    CallOk,
    /// When an attempt ends OK: C-core and grpc-js (R48). In the simulator an OK attempt
    /// always ends its call, so this counts exactly what [`ThrottleSuccess::CallOk`] counts.
    AttemptOk,
    /// When the committed attempt receives response headers, even if the call then fails; an
    /// OK without headers first (Trailers-Only) does not count: grpc-java (R48). The simulator
    /// gives every OK attempt its response message, which implies headers (R30), so an OK
    /// that commits the call counts too.
    CommittedHeaders,
}

/// When a retry asks the throttle whether it may go (R43, R49). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThrottleCheck {
    /// Right after the failure, before any backoff wait: grpc-go, grpc-java, C-core (R49) and
    /// hedgehog's D11.
    AtFailure,
    /// The token is taken at once, but the threshold is checked only when the backoff timer
    /// fires, so successes of other calls during the wait can let the retry go: grpc-js (R49).
    WhenBackoffEnds,
}

/// How the throttle keeps `tokenRatio` (R46, R47, R50). Consulted when the simulator makes a
/// target's token bucket ([`TokenPrecision::ratio_milli`]). The config keeps the ratio as
/// thousandths truncated from its text, so the simulator can show what an f32 does to them
/// (grpc-java); rounding or keeping a fourth decimal (grpc-js, grpc-go) differs only for a
/// ratio with more than three decimals, and is simulated as truncation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenPrecision {
    /// Three decimals kept, truncated from the decimal text: C-core (R50), hedgehog (R46, R47).
    TruncateText,
    /// Rounded to three decimals (0.5466 → 0.547): grpc-js (R50).
    Round,
    /// Truncated through an f32 (0.7 → 0.699): grpc-java (R50).
    TruncateF32,
    /// Not truncated (float arithmetic): grpc-go (R50).
    Float,
}

impl TokenPrecision {
    /// The milli-tokens a success earns, from the config's truncated thousandths: the same,
    /// except through an f32: 0.7 held as an f32 is 0.69999998…, which scaled by 1000 and
    /// truncated is 699 (R47).
    pub fn ratio_milli(self, milli: u32) -> u32 {
        match self {
            TokenPrecision::TruncateF32 => {
                let ratio = milli as f32 / 1000.0;
                (f64::from(ratio) * 1000.0) as u32
            }
            TokenPrecision::TruncateText | TokenPrecision::Round | TokenPrecision::Float => milli,
        }
    }
}

/// Which calls share a token bucket (R51, D12). Data only: a simulated scenario has one
/// channel to one target and never swaps its config, where every scope behaves alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BucketScope {
    /// One bucket per target for the whole process; a config with new parameters keeps the
    /// fill fraction: C-core, grpc-js (R51) and hedgehog's D12.
    PerTarget,
    /// One bucket per channel, full again whenever a newly parsed config is applied:
    /// grpc-go, grpc-java (R51).
    PerChannel,
}

/// How the throttle is kept (R42–R51).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ThrottleAccounting {
    /// What counts as a success (R48).
    pub success: ThrottleSuccess,
    /// Whether a don't-retry pushback on a *non-retryable* status takes a token: yes in
    /// grpc-go and grpc-java and hedgehog (D11), no in C-core and grpc-js (R49). Consulted by
    /// the engine.
    pub stop_pushback_takes_token: bool,
    /// When a retry asks the threshold (R49).
    pub check: ThrottleCheck,
    /// Whether a retryable Trailers-Only status on the attempt a call committed to because
    /// its data overflowed the retry buffer takes a token: C-core only (R49); hedgehog never
    /// takes one after commit (D11). Consulted by the engine.
    pub overflow_commit_failure_takes_token: bool,
    /// How `tokenRatio` is kept (R50).
    pub precision: TokenPrecision,
    /// Which calls share a bucket (R51).
    pub scope: BucketScope,
}

/// The client's ceiling on `maxAttempts` (R16, D4). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttemptCeiling {
    /// The scenario's `client.max_attempts_limit` (default 5) caps `maxAttempts`; the runtime
    /// lets a client change it: grpc-go (`WithMaxCallAttempts`), grpc-java
    /// (`maxRetryAttempts`), grpc-js (`grpc-node.retry_max_attempts_limit`) (R16), hedgehog (D4).
    Adjustable,
    /// Fixed at 5 whatever the client asks: C-core (R16; grpcio *observed*).
    Fixed(u32),
    /// None: `maxAttempts` is ignored and the call retries until its deadline (AIP-4221
    /// client libraries). Hedgehog's hardening caps still apply, and so does
    /// [`Limits::UNBOUNDED_ATTEMPTS_CAP`].
    UntilDeadline,
}

/// Whether the data buffered for a retry may *reach* the limit (R66, R68). Consulted by the
/// simulator's retry buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BufferCommit {
    /// Commit when the buffered bytes *exceed* the limit; exactly the limit still fits:
    /// grpc-go, grpc-java, grpc-js (R68), hedgehog (D22).
    Exceeds,
    /// Commit as soon as the limit is *reached*: C-core's newer code path (R68).
    Reaches,
}

/// When a refused stream (RST_STREAM REFUSED_STREAM, or above a GOAWAY's last stream) is
/// replayed transparently (R70, R73). Consulted by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefusedReplay {
    /// Once per call, and only while no attempt has reached the server application:
    /// grpc-java (R73) and hedgehog's D21.
    OnceBeforeAppReached,
    /// Once per call, whatever earlier attempts did: R70 as written; C-core and grpc-js (R73).
    OncePerCall,
    /// Only when the refused attempt is the call's first: grpc-go (R73).
    FirstAttemptOnly,
}

/// The client's limits (R16, R68, R73, R76).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The `maxAttempts` ceiling (R16).
    pub attempts: AttemptCeiling,
    /// The default retry buffer per RPC, in bytes (R68): 256 KiB in grpc-go and C-core,
    /// 1 MiB in grpc-java, grpc-js and hedgehog (D22). A scenario that sets
    /// `client.retry_buffer_bytes` keeps its own.
    pub buffer_per_rpc: u64,
    /// The default retry buffer per channel (R68): none in grpc-go and C-core, 16 MiB in
    /// grpc-java, grpc-js and hedgehog (D22). A scenario that sets
    /// `client.channel_buffer_bytes` keeps its own.
    pub buffer_per_channel: Option<u64>,
    /// Exceeding or reaching the limit commits (R68).
    pub buffer_commit: BufferCommit,
    /// How many never-sent attempts one call replays before failing INTERNAL: 1000 in
    /// grpc-java (R73) and hedgehog (D21); no cap (until the deadline) elsewhere (R69).
    /// Consulted by the engine.
    pub transparent_cap: Option<u32>,
    /// When a refused stream is replayed (R70, R73).
    pub refused_replay: RefusedReplay,
    /// Whether hedges carry their index in `grpc-previous-rpc-attempts`: grpc-java and
    /// grpc-js (*observed*) and hedgehog (R76, D14). grpc-go and C-core never hedge, so the
    /// question does not arise for them. Consulted by the engine.
    pub hedge_previous_header: bool,
}

impl Limits {
    /// The most attempts a call makes under [`AttemptCeiling::UntilDeadline`] when no
    /// deadline ends it first: a guard against a simulated call that never ends, as the
    /// transparent-retry cap is (D21).
    pub const UNBOUNDED_ATTEMPTS_CAP: u32 = 1000;
}

/// What the runtime does with a config it rejects (R5). The verdict itself (does it reject?)
/// comes from `check-config`'s per-runtime portability verdicts, never from a second list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Acceptance {
    /// hedgehog's own reading: a config it rejects does not load at all (R4, R5, D3).
    Hedgehog,
    /// The channel goes lame or every call fails: each call ends at once with `status`, no
    /// attempt is sent. C-core: INVALID_ARGUMENT "errors validating service config", nothing
    /// reaches the server, *observed*; grpc-java: UNKNOWN "failed to parse service config"
    /// (R5).
    FailsEveryCall {
        /// The status every call gets.
        status: Code,
        /// What the runtime does, in words for the trace.
        how: &'static str,
    },
    /// No call is made at all: grpc-go ≥ 1.70 fails to dial; grpc-js throws from the client
    /// constructor, *observed* (R5).
    NoCalls {
        /// What the runtime does, in words for the trace.
        how: &'static str,
    },
    /// The invalid retry policy is logged and dropped and the rest kept: calls go out without
    /// configured retries or hedges: grpc-go before 1.70 (R5).
    DropsPolicies,
}
