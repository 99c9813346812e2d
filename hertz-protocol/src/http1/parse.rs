//! Request heads: `httparse` finds the fields, this module decides what they mean and
//! refuses anything a lenient peer could read differently (RFC 9112 §3, §6).
//!
//! Parsing is two-step so the head can stay in the read buffer: [`parse_head`] runs on a
//! borrowed view and records byte offsets, then [`fill_request`] turns them into `Bytes` slices
//! of the head once the connection has handed the head out (zero-copy, no per-header
//! allocation).

use std::ops::Range;

use bytes::Bytes;

use super::Reject;
use crate::header::{has_token, trim_ows};
use crate::{Method, Request, ServerConfig, StatusCode, Version};

/// Header fields parsed on the stack before falling back to a heap array.
const STACK_HEADERS: usize = 64;

/// Offsets of a parsed head, reused across a connection's requests.
#[derive(Debug, Default)]
pub(crate) struct HeadOffsets {
    method: Range<usize>,
    target: Range<usize>,
    version: u8,
    headers: Vec<(Range<usize>, Range<usize>)>,
}

/// How the request's body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body.
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// What the head says about the exchange beyond its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeadInfo {
    pub(crate) framing: BodyFraming,
    pub(crate) keep_alive: bool,
    pub(crate) expect_continue: bool,
}

/// Looks for a complete head at the start of `buf`.
///
/// `Ok(None)`: more bytes are needed (and the limits allow them). `Ok(Some(len))`: the head is
/// `buf[..len]` and its offsets are in `offsets`.
pub(crate) fn parse_head(
    buf: &[u8],
    config: &ServerConfig,
    offsets: &mut HeadOffsets,
) -> Result<Option<usize>, Reject> {
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let parsed = match try_parse(buf, &mut stack, offsets) {
        Err(httparse::Error::TooManyHeaders) if config.max_header_count > STACK_HEADERS => {
            let mut heap = vec![httparse::EMPTY_HEADER; config.max_header_count];
            try_parse(buf, &mut heap, offsets)
        }
        other => other,
    };
    let line_end = buf.iter().position(|&b| b == b'\n');
    let line_too_long = match line_end {
        Some(end) => end > config.max_request_line,
        None => buf.len() > config.max_request_line,
    };
    match parsed {
        Ok(httparse::Status::Complete(len)) => {
            if line_too_long {
                return Err(Reject::new(
                    StatusCode::URI_TOO_LONG,
                    "request line too long",
                ));
            }
            if len > config.max_header_bytes {
                return Err(header_too_large());
            }
            if offsets.headers.len() > config.max_header_count {
                return Err(too_many_headers());
            }
            Ok(Some(len))
        }
        Ok(httparse::Status::Partial) => {
            if line_too_long {
                Err(Reject::new(
                    StatusCode::URI_TOO_LONG,
                    "request line too long",
                ))
            } else if buf.len() > config.max_header_bytes {
                Err(header_too_large())
            } else {
                Ok(None)
            }
        }
        Err(httparse::Error::TooManyHeaders) => Err(too_many_headers()),
        // A long line that also fails to parse is still best described as too long.
        Err(_) if line_too_long => Err(Reject::new(
            StatusCode::URI_TOO_LONG,
            "request line too long",
        )),
        Err(err) => Err(Reject::bad(httparse_reason(err))),
    }
}

fn try_parse<'h, 'b: 'h>(
    buf: &'b [u8],
    headers: &'h mut [httparse::Header<'b>],
    offsets: &mut HeadOffsets,
) -> Result<httparse::Status<usize>, httparse::Error> {
    let mut req = httparse::Request::new(headers);
    let status = req.parse(buf)?;
    if status.is_complete() {
        let base = buf.as_ptr() as usize;
        let span = |s: &[u8]| {
            let start = s.as_ptr() as usize - base;
            start..start + s.len()
        };
        offsets.method = span(req.method.unwrap_or_default().as_bytes());
        offsets.target = span(req.path.unwrap_or_default().as_bytes());
        offsets.version = req.version.unwrap_or(1);
        offsets.headers.clear();
        offsets.headers.extend(
            req.headers
                .iter()
                .map(|h| (span(h.name.as_bytes()), span(h.value))),
        );
    }
    Ok(status)
}

