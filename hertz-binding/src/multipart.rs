//! `multipart/form-data` parsing ([RFC 7578], framing per [RFC 2046 §5.1]).
//!
//! The parser works over a body that is already in memory: by the time
//! binding runs, the protocol layer has read the whole body into a [`Bytes`].
//! That lets every file part be a zero-copy [`Bytes::slice`] of the body,
//! which a stream-oriented parser such as `multer` (async, chunk-by-chunk,
//! copying into its own buffers) cannot give. It is small: find the opening
//! delimiter, then alternate between a part's headers and its content up to
//! the next `CRLF--boundary`, until the close delimiter `--boundary--`.
//!
//! Limits ([`Limits`]) cap the number of parts, the size of one part's header
//! block and the size of a non-file field, so a hostile body costs at most a
//! linear scan.
//!
//! [RFC 7578]: https://www.rfc-editor.org/rfc/rfc7578
//! [RFC 2046 §5.1]: https://www.rfc-editor.org/rfc/rfc2046#section-5.1
//!
//! ```
//! use bytes::Bytes;
//! use hertz_binding::multipart;
//!
//! let body = Bytes::from_static(
//!     b"--XyZ\r\n\
//!       Content-Disposition: form-data; name=\"title\"\r\n\r\n\
//!       hello\r\n\
//!       --XyZ\r\n\
//!       Content-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\n\
//!       Content-Type: text/plain\r\n\r\n\
//!       file body\r\n\
//!       --XyZ--\r\n",
//! );
//! let form = multipart::parse(&body, b"multipart/form-data; boundary=XyZ").unwrap();
//! assert_eq!(form.value("title"), Some("hello"));
//! let doc = form.file("doc").unwrap();
//! assert_eq!((doc.filename.as_str(), &doc.data[..]), ("a.txt", &b"file body"[..]));
//! ```

use std::fmt;

use bytes::Bytes;

use crate::mime;

/// Longest boundary accepted. RFC 2046 allows 70 characters; we accept a
/// little more to tolerate sloppy clients.
const MAX_BOUNDARY: usize = 200;

/// A parsed `multipart/form-data` body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multipart {
    /// Non-file parts as `(name, value)`, in body order. Values are decoded
    /// as UTF-8, lossily.
    pub fields: Vec<(String, String)>,
    /// File parts (those with a non-empty `filename`), in body order.
    pub files: Vec<FilePart>,
}

impl Multipart {
    /// The first field called `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every field called `name`, in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first file part called `name`.
    pub fn file(&self, name: &str) -> Option<&FilePart> {
        self.files.iter().find(|f| f.name == name)
    }

    /// Every file part called `name`, in order.
    pub fn files<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FilePart> + 'a {
        self.files.iter().filter(move |f| f.name == name)
    }
}

/// One uploaded file. `Default` is an empty part (what a non-`Option`,
/// non-`required` file field gets when nothing was uploaded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilePart {
    /// The form field name (`name=` of `Content-Disposition`).
    pub name: String,
    /// The client's file name (`filename*=` if given, else `filename=`), as
    /// sent: it may contain path separators, so never use it as a path as is.
    pub filename: String,
    /// The part's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    /// The content: a zero-copy slice of the request body.
    pub data: Bytes,
}

/// Caps applied while parsing; see [`parse_with_limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most parts in one body (default 1024).
    pub max_parts: usize,
    /// Largest header block of one part, in bytes (default 16 KiB).
    pub max_header_bytes: usize,
    /// Largest non-file field value, in bytes (default 1 MiB). File parts are
    /// slices of the body and bounded only by the body size limit.
    pub max_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_parts: 1024,
            max_header_bytes: 16 * 1024,
            max_field_bytes: 1024 * 1024,
        }
    }
}

