//! The profiles hedgehog knows, as values: hedgehog's own A6 reading and the four gRPC
//! runtimes of the A6 peer notes (plus grpc-go as it was before v1.69/1.70).

use super::choices::*;
use super::library::RetryLayer;
use super::{Profile, Runtime};
use crate::code::Code;
use crate::config::{Jitter, Peer};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// hedgehog's and grpc-java's cap on never-sent replays per call (D21, R73).
pub const TRANSPARENT_CAP: u32 = 1000;

/// hedgehog's own A6 reading (D1–D25): the default, and the only profile live mode runs.
pub const A6: Profile = Profile {
    name: "a6",
    runtime: Runtime::Hedgehog,
    jitter: Jitter::Spec,
    first_delay: FirstDelay::Capped,
    pushback: PushbackReading {
        several: SeveralPushbacks::Refuse,
        malformed: MalformedPushback::Refuse,
        retries_non_retryable: false,
    },
    hedging: HedgingSupport::Hedges {
        shortcut: NonFatalShortcut::Immediate,
        throttle: HedgeThrottleCheck::WhenSent,
        stop_pushback: HedgeStopPushback::StopsHedging,
    },
    throttle: ThrottleAccounting {
        success: ThrottleSuccess::CallOk,
        stop_pushback_takes_token: true,
        check: ThrottleCheck::AtFailure,
        overflow_commit_failure_takes_token: false,
        precision: TokenPrecision::TruncateText,
        scope: BucketScope::PerTarget,
    },
    limits: Limits {
        attempts: AttemptCeiling::Adjustable,
        buffer_per_rpc: MIB,
        buffer_per_channel: Some(16 * MIB),
        buffer_commit: BufferCommit::Exceeds,
        transparent_cap: Some(TRANSPARENT_CAP),
        refused_replay: RefusedReplay::OnceBeforeAppReached,
        hedge_previous_header: true,
    },
    acceptance: Acceptance::Hedgehog,
    layer: RetryLayer::Channel,
};

/// grpc-go 1.8x: ±20 % jitter (since v1.69), no hedging, a config it rejects fails the dial
/// (since v1.70).
pub const GRPC_GO: Profile = Profile {
    name: "grpc-go",
    runtime: Runtime::Peer(Peer::Go),
    jitter: Jitter::Spec,
    first_delay: FirstDelay::Capped,
    pushback: A6.pushback,
    hedging: HedgingSupport::OneAttempt,
    throttle: ThrottleAccounting {
        success: ThrottleSuccess::CallOk,
        stop_pushback_takes_token: true,
        check: ThrottleCheck::AtFailure,
        overflow_commit_failure_takes_token: false,
        precision: TokenPrecision::Float,
        scope: BucketScope::PerChannel,
    },
    limits: Limits {
        attempts: AttemptCeiling::Adjustable,
        buffer_per_rpc: 256 * KIB,
        buffer_per_channel: None,
        buffer_commit: BufferCommit::Exceeds,
        transparent_cap: None,
        refused_replay: RefusedReplay::FirstAttemptOnly,
        hedge_previous_header: false,
    },
    acceptance: Acceptance::NoCalls {
        how: "grpc-go (>= 1.70) rejects the service config: the dial fails and no call is made",
    },
    layer: RetryLayer::Channel,
};

/// grpc-go as in the seed's era (v1.33): full jitter U(0, b) (R25), an invalid policy dropped
/// with a log line (R5), no hedging.
pub const GRPC_GO_1_33: Profile = Profile {
    name: "grpc-go@1.33",
    jitter: Jitter::Full,
    acceptance: Acceptance::DropsPolicies,
    ..GRPC_GO
};

