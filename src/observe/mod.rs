//! Observability: hedgehog's calls as [`tracing`](https://docs.rs/tracing) spans and as the
//! OpenTelemetry metrics gRPC defines (gRFC A66, A96), each a [`crate::trace::Recorder`].
//!
//! Why recorders: the driver already tells a recorder every decision as a typed
//! [`crate::trace::Event`], the world that starts a call tells it the method, target and
//! policy ([`crate::trace::CallStart`]), and it hands over each finished
//! [`crate::trace::CallRecord`]. That is all a span or a metric needs, so nothing here reaches
//! into the driver or the engine, and a run without these recorders pays nothing for them.
//! Install one where a recorder is taken (the layer's builder, [`crate::sim::run::run_with`]);
//! install several with [`crate::trace::Tee`].
//!
//! - feature `tracing`: [`TracingRecorder`], a span per call and an event per decision;
//! - feature `otel`: [`OtelRecorder`], the A66 per-attempt and per-call instruments and the
//!   A96 retry instruments (off by default, as A96 says), over the `opentelemetry` API crate.
//!
//! Both key their per-call state by the call index, which is unique within one layer or one
//! simulated run: share one recorder between two layers only if their calls carry distinct
//! [`crate::live::builder::CallIndex`]es.

mod calls;
#[cfg(feature = "otel")]
mod otel;
#[cfg(feature = "tracing")]
mod spans;

#[cfg(feature = "otel")]
pub use otel::{retry_delay, OtelRecorder, OtelRecorderBuilder, A66_LATENCY_BUCKETS};
#[cfg(feature = "tracing")]
pub use spans::TracingRecorder;
