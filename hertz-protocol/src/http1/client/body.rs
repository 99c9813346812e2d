//! Decoding response bodies incrementally from buffered bytes.

use bytes::{Buf, Bytes, BytesMut};
use hertz_transport::Conn;

use super::{Error, ErrorKind};
use crate::http1::ChunkedDecoder;
use crate::{HeaderMap, StatusCode};

/// Largest trailer section accepted after a chunked body.
const MAX_TRAILERS: usize = 16 * 1024;

/// Buffered input the client side reads from: a transport connection's read buffer, or a
/// `BytesMut` in tests. Reading from the socket is the caller's business.
pub trait Source {
    /// Number of buffered bytes.
    fn buffered(&self) -> usize;
    /// The first `min(n, buffered())` bytes, not consumed.
    fn peek(&mut self, n: usize) -> &[u8];
    /// Consumes `min(n, buffered())` bytes.
    fn skip(&mut self, n: usize);
    /// Takes the first `min(n, buffered())` bytes out without copying.
    fn take(&mut self, n: usize) -> Bytes;
}

impl Source for dyn Conn {
    fn buffered(&self) -> usize {
        self.len()
    }
    fn peek(&mut self, n: usize) -> &[u8] {
        Conn::peek(self, n)
    }
    fn skip(&mut self, n: usize) {
        Conn::skip(self, n)
    }
    fn take(&mut self, n: usize) -> Bytes {
        self.read_bytes(n)
    }
}

impl Source for BytesMut {
    fn buffered(&self) -> usize {
        self.len()
    }
    fn peek(&mut self, n: usize) -> &[u8] {
        &self[..n.min(self.len())]
    }
    fn skip(&mut self, n: usize) {
        self.advance(n.min(self.len()));
    }
    fn take(&mut self, n: usize) -> Bytes {
        self.split_to(n.min(self.len())).freeze()
    }
}

/// One step of [`BodyDecoder::decode`].
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Body bytes, in order.
    Data(Bytes),
    /// Nothing decodable is buffered: read more from the connection, then call again (or
    /// [`BodyDecoder::eof`] if the connection closed).
    NeedMore,
    /// The body is complete.
    Done,
}

/// Where the decoder is: the body's framing and how far it has got.
#[derive(Debug)]
enum State {
    /// `Content-Length`: this many bytes left.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked(ChunkedDecoder),
    /// No length: everything until the server closes; this many bytes seen so far.
    UntilClose(u64),
    /// The body is complete.
    Done,
}

/// Incremental response body decoder (RFC 9112 §6.3, §7.1).
#[derive(Debug)]
pub struct BodyDecoder {
    state: State,
    max_body: u64,
    trailers: HeaderMap,
    scratch: BytesMut,
}

impl BodyDecoder {
    fn with_state(state: State, max_body: usize) -> Self {
        BodyDecoder {
            state,
            max_body: max_body as u64,
            trailers: HeaderMap::new(),
            scratch: BytesMut::new(),
        }
    }

    /// A body that is empty by definition (HEAD, 1xx, 204, 304).
    pub fn empty() -> Self {
        Self::with_state(State::Done, 0)
    }

    /// A `Content-Length: len` body.
    pub fn length(len: u64) -> Self {
        let state = if len == 0 {
            State::Done
        } else {
            State::Length(len)
        };
        Self::with_state(state, usize::MAX)
    }

    /// A chunked body of at most `max_body` bytes of data.
    pub fn chunked(max_body: usize) -> Self {
        Self::with_state(
            State::Chunked(ChunkedDecoder::new(max_body, MAX_TRAILERS)),
            max_body,
        )
    }

    /// A body delimited by the connection closing, of at most `max_body` bytes.
    pub fn until_close(max_body: usize) -> Self {
        Self::with_state(State::UntilClose(0), max_body)
    }

    /// Whether the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Bytes of a `Content-Length` body still to come (a capacity hint).
    pub fn remaining(&self) -> Option<u64> {
        match self.state {
            State::Length(n) => Some(n),
            State::Done => Some(0),
            _ => None,
        }
    }

    /// Trailer fields of a chunked body (available once it is done).
    pub fn trailers(&self) -> &HeaderMap {
        &self.trailers
    }