/// grpc-java: hedges with its own shortcut and throttle timing, reads the last pushback and
/// retries after a positive one whatever the status, does not cap the first delay.
pub const GRPC_JAVA: Profile = Profile {
    name: "grpc-java",
    runtime: Runtime::Peer(Peer::Java),
    jitter: Jitter::Spec,
    first_delay: FirstDelay::Uncapped,
    pushback: PushbackReading {
        several: SeveralPushbacks::Last,
        malformed: MalformedPushback::Refuse,
        retries_non_retryable: true,
    },
    hedging: HedgingSupport::Hedges {
        shortcut: NonFatalShortcut::OnlyWithPushback,
        throttle: HedgeThrottleCheck::WhenScheduled,
        stop_pushback: HedgeStopPushback::StopsHedging,
    },
    throttle: ThrottleAccounting {
        success: ThrottleSuccess::CommittedHeaders,
        stop_pushback_takes_token: true,
        check: ThrottleCheck::AtFailure,
        overflow_commit_failure_takes_token: false,
        precision: TokenPrecision::TruncateF32,
        scope: BucketScope::PerChannel,
    },
    // hedgehog took its limits from grpc-java (D4, D21, D22): the same values.
    limits: A6.limits,
    acceptance: Acceptance::FailsEveryCall {
        status: Code::Unknown,
        how: "grpc-java rejects the service config: every call fails UNKNOWN \
              (failed to parse service config) and nothing is sent",
    },
    layer: RetryLayer::Channel,
};

/// C-core (grpcio, C++, Ruby, PHP): no hedging, malformed pushback fails INTERNAL, a rejected
/// config makes the channel lame.
pub const C_CORE: Profile = Profile {
    name: "c-core",
    runtime: Runtime::Peer(Peer::Core),
    jitter: Jitter::Spec,
    first_delay: FirstDelay::Capped,
    pushback: PushbackReading {
        several: SeveralPushbacks::Refuse,
        malformed: MalformedPushback::FailInternal,
        retries_non_retryable: false,
    },
    hedging: HedgingSupport::OneAttempt,
    throttle: ThrottleAccounting {
        success: ThrottleSuccess::AttemptOk,
        stop_pushback_takes_token: false,
        check: ThrottleCheck::AtFailure,
        overflow_commit_failure_takes_token: true,
        precision: TokenPrecision::TruncateText,
        scope: BucketScope::PerTarget,
    },
    limits: Limits {
        attempts: AttemptCeiling::Fixed(5),
        buffer_per_rpc: 256 * KIB,
        buffer_per_channel: None,
        buffer_commit: BufferCommit::Reaches,
        transparent_cap: None,
        refused_replay: RefusedReplay::OncePerCall,
        hedge_previous_header: false,
    },
    acceptance: Acceptance::FailsEveryCall {
        status: Code::InvalidArgument,
        how: "C-core rejects the service config: the channel is lame, every call fails \
              INVALID_ARGUMENT (errors validating service config) and nothing is sent",
    },
    layer: RetryLayer::Channel,
};

/// grpc-js: hedges and never asks the throttle for it, reads the first pushback with
/// `parseInt`, checks the throttle when the backoff ends.
pub const GRPC_JS: Profile = Profile {
    name: "grpc-js",
    runtime: Runtime::Peer(Peer::Node),
    jitter: Jitter::Spec,
    first_delay: FirstDelay::Uncapped,
    pushback: PushbackReading {
        several: SeveralPushbacks::First,
        malformed: MalformedPushback::ParseInt,
        retries_non_retryable: false,
    },
    hedging: HedgingSupport::Hedges {
        shortcut: NonFatalShortcut::Immediate,
        throttle: HedgeThrottleCheck::Never,
        stop_pushback: HedgeStopPushback::EndsCall,
    },
    throttle: ThrottleAccounting {
        success: ThrottleSuccess::AttemptOk,
        stop_pushback_takes_token: false,
        check: ThrottleCheck::WhenBackoffEnds,
        overflow_commit_failure_takes_token: false,
        precision: TokenPrecision::Round,
        scope: BucketScope::PerTarget,
    },
    limits: Limits {
        transparent_cap: None,
        refused_replay: RefusedReplay::OncePerCall,
        ..A6.limits
    },
    acceptance: Acceptance::NoCalls {
        how: "grpc-js rejects the service config: the client constructor throws and no call \
              is made",
    },
    layer: RetryLayer::Channel,
};
