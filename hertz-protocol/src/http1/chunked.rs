//! Decoding `Transfer-Encoding: chunked` request bodies (RFC 9112 §7.1).

use bytes::{Bytes, BytesMut};

use super::Reject;
use crate::{HeaderMap, StatusCode};

/// Longest chunk-size line accepted (size, extensions and CRLF).
const MAX_SIZE_LINE: usize = 4096;

/// Where the decoder is in the chunked grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a chunk-size line.
    Size,
    /// Inside chunk data; this many bytes left.
    Data(u64),
    /// Expecting the CRLF that ends chunk data.
    DataEnd,
    /// After the last chunk: expecting trailer fields and the final CRLF.
    Trailers,
    /// The body is complete.
    Done,
}

/// Incremental decoder of a chunked body: feed it whatever is buffered, it consumes what it
/// can. Used by the server for request bodies; clients use it for response bodies.
#[derive(Debug)]
pub struct ChunkedDecoder {
    state: State,
    total: u64,
    max_body: u64,
    max_trailers: usize,
}

impl ChunkedDecoder {
    /// A decoder refusing bodies over `max_body` bytes (`413`) and trailer sections over
    /// `max_trailers` bytes (`431`).
    pub fn new(max_body: usize, max_trailers: usize) -> Self {
        ChunkedDecoder {
            state: State::Size,
            total: 0,
            max_body: max_body as u64,
            max_trailers,
        }
    }

    /// Whether the final CRLF has been consumed.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `buf`, appending chunk data to `body` and trailer fields to `trailers`.
    /// Returns how many bytes of `buf` were consumed; stops early when it needs more input.
    ///
    /// # Errors
    /// A [`Reject`] naming the framing error (bad size, missing CRLF, too large).
    pub fn decode(
        &mut self,
        buf: &[u8],
        body: &mut BytesMut,
        trailers: &mut HeaderMap,
    ) -> Result<usize, Reject> {
        let mut at = 0;
        loop {
            let rest = &buf[at..];
            match self.state {
                State::Done => return Ok(at),
                State::Size => {
                    let Some(line_len) = find_crlf(rest, MAX_SIZE_LINE)? else {
                        return Ok(at);
                    };
                    let size = parse_size(&rest[..line_len])?;
                    self.total = self.total.saturating_add(size);
                    if self.total > self.max_body {
                        return Err(too_large());
                    }
                    at += line_len + 2;
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::Data(size)
                    };
                }
                State::Data(left) => {
                    if rest.is_empty() {
                        return Ok(at);
                    }
                    let take = rest.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    body.extend_from_slice(&rest[..take]);
                    at += take;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                }
                State::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        at += 2;
                        self.state = State::Size;
                    }
                    [] | [b'\r'] => return Ok(at),
                    _ => return Err(Reject::bad("missing CRLF after chunk data")),
                },
                State::Trailers => {
                    if rest.starts_with(b"\r\n") {
                        at += 2;
                        self.state = State::Done;
                        continue;
                    }
                    let Some(end) = find_blank_line(rest, self.max_trailers)? else {
                        return Ok(at);
                    };
                    parse_trailers(&rest[..end], trailers)?;
                    at += end;
                    self.state = State::Done;
                }
            }
        }
    }
}

fn too_large() -> Reject {
    Reject::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
}

/// Length of the line before the first CRLF in `buf`; `None` if it is not complete yet.
fn find_crlf(buf: &[u8], max: usize) -> Result<Option<usize>, Reject> {
    match buf.iter().take(max).position(|&b| b == b'\n') {
        Some(0) => Err(Reject::bad("missing chunk size")),
        Some(lf) if buf[lf - 1] == b'\r' => Ok(Some(lf - 1)),
        Some(_) => Err(Reject::bad("chunk size line not ended by CRLF")),
        None if buf.len() >= max => Err(Reject::bad("chunk size line too long")),
        None => Ok(None),
    }
}

/// `chunk-size [ chunk-ext ]`: 1*HEXDIG, then optional `;`-extensions we ignore.
fn parse_size(line: &[u8]) -> Result<u64, Reject> {
    let digits_len = line
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(line.len());
    let (digits, ext) = line.split_at(digits_len);
    if digits.is_empty() {
        return Err(Reject::bad("invalid chunk size"));
    }
    if digits.len() > 15 {
        return Err(Reject::bad("chunk size overflows"));
    }
    let ext = trim_bws(ext);
    if !ext.is_empty()
        && (ext[0] != b';' || ext.iter().any(|&b| b.is_ascii_control() && b != b'\t'))
    {
        return Err(Reject::bad("invalid chunk extension"));
    }
    Ok(digits.iter().fold(0u64, |n, &d| {
        n * 16 + u64::from((d as char).to_digit(16).unwrap_or(0))
    }))
}

/// Bad whitespace allowed before a chunk extension (RFC 9112 §7.1.1).
fn trim_bws(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    v
}

/// Length of the trailer section up to and including its terminating blank line.
fn find_blank_line(buf: &[u8], max: usize) -> Result<Option<usize>, Reject> {
    match buf.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) if i + 4 <= max => Ok(Some(i + 4)),
        Some(_) => Err(Reject::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "trailer section too large",
        )),
        None if buf.len() > max => Err(Reject::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "trailer section too large",
        )),
        None => Ok(None),
    }
}

fn parse_trailers(section: &[u8], trailers: &mut HeaderMap) -> Result<(), Reject> {
    let mut fields = [httparse::EMPTY_HEADER; 32];
    match httparse::parse_headers(section, &mut fields) {
        Ok(httparse::Status::Complete((_, fields))) => {
            for field in fields {
                trailers.append(
                    Bytes::copy_from_slice(field.name.as_bytes()),
                    Bytes::copy_from_slice(field.value),
                );
            }
            Ok(())
        }
        _ => Err(Reject::bad("malformed trailer section")),
    }
}
