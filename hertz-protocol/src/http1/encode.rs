//! Writing response heads and bodies into the connection's output buffer.

use bytes::{BufMut, BytesMut};

use super::Reject;
use crate::date::with_date;
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
/// sent: a handler echoing user input must not be able to inject header lines.
fn is_safe(name: &[u8], value: &[u8]) -> bool {
    !name.is_empty()
        && name.iter().all(|&b| b.is_ascii_graphic() && b != b':')
        && !value.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
}

/// Writes the status line and header fields of `resp`.
pub(crate) fn write_head(
    out: &mut BytesMut,
    resp: &Response,
    version: Version,
    framing: Framing,
    keep_alive: bool,
    server_name: &str,
) {
    write_status_line(out, resp.status());
    let headers = resp.headers();
    if !server_name.is_empty() && !headers.contains("server") {
        put_field(out, b"Server", server_name.as_bytes());
    }
    if !headers.contains("date") {
        with_date(|date| put_field(out, b"Date", date));
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
    match framing {
        Framing::Length(len) => {
            out.put_slice(b"Content-Length: ");
            out.put_slice(itoa::Buffer::new().format(len).as_bytes());
            out.put_slice(b"\r\n");
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

/// The status line always says HTTP/1.1, also to HTTP/1.0 clients: a server sends the
/// highest version it conforms to (RFC 9110 §6.2); `version` only decides framing.
fn write_status_line(out: &mut BytesMut, status: StatusCode) {
    out.put_slice(b"HTTP/1.1");
    out.put_u8(b' ');
    out.put_slice(itoa::Buffer::new().format(status.as_u16()).as_bytes());
    out.put_u8(b' ');
    out.put_slice(status.reason().as_bytes());
    out.put_slice(b"\r\n");
}

fn put_field(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    out.reserve(name.len() + value.len() + 4);
    out.put_slice(name);
    out.put_slice(b": ");
    out.put_slice(value);
    out.put_slice(b"\r\n");
}

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
pub(crate) fn write_reject(out: &mut BytesMut, reject: &Reject, server_name: &str) {
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
    );
    out.put_slice(body);
}
