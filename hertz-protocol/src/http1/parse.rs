//! Request heads: `syntax` finds the method, target, version and fields; this module decides
//! what they mean and refuses anything a lenient peer could read differently (RFC 9112 §3,
//! §6).
//!
//! [`parse_head`] runs on a borrowed view of the read buffer. Once the head is complete it
//! fills the request in one pass: method, target (into the request's reused `String`),
//! version, and the fields as ranges of the request's own copy of the head — so the
//! connection can simply skip the head's bytes, and nothing is allocated in steady state.

use crate::header::{has_token, trim_ows};
use crate::{Method, Request, ServerConfig, StatusCode, Version};

use super::syntax::{self, Malformed};
use super::Reject;

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

/// Looks for a complete head at the start of `buf` and fills `req` from it, validating the
/// semantics the syntax leaves open: target form, `Host`, and message framing.
///
/// `Ok(None)`: more bytes are needed (and the limits allow them); `req` is untouched.
/// `Ok(Some((len, info)))`: the head is `buf[..len]` and `req` holds it. `req` must hold no
/// fields from an earlier head ([`Request::reset`] first).
pub(crate) fn parse_head(
    buf: &[u8],
    config: &ServerConfig,
    req: &mut Request,
) -> Result<Option<(usize, HeadInfo)>, Reject> {
    let fields = req.headers_mut();
    let scanned = syntax::scan(buf, config.max_header_count, |name, value| {
        fields.append_from_head(name, value);
    });
    // A buffer shorter than the limit cannot hold a line longer than it: skip the scan.
    let line_too_long =
        buf.len() > config.max_request_line && request_line_len(buf) > config.max_request_line;
    let (line, len) = match scanned {
        Ok(Some(complete)) if !line_too_long => complete,
        other => {
            // Fields of a head that is unfinished (found again when the rest has come) or
            // refused.
            req.headers_mut().clear();
            return match other {
                Err(Malformed::TooManyFields) => Err(too_many_headers()),
                // A long line that is also unfinished or malformed is best described as long.
                _ if line_too_long => Err(Reject::new(
                    StatusCode::URI_TOO_LONG,
                    "request line too long",
                )),
                Ok(_) if buf.len() > config.max_header_bytes => Err(header_too_large()),
                Ok(_) => Ok(None),
                Err(why) => Err(Reject::bad(malformed_reason(why))),
            };
        }
    };
    // The fields' ranges need their bytes whatever comes next.
    req.headers_mut().set_head(&buf[..len]);
    if len > config.max_header_bytes {
        return Err(header_too_large());
    }
    req.set_method(Method::from_ascii_token(line.method));
    req.set_uri(line.target);
    req.set_version(match line.version {
        0 => Version::Http10,
        _ => Version::Http11,
    });
    origin_form(req)?;
    Ok(Some((len, check_fields(req)?)))
}

/// Length of the request line without its line ending, after the empty lines a client may
/// send first (RFC 9112 §2.2); an unfinished line counts what has arrived.
fn request_line_len(buf: &[u8]) -> usize {
    let start = buf
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(buf.len());
    let line = &buf[start..];
    match line.iter().position(|&b| b == b'\n') {
        Some(lf) => line[..lf].strip_suffix(b"\r").unwrap_or(&line[..lf]).len(),
        None => line.len(),
    }
}

