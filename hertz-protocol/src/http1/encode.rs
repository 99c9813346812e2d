//! Writing response heads and bodies into the connection's output buffer.

use std::time::Instant;

use bytes::{BufMut, BytesMut};

use super::swar::{has_below, has_byte, has_del_or_above};
use super::{head_cache, Reject};
use crate::date::with_date_line;
use crate::{Response, StatusCode, Version};

/// How the body will be framed on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `Content-Length: n` (the body may still be omitted, for HEAD).
    Length(usize),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// No length: the body ends when the connection closes (HTTP/1.0 streams).
    UntilClose,
    /// A status that never has a body (1xx, 204, 304).
    NoBody,
}

/// Header fields the protocol owns: a handler's values for them are replaced, not sent twice.
fn is_framing_field(name: &[u8]) -> bool {
    ["content-length", "transfer-encoding", "connection"]
        .iter()
        .any(|f| name.eq_ignore_ascii_case(f.as_bytes()))
}

/// Field names and values that could split the response are dropped (and logged) instead of
/// sent: a handler echoing user input must not be able to inject header lines. A name must be
/// visible ASCII without `:`; a value must not hold CR, LF or NUL.
fn is_safe(name: &[u8], value: &[u8]) -> bool {
    !name.is_empty() && !any_word(name, bad_name_bytes) && !any_word(value, bad_value_bytes)
}

/// Whether `test` finds a bad byte in any 8-byte word of `bytes`, a word at a time, as every
/// field of every response passes here. The last word overlaps the one before it instead of
/// being padded (no copy); a field shorter than a word is padded with `a`, which both tests
/// accept.
#[inline]
fn any_word(bytes: &[u8], test: fn(u64) -> bool) -> bool {
    const PAD: [u8; 8] = [b'a'; 8];
    let word_at = |at: usize| {
        let word = bytes.get(at..at + 8).and_then(|w| w.try_into().ok());
        u64::from_le_bytes(word.unwrap_or(PAD))
    };
    let len = bytes.len();
    if len < 8 {
        let mut word = PAD;
        word.iter_mut().zip(bytes).for_each(|(slot, &b)| *slot = b);
        return test(u64::from_le_bytes(word));
    }
    let mut bad = test(word_at(len - 8));
    let mut at = 0;
    while at + 8 <= len {
        bad |= test(word_at(at));
        at += 8;
    }
    bad
}

/// A byte that is not visible ASCII (below `!`, DEL, or non-ASCII), or a colon.
fn bad_name_bytes(word: u64) -> bool {
    // `|`, not `||`: cheap word operations beat branches.
    has_del_or_above(word) | has_below(word, 0x21) | has_byte(word, b':')
}

/// CR, LF or NUL.
fn bad_value_bytes(word: u64) -> bool {
    // All three are below 0x0e: one test clears almost every word (a tab needs the rest).
    has_below(word, 0x0e) && (has_byte(word, b'\r') | has_byte(word, b'\n') | has_byte(word, 0))
}

/// Writes the status line and header fields of `resp`; `now` dates it.
pub(crate) fn write_head(
    out: &mut BytesMut,
    resp: &Response,
    version: Version,
    framing: Framing,
    keep_alive: bool,
    server_name: &'static str,
    now: Instant,
) {
    head_cache::with_start(
        now,
        resp,
        server_name,
        |start| write_start(start, resp, server_name, now),
        |start| out.put_slice(start),
    );
    match framing {
        Framing::Length(len) => {
            // One copy of the whole line instead of three.
            let mut line = [0u8; 40];
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(len).as_bytes();
            let end = CONTENT_LENGTH.len() + digits.len() + 2;
            line[..CONTENT_LENGTH.len()].copy_from_slice(CONTENT_LENGTH);
            line[CONTENT_LENGTH.len()..end - 2].copy_from_slice(digits);
            line[end - 2..end].copy_from_slice(b"\r\n");
            out.put_slice(&line[..end]);
        }
        Framing::Chunked => put_field(out, b"Transfer-Encoding", b"chunked"),
        Framing::UntilClose | Framing::NoBody => {}
    }
    match (keep_alive, version) {
        (false, _) => put_field(out, b"Connection", b"close"),
        (true, Version::Http10) => put_field(out, b"Connection", b"keep-alive"),
        (true, _) => {}
    }
    out.put_slice(b"\r\n");
}

