//! Streamed request bodies: the handler reads the body while it arrives.
//!
//! With [`ServerConfig::stream_body`](crate::ServerConfig::stream_body) on, the server does not
//! read a body before calling the core. The request carries a stream instead, and the
//! connection loop reads from the socket only when that stream asks for more — one chunk at a
//! time. A slow handler therefore slows the client through TCP flow control, and an upload of
//! any size passes through a bounded amount of memory.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use hertz_transport::Conn;

use super::chunked::ChunkedDecoder;
use super::parse::BodyFraming;
use super::Reject;
use crate::HeaderMap;

/// Between the handler's stream and the connection loop that feeds it.
#[derive(Debug, Default)]
struct Pipe {
    state: Mutex<PipeState>,
}

#[derive(Debug, Default)]
struct PipeState {
    chunks: VecDeque<Bytes>,
    /// How the body ended: completely, or with an error the stream reports.
    end: Option<Result<(), (io::ErrorKind, &'static str)>>,
    /// The stream is waiting for a chunk.
    wanted: bool,
    reader: Option<Waker>,
    feeder: Option<Waker>,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, PipeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The handler's end: a `Stream` of body chunks.
#[derive(Debug)]
pub(crate) struct BodyReader {
    pipe: Arc<Pipe>,
}

impl Stream for BodyReader {
    type Item = io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut state = self.pipe.lock();
        if let Some(chunk) = state.chunks.pop_front() {
            return Poll::Ready(Some(Ok(chunk)));
        }
        match state.end {
            Some(Ok(())) => return Poll::Ready(None),
            Some(Err((kind, why))) => return Poll::Ready(Some(Err(io::Error::new(kind, why)))),
            None => {}
        }
        state.wanted = true;
        if !state
            .reader
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            state.reader = Some(cx.waker().clone());
        }
        if let Some(feeder) = state.feeder.take() {
            feeder.wake();
        }
        Poll::Pending
    }
}

/// The connection loop's end: turns buffered input into chunks on demand.
#[derive(Debug)]
pub(crate) struct BodyFeeder {
    pipe: Arc<Pipe>,
    framing: Feed,
    /// Trailers of a streamed chunked body are read and dropped: the request they would go
    /// to is in the handler's hands.
    trailers: HeaderMap,
}

#[derive(Debug)]
enum Feed {
    Remaining(u64),
    Chunked(ChunkedDecoder, BytesMut),
    Done,
}

/// What one [`BodyFeeder::feed`] call achieved.
pub(crate) enum Fed {
    /// A chunk was handed over, or the body ended.
    Progress,
    /// Everything buffered is consumed; the socket must be read.
    NeedInput,
}

impl BodyFeeder {
    /// A feeder for a body framed as `framing`, and the stream for the handler.
    pub(crate) fn new(framing: BodyFraming, max_trailers: usize) -> (BodyFeeder, BodyReader) {
        let pipe = Arc::new(Pipe::default());
        let framing = match framing {
            BodyFraming::Empty => Feed::Done,
            BodyFraming::Length(n) => Feed::Remaining(n),
            BodyFraming::Chunked => Feed::Chunked(
                ChunkedDecoder::new(usize::MAX, max_trailers),
                BytesMut::new(),
            ),
        };
        let feeder = BodyFeeder {
            pipe: pipe.clone(),
            framing,
            trailers: HeaderMap::new(),
        };
        if matches!(feeder.framing, Feed::Done) {
            feeder.finish(Ok(()));
        }
        (feeder, BodyReader { pipe })
    }

    /// Whether the whole body was read from the connection.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self.framing, Feed::Done)
    }

    /// Whether the stream waits for a chunk; remembers `cx` to be woken when it does.
    pub(crate) fn wanted(&self, cx: &Context<'_>) -> bool {
        let mut state = self.pipe.lock();
        if !state
            .feeder
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            state.feeder = Some(cx.waker().clone());
        }
        state.wanted && state.chunks.is_empty() && state.end.is_none()
    }

    /// Hands over what `conn` has buffered of the body.
    pub(crate) fn feed(&mut self, conn: &mut dyn Conn) -> Result<Fed, Reject> {
        let (chunk, done) = match &mut self.framing {
            Feed::Done => return Ok(Fed::Progress),
            Feed::Remaining(left) => {
                let take = (*left).min(conn.len() as u64) as usize;
                if take == 0 {
                    return Ok(Fed::NeedInput);
                }
                *left -= take as u64;
                (conn.read_bytes(take), *left == 0)
            }
            Feed::Chunked(decoder, out) => {
                let len = conn.len();
                let used = decoder.decode(conn.peek(len), out, &mut self.trailers)?;
                conn.skip(used);
                if out.is_empty() && !decoder.is_done() {
                    return Ok(Fed::NeedInput);
                }
                (out.split().freeze(), decoder.is_done())
            }
        };
        if !chunk.is_empty() {
            let mut state = self.pipe.lock();
            state.chunks.push_back(chunk);
            state.wanted = false;
            if let Some(reader) = state.reader.take() {
                reader.wake();
            }
        }
        if done {
            self.framing = Feed::Done;
            self.finish(Ok(()));
        }
        Ok(Fed::Progress)
    }

    /// Ends the stream: completely, or with an error the handler sees.
    pub(crate) fn finish(&self, end: Result<(), (io::ErrorKind, &'static str)>) {
        let mut state = self.pipe.lock();
        if state.end.is_none() {
            state.end = Some(end);
        }
        if let Some(reader) = state.reader.take() {
            reader.wake();
        }
    }
}