fn httparse_reason(err: httparse::Error) -> &'static str {
    match err {
        httparse::Error::HeaderName => "invalid header field name",
        httparse::Error::HeaderValue => "invalid header field value",
        httparse::Error::NewLine => "invalid line ending",
        httparse::Error::Token => "invalid method or request target",
        httparse::Error::Version => "unsupported HTTP version",
        _ => "malformed request head",
    }
}

fn header_too_large() -> Reject {
    Reject::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "request header block too large",
    )
}

fn too_many_headers() -> Reject {
    Reject::new(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "too many header fields",
    )
}

/// Fills `req` from `head` (the bytes [`parse_head`] accepted) and validates the semantics
/// the parser leaves open: target form, `Host`, and message framing.
pub(crate) fn fill_request(
    head: Bytes,
    offsets: &HeadOffsets,
    req: &mut Request,
) -> Result<HeadInfo, Reject> {
    let method = std::str::from_utf8(&head[offsets.method.clone()])
        .map_err(|_| Reject::bad("invalid method"))?;
    req.set_method(Method::from_token(method));
    req.set_version(if offsets.version == 0 {
        Version::Http10
    } else {
        Version::Http11
    });
    req.set_uri(origin_form(&head, offsets.target.clone(), req.method())?);
    let headers = req.headers_mut();
    for (name, value) in &offsets.headers {
        headers.append(head.slice(name.clone()), head.slice(value.clone()));
    }
    check_fields(req)
}

