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

#[cfg(test)]
mod tests {
    use super::*;

    /// Three chunks (one with extensions, one spanning CRLFs of its own) and two trailers.
    const BODY: &[u8] =
        b"4;ext=1\r\nWiki\r\n5 ; name=\"q\" ;flag\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n\
                          0;last\r\nX-Trailer: one\r\nX-Other:\ttwo\r\n\r\n";
    const DECODED: &[u8] = b"Wikipedia in\r\n\r\nchunks.";

    /// What a whole decode produced.
    #[derive(Debug, PartialEq)]
    struct Decoded {
        body: Vec<u8>,
        trailers: Vec<(Vec<u8>, Vec<u8>)>,
        consumed: usize,
    }

    /// Feeds `pieces` the way a connection does: each piece is appended to a buffer, the
    /// decoder consumes a prefix, and whatever it left is fed again with the next piece.
    fn feed(pieces: &[&[u8]], max_body: usize, max_trailers: usize) -> Result<Decoded, Reject> {
        let mut decoder = ChunkedDecoder::new(max_body, max_trailers);
        let mut body = BytesMut::new();
        let mut trailers = HeaderMap::new();
        let mut pending = Vec::new();
        let mut consumed = 0;
        for (i, piece) in pieces.iter().enumerate() {
            assert!(
                !decoder.is_done(),
                "done before piece {i} of {}",
                pieces.len()
            );
            pending.extend_from_slice(piece);
            let n = decoder.decode(&pending, &mut body, &mut trailers)?;
            assert!(n <= pending.len());
            pending.drain(..n);
            consumed += n;
        }
        assert!(
            decoder.is_done(),
            "not done after all {} pieces",
            pieces.len()
        );
        assert!(
            pending.is_empty(),
            "left {:?}",
            String::from_utf8_lossy(&pending)
        );
        Ok(Decoded {
            body: body.to_vec(),
            trailers: trailers
                .iter()
                .map(|(n, v)| (n.to_vec(), v.to_vec()))
                .collect(),
            consumed,
        })
    }

    fn expected() -> Decoded {
        Decoded {
            body: DECODED.to_vec(),
            trailers: vec![
                (b"X-Trailer".to_vec(), b"one".to_vec()),
                (b"X-Other".to_vec(), b"two".to_vec()),
            ],
            consumed: BODY.len(),
        }
    }

    const MAX: usize = 1 << 20;

    #[test]
    fn whole() {
        assert_eq!(feed(&[BODY], MAX, MAX), Ok(expected()));
    }