/// The part of a head the handler decides: the status line, `Server` and `Date` (unless the
/// handler set its own) and the handler's fields, less those the protocol owns and those that
/// could split the response.
fn write_start(out: &mut Vec<u8>, resp: &Response, server_name: &'static str, now: Instant) {
    let headers = resp.headers();
    let (mut has_server, mut has_date) = (false, false);
    for (name, _) in headers.iter() {
        has_server |= name.eq_ignore_ascii_case(b"server");
        has_date |= name.eq_ignore_ascii_case(b"date");
    }
    write_status_line(out, resp.status());
    if !has_server && !server_name.is_empty() {
        put_field(out, b"Server", server_name.as_bytes());
    }
    if !has_date {
        with_date_line(now, |line| out.put_slice(line));
    }
    for (name, value) in headers.iter() {
        if is_framing_field(name) {
            continue;
        }
        if is_safe(name, value) {
            put_field(out, name, value);
        } else {
            tracing::warn!(
                name = %String::from_utf8_lossy(name),
                "dropped a response header field containing CR, LF or NUL"
            );
        }
    }
}

/// The status line always says HTTP/1.1, also to HTTP/1.0 clients: a server sends the
/// highest version it conforms to (RFC 9110 §6.2); `version` only decides framing.
fn write_status_line(out: &mut impl BufMut, status: StatusCode) {
    out.put_slice(b"HTTP/1.1");
    out.put_u8(b' ');
    out.put_slice(itoa::Buffer::new().format(status.as_u16()).as_bytes());
    out.put_u8(b' ');
    out.put_slice(status.reason().as_bytes());
    out.put_slice(b"\r\n");
}

fn put_field(out: &mut impl BufMut, name: &[u8], value: &[u8]) {
    out.put_slice(name);
    out.put_slice(b": ");
    out.put_slice(value);
    out.put_slice(b"\r\n");
}

const CONTENT_LENGTH: &[u8] = b"Content-Length: ";

/// Writes the framing of one chunk's start; the caller writes the data and [`CHUNK_END`].
pub(crate) fn write_chunk_size(out: &mut BytesMut, len: usize) {
    let mut hex = [0u8; 16];
    let mut at = hex.len();
    let mut n = len;
    loop {
        at -= 1;
        hex[at] = b"0123456789abcdef"[n % 16];
        n /= 16;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&hex[at..]);
    out.put_slice(b"\r\n");
}

