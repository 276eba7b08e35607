//! The response body: its attempt's close when dropped early, and when a body that holds the
//! rest of the driver runs it.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

fn end() -> Arc<CallEnd> {
    let replay = crate::live::replay::Replay::read_ahead(Body::empty(), 16);
    Arc::new(CallEnd::new(replay))
}

#[test]
fn a_watched_body_dropped_before_its_trailers_closes_its_attempt_cancelled_r33() {
    let end = end();
    drop(LiveBody::watched(Body::empty(), 2, Arc::clone(&end)));
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let close = end.poll_close(2, &mut cx).map(|c| c.status);
    assert_eq!(close, Poll::Ready(Code::Cancelled));
}

/// A body whose frames are all there at once: `frames`, then Pending if it `stall`s, else
/// its end.
struct Frames {
    frames: std::collections::VecDeque<Frame<Bytes>>,
    stall: bool,
}

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        match self.frames.pop_front() {
            Some(frame) => Poll::Ready(Some(Ok(frame))),
            None if self.stall => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

fn data(n: usize) -> Vec<Frame<Bytes>> {
    (0..n)
        .map(|_| Frame::data(Bytes::from_static(b"x")))
        .collect()
}

fn ok_trailers() -> Frame<Bytes> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    Frame::trailers(trailers)
}

/// The rest of a driver for the attempt in slot 0: counts its polls; ends the call when its
/// attempt's close is reported, or at its first poll with `status` if one is given (a
/// deadline that fired).
fn tail(end: &Arc<CallEnd>, status: Option<Code>) -> (Tail, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let (end, counted) = (Arc::clone(end), Arc::clone(&polls));
    let tail = futures_util::future::poll_fn(move |cx| {
        counted.fetch_add(1, Ordering::Relaxed);
        let code = match status {
            Some(code) => code,
            None => std::task::ready!(end.poll_close(0, cx)).status,
        };
        end.finish(code);
        Poll::Ready(())
    });
    (Box::pin(tail), polls)
}

fn body(end: &Arc<CallEnd>, frames: Vec<Frame<Bytes>>, stall: bool) -> LiveBody {
    let frames = Frames {
        frames: frames.into(),
        stall,
    };
    LiveBody::watched(Body::new(frames), 0, Arc::clone(end))
}

fn poll(body: &mut LiveBody) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
    let waker = futures_util::task::noop_waker();
    http_body::Body::poll_frame(Pin::new(body), &mut Context::from_waker(&waker))
}

fn status_of(polled: Poll<Option<Result<Frame<Bytes>, Status>>>) -> Option<String> {
    match polled {
        Poll::Ready(Some(Ok(frame))) => {
            let trailers = frame.into_trailers().ok()?;
            Some(trailers.get("grpc-status")?.to_str().ok()?.to_string())
        }
        _ => None,
    }
}

#[test]
fn frames_there_at_once_run_the_driver_only_once_the_close_is_told() {
    let end = end();
    let (rest, polls) = tail(&end, None);
    let mut frames = data(2);
    frames.push(ok_trailers());
    let mut body = body(&end, frames, false);
    body.attach_tail(rest);
    assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(f))) if f.is_data()));
    assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(f))) if f.is_data()));
    assert_eq!(
        polls.load(Ordering::Relaxed),
        0,
        "nothing for the driver yet"
    );
    assert_eq!(status_of(poll(&mut body)).as_deref(), Some("0"));
    assert_eq!(polls.load(Ordering::Relaxed), 1);
    assert_eq!(
        end.final_status(),
        Some(Code::Ok),
        "the driver saw the close"
    );
    let _ = poll(&mut body);
    assert_eq!(polls.load(Ordering::Relaxed), 1, "the driver is done");
}

#[test]
fn a_stalled_body_runs_the_driver_and_ends_with_the_calls_status_r77() {
    let end = end();
    let (rest, polls) = tail(&end, Some(Code::DeadlineExceeded));
    let mut body = body(&end, data(1), true);
    body.attach_tail(rest);
    assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(f))) if f.is_data()));
    assert_eq!(polls.load(Ordering::Relaxed), 0);
    // Pending from the stream: the driver runs (its timer fired) and the body ends.
    assert_eq!(status_of(poll(&mut body)).as_deref(), Some("4"));
    assert_eq!(polls.load(Ordering::Relaxed), 1);
    assert!(matches!(poll(&mut body), Poll::Ready(None)));
}

#[test]
fn a_stalled_body_gives_the_driver_its_waker_r77() {
    let end = end();
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&polls);
    let pending = futures_util::future::poll_fn(move |_| {
        counted.fetch_add(1, Ordering::Relaxed);
        Poll::<()>::Pending
    });
    let mut body = body(&end, Vec::new(), true);
    body.attach_tail(Box::pin(pending));
    assert!(poll(&mut body).is_pending());
    assert!(poll(&mut body).is_pending());
    assert_eq!(polls.load(Ordering::Relaxed), 2, "once per Pending");
}

#[test]
fn a_past_deadline_ends_a_body_whose_frames_keep_coming_r77() {
    let end = end();
    let (rest, polls) = tail(&end, Some(Code::DeadlineExceeded));
    let mut body = body(&end, data(100), false).until(Some(Instant::now()));
    body.attach_tail(rest);
    assert_eq!(status_of(poll(&mut body)).as_deref(), Some("4"));
    assert_eq!(polls.load(Ordering::Relaxed), 1);
    // The attempt is told it was cancelled (the stream is reset).
    let waker = futures_util::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    let close = end.poll_close(0, &mut cx).map(|c| c.status);
    assert_eq!(close, Poll::Ready(Code::Cancelled));
}

#[test]
fn a_deadline_still_ahead_lets_ready_frames_through_without_the_driver() {
    let end = end();
    let (rest, polls) = tail(&end, Some(Code::DeadlineExceeded));
    let later = Instant::now() + std::time::Duration::from_secs(3600);
    let mut body = body(&end, data(3), false).until(Some(later));
    body.attach_tail(rest);
    for _ in 0..3 {
        assert!(matches!(poll(&mut body), Poll::Ready(Some(Ok(f))) if f.is_data()));
    }
    assert_eq!(polls.load(Ordering::Relaxed), 0);
}