/// What is wrong with a multipart body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MultipartErrorKind {
    /// The `Content-Type` is not `multipart/*`.
    NotMultipart,
    /// The `Content-Type` has no `boundary` parameter.
    MissingBoundary,
    /// The boundary is empty, too long, or contains CR/LF.
    InvalidBoundary,
    /// The body never contains the opening `--boundary` line.
    MissingOpeningDelimiter,
    /// A part's headers are not ended by an empty line.
    TruncatedHeaders,
    /// A part's header line has no `:`.
    MalformedHeader,
    /// A part has no `Content-Disposition` header.
    MissingContentDisposition,
    /// A part's `Content-Disposition` has no `name` parameter.
    MissingName,
    /// A part's content is not followed by another delimiter.
    TruncatedPart,
    /// The body ends after a delimiter without the closing `--boundary--`.
    MissingClosingDelimiter,
    /// More parts than [`Limits::max_parts`].
    TooManyParts,
    /// A part's header block exceeds [`Limits::max_header_bytes`].
    HeaderTooLarge,
    /// A non-file field exceeds [`Limits::max_field_bytes`].
    FieldTooLarge,
}

/// A malformed multipart body: the [`MultipartErrorKind`] and, when it is
/// about one part, that part's index (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartError {
    kind: MultipartErrorKind,
    part: Option<usize>,
}

impl MultipartError {
    fn new(kind: MultipartErrorKind) -> Self {
        MultipartError { kind, part: None }
    }

    fn at(kind: MultipartErrorKind, part: usize) -> Self {
        MultipartError {
            kind,
            part: Some(part),
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> MultipartErrorKind {
        self.kind
    }

    /// The 0-based index of the offending part, when the error is about one.
    pub fn part(&self) -> Option<usize> {
        self.part
    }
}

impl fmt::Display for MultipartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use MultipartErrorKind::*;
        let what = match self.kind {
            NotMultipart => "content type is not multipart",
            MissingBoundary => "content type has no boundary parameter",
            InvalidBoundary => "boundary is empty, longer than 200 bytes or contains CR/LF",
            MissingOpeningDelimiter => "body does not contain the opening boundary delimiter",
            TruncatedHeaders => "part headers are not terminated by an empty line",
            MalformedHeader => "part header line has no ':'",
            MissingContentDisposition => "part has no Content-Disposition header",
            MissingName => "part's Content-Disposition has no name parameter",
            TruncatedPart => {
                "part content is not followed by a boundary delimiter (truncated body)"
            }
            MissingClosingDelimiter => "body ends without the closing boundary delimiter",
            TooManyParts => "too many parts",
            HeaderTooLarge => "part header block is too large",
            FieldTooLarge => "form field value is too large",
        };
        match self.part {
            Some(i) => write!(f, "multipart part {i}: {what}"),
            None => write!(f, "multipart: {what}"),
        }
    }
}

impl std::error::Error for MultipartError {}

/// Parses `body` as `multipart/form-data` with the boundary from
/// `content_type` (the request's `Content-Type` value) and default [`Limits`].
pub fn parse(body: &Bytes, content_type: &[u8]) -> Result<Multipart, MultipartError> {
    parse_with_limits(body, content_type, &Limits::default())
}

/// [`parse`] with explicit [`Limits`].
pub fn parse_with_limits(
    body: &Bytes,
    content_type: &[u8],
    limits: &Limits,
) -> Result<Multipart, MultipartError> {
    let boundary = boundary(content_type)?;
    Parser {
        body,
        delimiter: [&b"\r\n--"[..], &boundary].concat(),
        limits,
    }
    .run()
}

/// The `boundary` parameter of a multipart `Content-Type`.
pub fn boundary(content_type: &[u8]) -> Result<Vec<u8>, MultipartError> {
    if !mime::is_multipart(content_type) {
        return Err(MultipartError::new(MultipartErrorKind::NotMultipart));
    }
    let b = mime::params(content_type)
        .find(|(k, _)| k.eq_ignore_ascii_case(b"boundary"))
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| MultipartError::new(MultipartErrorKind::MissingBoundary))?;
    if b.is_empty() || b.len() > MAX_BOUNDARY || b.iter().any(|&c| c == b'\r' || c == b'\n') {
        return Err(MultipartError::new(MultipartErrorKind::InvalidBoundary));
    }
    Ok(b)
}