/// Reduces the request target to origin form (`/path?query`), RFC 9112 §3.2.
fn origin_form(head: &Bytes, target: Range<usize>, method: &Method) -> Result<Bytes, Reject> {
    let raw = &head[target.clone()];
    if std::str::from_utf8(raw).is_err() {
        return Err(Reject::bad("request target is not valid UTF-8"));
    }
    match raw {
        [b'/', ..] => Ok(head.slice(target)),
        b"*" if *method == Method::Options => Ok(head.slice(target)),
        _ => {
            // absolute-form: scheme "://" authority path-abempty [ "?" query ]
            let authority_at = ["http://", "https://"]
                .into_iter()
                .find(|scheme| {
                    raw.len() >= scheme.len()
                        && raw[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
                })
                .map(str::len)
                .ok_or(Reject::bad("request target must start with '/'"))?;
            let path_at = raw[authority_at..]
                .iter()
                .position(|&b| b == b'/' || b == b'?')
                .map(|i| authority_at + i);
            match path_at {
                Some(i) if raw[i] == b'/' => Ok(head.slice(target.start + i..target.end)),
                _ => Ok(Bytes::from_static(b"/")),
            }
        }
    }
}

/// Header fields that decide framing or routing, checked strictly (RFC 9112 §6.1–6.3,
/// RFC 9110 §7.2): anything two implementations could read differently is refused.
fn check_fields(req: &mut Request) -> Result<HeadInfo, Reject> {
    let version = req.version();
    let mut content_length: Option<u64> = None;
    let mut codings = Codings::default();
    let mut hosts = 0usize;
    let mut close = false;
    let mut keep_alive_token = false;
    let mut expect_continue = false;

    for (name, value) in req.headers().iter() {
        let canonical = lookalike(name);
        if name.eq_ignore_ascii_case(b"content-length") {
            let len = parse_content_length(value)?;
            if content_length.is_some_and(|seen| seen != len) {
                return Err(Reject::bad("conflicting Content-Length fields"));
            }
            content_length = Some(len);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            codings.add_field(value)?;
        } else if canonical.is_some() {
            return Err(Reject::bad("malformed framing header name"));
        } else if name.eq_ignore_ascii_case(b"host") {
            hosts += 1;
        } else if name.eq_ignore_ascii_case(b"connection") {
            close |= has_token(value, "close");
            keep_alive_token |= has_token(value, "keep-alive");
        } else if name.eq_ignore_ascii_case(b"expect") {
            if trim_ows(value).eq_ignore_ascii_case(b"100-continue") {
                expect_continue = true;
            } else {
                return Err(Reject::new(
                    StatusCode::EXPECTATION_FAILED,
                    "unsupported expectation",
                ));
            }
        }
    }

    let chunked = codings.check()?;
    if chunked && content_length.is_some() {
        return Err(Reject::bad("both Transfer-Encoding and Content-Length"));
    }
    if chunked && version == Version::Http10 {
        return Err(Reject::bad("Transfer-Encoding in an HTTP/1.0 request"));
    }
    if version == Version::Http11 && hosts == 0 {
        return Err(Reject::bad("missing Host header"));
    }
    if hosts > 1 {
        return Err(Reject::bad("more than one Host header"));
    }

    let keep_alive = match version {
        Version::Http11 => !close,
        Version::Http10 => keep_alive_token && !close,
    };
    req.set_keep_alive(keep_alive);
    let framing = match (chunked, content_length) {
        (true, _) => BodyFraming::Chunked,
        (false, Some(0)) | (false, None) => BodyFraming::Empty,
        (false, Some(n)) => BodyFraming::Length(n),
    };
    Ok(HeadInfo {
        framing,
        keep_alive,
        expect_continue: expect_continue && version == Version::Http11,
    })
}

/// Names that are not `Content-Length`/`Transfer-Encoding` but that a lenient parser could
/// take for one (`Content_Length`, `Transfer-Encoding2` is *not* one; `transfer_encoding` is).
fn lookalike(name: &[u8]) -> Option<&'static str> {
    const FRAMING: [&str; 2] = ["content-length", "transfer-encoding"];
    FRAMING.into_iter().find(|canon| {
        name.len() == canon.len()
            && !name.eq_ignore_ascii_case(canon.as_bytes())
            && name.iter().zip(canon.bytes()).all(|(&a, c)| {
                a.eq_ignore_ascii_case(&c) || (c == b'-' && matches!(a, b'_' | b'.' | b' '))
            })
    })
}

/// `Content-Length = 1*DIGIT` (RFC 9110 §8.6): no sign, no list, no inner whitespace.
fn parse_content_length(value: &[u8]) -> Result<u64, Reject> {
    let digits = trim_ows(value);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Reject::bad("invalid Content-Length"));
    }
    Ok(digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// The transfer codings of every `Transfer-Encoding` field, read as one list (RFC 9112 §6.1).
#[derive(Default)]
struct Codings {
    present: bool,
    last_is_chunked: bool,
    chunked_count: usize,
    other: bool,
}

impl Codings {
    fn add_field(&mut self, value: &[u8]) -> Result<(), Reject> {
        self.present = true;
        for coding in value.split(|&b| b == b',') {
            let coding = trim_ows(coding);
            if coding.is_empty() {
                return Err(Reject::bad("empty transfer coding"));
            }
            if !coding
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(Reject::bad("malformed Transfer-Encoding"));
            }
            self.last_is_chunked = coding.eq_ignore_ascii_case(b"chunked");
            if self.last_is_chunked {
                self.chunked_count += 1;
            } else {
                self.other = true;
            }
        }
        Ok(())
    }

    /// Whether the body is chunked; refuses every list but exactly one final `chunked`.
    fn check(&self) -> Result<bool, Reject> {
        if !self.present {
            return Ok(false);
        }
        if !self.last_is_chunked {
            return Err(Reject::bad("final transfer coding is not chunked"));
        }
        if self.chunked_count > 1 {
            return Err(Reject::bad("chunked applied more than once"));
        }
        if self.other {
            return Err(Reject::new(
                StatusCode::NOT_IMPLEMENTED,
                "unsupported transfer coding",
            ));
        }
        Ok(true)
    }
}