    #[test]
    fn split_at_every_byte_boundary() {
        for cut in 1..BODY.len() {
            let (a, b) = BODY.split_at(cut);
            assert_eq!(feed(&[a, b], MAX, MAX), Ok(expected()), "cut at {cut}");
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let pieces: Vec<&[u8]> = BODY.chunks(1).collect();
        assert_eq!(feed(&pieces, MAX, MAX), Ok(expected()));
    }

    #[test]
    fn empty_feeds_consume_nothing() {
        let mut decoder = ChunkedDecoder::new(MAX, MAX);
        let mut body = BytesMut::new();
        let mut trailers = HeaderMap::new();
        assert_eq!(decoder.decode(b"", &mut body, &mut trailers), Ok(0));
        assert_eq!(decoder.decode(b"4\r", &mut body, &mut trailers), Ok(0));
        assert_eq!(decoder.decode(b"4\r\nab", &mut body, &mut trailers), Ok(5));
        assert_eq!(decoder.decode(b"", &mut body, &mut trailers), Ok(0));
        assert_eq!(&body[..], b"ab");
        assert!(!decoder.is_done());
    }

    #[test]
    fn zero_length_body() {
        let done = feed(&[b"0\r\n\r\n"], MAX, MAX).unwrap();
        assert_eq!(done.body, b"");
        assert!(done.trailers.is_empty());
        assert_eq!(done.consumed, 5);
        // Upper-case hex and leading zeros are fine.
        let done = feed(&[b"0A\r\n0123456789\r\n000\r\n\r\n"], MAX, MAX).unwrap();
        assert_eq!(done.body, b"0123456789");
    }

    #[test]
    fn stops_at_the_end_of_the_body() {
        // The next pipelined request stays in the buffer.
        let mut input = BODY.to_vec();
        input.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
        let mut decoder = ChunkedDecoder::new(MAX, MAX);
        let mut body = BytesMut::new();
        let mut trailers = HeaderMap::new();
        assert_eq!(
            decoder.decode(&input, &mut body, &mut trailers),
            Ok(BODY.len())
        );
        assert!(decoder.is_done());
        assert_eq!(
            decoder.decode(&input[BODY.len()..], &mut body, &mut trailers),
            Ok(0)
        );

        let mut decoder = ChunkedDecoder::new(MAX, MAX);
        let input = b"1\r\na\r\n0\r\n\r\nGET";
        assert_eq!(
            decoder.decode(input, &mut body, &mut trailers),
            Ok(input.len() - 3)
        );
    }

    #[test]
    fn errors() {
        // (name, input, max_body, max_trailers, status)
        let rows: &[(&str, &[u8], usize, usize, u16)] = &[
            ("bad hex", b"zz\r\n", MAX, MAX, 400),
            ("hex then junk", b"5x\r\nhello\r\n", MAX, MAX, 400),
            ("empty size", b"\r\n", MAX, MAX, 400),
            ("bare LF as the size line", b"\n", MAX, MAX, 400),
            ("sign", b"+5\r\nhello\r\n", MAX, MAX, 400),
            ("0x prefix", b"0x5\r\nhello\r\n", MAX, MAX, 400),
            ("16 hex digits", b"0000000000000001\r\nx\r\n", MAX, MAX, 400),
            ("17 hex digits", b"fffffffffffffffff\r\n", MAX, MAX, 400),
            ("bare LF after size", b"3\nabc\r\n0\r\n\r\n", MAX, MAX, 400),
            ("bare CR in extension", b"3;a\rb\r\nabc\r\n", MAX, MAX, 400),
            (
                "control byte in extension",
                b"3;a\x01\r\nabc\r\n",
                MAX,
                MAX,
                400,
            ),
            (
                "missing CRLF after data",
                b"3\r\nabcX\r\n0\r\n\r\n",
                MAX,
                MAX,
                400,
            ),
            ("CR then junk after data", b"3\r\nabc\rX", MAX, MAX, 400),
            ("LF only after data", b"3\r\nabc\n0\r\n\r\n", MAX, MAX, 400),
            ("data longer than its size", b"3\r\nabcd\r\n", MAX, MAX, 400),
            ("one chunk too large", b"b\r\n", 10, MAX, 413),
            (
                "total too large",
                b"6\r\nabcdef\r\n5\r\nghijk\r\n",
                10,
                MAX,
                413,
            ),
            (
                "15 hex digits, too large",
                b"fffffffffffffff\r\n",
                MAX,
                MAX,
                413,
            ),
            ("size line too long", &[b'1'; 5000], MAX, MAX, 400),
            (
                "trailer section too large",
                b"0\r\nX-Long: aaaaaaaaaaaaaaaa\r\n\r\n",
                MAX,
                16,
                431,
            ),
            (
                "unfinished trailer section too large",
                b"0\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                MAX,
                16,
                431,
            ),
            ("malformed trailer", b"0\r\nno colon\r\n\r\n", MAX, MAX, 400),
        ];
        for &(name, input, max_body, max_trailers, status) in rows {
            let mut decoder = ChunkedDecoder::new(max_body, max_trailers);
            let got = decoder.decode(input, &mut BytesMut::new(), &mut HeaderMap::new());
            assert_eq!(
                got.map_err(|r| r.status.as_u16()),
                Err(status),
                "{name}: {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn errors_are_the_same_when_split() {
        // A framing error is found however the bytes arrive.
        let input: &[u8] = b"3\r\nabc\r\n3\nabc\r\n";
        for cut in 1..input.len() {
            let (a, b) = input.split_at(cut);
            let got = feed(&[a, b], MAX, MAX);
            assert_eq!(
                got.map(|_| ()).map_err(|r| r.status.as_u16()),
                Err(400),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let done = feed(&[b"5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"], 10, MAX).unwrap();
        assert_eq!(done.body, b"abcdefghij");
        // The trailer section, blank line included, may be exactly the limit.
        let section: &[u8] = b"X-A: b\r\n\r\n";
        let input = [&b"0\r\n"[..], section].concat();
        let done = feed(&[&input], MAX, section.len()).unwrap();
        assert_eq!(done.trailers, [(b"X-A".to_vec(), b"b".to_vec())]);
        let mut decoder = ChunkedDecoder::new(MAX, section.len() - 1);
        assert_eq!(
            decoder
                .decode(&input, &mut BytesMut::new(), &mut HeaderMap::new())
                .map_err(|r| r.status.as_u16()),
            Err(431)
        );
    }

    /// xorshift64: deterministic, dependency-free randomness for the robustness test.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// How decoding `pieces` ends: body, trailers, whether done, bytes left unconsumed; or
    /// the refusal's status.
    type End = Result<(Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>, bool, usize), u16>;

    fn decode_pieces(pieces: &[&[u8]], max_body: usize, max_trailers: usize) -> End {
        let mut decoder = ChunkedDecoder::new(max_body, max_trailers);
        let mut body = BytesMut::new();
        let mut trailers = HeaderMap::new();
        let mut pending = Vec::new();
        for piece in pieces {
            pending.extend_from_slice(piece);
            let n = decoder
                .decode(&pending, &mut body, &mut trailers)
                .map_err(|r| r.status.as_u16())?;
            assert!(n <= pending.len());
            pending.drain(..n);
        }
        let trailers = trailers
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect();
        Ok((body.to_vec(), trailers, decoder.is_done(), pending.len()))
    }

    #[test]
    fn random_bodies_never_panic() {
        const FRAGMENTS: &[&[u8]] = &[
            b"0",
            b"1",
            b"5",
            b"a",
            b"F",
            b"fffffffffffffff",
            b";ext=1",
            b" ",
            b"\t",
            b"\r\n",
            b"\r",
            b"\n",
            b":",
            b"X-T: v",
            b"hello",
            b"Transfer-Encoding:",
            b"Content-Length:",
            b"chunked",
            b"0\r\n\r\n",
        ];
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        let mut finished = 0;
        for i in 0..20_000 {
            let mut input = Vec::new();
            for _ in 0..rng.below(24) {
                if rng.below(3) == 0 {
                    input.push(rng.next() as u8);
                } else {
                    input.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())]);
                }
            }
            let (max_body, max_trailers) = if i % 2 == 0 { (MAX, MAX) } else { (8, 8) };
            // However the bytes are split, the decoder must come to the same end.
            let whole = decode_pieces(&[&input], max_body, max_trailers);
            let cut = rng.below(input.len() + 1);
            let (a, b) = input.split_at(cut);
            let halves = decode_pieces(&[a, b], max_body, max_trailers);
            assert_eq!(
                whole,
                halves,
                "{:?} cut at {cut}",
                String::from_utf8_lossy(&input)
            );
            if i % 10 == 0 {
                let bytes: Vec<&[u8]> = input.chunks(1).collect();
                let single = decode_pieces(&bytes, max_body, max_trailers);
                assert_eq!(
                    whole,
                    single,
                    "{:?} byte by byte",
                    String::from_utf8_lossy(&input)
                );
            }
            if let Ok((body, _, true, _)) = &whole {
                assert!(body.len() <= max_body);
                finished += 1;
            }
        }
        assert!(finished > 100, "only {finished} random bodies completed");
    }
}
