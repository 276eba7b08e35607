//! `google.rpc.RetryInfo` as a pushback source (opt-in, not A6).
//!
//! Google APIs, and servers built like them, tell a client when to retry with a
//! `google.rpc.Status` in the `grpc-status-details-bin` trailer whose `details` hold a
//! `google.rpc.RetryInfo { retry_delay: google.protobuf.Duration }`, rather than with A6's
//! `grpc-retry-pushback-ms`. With
//! [`RetryLayerBuilder::retry_info_pushback`](super::builder::RetryLayerBuilder::retry_info_pushback)
//! the layer reads that delay and hands it to the engine as if it were a pushback value in
//! milliseconds, so every pushback rule applies to it unchanged (R35–R37: a retryable status
//! only, the next attempt exactly that much later, the backoff sequence reset).
//!
//! **Precedence.** `grpc-retry-pushback-ms` is A6's own signal, aimed at exactly this client
//! decision; when a status carries it (any value, even one that says "stop"), RetryInfo is not
//! read. RetryInfo fills the gap only when the header is absent. So enabling the option never
//! changes what an A6 server gets.
//!
//! **Conversion.** The delay is rounded *up* to whole milliseconds (a client must wait at
//! least `retry_delay`). A details header that is not base64, not a `google.rpc.Status`,
//! holds no RetryInfo, or a RetryInfo without a delay or with a negative one, is ignored: the
//! policy's own backoff applies, as if the server had said nothing. A delay is taken from the
//! first RetryInfo in `details`.
//!
//! The messages are declared here with `prost` derive (four tiny messages; no protoc, no
//! extra crate). The layer never alters `grpc-status-details-bin`: the status an application
//! gets from an attempt carries it byte for byte.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use http::HeaderMap;
use prost::Message;

/// The trailer that carries a serialized, base64-encoded `google.rpc.Status`.
pub const STATUS_DETAILS: &str = "grpc-status-details-bin";

/// `type_url` of a `google.rpc.RetryInfo` packed in an `Any`.
pub const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// `google.rpc.Status`.
#[derive(Clone, PartialEq, Message)]
pub struct RpcStatus {
    /// The status code.
    #[prost(int32, tag = "1")]
    pub code: i32,
    /// The developer-facing message.
    #[prost(string, tag = "2")]
    pub message: String,
    /// Typed details.
    #[prost(message, repeated, tag = "3")]
    pub details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, Message)]
pub struct Any {
    /// Names the packed message's type.
    #[prost(string, tag = "1")]
    pub type_url: String,
    /// The packed message.
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, Message)]
pub struct RetryInfo {
    /// How long the client should wait at least before retrying.
    #[prost(message, optional, tag = "1")]
    pub retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, Copy, PartialEq, Message)]
pub struct ProtoDuration {
    /// Whole seconds.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds, with the sign of `seconds`.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

/// gRPC writes binary headers unpadded and accepts either form (gRPC over HTTP/2).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The RetryInfo delay in `headers`, in whole milliseconds rounded up, as a pushback value;
/// `None` if there is none that can be used (see the module docs).
pub fn pushback_ms(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(STATUS_DETAILS)?;
    let bytes = BASE64.decode(raw.as_bytes()).ok()?;
    let status = RpcStatus::decode(bytes.as_slice()).ok()?;
    let info = status
        .details
        .iter()
        .find(|any| any.type_url == RETRY_INFO_TYPE)?;
    let delay = RetryInfo::decode(info.value.as_slice()).ok()?.retry_delay?;
    if delay.seconds < 0 || delay.nanos < 0 {
        return None;
    }
    let ms = u128::try_from(delay.seconds).ok()? * 1000
        + u128::try_from(delay.nanos).ok()?.div_ceil(1_000_000);
    Some(ms.to_string())
}

/// Encodes `status` as a `grpc-status-details-bin` value (for servers and tests).
pub fn encode_details(status: &RpcStatus) -> String {
    BASE64.encode(status.encode_to_vec())
}

/// A `google.rpc.Status` whose details hold one RetryInfo of `seconds` + `nanos`.
pub fn status_with_retry_delay(code: i32, seconds: i64, nanos: i32) -> RpcStatus {
    let info = RetryInfo {
        retry_delay: Some(ProtoDuration { seconds, nanos }),
    };
    RpcStatus {
        code,
        message: String::new(),
        details: vec![Any {
            type_url: RETRY_INFO_TYPE.to_string(),
            value: info.encode_to_vec(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(details: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            STATUS_DETAILS,
            HeaderValue::from_str(details).expect("ascii"),
        );
        h
    }

    #[test]
    fn a_retry_delay_becomes_whole_milliseconds_rounded_up() {
        let status = status_with_retry_delay(14, 1, 250_000_001);
        assert_eq!(
            pushback_ms(&headers(&encode_details(&status))),
            Some("1251".into())
        );
        let status = status_with_retry_delay(14, 0, 0);
        assert_eq!(
            pushback_ms(&headers(&encode_details(&status))),
            Some("0".into())
        );
    }

    #[test]
    fn padded_base64_is_read_too() {
        let status = status_with_retry_delay(14, 0, 5_000_000);
        let padded = base64::engine::general_purpose::STANDARD.encode(status.encode_to_vec());
        assert!(padded.ends_with('='), "the case under test: {padded}");
        assert_eq!(pushback_ms(&headers(&padded)), Some("5".into()));
    }

    #[test]
    fn the_first_retry_info_among_other_details_counts() {
        let mut status = status_with_retry_delay(14, 2, 0);
        status.details.insert(
            0,
            Any {
                type_url: "type.googleapis.com/google.rpc.ErrorInfo".into(),
                value: vec![10, 1, b'x'],
            },
        );
        status
            .details
            .push(status_with_retry_delay(14, 9, 0).details.remove(0));
        assert_eq!(
            pushback_ms(&headers(&encode_details(&status))),
            Some("2000".into())
        );
    }

    #[test]
    fn anything_unusable_is_ignored() {
        assert_eq!(pushback_ms(&HeaderMap::new()), None);
        assert_eq!(pushback_ms(&headers("not base64!")), None);
        assert_eq!(pushback_ms(&headers(&BASE64.encode([0xff, 0xff]))), None);
        let no_info = RpcStatus {
            code: 14,
            message: "m".into(),
            details: vec![],
        };
        assert_eq!(pushback_ms(&headers(&encode_details(&no_info))), None);
        let negative = status_with_retry_delay(14, -1, 0);
        assert_eq!(pushback_ms(&headers(&encode_details(&negative))), None);
        let mut no_delay = status_with_retry_delay(14, 0, 0);
        no_delay.details[0].value = RetryInfo { retry_delay: None }.encode_to_vec();
        assert_eq!(pushback_ms(&headers(&encode_details(&no_delay))), None);
    }
}