    /// Decodes the next piece of body from what `src` has buffered. `Content-Length` and
    /// read-to-close bodies are handed out as slices of the source's buffer (no copy);
    /// chunked data is copied out of its framing.
    ///
    /// # Errors
    /// [`ErrorKind::Malformed`] for bad chunk framing, [`ErrorKind::BodyTooLarge`] past the
    /// limit. The connection cannot be reused after an error.
    pub fn decode<S: Source + ?Sized>(&mut self, src: &mut S) -> Result<Decoded, Error> {
        let available = src.buffered();
        match &mut self.state {
            State::Done => Ok(Decoded::Done),
            State::Length(left) => {
                if available == 0 {
                    return Ok(Decoded::NeedMore);
                }
                let take = available.min(usize::try_from(*left).unwrap_or(usize::MAX));
                *left -= take as u64;
                if *left == 0 {
                    self.state = State::Done;
                }
                Ok(Decoded::Data(src.take(take)))
            }
            State::UntilClose(seen) => {
                if available == 0 {
                    return Ok(Decoded::NeedMore);
                }
                *seen = seen.saturating_add(available as u64);
                if *seen > self.max_body {
                    return Err(too_large());
                }
                Ok(Decoded::Data(src.take(available)))
            }
            State::Chunked(chunked) => {
                if available == 0 {
                    return Ok(Decoded::NeedMore);
                }
                let consumed = chunked
                    .decode(src.peek(available), &mut self.scratch, &mut self.trailers)
                    .map_err(|reject| match reject.status {
                        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                            Error::new(ErrorKind::HeadTooLarge, "trailer section too large")
                        }
                        _ => Error::malformed(reject.reason),
                    })?;
                src.skip(consumed);
                let done = chunked.is_done();
                if done {
                    self.state = State::Done;
                }
                if !self.scratch.is_empty() {
                    Ok(Decoded::Data(self.scratch.split().freeze()))
                } else if done {
                    Ok(Decoded::Done)
                } else {
                    Ok(Decoded::NeedMore)
                }
            }
        }
    }

    /// The connection reached end-of-stream: completes a read-to-close body.
    ///
    /// # Errors
    /// [`ErrorKind::UnexpectedEof`] when the framing says more was due.
    pub fn eof(&mut self) -> Result<(), Error> {
        match self.state {
            State::Done => Ok(()),
            State::UntilClose(_) => {
                self.state = State::Done;
                Ok(())
            }
            State::Length(_) => Err(Error::new(
                ErrorKind::UnexpectedEof,
                "connection closed before Content-Length bytes arrived",
            )),
            State::Chunked(_) => Err(Error::new(
                ErrorKind::UnexpectedEof,
                "connection closed inside a chunked body",
            )),
        }
    }

    #[cfg(test)]
    pub(crate) fn describe(&self) -> String {
        match &self.state {
            State::Length(n) => format!("length({n})"),
            State::Chunked(_) => "chunked".into(),
            State::UntilClose(_) => "until close".into(),
            State::Done if self.max_body == 0 => "empty".into(),
            State::Done => "length(0)".into(),
        }
    }
}

fn too_large() -> Error {
    Error::new(ErrorKind::BodyTooLarge, "response body too large")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in pieces of `step` bytes; returns the body or the error.
    fn run(mut decoder: BodyDecoder, input: &[u8], step: usize) -> Result<Vec<u8>, Error> {
        let mut src = BytesMut::new();
        let mut body = Vec::new();
        let mut fed = 0;
        loop {
            match decoder.decode(&mut src)? {
                Decoded::Data(b) => body.extend_from_slice(&b),
                Decoded::Done => return Ok(body),
                Decoded::NeedMore if fed < input.len() => {
                    let end = (fed + step).min(input.len());
                    src.extend_from_slice(&input[fed..end]);
                    fed = end;
                }
                Decoded::NeedMore => {
                    decoder.eof()?;
                    return Ok(body);
                }
            }
        }
    }

    #[test]
    fn length_body_stops_at_its_length() {
        for step in [1, 3, 100] {
            let mut src = BytesMut::from(&b"hello world"[..]);
            let mut d = BodyDecoder::length(5);
            let mut body = Vec::new();
            while let Decoded::Data(b) = d.decode(&mut src).unwrap() {
                body.extend_from_slice(&b);
            }
            assert_eq!(body, b"hello");
            assert_eq!(&src[..], b" world");
            assert_eq!(
                run(BodyDecoder::length(5), b"hello", step).unwrap(),
                b"hello"
            );
        }
    }

    #[test]
    fn short_length_body_is_unexpected_eof() {
        let err = run(BodyDecoder::length(10), b"hello", 2).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    }

    #[test]
    fn chunked_in_any_split() {
        let input = b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
        for step in 1..input.len() {
            let body = run(BodyDecoder::chunked(1024), input, step).unwrap();
            assert_eq!(body, b"hello world", "step {step}");
        }
    }

    #[test]
    fn bad_chunks_are_malformed() {
        for input in [
            &b"zz\r\nhello\r\n0\r\n\r\n"[..],
            b"5\r\nhelloXX0\r\n\r\n",
            b"fffffffffffffffffff\r\n",
        ] {
            let err = run(BodyDecoder::chunked(1 << 20), input, 4).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Malformed, "{input:?}");
        }
        let err = run(BodyDecoder::chunked(1 << 20), b"5\r\nhel", 4).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        let err = run(BodyDecoder::chunked(4), b"5\r\nhello\r\n0\r\n\r\n", 4).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
    }

    #[test]
    fn until_close() {
        assert_eq!(
            run(BodyDecoder::until_close(100), b"all of it", 2).unwrap(),
            b"all of it"
        );
        let err = run(BodyDecoder::until_close(3), b"all of it", 2).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
    }
}