/// Ends one chunk's data.
pub(crate) const CHUNK_END: &[u8] = b"\r\n";
/// The last chunk with an empty trailer section.
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// The whole response for a request refused by the protocol layer; always closes.
pub(crate) fn write_reject(out: &mut BytesMut, reject: &Reject, server_name: &'static str) {
    let mut resp = Response::new();
    resp.set_status(reject.status);
    resp.set_content_type("text/plain; charset=utf-8");
    let body = reject.reason.as_bytes();
    write_head(
        out,
        &resp,
        Version::Http11,
        Framing::Length(body.len()),
        false,
        server_name,
        hertz_transport::clock::now(),
    );
    out.put_slice(body);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `write_head`'s output as (status line, fields in order); also checks that it is one
    /// well-formed head ending in a blank line.
    fn written(
        resp: &Response,
        version: Version,
        framing: Framing,
        keep_alive: bool,
        server: &'static str,
    ) -> (String, Vec<(String, String)>) {
        let mut out = BytesMut::new();
        write_head(
            &mut out,
            resp,
            version,
            framing,
            keep_alive,
            server,
            Instant::now(),
        );
        let text = String::from_utf8(out.to_vec()).expect("head is ASCII");
        let (head, rest) = text
            .split_once("\r\n\r\n")
            .expect("head ends with a blank line");
        assert_eq!(rest, "", "bytes after the head");
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().to_owned();
        let fields = lines
            .map(|line| {
                let (name, value) = line.split_once(": ").expect("`name: value`");
                (name.to_owned(), value.to_owned())
            })
            .collect();
        // An independent parser reads the same head.
        let mut parsed = [httparse::EMPTY_HEADER; 32];
        let mut res = httparse::Response::new(&mut parsed);
        assert_eq!(
            res.parse(&out).unwrap(),
            httparse::Status::Complete(out.len())
        );
        (status, fields)
    }

    fn names(fields: &[(String, String)]) -> Vec<&str> {
        fields.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn head_with_fields() {
        let mut resp = Response::new();
        resp.set_status(StatusCode::CREATED);
        resp.set_content_type("application/json");
        let headers = resp.headers_mut();
        headers.append("Set-Cookie", "a=1");
        headers.append("Set-Cookie", "b=2");
        // The protocol owns framing: these never reach the wire.
        headers.append("Content-Length", "999");
        headers.append("transfer-encoding", "gzip");
        headers.append("CONNECTION", "upgrade");
        // Header splitting attempts are dropped, not sent.
        headers.append("X-Injected", "a\r\nSet-Cookie: evil=1");
        headers.append("X-Lf", "a\nb");
        headers.append("X-Nul", "a\0b");
        headers.append("X-Bad:Name", "v");
        headers.append("X Bad", "v");
        headers.append("", "v");
        headers.append("X-Ok", "tab\tand obs-text \u{e9}");

        let (status, fields) = written(&resp, Version::Http11, Framing::Length(12), true, "hertz");
        assert_eq!(status, "HTTP/1.1 201 Created");
        assert_eq!(
            names(&fields),
            [
                "Server",
                "Date",
                "Content-Type",
                "Set-Cookie",
                "Set-Cookie",
                "X-Ok",
                "Content-Length"
            ]
        );
        assert_eq!(value(&fields, "server"), Some("hertz"));
        assert_eq!(value(&fields, "content-length"), Some("12"));
        assert_eq!(value(&fields, "x-ok"), Some("tab\tand obs-text \u{e9}"));
        let date = value(&fields, "date").unwrap();
        assert_eq!(date.len(), 29, "IMF-fixdate: {date:?}");
        assert!(date.ends_with(" GMT"), "{date:?}");
        assert!(httpdate::parse_http_date(date).is_ok(), "{date:?}");
    }

    #[test]
    fn handler_server_and_date_win() {
        let mut resp = Response::new();
        resp.headers_mut().insert("server", "mine");
        resp.headers_mut()
            .insert("date", "Sun, 06 Nov 1994 08:49:37 GMT");
        let (_, fields) = written(&resp, Version::Http11, Framing::NoBody, true, "hertz");
        assert_eq!(
            fields,
            [
                ("server".into(), "mine".into()),
                ("date".into(), "Sun, 06 Nov 1994 08:49:37 GMT".into())
            ]
        );
        // No server name configured: no Server field.
        let (_, fields) = written(&Response::new(), Version::Http11, Framing::NoBody, true, "");
        assert_eq!(names(&fields), ["Date"]);
    }

    #[test]
    fn ok_heads_follow_the_server_name_and_the_handler() {
        // `200 OK` heads start from a per-thread cache: each change of name must show.
        for server in ["hertz", "other", "", "hertz"] {
            let (status, fields) = written(
                &Response::new(),
                Version::Http11,
                Framing::Length(0),
                true,
                server,
            );
            assert_eq!(status, "HTTP/1.1 200 OK");
            let expected: &[&str] = if server.is_empty() {
                &["Date", "Content-Length"]
            } else {
                &["Server", "Date", "Content-Length"]
            };
            assert_eq!(names(&fields), expected, "server name {server:?}");
            assert_eq!(
                value(&fields, "server"),
                (!server.is_empty()).then_some(server)
            );
        }
        let mut resp = Response::new();
        resp.headers_mut().insert("server", "mine");
        let (_, fields) = written(&resp, Version::Http11, Framing::NoBody, true, "hertz");
        assert_eq!(
            names(&fields),
            ["Date", "server"],
            "one Server field, the handler's"
        );
    }

    #[test]
    fn a_head_reuses_the_last_start_only_for_the_same_status_and_fields() {
        let typed = |status: StatusCode, content_type: &'static str| {
            let mut resp = Response::new();
            resp.set_status(status);
            resp.headers_mut().insert("Content-Type", content_type);
            resp
        };
        let plain = typed(StatusCode::OK, "text/plain");
        let mut two = typed(StatusCode::OK, "text/plain");
        two.headers_mut().append("X-Two", "2");
        let mut removed = typed(StatusCode::OK, "text/plain");
        removed.headers_mut().append("X-Two", "2");
        removed.headers_mut().remove("x-two");
        let rows: [(&Response, &str, &[&str], &str); 7] = [
            (&plain, "HTTP/1.1 200 OK", &["Content-Type"], "text/plain"),
            (&plain, "HTTP/1.1 200 OK", &["Content-Type"], "text/plain"),
            // Same length, one byte apart.
            (
                &typed(StatusCode::OK, "text/plaim"),
                "HTTP/1.1 200 OK",
                &["Content-Type"],
                "text/plaim",
            ),
            (
                &typed(StatusCode::NOT_FOUND, "text/plain"),
                "HTTP/1.1 404 Not Found",
                &["Content-Type"],
                "text/plain",
            ),
            (
                &two,
                "HTTP/1.1 200 OK",
                &["Content-Type", "X-Two"],
                "text/plain",
            ),
            // The same fields, with a removed one's bytes still in the map.
            (&removed, "HTTP/1.1 200 OK", &["Content-Type"], "text/plain"),
            (&plain, "HTTP/1.1 200 OK", &["Content-Type"], "text/plain"),
        ];
        for (i, (resp, status_line, handler_fields, content_type)) in rows.into_iter().enumerate() {
            let (status, fields) = written(resp, Version::Http11, Framing::Length(3), true, "h");
            assert_eq!(status, status_line, "row {i}");
            let mut expected = vec!["Server", "Date"];
            expected.extend_from_slice(handler_fields);
            expected.push("Content-Length");
            assert_eq!(names(&fields), expected, "row {i}");
            assert_eq!(
                value(&fields, "content-type"),
                Some(content_type),
                "row {i}"
            );
        }
    }

    #[test]
    fn framing_and_connection_fields() {
        use Framing::{Chunked, Length, NoBody, UntilClose};
        use Version::{Http10, Http11};
        /// Version, framing, keep-alive, and the fields expected after Server and Date.
        type Row = (
            Version,
            Framing,
            bool,
            &'static [(&'static str, &'static str)],
        );
        let rows: &[Row] = &[
            (Http11, Length(0), true, &[("Content-Length", "0")]),
            (
                Http11,
                Length(usize::MAX),
                true,
                &[("Content-Length", "18446744073709551615")],
            ),
            (Http11, Chunked, true, &[("Transfer-Encoding", "chunked")]),
            (Http11, NoBody, true, &[]),
            (Http11, UntilClose, false, &[("Connection", "close")]),
            (
                Http11,
                Length(5),
                false,
                &[("Content-Length", "5"), ("Connection", "close")],
            ),
            (
                Http11,
                Chunked,
                false,
                &[("Transfer-Encoding", "chunked"), ("Connection", "close")],
            ),
            (
                Http10,
                Length(5),
                true,
                &[("Content-Length", "5"), ("Connection", "keep-alive")],
            ),
            (Http10, NoBody, true, &[("Connection", "keep-alive")]),
            (
                Http10,
                Length(5),
                false,
                &[("Content-Length", "5"), ("Connection", "close")],
            ),
            (Http10, UntilClose, false, &[("Connection", "close")]),
        ];
        for &(version, framing, keep_alive, want) in rows {
            if framing == Length(usize::MAX) && usize::BITS != 64 {
                continue;
            }
            let mut resp = Response::new();
            resp.headers_mut().insert("Content-Length", "1");
            resp.headers_mut().insert("Connection", "keep-alive");
            let (status, fields) = written(&resp, version, framing, keep_alive, "hertz");
            // A server answers with the highest version it conforms to (RFC 9110 §6.2).
            assert_eq!(status, "HTTP/1.1 200 OK");
            let got: Vec<(&str, &str)> = fields[2..]
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            assert_eq!(got, want, "{version:?} {framing:?} keep_alive={keep_alive}");
        }
    }

    #[test]
    fn field_checks_agree_with_the_byte_definition_at_every_position() {
        let name_ok = |b: u8| b.is_ascii_graphic() && b != b':';
        let value_ok = |b: u8| !matches!(b, b'\r' | b'\n' | 0);
        // Every byte at every position of a word, of the padded tail, and across both.
        for len in [1usize, 7, 8, 9, 15, 16, 17, 21, 24] {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'x'; len];
                    bytes[at] = b;
                    assert_eq!(
                        is_safe(&bytes, b"v"),
                        name_ok(b),
                        "name byte {b:#04x} at {at} of {len}"
                    );
                    assert_eq!(
                        is_safe(b"n", &bytes),
                        value_ok(b),
                        "value byte {b:#04x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(!is_safe(b"", b"v"), "empty name");
        assert!(is_safe(b"n", b""), "empty value");
    }

    #[test]
    fn chunk_sizes_are_lower_hex() {
        let max = format!("{:x}\r\n", usize::MAX);
        let rows: &[(usize, &str)] = &[
            (0, "0\r\n"),
            (1, "1\r\n"),
            (15, "f\r\n"),
            (16, "10\r\n"),
            (255, "ff\r\n"),
            (4096, "1000\r\n"),
            (0xdead_beef, "deadbeef\r\n"),
            (usize::MAX, &max),
        ];
        for &(len, want) in rows {
            let mut out = BytesMut::from(&b"prefix"[..]);
            write_chunk_size(&mut out, len);
            assert_eq!(&out[..6], b"prefix", "appends");
            assert_eq!(std::str::from_utf8(&out[6..]), Ok(want), "{len}");
        }
        if usize::BITS == 64 {
            assert_eq!(max, "ffffffffffffffff\r\n");
        }
    }

    #[test]
    fn chunked_output_decodes() {
        // What the encoder frames, the decoder reads back.
        let mut out = BytesMut::new();
        for chunk in [&b"hello"[..], &[b'x'; 300][..], b"!"] {
            write_chunk_size(&mut out, chunk.len());
            out.put_slice(chunk);
            out.put_slice(CHUNK_END);
        }
        out.put_slice(LAST_CHUNK);
        let mut decoder = super::super::ChunkedDecoder::new(1 << 20, 1024);
        let mut body = BytesMut::new();
        let mut trailers = crate::HeaderMap::new();
        assert_eq!(
            decoder.decode(&out, &mut body, &mut trailers),
            Ok(out.len())
        );
        assert!(decoder.is_done());
        assert_eq!(body.len(), 306);
        assert!(body.starts_with(b"hello") && body.ends_with(b"x!"));
    }

    #[test]
    fn reject_response() {
        let reject = Reject::new(StatusCode::URI_TOO_LONG, "request line too long");
        let mut out = BytesMut::new();
        write_reject(&mut out, &reject, "hertz");
        let mut parsed = [httparse::EMPTY_HEADER; 16];
        let mut res = httparse::Response::new(&mut parsed);
        let httparse::Status::Complete(len) = res.parse(&out).unwrap() else {
            panic!("incomplete reject head");
        };
        assert_eq!(res.code, Some(414));
        let field = |name: &str| {
            res.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| h.value)
        };
        assert_eq!(field("connection"), Some(&b"close"[..]));
        assert_eq!(field("content-length"), Some(&b"21"[..]));
        assert_eq!(
            field("content-type"),
            Some(&b"text/plain; charset=utf-8"[..])
        );
        assert_eq!(&out[len..], b"request line too long");
    }
}