/// Where the parser is in the body.
enum Phase {
    /// Looking for the first delimiter; preamble before it is ignored.
    Preamble,
    /// At the start of part `index`'s header block (just after a delimiter
    /// line).
    Headers { index: usize, at: usize },
    /// Close delimiter seen (or, for an empty body, nothing at all).
    Done,
}

/// What follows a delimiter.
enum AfterDelimiter {
    /// `CRLF`: another part starts at this offset.
    Part(usize),
    /// `--`: the close delimiter.
    Close,
    /// The body ends (after optional whitespace).
    Eof,
    /// Something else: the match was part of content, not a delimiter.
    NotADelimiter,
}

struct Parser<'a> {
    body: &'a Bytes,
    /// `CRLF--boundary`.
    delimiter: Vec<u8>,
    limits: &'a Limits,
}

impl Parser<'_> {
    fn run(self) -> Result<Multipart, MultipartError> {
        let mut out = Multipart::default();
        let mut phase = Phase::Preamble;
        loop {
            phase = match phase {
                Phase::Preamble => self.preamble()?,
                Phase::Headers { index, at } => self.part(index, at, &mut out)?,
                Phase::Done => return Ok(out),
            };
        }
    }

    fn preamble(&self) -> Result<Phase, MultipartError> {
        let dash_boundary = &self.delimiter[2..];
        let missing = || MultipartError::new(MultipartErrorKind::MissingOpeningDelimiter);
        // The body may start with `--boundary` (no preamble) ...
        let mut candidate = if self.body.starts_with(dash_boundary) {
            Some(dash_boundary.len())
        } else {
            None
        };
        let mut from = 0;
        loop {
            // ... or have it after a CRLF.
            let end = match candidate.take() {
                Some(end) => end,
                None => {
                    let at = find(self.body, &self.delimiter, from).ok_or_else(missing)?;
                    from = at + 1;
                    at + self.delimiter.len()
                }
            };
            match self.after_delimiter(end) {
                AfterDelimiter::Part(at) => return Ok(Phase::Headers { index: 0, at }),
                AfterDelimiter::Close => return Ok(Phase::Done),
                AfterDelimiter::Eof => {
                    return Err(MultipartError::new(
                        MultipartErrorKind::MissingClosingDelimiter,
                    ))
                }
                AfterDelimiter::NotADelimiter => {}
            }
        }
    }

    /// Parses part `index` whose headers start at `at`, and returns the phase
    /// after its closing delimiter.
    fn part(&self, index: usize, at: usize, out: &mut Multipart) -> Result<Phase, MultipartError> {
        use MultipartErrorKind::*;
        if index >= self.limits.max_parts {
            return Err(MultipartError::at(TooManyParts, index));
        }
        let body: &[u8] = self.body;
        // Header block: lines up to an empty line. A part with no headers
        // starts directly with the empty line.
        let (header_block, content_start) = if body[at..].starts_with(b"\r\n") {
            (&body[at..at], at + 2)
        } else {
            let limit = body.len().min(at + self.limits.max_header_bytes + 4);
            match find(&body[..limit], b"\r\n\r\n", at) {
                Some(end) => (&body[at..end], end + 4),
                None if limit < body.len() => {
                    return Err(MultipartError::at(HeaderTooLarge, index))
                }
                None => return Err(MultipartError::at(TruncatedHeaders, index)),
            }
        };
        let headers = PartHeaders::parse(header_block).map_err(|k| MultipartError::at(k, index))?;

        // Content runs to the next real delimiter. Searching from two bytes
        // back lets an empty part written as `...\r\n\r\n--boundary` (without
        // the CRLF that belongs to the delimiter) parse as empty content.
        let mut from = content_start - 2;
        let (content_end, next) = loop {
            let found = find(body, &self.delimiter, from)
                .ok_or_else(|| MultipartError::at(TruncatedPart, index))?;
            match self.after_delimiter(found + self.delimiter.len()) {
                AfterDelimiter::NotADelimiter => from = found + 1,
                AfterDelimiter::Eof => {
                    return Err(MultipartError::at(MissingClosingDelimiter, index))
                }
                AfterDelimiter::Close => break (found.max(content_start), Phase::Done),
                AfterDelimiter::Part(at) => {
                    break (
                        found.max(content_start),
                        Phase::Headers {
                            index: index + 1,
                            at,
                        },
                    )
                }
            }
        };

        match headers.filename {
            Some(filename) if !filename.is_empty() => out.files.push(FilePart {
                name: headers.name,
                filename,
                content_type: headers.content_type,
                data: self.body.slice(content_start..content_end),
            }),
            _ => {
                let data = &body[content_start..content_end];
                if data.len() > self.limits.max_field_bytes {
                    return Err(MultipartError::at(FieldTooLarge, index));
                }
                out.fields
                    .push((headers.name, String::from_utf8_lossy(data).into_owned()));
            }
        }
        Ok(next)
    }

    /// Classifies what follows a delimiter match ending at `end`.
    fn after_delimiter(&self, end: usize) -> AfterDelimiter {
        let rest = &self.body[end..];
        if rest.starts_with(b"--") {
            return AfterDelimiter::Close;
        }
        // Transport padding (RFC 2046 §5.1.1) before the line break.
        let pad = rest
            .iter()
            .position(|&b| b != b' ' && b != b'\t')
            .unwrap_or(rest.len());
        let rest = &rest[pad..];
        if rest.is_empty() {
            AfterDelimiter::Eof
        } else if rest.starts_with(b"\r\n") {
            if rest.len() == 2 {
                AfterDelimiter::Eof
            } else {
                AfterDelimiter::Part(end + pad + 2)
            }
        } else {
            AfterDelimiter::NotADelimiter
        }
    }
}

