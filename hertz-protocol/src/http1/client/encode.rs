//! Writing request heads (RFC 9112 §3) and chunk framing for streamed request bodies.

use bytes::{BufMut, BytesMut};

use super::{Error, ErrorKind};
use crate::{has_token, HeaderMap, Method};

/// How the request body will be framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestBody {
    /// A body of known length (`Content-Length`, omitted for an empty body of a method that
    /// does not expect one).
    Length(usize),
    /// A streamed body: `Transfer-Encoding: chunked`.
    Chunked,
}

/// Everything the request head is made of.
#[derive(Debug)]
pub struct RequestHead<'a> {
    /// The method.
    pub method: &'a Method,
    /// The request target: origin-form (`/path?q`) or, through a plain HTTP proxy,
    /// absolute-form (`http://host/path?q`).
    pub target: &'a str,
    /// The `Host` field value (`host[:port]`); a `Host` in `headers` wins.
    pub host: &'a str,
    /// The caller's header fields. `Content-Length` and `Transfer-Encoding` are computed
    /// from `body` and the caller's values are not sent.
    pub headers: &'a HeaderMap,
    /// Body framing.
    pub body: RequestBody,
    /// Whether to ask the server to keep the connection open (else `Connection: close`).
    pub keep_alive: bool,
    /// `User-Agent` to send when `headers` has none (empty: none).
    pub user_agent: &'a str,
}

impl RequestHead<'_> {
    /// Appends the request line and header section to `out`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] when the target or a field contains bytes that would
    /// split the request (CR, LF, NUL, or a space in the target), or a field name is not a
    /// token. Nothing is appended then.
    pub fn write(&self, out: &mut BytesMut) -> Result<(), Error> {
        self.check()?;
        let method = self.method.as_str();
        out.reserve(method.len() + self.target.len() + self.host.len() + 64);
        out.put_slice(method.as_bytes());
        out.put_u8(b' ');
        out.put_slice(self.target.as_bytes());
        out.put_slice(b" HTTP/1.1\r\n");
        if !self.headers.contains("host") {
            put_field(out, b"Host", self.host.as_bytes());
        }
        if !self.user_agent.is_empty() && !self.headers.contains("user-agent") {
            put_field(out, b"User-Agent", self.user_agent.as_bytes());
        }
        let mut close_sent = false;
        for (name, value) in self.headers.iter() {
            if name.eq_ignore_ascii_case(b"content-length")
                || name.eq_ignore_ascii_case(b"transfer-encoding")
            {
                continue;
            }
            if name.eq_ignore_ascii_case(b"connection") && has_token(value, "close") {
                close_sent = true;
            }
            put_field(out, name, value);
        }
        match self.body {
            RequestBody::Length(0) if !expects_body(self.method) => {}
            RequestBody::Length(len) => {
                out.put_slice(b"Content-Length: ");
                out.put_slice(itoa::Buffer::new().format(len).as_bytes());
                out.put_slice(b"\r\n");
            }
            RequestBody::Chunked => put_field(out, b"Transfer-Encoding", b"chunked"),
        }
        if !self.keep_alive && !close_sent {
            put_field(out, b"Connection", b"close");
        }
        out.put_slice(b"\r\n");
        Ok(())
    }

    fn check(&self) -> Result<(), Error> {
        let bad_target = self.target.is_empty()
            || self
                .target
                .bytes()
                .any(|b| b.is_ascii_control() || b == b' ');
        if bad_target {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "invalid request target",
            ));
        }
        if !is_token(self.method.as_str().as_bytes()) {
            return Err(Error::new(ErrorKind::InvalidRequest, "invalid method"));
        }
        if !is_value(self.host.as_bytes()) || !is_value(self.user_agent.as_bytes()) {
            return Err(Error::new(ErrorKind::InvalidRequest, "invalid host"));
        }
        for (name, value) in self.headers.iter() {
            if !is_token(name) || !is_value(value) {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    "header field with an invalid name or a CR, LF or NUL in its value",
                ));
            }
        }
        Ok(())
    }
}

