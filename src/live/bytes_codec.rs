//! [`BytesCodec`]: a tonic codec whose messages are their own encoded bytes.
//!
//! gRPC frames every message the same way whatever its type (a flag, a length, the bytes), so
//! a server or client that never looks inside a message needs no generated code: with this
//! codec, tonic's `Grpc` reads and writes the frames and hands over the message bytes as they
//! are. The behaviour test server uses it to serve any method of any proto; a test may use it
//! to call one without generated code.

use bytes::{Buf, BufMut, Bytes};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::Status;

/// A codec for raw message bytes: encodes and decodes nothing, only frames.
#[derive(Clone, Copy, Debug, Default)]
pub struct BytesCodec;

/// [`BytesCodec`]'s encoder and decoder.
#[derive(Clone, Copy, Debug, Default)]
pub struct BytesCoder;

impl Codec for BytesCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = BytesCoder;
    type Decoder = BytesCoder;

    fn encoder(&mut self) -> BytesCoder {
        BytesCoder
    }

    fn decoder(&mut self) -> BytesCoder {
        BytesCoder
    }
}

impl Encoder for BytesCoder {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for BytesCoder {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