/// The headers of one part that we use.
struct PartHeaders {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
}

impl PartHeaders {
    fn parse(block: &[u8]) -> Result<Self, MultipartErrorKind> {
        let mut disposition = None;
        let mut content_type = None;
        for line in block.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or(MultipartErrorKind::MalformedHeader)?;
            let (name, value) = (line[..colon].trim_ascii(), line[colon + 1..].trim_ascii());
            if name.eq_ignore_ascii_case(b"content-disposition") {
                disposition.get_or_insert(value);
            } else if name.eq_ignore_ascii_case(b"content-type") {
                content_type.get_or_insert(value);
            }
        }
        let disposition = disposition.ok_or(MultipartErrorKind::MissingContentDisposition)?;
        let mut name = None;
        let mut filename = None;
        let mut filename_ext = None;
        for (key, value) in mime::params(disposition) {
            if key.eq_ignore_ascii_case(b"name") {
                name.get_or_insert_with(|| lossy(&value));
            } else if key.eq_ignore_ascii_case(b"filename") {
                filename.get_or_insert_with(|| lossy(&value));
            } else if key.eq_ignore_ascii_case(b"filename*") {
                filename_ext = filename_ext.or_else(|| ext_value(&value));
            }
        }
        Ok(PartHeaders {
            name: name.ok_or(MultipartErrorKind::MissingName)?,
            filename: filename_ext.or(filename),
            content_type: content_type.map(lossy),
        })
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Decodes an RFC 8187 ext-value (`UTF-8''na%C3%AFve.txt`); `None` for other
/// charsets or malformed values.
fn ext_value(v: &[u8]) -> Option<String> {
    let mut it = v.splitn(3, |&b| b == b'\'');
    let charset = it.next()?;
    let _language = it.next()?;
    let encoded = it.next()?;
    if !charset.eq_ignore_ascii_case(b"utf-8") {
        return None;
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode(encoded).collect();
    String::from_utf8(decoded).ok()
}

/// First index `>= from` where `needle` (non-empty) occurs in `hay`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut i = from;
    while i + needle.len() <= hay.len() {
        let off = hay[i..hay.len() - rest.len()]
            .iter()
            .position(|&b| b == first)?;
        let at = i + off;
        if hay[at + 1..].starts_with(rest) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests;
