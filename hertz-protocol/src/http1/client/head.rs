//! Response heads: the status line and header fields (RFC 9112 §4, §5).

use super::{Error, ErrorKind, Source};
use crate::{Response, StatusCode, Version};

/// Header fields parsed into a stack array; more go through a heap array.
const STACK_FIELDS: usize = 64;

/// Limits on a response head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadLimits {
    /// Largest head (status line, fields and the blank line), in bytes.
    pub max_header_bytes: usize,
    /// Most header fields.
    pub max_header_count: usize,
}

impl Default for HeadLimits {
    /// 1 MiB and 128 fields, the server's defaults.
    fn default() -> Self {
        HeadLimits {
            max_header_bytes: 1024 * 1024,
            max_header_count: 128,
        }
    }
}

/// What the status line said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedHead {
    /// The status code.
    pub status: StatusCode,
    /// The protocol version of the response.
    pub version: Version,
}

/// Parses one response head from the front of `src`.
///
/// On success the head is consumed, `resp`'s status is set and its header fields are
/// appended (the caller resets `resp` first); names and values are ranges of one copy of
/// the head that the response keeps. `Ok(None)` means the head is not complete yet: read more and call
/// again. Interim (1xx) heads are returned like any other; the caller skips them.
///
/// # Errors
/// [`ErrorKind::Malformed`] for a bad status line or field, [`ErrorKind::HeadTooLarge`] past
/// `limits`. Nothing is consumed then.
pub fn parse_response_head<S: Source + ?Sized>(
    src: &mut S,
    resp: &mut Response,
    limits: HeadLimits,
) -> Result<Option<ParsedHead>, Error> {
    let available = src.buffered();
    let buf = src.peek(available);
    let mut stack = [httparse::EMPTY_HEADER; STACK_FIELDS];
    let mut heap;
    let fields: &mut [httparse::Header<'_>] = if limits.max_header_count <= STACK_FIELDS {
        &mut stack[..limits.max_header_count.max(1)]
    } else {
        heap = vec![httparse::EMPTY_HEADER; limits.max_header_count];
        &mut heap
    };
    let mut parsed = httparse::Response::new(fields);
    let len = match parsed.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            if available > limits.max_header_bytes {
                return Err(too_large());
            }
            return Ok(None);
        }
        Err(httparse::Error::TooManyHeaders) => return Err(too_large()),
        Err(err) => return Err(Error::malformed(reason(err))),
    };
    if len > limits.max_header_bytes {
        return Err(too_large());
    }
    let status = parsed
        .code
        .and_then(StatusCode::from_u16)
        .ok_or(Error::malformed("invalid status code"))?;
    let version = match parsed.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };
    // The fields become ranges of the head's bytes, copied into the response; the source
    // then drops them.
    let base = buf.as_ptr() as usize;
    let span = |s: &[u8]| {
        let start = s.as_ptr() as usize - base;
        start..start + s.len()
    };
    let headers = resp.headers_mut();
    for field in parsed.headers.iter() {
        headers.append_from_head(span(field.name.as_bytes()), span(field.value));
    }
    headers.set_head(&buf[..len]);
    src.skip(len);
    resp.set_status(status);
    Ok(Some(ParsedHead { status, version }))
}

fn too_large() -> Error {
    Error::new(ErrorKind::HeadTooLarge, "response head too large")
}

fn reason(err: httparse::Error) -> &'static str {
    match err {
        httparse::Error::HeaderName => "invalid header field name",
        httparse::Error::HeaderValue => "invalid header field value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Status => "invalid status code",
        httparse::Error::Version => "invalid HTTP version",
        _ => "invalid status line",
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;

    fn parse(input: &[u8]) -> (Result<Option<ParsedHead>, Error>, Response, BytesMut) {
        let mut src = BytesMut::from(input);
        let mut resp = Response::new();
        let res = parse_response_head(&mut src, &mut resp, HeadLimits::default());
        (res, resp, src)
    }

    #[test]
    fn status_and_fields_are_parsed_and_the_rest_is_left() {
        let (res, resp, rest) =
            parse(b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc");
        let head = res.unwrap().unwrap();
        assert_eq!(head.status, StatusCode::NOT_FOUND);
        assert_eq!(head.version, Version::Http11);
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        assert_eq!(resp.headers().get("x-a"), Some(&b"b"[..]));
        assert_eq!(resp.headers().get("content-length"), Some(&b"3"[..]));
        assert_eq!(&rest[..], b"abc");
    }

    #[test]
    fn http10_and_empty_reason() {
        let (res, _, _) = parse(b"HTTP/1.0 200 \r\n\r\n");
        assert_eq!(res.unwrap().unwrap().version, Version::Http10);
    }

    #[test]
    fn partial_heads_wait_for_more() {
        for input in [&b"HTTP/1.1 200 OK\r\nA: b\r\n"[..], b"HTTP/1.", b""] {
            let (res, _, rest) = parse(input);
            assert_eq!(res, Ok(None));
            assert_eq!(rest.len(), input.len());
        }
    }

    #[test]
    fn garbage_is_malformed() {
        for input in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/1.1 2000 OK\r\n\r\n",
            b"HTTP/1.1 abc OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",
            b"HTTP/2 200 OK\r\n\r\n",
            b"HTTP/1.1 099 Low\r\n\r\n",
        ] {
            let (res, _, _) = parse(input);
            assert_eq!(
                res.map(|_| ()).map_err(|e| e.kind()),
                Err(ErrorKind::Malformed),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn limits_are_enforced() {
        let mut src = BytesMut::from(&b"HTTP/1.1 200 OK\r\nA: b\r\nC: d\r\n\r\n"[..]);
        let mut resp = Response::new();
        let limits = HeadLimits {
            max_header_bytes: 1024,
            max_header_count: 1,
        };
        let err = parse_response_head(&mut src, &mut resp, limits).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HeadTooLarge);

        let big = format!("HTTP/1.1 200 OK\r\nA: {}", "x".repeat(2000));
        let mut src = BytesMut::from(big.as_bytes());
        let limits = HeadLimits {
            max_header_bytes: 1024,
            max_header_count: 8,
        };
        let err = parse_response_head(&mut src, &mut resp, limits).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::HeadTooLarge);
    }
}
