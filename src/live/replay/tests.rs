//! Unit tests of the replay buffer: replay to every attempt (R65), the limit (R66, D22), and
//! ownership after an overflow (R30b, R61).

use super::*;
use futures_util::FutureExt;
use http_body::Frame;
use http_body_util::BodyExt;

fn body_of(chunks: &[&'static str]) -> Body {
    let frames: Vec<Result<Frame<Bytes>, Status>> = chunks
        .iter()
        .map(|c| Ok(Frame::data(Bytes::from_static(c.as_bytes()))))
        .collect();
    Body::new(http_body_util::StreamBody::new(futures_util::stream::iter(
        frames,
    )))
}

async fn read_all(mut reader: ReplayReader) -> Result<Vec<u8>, Status> {
    let mut out = Vec::new();
    while let Some(frame) = reader.frame().await {
        if let Ok(data) = frame?.into_data() {
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

#[tokio::test]
async fn complete_request_replays_to_every_attempt_r65() {
    let replay = Replay::prefetch(body_of(&["ab", "cd"]), 1024);
    assert!(replay.is_complete());
    assert_eq!(replay.buffered(), 4);
    for slot in 0..3 {
        assert_eq!(
            read_all(replay.reader(slot)).await.ok(),
            Some(b"abcd".to_vec())
        );
    }
}

#[tokio::test]
async fn exactly_the_limit_still_fits_d22_r68() {
    let replay = Replay::prefetch(body_of(&["abcd"]), 4);
    assert!(!replay.overflowed());
    assert!(replay.is_complete());
}

#[tokio::test]
async fn over_the_limit_goes_to_one_attempt_only_r66() {
    let replay = Replay::prefetch(body_of(&["ab", "cde"]), 4);
    assert!(replay.overflowed());
    assert!(!replay.is_complete());
    let mut first = replay.reader(0);
    let mut second = replay.reader(1);
    assert_eq!(
        next_now(&mut first).and_then(Result::ok).as_deref(),
        Some(&b"ab"[..])
    );
    assert_eq!(
        next_now(&mut first).and_then(Result::ok).as_deref(),
        Some(&b"cde"[..])
    );
    // The first attempt to ask owns what does not fit; the second gets only what does.
    assert_eq!(
        next_now(&mut second).and_then(Result::ok).as_deref(),
        Some(&b"ab"[..])
    );
    assert!(
        next_now(&mut second).is_none(),
        "a second attempt cannot replay"
    );
}

#[tokio::test]
async fn streaming_source_is_shared_between_attempts_r65() {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Frame<Bytes>, Status>>();
    let frames =
        futures_util::stream::unfold(rx, |mut rx| async { rx.recv().await.map(|f| (f, rx)) });
    let replay = Replay::prefetch(Body::new(http_body_util::StreamBody::new(frames)), 1024);
    assert!(!replay.is_complete());
    let first = tokio::spawn(read_all(replay.reader(0)));
    tx.send(Ok(Frame::data(Bytes::from_static(b"x")))).ok();
    tx.send(Ok(Frame::data(Bytes::from_static(b"y")))).ok();
    let second = tokio::spawn(read_all(replay.reader(1)));
    drop(tx);
    assert_eq!(first.await.ok().and_then(Result::ok), Some(b"xy".to_vec()));
    assert_eq!(second.await.ok().and_then(Result::ok), Some(b"xy".to_vec()));
}

/// A streaming source the test feeds by hand.
fn channel_body() -> (
    tokio::sync::mpsc::UnboundedSender<Result<Frame<Bytes>, Status>>,
    Body,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Result<Frame<Bytes>, Status>>();
    let frames =
        futures_util::stream::unfold(rx, |mut rx| async { rx.recv().await.map(|f| (f, rx)) });
    (tx, Body::new(http_body_util::StreamBody::new(frames)))
}

fn data(s: &'static str) -> Result<Frame<Bytes>, Status> {
    Ok(Frame::data(Bytes::from_static(s.as_bytes())))
}

/// The next frame's data, if it is ready now.
fn next_now(reader: &mut ReplayReader) -> Option<Result<Bytes, Status>> {
    let frame = reader.frame().now_or_never()??;
    Some(frame.map(|f| f.into_data().unwrap_or_default()))
}

fn overflow_now(replay: &Replay) -> Option<u32> {
    let waker = futures_util::task::noop_waker();
    match replay.poll_overflow(&mut Context::from_waker(&waker)) {
        Poll::Ready(slot) => Some(slot),
        Poll::Pending => None,
    }
}

#[tokio::test]
async fn mid_call_overflow_reports_the_reader_that_pulled_it_r30_r61_r66() {
    let (tx, body) = channel_body();
    tx.send(data("ab")).ok();
    let replay = Replay::prefetch(body, 4);
    assert!(!replay.overflowed());
    let (mut hedge0, mut hedge1) = (replay.reader(0), replay.reader(1));
    assert_eq!(
        next_now(&mut hedge0).and_then(Result::ok).as_deref(),
        Some(&b"ab"[..])
    );
    assert_eq!(
        next_now(&mut hedge1).and_then(Result::ok).as_deref(),
        Some(&b"ab"[..])
    );
    assert_eq!(overflow_now(&replay), None);
    tx.send(data("cde")).ok();
    // Hedge 1 asks first: it takes the overflowing chunk and owns the rest.
    assert_eq!(
        next_now(&mut hedge1).and_then(Result::ok).as_deref(),
        Some(&b"cde"[..])
    );
    assert!(replay.overflowed());
    assert_eq!(
        overflow_now(&replay),
        Some(1),
        "reported once, naming slot 1"
    );
    assert_eq!(overflow_now(&replay), None);
    // Hedge 0 may not read on: it waits, until the driver cancels it.
    assert!(next_now(&mut hedge0).is_none());
    replay.retire(0);
    assert!(matches!(next_now(&mut hedge0), Some(Err(_))));
    // The owner reads the rest of the stream, unbuffered.
    tx.send(data("f")).ok();
    drop(tx);
    assert_eq!(
        next_now(&mut hedge1).and_then(Result::ok).as_deref(),
        Some(&b"f"[..])
    );
    assert_eq!(replay.buffered(), 2);
}

#[tokio::test]
async fn a_gone_owner_hands_over_until_it_reads_past_the_buffer_r66_r69() {
    let (tx, body) = channel_body();
    let replay = Replay::prefetch(body, 2);
    let mut first = replay.reader(0);
    tx.send(data("abc")).ok();
    assert!(next_now(&mut first).is_some_and(|r| r.is_ok()));
    assert_eq!(overflow_now(&replay), Some(0));
    // Attempt 0 never got further (say it was not sent, R69): once the driver has dropped
    // it, its replacement takes over the whole request.
    drop(first);
    replay.retire(0);
    tx.send(data("d")).ok();
    drop(tx);
    assert_eq!(
        read_all(replay.reader(1)).await.ok(),
        Some(b"abcd".to_vec())
    );
    // Now the owner has read past what is kept: once it is gone, nobody can replay.
    replay.retire(1);
    assert!(read_all(replay.reader(2)).await.is_err());
}

#[tokio::test]
async fn a_retired_reader_takes_nothing_from_the_application() {
    let (tx, body) = channel_body();
    let replay = Replay::prefetch(body, 1024);
    let mut gone = replay.reader(0);
    replay.retire(0);
    tx.send(data("x")).ok();
    assert!(matches!(next_now(&mut gone), Some(Err(_))));
    drop(tx);
    assert_eq!(read_all(replay.reader(1)).await.ok(), Some(b"x".to_vec()));
}

#[tokio::test]
async fn what_was_read_ahead_is_what_the_shared_replay_says() {
    let (tx, pending) = channel_body();
    tx.send(data("ab")).ok();
    let cases = [
        // Complete; outgrown; still being read (the source has more to come).
        (body_of(&["ab", "cd"]), 1024, (true, false, 4)),
        (body_of(&["ab", "cde"]), 4, (false, true, 2)),
        (pending, 1024, (false, false, 2)),
    ];
    for (body, limit, (complete, overflowed, buffered)) in cases {
        let mut replay = Replay::read_ahead(body, limit);
        let ahead = replay.ahead();
        let expected = Ahead {
            complete,
            overflowed,
            buffered,
        };
        assert_eq!(ahead, expected);
        let shared = Arc::new(replay);
        let seen = (shared.is_complete(), shared.overflowed(), shared.buffered());
        assert_eq!(seen, (complete, overflowed, buffered));
    }
    drop(tx);
}