fn malformed_reason(why: Malformed) -> &'static str {
    match why {
        Malformed::FieldName => "invalid header field name",
        Malformed::FieldValue => "invalid header field value",
        Malformed::NewLine => "invalid line ending",
        Malformed::Token => "invalid method or request target",
        Malformed::Version => "unsupported HTTP version",
        Malformed::TooManyFields => "too many header fields",
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

/// Reduces the request target to origin form (`/path?query`), RFC 9112 §3.2.
fn origin_form(req: &mut Request) -> Result<(), Reject> {
    let raw = req.uri().as_bytes();
    match raw {
        [b'/', ..] => Ok(()),
        b"*" if *req.method() == Method::Options => Ok(()),
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
            // Rare enough that a new string is fine.
            let origin = match path_at {
                Some(i) if raw[i] == b'/' => req.uri()[i..].to_owned(),
                // An empty path is "/" (RFC 9112 §3.2.2); the query stays.
                Some(i) => format!("/{}", &req.uri()[i..]),
                None => "/".to_owned(),
            };
            req.set_uri(origin);
            Ok(())
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
        // Only names of these lengths matter here, so most fields cost one comparison.
        match name.len() {
            14 | 17 => {
                if name.eq_ignore_ascii_case(b"content-length") {
                    let len = parse_content_length(value)?;
                    if content_length.is_some_and(|seen| seen != len) {
                        return Err(Reject::bad("conflicting Content-Length fields"));
                    }
                    content_length = Some(len);
                } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                    codings.add_field(value)?;
                } else if lookalike(name).is_some() {
                    return Err(Reject::bad("malformed framing header name"));
                }
            }
            4 if name.eq_ignore_ascii_case(b"host") => hosts += 1,
            10 if name.eq_ignore_ascii_case(b"connection") => {
                close |= has_token(value, "close");
                keep_alive_token |= has_token(value, "keep-alive");
            }
            6 if name.eq_ignore_ascii_case(b"expect") => {
                if trim_ows(value).eq_ignore_ascii_case(b"100-continue") {
                    expect_continue = true;
                } else {
                    return Err(Reject::new(
                        StatusCode::EXPECTATION_FAILED,
                        "unsupported expectation",
                    ));
                }
            }
            _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a byte slice fed to [`parse_head`] comes to.
    #[derive(Debug, PartialEq)]
    enum Outcome {
        /// `parse_head` wants more bytes.
        Partial,
        /// A complete head of `len` bytes, accepted.
        Head {
            len: usize,
            uri: String,
            info: HeadInfo,
        },
        /// Refused with this status.
        Reject(u16),
    }

    fn run(input: &[u8], config: &ServerConfig) -> Outcome {
        let mut req = Request::new();
        match parse_head(input, config, &mut req) {
            Ok(None) => Outcome::Partial,
            Err(reject) => Outcome::Reject(reject.status.as_u16()),
            Ok(Some((len, info))) => {
                assert!(len <= input.len(), "head length {len} past the input");
                assert_eq!(req.keep_alive(), info.keep_alive);
                Outcome::Head {
                    len,
                    uri: req.uri().to_owned(),
                    info,
                }
            }
        }
    }

    fn head(
        uri: &'static str,
        framing: BodyFraming,
        keep_alive: bool,
        expect_continue: bool,
    ) -> Want {
        Want::Head {
            uri,
            info: HeadInfo {
                framing,
                keep_alive,
                expect_continue,
            },
        }
    }

    /// The expected outcome of a table row; a complete head must span the whole input.
    #[derive(Debug)]
    enum Want {
        Partial,
        Head { uri: &'static str, info: HeadInfo },
        Reject(u16),
    }

    fn check(name: &str, input: &[u8], config: &ServerConfig, want: &Want) {
        let got = run(input, config);
        let expected = match want {
            Want::Partial => Outcome::Partial,
            Want::Head { uri, info } => Outcome::Head {
                len: input.len(),
                uri: (*uri).to_owned(),
                info: *info,
            },
            Want::Reject(status) => Outcome::Reject(*status),
        };
        assert_eq!(
            got,
            expected,
            "{name}: {:?}",
            String::from_utf8_lossy(input)
        );
    }

    use BodyFraming::{Chunked, Empty, Length};

    const GET: &str = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

    #[test]
    fn heads_table() {
        let rows: &[(&str, &str, Want)] = &[
            // Basics.
            ("simple GET", GET, head("/", Empty, true, false)),
            (
                "leading CRLFs are skipped",
                "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                head("/", Empty, true, false),
            ),
            (
                "path and query kept as sent",
                "GET /a%20b/c?x=1&y=%2F HTTP/1.1\r\nHost: a\r\n\r\n",
                head("/a%20b/c?x=1&y=%2F", Empty, true, false),
            ),
            ("only a request line", "GET / HTTP/1.1\r\n", Want::Partial),
            ("empty input", "", Want::Partial),
            (
                "HTTP/2.0 version",
                "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "lower-case version",
                "GET / http/1.1\r\nHost: a\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "space before colon",
                "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "obs-fold",
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "bare CR in a value",
                "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "control byte in a value",
                "GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "NUL in a value",
                "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "missing Host on 1.1",
                "GET / HTTP/1.1\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "two Host fields",
                "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "no Host needed on 1.0",
                "GET / HTTP/1.0\r\n\r\n",
                head("/", Empty, false, false),
            ),
            // Request targets (RFC 9112 §3.2).
            (
                "absolute-form reduced to origin-form",
                "GET http://example.com/a/b?c=d HTTP/1.1\r\nHost: example.com\r\n\r\n",
                head("/a/b?c=d", Empty, true, false),
            ),
            (
                "absolute-form, scheme case-insensitive, https, port",
                "GET HTTPS://Example.COM:8443/x HTTP/1.1\r\nHost: a\r\n\r\n",
                head("/x", Empty, true, false),
            ),
            (
                "absolute-form with empty path",
                "GET http://example.com HTTP/1.1\r\nHost: a\r\n\r\n",
                head("/", Empty, true, false),
            ),
            (
                "other scheme",
                "GET ftp://example.com/ HTTP/1.1\r\nHost: a\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "relative target",
                "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "OPTIONS *",
                "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
                head("*", Empty, true, false),
            ),
            (
                "* with GET",
                "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
                Want::Reject(400),
            ),
            // Keep-alive (RFC 9112 §9.3).
            (
                "1.0 closes by default",
                "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
                head("/", Empty, false, false),
            ),
            (
                "1.0 keep-alive",
                "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                head("/", Empty, true, false),
            ),
            (
                "1.0 Keep-Alive, any case, in a list",
                "GET / HTTP/1.0\r\nConnection: Upgrade ,\tKeep-Alive\r\n\r\n",
                head("/", Empty, true, false),
            ),
            (
                "1.0 keep-alive and close",
                "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
                head("/", Empty, false, false),
            ),
            (
                "1.1 Connection: close",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                head("/", Empty, false, false),
            ),
            (
                "1.1 CLOSE in a list",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n",
                head("/", Empty, false, false),
            ),
            (
                "1.1 close in a second Connection field",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
                head("/", Empty, false, false),
            ),
            (
                "1.1 keep-alive stays on",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
                head("/", Empty, true, false),
            ),
            (
                "closed is not close",
                "GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n",
                head("/", Empty, true, false),
            ),
            // Expect (RFC 9110 §10.1.1).
            (
                "100-continue on 1.1",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
                head("/", Length(3), true, true),
            ),
            (
                "100-Continue, any case",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-Continue\r\n\r\n",
                head("/", Length(3), true, true),
            ),
            (
                "100-continue ignored on 1.0",
                "POST / HTTP/1.0\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
                head("/", Length(3), false, false),
            ),
            (
                "unknown expectation",
                "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n",
                Want::Reject(417),
            ),
            // Content-Length (RFC 9110 §8.6, RFC 9112 §6.3).
            (
                "Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
                head("/", Length(5), true, false),
            ),
            (
                "Content-Length: 0 is no body",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
                head("/", Empty, true, false),
            ),
            (
                "identical duplicate Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
                head("/", Length(5), true, false),
            ),
            (
                "differing duplicate Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "Content-Length list",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "plus sign",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "minus sign",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "hex",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "inner space",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "empty",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n",
                Want::Reject(400),
            ),
            (
                "19 digits fit",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999999999999\r\n\r\n",
                head("/", Length(9_999_999_999_999_999_999), true, false),
            ),
            (
                "u64::MAX + 1 overflows",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "far past u64",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
                Want::Reject(400),
            ),
            // Transfer-Encoding (RFC 9112 §6.1).
            (
                "chunked",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
                head("/", Chunked, true, false),
            ),
            (
                "TRANSFER-ENCODING: CHUNKED",
                "POST / HTTP/1.1\r\nHost: a\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n",
                head("/", Chunked, true, false),
            ),
            (
                "chunked with OWS",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \t chunked \t\r\n\r\n",
                head("/", Chunked, true, false),
            ),
            (
                "gzip, chunked",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                Want::Reject(501),
            ),
            (
                "gzip then chunked in two fields",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\
                 Transfer-Encoding: chunked\r\n\r\n",
                Want::Reject(501),
            ),
            (
                "chunked, gzip",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "gzip alone",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "chunked, chunked",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "chunked in two fields",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\
                 Transfer-Encoding: chunked\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "trailing empty element",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "leading empty element",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "empty value",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n",
                Want::Reject(400),
            ),
            (
                "parameter",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "parameter after OWS",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked ; q=1\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "quoted coding",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "Transfer-Encoding and Content-Length",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\
                 Content-Length: 5\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "Content-Length and Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\
                 Transfer-Encoding: chunked\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "Transfer-Encoding on 1.0",
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                Want::Reject(400),
            ),
            // Look-alike framing names.
            (
                "Content_Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent_Length: 5\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "Content.Length",
                "POST / HTTP/1.1\r\nHost: a\r\nContent.Length: 5\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "transfer_encoding",
                "POST / HTTP/1.1\r\nHost: a\r\ntransfer_encoding: chunked\r\n\r\n",
                Want::Reject(400),
            ),
            (
                "Transfer-Encoding2 is just another field",
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding2: chunked\r\n\r\n",
                head("/", Empty, true, false),
            ),
            (
                "Content-Lengths is just another field",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Lengths: 5\r\n\r\n",
                head("/", Empty, true, false),
            ),
        ];
        let config = ServerConfig::default();
        for (name, input, want) in rows {
            check(name, input.as_bytes(), &config, want);
        }
    }

    /// Heads that parse, used for the prefix test.
    fn valid_heads() -> Vec<Vec<u8>> {
        vec![
            GET.into(),
            b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n".to_vec(),
            b"POST /upload?x=1 HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\
              Expect: 100-continue\r\nX-Empty:\r\nX-Tab:\tv\t\r\n\r\n"
                .to_vec(),
            b"GET http://example.com/p HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".to_vec(),
            b"OPTIONS * HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".to_vec(),
            head_with_fields(90),
        ]
    }

    #[test]
    fn every_prefix_of_a_valid_head_is_partial() {
        let config = ServerConfig {
            max_header_count: 100,
            ..ServerConfig::default()
        };
        for head in valid_heads() {
            for cut in 0..head.len() {
                assert_eq!(
                    run(&head[..cut], &config),
                    Outcome::Partial,
                    "prefix of {cut} bytes of {:?}",
                    String::from_utf8_lossy(&head)
                );
            }
            let got = run(&head, &config);
            assert!(
                matches!(got, Outcome::Head { len, .. } if len == head.len()),
                "{got:?} for {:?}",
                String::from_utf8_lossy(&head)
            );
        }
    }

    /// The length `parse_head` gives a complete head at the start of `input`.
    fn head_len(input: &[u8]) -> usize {
        let mut req = Request::new();
        match parse_head(input, &ServerConfig::default(), &mut req) {
            Ok(Some((len, _))) => len,
            other => panic!("{other:?} for {:?}", String::from_utf8_lossy(input)),
        }
    }

    #[test]
    fn head_length_excludes_following_bytes() {
        let body = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(head_len(body), body.len() - 5);
        let pipelined = [GET.as_bytes(), GET.as_bytes()].concat();
        assert_eq!(head_len(&pipelined), GET.len());
    }

    #[test]
    fn parse_head_fills_the_request_from_its_own_copy() {
        let config = ServerConfig::default();
        let mut input = b"PATCH /items/7?full=1 HTTP/1.1\r\nHost: example.com\r\n\
                      X-Multi: a\r\nx-multi: b\r\nX-Empty:\r\n\r\n"
            .to_vec();
        let mut req = Request::new();
        let (len, _) = parse_head(&input, &config, &mut req).unwrap().unwrap();
        assert_eq!(len, input.len());
        // The connection reuses its read buffer once the head is parsed: the request must
        // not depend on it.
        input.fill(b'#');

        assert_eq!(*req.method(), Method::Patch);
        assert_eq!(req.version(), Version::Http11);
        assert_eq!(req.uri(), "/items/7?full=1");
        assert_eq!(req.path(), "/items/7");
        assert_eq!(req.query(), b"full=1");
        assert_eq!(req.headers().len(), 4);
        assert_eq!(req.headers().get("HOST"), Some(&b"example.com"[..]));
        assert_eq!(
            req.headers().get_all("x-multi").collect::<Vec<_>>(),
            [&b"a"[..], b"b"]
        );
        assert_eq!(req.headers().get("x-empty"), Some(&b""[..]));
    }

    #[test]
    fn a_reset_request_takes_the_next_head() {
        let config = ServerConfig::default();
        let first = b"DELETE /a HTTP/1.1\r\nHost: a\r\nX-1: 1\r\nX-2: 2\r\n\r\n";
        let second = b"BREW /pot HTTP/1.0\r\n\r\n";
        let mut req = Request::new();
        for (input, method, version, fields) in [
            (&first[..], Method::Delete, Version::Http11, 3),
            (
                &second[..],
                Method::Other("BREW".into()),
                Version::Http10,
                0,
            ),
        ] {
            req.reset();
            parse_head(input, &config, &mut req).unwrap().unwrap();
            assert_eq!(*req.method(), method);
            assert_eq!(req.version(), version);
            assert_eq!(req.headers().len(), fields);
        }
        assert_eq!(req.uri(), "/pot");
        assert_eq!(req.headers().get("x-1"), None);
    }

    /// A 1.1 head with `n` header fields in all, `Host` first.
    fn head_with_fields(n: usize) -> Vec<u8> {
        let mut head = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
        for i in 1..n {
            head.extend_from_slice(format!("X-Field-{i}: {i}\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        head
    }

    #[test]
    fn header_count_limit() {
        let any_head = |n| head("/", Empty, true, false).or_len(n);
        // (max_header_count, fields, expected): limits below, at and above the 64-slot
        // stack array, which parse_head leaves for a heap array when the limit allows.
        let rows: &[(usize, usize, Option<u16>)] = &[
            (10, 10, None),
            (10, 11, Some(431)),
            (64, 64, None),
            (64, 65, Some(431)),
            (100, 65, None),
            (100, 90, None),
            (100, 100, None),
            (100, 101, Some(431)),
            (100, 300, Some(431)),
            (128, 128, None),
            (128, 129, Some(431)),
        ];
        for &(limit, fields, reject) in rows {
            let config = ServerConfig {
                max_header_count: limit,
                ..ServerConfig::default()
            };
            let input = head_with_fields(fields);
            let got = run(&input, &config);
            match reject {
                None => assert_eq!(got, any_head(input.len()), "{fields} fields, limit {limit}"),
                Some(status) => assert_eq!(
                    got,
                    Outcome::Reject(status),
                    "{fields} fields, limit {limit}"
                ),
            }
        }
    }

    #[test]
    fn too_many_fields_refused_before_the_head_ends() {
        let config = ServerConfig {
            max_header_count: 100,
            ..ServerConfig::default()
        };
        let mut input = head_with_fields(150);
        input.truncate(input.len() - 2); // no blank line yet
        assert_eq!(run(&input, &config), Outcome::Reject(431));
    }

    impl Want {
        /// The [`Outcome`] this expects for an input of `len` bytes.
        fn or_len(self, len: usize) -> Outcome {
            match self {
                Want::Partial => Outcome::Partial,
                Want::Head { uri, info } => Outcome::Head {
                    len,
                    uri: uri.to_owned(),
                    info,
                },
                Want::Reject(status) => Outcome::Reject(status),
            }
        }
    }

    #[test]
    fn header_bytes_limit() {
        let config = ServerConfig {
            max_header_bytes: 200,
            ..ServerConfig::default()
        };
        let with_len = |n: usize| {
            let mut head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ".to_vec();
            let pad = n - head.len() - 4;
            head.resize(head.len() + pad, b'p');
            head.extend_from_slice(b"\r\n\r\n");
            assert_eq!(head.len(), n);
            head
        };
        let at_limit = with_len(200);
        assert_eq!(
            run(&at_limit, &config),
            head("/", Empty, true, false).or_len(200)
        );
        assert_eq!(run(&with_len(201), &config), Outcome::Reject(431));
        // Partial: refused as soon as the buffered bytes pass the limit.
        let unfinished = &with_len(400)[..300];
        assert_eq!(run(&unfinished[..200], &config), Outcome::Partial);
        assert_eq!(run(&unfinished[..201], &config), Outcome::Reject(431));
        assert_eq!(run(unfinished, &config), Outcome::Reject(431));
    }

    #[test]
    fn request_line_limit() {
        let config = ServerConfig {
            max_request_line: 64,
            ..ServerConfig::default()
        };
        // A request line of `n` bytes, CRLF not counted.
        let line = |n: usize| {
            let fixed = "GET / HTTP/1.1".len();
            format!("GET /{} HTTP/1.1", "a".repeat(n - fixed))
        };
        assert_eq!(line(64).len(), 64);
        let complete = |n| format!("{}\r\nHost: a\r\n\r\n", line(n)).into_bytes();

        let short = complete(63);
        assert!(matches!(run(&short, &config), Outcome::Head { .. }));
        assert_eq!(run(&complete(65), &config), Outcome::Reject(414));
        assert_eq!(run(&complete(1000), &config), Outcome::Reject(414));
        // Still partial: refused once the line is too long, before its end arrives.
        let long = line(1000);
        assert_eq!(run(&long.as_bytes()[..40], &config), Outcome::Partial);
        assert_eq!(run(&long.as_bytes()[..200], &config), Outcome::Reject(414));
        // A long line that is also malformed is still reported as too long.
        let garbage = format!("GET /{} HTTP/9\r\n\r\n", "\x01".repeat(100));
        assert_eq!(run(garbage.as_bytes(), &config), Outcome::Reject(414));
        // The default allows long targets well past a typical buffer.
        assert!(matches!(
            run(&complete(8000), &ServerConfig::default()),
            Outcome::Head { .. }
        ));
    }

    /// xorshift64: deterministic, dependency-free randomness for the robustness tests.
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

    /// Random bytes mixed with fragments of real heads, so inputs get past the first token.
    fn http_ish(rng: &mut Rng) -> Vec<u8> {
        const FRAGMENTS: &[&[u8]] = &[
            b"GET ",
            b"POST ",
            b"OPTIONS ",
            b"/",
            b"*",
            b"http://h",
            b" HTTP/1.1\r\n",
            b" HTTP/1.0\r\n",
            b"Host: a\r\n",
            b"Transfer-Encoding:",
            b"Content-Length:",
            b"Content_Length:",
            b"Connection: close",
            b"Expect: 100-continue",
            b"chunked",
            b"gzip",
            b",",
            b" ",
            b"5",
            b"\r\n",
            b"\r\n\r\n",
            b"\n",
            b"\r",
            b":",
        ];
        let mut out = Vec::new();
        for _ in 0..rng.below(24) {
            if rng.below(3) == 0 {
                for _ in 0..1 + rng.below(4) {
                    out.push(rng.next() as u8);
                }
            } else {
                out.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())]);
            }
        }
        out
    }

    #[test]
    fn random_heads_never_panic() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let default = ServerConfig::default();
        let tight = ServerConfig {
            max_header_bytes: 64,
            max_request_line: 24,
            max_header_count: 3,
            ..ServerConfig::default()
        };
        let mut accepted = 0;
        for i in 0..20_000 {
            let mut input = http_ish(&mut rng);
            if i % 4 == 0 {
                // A valid start makes the framing checks run on random fields.
                input.splice(0..0, b"POST / HTTP/1.1\r\nHost: a\r\n".iter().copied());
                input.extend_from_slice(b"\r\n\r\n");
            }
            let config = if i % 2 == 0 { &default } else { &tight };
            let mut req = Request::new();
            if let Ok(Some((len, _))) = parse_head(&input, config, &mut req) {
                // A head that parses was only ever "incomplete" before its last byte.
                for cut in 0..len {
                    req.reset();
                    assert_eq!(
                        parse_head(&input[..cut], config, &mut req),
                        Ok(None),
                        "prefix of {cut} bytes of {:?}",
                        String::from_utf8_lossy(&input)
                    );
                }
            }
            if matches!(run(&input, config), Outcome::Head { .. }) {
                accepted += 1;
            }
        }
        // The generator must reach the framing checks, or the test proves little.
        assert!(accepted > 100, "only {accepted} random heads parsed");
    }

    #[test]
    fn request_line_limit_is_inclusive_and_skips_leading_empty_lines() {
        let config = ServerConfig {
            max_request_line: 64,
            ..ServerConfig::default()
        };
        let line = format!("GET /{} HTTP/1.1", "a".repeat(50));
        assert_eq!(line.len(), 64);
        let exact = format!("{line}\r\nHost: a\r\n\r\n");
        assert!(matches!(
            run(exact.as_bytes(), &config),
            Outcome::Head { .. }
        ));
        // A leading CRLF must not hide an over-long request line, complete or partial.
        let hidden = format!("\r\nGET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(1000));
        assert_eq!(run(hidden.as_bytes(), &config), Outcome::Reject(414));
        let partial = format!("\r\nGET /{}", "a".repeat(1000));
        assert_eq!(run(partial.as_bytes(), &config), Outcome::Reject(414));
    }

    #[test]
    fn absolute_form_with_empty_path_keeps_the_query() {
        let config = ServerConfig::default();
        let got = run(
            b"GET http://example.com?q=1 HTTP/1.1\r\nHost: a\r\n\r\n",
            &config,
        );
        assert!(
            matches!(got, Outcome::Head { ref uri, .. } if uri == "/?q=1"),
            "{got:?}"
        );
    }
}