/// Methods whose requests carry a body, so an empty one is still framed (`Content-Length: 0`)
/// as RFC 9110 §8.6 recommends.
fn expects_body(method: &Method) -> bool {
    matches!(method, Method::Post | Method::Put | Method::Patch)
}

/// RFC 9110 §5.6.2 `token`.
fn is_token(s: &[u8]) -> bool {
    !s.is_empty()
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_value(v: &[u8]) -> bool {
    !v.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
}

fn put_field(out: &mut BytesMut, name: &[u8], value: &[u8]) {
    out.reserve(name.len() + value.len() + 4);
    out.put_slice(name);
    out.put_slice(b": ");
    out.put_slice(value);
    out.put_slice(b"\r\n");
}

/// Appends the framing of one chunk of a streamed request body, and its data. Empty data is
/// skipped: a zero-size chunk would end the body.
pub fn write_chunk(out: &mut BytesMut, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    let mut hex = [0u8; 16];
    let mut at = hex.len();
    let mut n = data.len();
    loop {
        at -= 1;
        hex[at] = b"0123456789abcdef"[n % 16];
        n /= 16;
        if n == 0 {
            break;
        }
    }
    out.reserve(data.len() + 20);
    out.put_slice(&hex[at..]);
    out.put_slice(b"\r\n");
    out.put_slice(data);
    out.put_slice(b"\r\n");
}

/// The last chunk with an empty trailer section: ends a streamed request body.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn head<'a>(method: &'a Method, headers: &'a HeaderMap, body: RequestBody) -> RequestHead<'a> {
        RequestHead {
            method,
            target: "/a?b=1",
            host: "example.com:8080",
            headers,
            body,
            keep_alive: true,
            user_agent: "hertz",
        }
    }

    fn written(h: &RequestHead<'_>) -> String {
        let mut out = BytesMut::new();
        h.write(&mut out).unwrap();
        String::from_utf8(out.to_vec()).unwrap()
    }

    #[test]
    fn get_without_body_has_no_length() {
        let headers = HeaderMap::new();
        let s = written(&head(&Method::Get, &headers, RequestBody::Length(0)));
        assert_eq!(
            s,
            "GET /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: hertz\r\n\r\n"
        );
    }

    #[test]
    fn post_gets_a_length_even_when_empty_and_caller_framing_is_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert("Content-Length", "999");
        headers.insert("Transfer-Encoding", "gzip");
        headers.insert("Host", "override");
        let s = written(&head(&Method::Post, &headers, RequestBody::Length(0)));
        assert_eq!(
            s,
            "POST /a?b=1 HTTP/1.1\r\nUser-Agent: hertz\r\nHost: override\r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn chunked_and_close() {
        let headers = HeaderMap::new();
        let mut h = head(&Method::Put, &headers, RequestBody::Chunked);
        h.keep_alive = false;
        h.user_agent = "";
        let s = written(&h);
        assert!(
            s.ends_with("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"),
            "{s}"
        );
    }

    #[test]
    fn injection_is_refused() {
        let mut headers = HeaderMap::new();
        headers.insert("X-Evil", "a\r\nInjected: yes");
        let mut out = BytesMut::new();
        let err = head(&Method::Get, &headers, RequestBody::Length(0))
            .write(&mut out)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(out.is_empty());
        let headers = HeaderMap::new();
        let mut h = head(&Method::Get, &headers, RequestBody::Length(0));
        h.target = "/a b";
        assert!(h.write(&mut out).is_err());
        let bad = Method::Other("GE T".into());
        assert!(head(&bad, &headers, RequestBody::Length(0))
            .write(&mut out)
            .is_err());
    }

    #[test]
    fn chunks() {
        let mut out = BytesMut::new();
        write_chunk(&mut out, b"hello");
        write_chunk(&mut out, b"");
        write_chunk(&mut out, &[b'x'; 26]);
        out.extend_from_slice(LAST_CHUNK);
        let expected = format!("5\r\nhello\r\n1a\r\n{}\r\n0\r\n\r\n", "x".repeat(26));
        assert_eq!(&out[..], expected.as_bytes());
    }
}
