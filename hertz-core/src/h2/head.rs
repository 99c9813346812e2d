//! Heads between our types and `http`'s: a stream's pseudo-headers and fields into a
//! [`Request`], a [`Response`]'s status and fields into the head h2 sends.
//!
//! `http`'s header types own their bytes, so every field crossing over is a copy and an
//! allocation. Requests copy all their fields into their connection's [`HeadBuffer`], each
//! request a slice of it: no allocation until the buffer is used up. Responses mostly repeat the
//! head before them (`content-type`, `server`, `date`, the same `content-length`), so each
//! thread keeps the last head it built, and the fields of the last few: a repeated head is
//! a clone of the last (reference counts), a repeated field a clone of the recent one —
//! instead of an allocation, a parse and a hash per field.
//!
//! [`Request`]: hertz_protocol::Request
//! [`Response`]: hertz_protocol::Response

use std::cell::RefCell;

use bytes::BytesMut;
use hertz_protocol::{Method, StatusCode};
use http::{HeaderName, HeaderValue};

/// Header fields HTTP/2 forbids (RFC 9113 §8.2.2), dropped from responses; `content-length`
/// too, because it is recomputed from the body that is actually sent.
const CONNECTION_SPECIFIC: [&[u8]; 6] = [
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"upgrade",
    b"content-length",
];

/// Fields remembered one by one per thread: a handful of endpoints' worth of heads.
const RECENT_FIELDS: usize = 16;

thread_local! {
    static RECENT: RefCell<Recent> = RefCell::new(Recent::new());
}

/// Where a connection's request fields are copied: one block shared by the requests that
/// fit in it, instead of an allocation (and a reference-count block) per request. The block
/// is reused in place once every request in it has let go of its fields, else replaced.
pub(super) struct HeadBuffer {
    block: BytesMut,
}

impl HeadBuffer {
    /// Bytes per block: the heads of a few dozen typical requests. An idle connection keeps
    /// its block, a quarter of what the `h2` crate keeps for its write buffer.
    const BLOCK: usize = 4096;

    pub(super) fn new() -> Self {
        HeadBuffer {
            block: BytesMut::new(),
        }
    }

    /// Room for `len` more bytes.
    fn reserve(&mut self, len: usize) {
        if self.block.capacity() == 0 {
            // Sized up front: the block's first capacity is what it grows to when replaced.
            self.block = BytesMut::with_capacity(Self::BLOCK.max(len));
        } else {
            self.block.reserve(len);
        }
    }
}

/// Fills `req` from a stream's pseudo-headers and fields (`:authority` as `Host` when there
/// is none), their bytes copied into `buffer`.
pub(super) fn fill_request(
    req: &mut hertz_protocol::Request,
    parts: &http::request::Parts,
    buffer: &mut HeadBuffer,
) {
    req.set_method(Method::from_token(parts.method.as_str()));
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    req.set_uri(target);
    // `:authority` stands in for a missing `Host` (RFC 9113 §8.3.1); it is copied with the
    // fields, into the same buffer.
    let authority = parts
        .uri
        .authority()
        .filter(|_| !parts.headers.contains_key(http::header::HOST))
        .map(|authority| authority.as_str().as_bytes());
    let size = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum::<usize>()
        + authority.map_or(0, <[u8]>::len);
    buffer.reserve(size);
    let copy = &mut buffer.block;
    for (name, value) in &parts.headers {
        copy.extend_from_slice(name.as_str().as_bytes());
        copy.extend_from_slice(value.as_bytes());
    }
    copy.extend_from_slice(authority.unwrap_or_default());
    let mut copy = copy.split().freeze();
    let headers = req.headers_mut();
    for (name, value) in &parts.headers {
        let name = copy.split_to(name.as_str().len());
        headers.append(name, copy.split_to(value.len()));
    }
    if authority.is_some() {
        headers.append("Host", copy);
    }
}

/// The head for a response with `status` and `fields`: connection-specific fields dropped,
/// `server` (unless `server_name` is empty) and `date` added unless the fields have them
/// (like HTTP/1.1's encoder), and `content-length` when the length is known. A field h2
/// cannot carry is dropped rather than failing the stream.
pub(super) fn response<'a>(
    status: StatusCode,
    fields: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    content_length: Option<usize>,
    server_name: &str,
) -> http::Response<()> {
    let mut head = http::Response::new(());
    *head.status_mut() =
        http::StatusCode::from_u16(status.as_u16()).unwrap_or(http::StatusCode::OK);
    RECENT.with(|recent| {
        let recent = &mut *recent.borrow_mut();
        let wanted = &mut recent.wanted;
        wanted.clear();
        let (mut has_server, mut has_date) = (false, false);
        for (name, value) in fields {
            if CONNECTION_SPECIFIC
                .iter()
                .any(|banned| name.eq_ignore_ascii_case(banned))
            {
                continue;
            }
            has_server |= name.eq_ignore_ascii_case(b"server");
            has_date |= name.eq_ignore_ascii_case(b"date");
            wanted.push(name, value);
        }
        if !has_server && !server_name.is_empty() {
            wanted.push(b"server", server_name.as_bytes());
        }
        if !has_date {
            // HTTP/1.1's per-thread cached date: formatted once a second, not per response.
            hertz_protocol::with_date(|date| wanted.push(b"date", date));
        }
        if let Some(len) = content_length {
            let mut digits = [0u8; 20];
            wanted.push(b"content-length", decimal(len, &mut digits));
        }
        *head.headers_mut() = recent.headers();
    });
    head
}

/// `n` in decimal, written at the end of `buf`.
fn decimal(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[start..];
        }
    }
}

/// What this thread sent recently: the last head whole, and its recent fields one by one.
struct Recent {
    /// The fields of the head being built.
    wanted: FieldList,
    /// The fields of the last head built, and that head.
    last: FieldList,
    last_headers: http::HeaderMap,
    fields: RecentFields,
}

impl Recent {
    fn new() -> Self {
        Recent {
            wanted: FieldList::new(),
            last: FieldList::new(),
            last_headers: http::HeaderMap::new(),
            fields: RecentFields::new(),
        }
    }

    /// The headers for the fields in `wanted`: a clone of the last head's when they are the
    /// same (a few reference counts instead of hashing every field in), else built from the
    /// recent fields.
    fn headers(&mut self) -> http::HeaderMap {
        if self.wanted.bytes == self.last.bytes {
            return self.last_headers.clone();
        }
        let mut headers = http::HeaderMap::new();
        for (name, value) in self.wanted.iter() {
            if let Some((name, value)) = self.fields.field(name, value) {
                headers.append(name, value);
            }
        }
        std::mem::swap(&mut self.wanted, &mut self.last);
        self.last_headers = headers.clone();
        headers
    }
}

/// `(name, value)` pairs as asked for, each part prefixed with its length, so that two
/// lists are equal exactly when their bytes are.
struct FieldList {
    bytes: Vec<u8>,
}

impl FieldList {
    const fn new() -> Self {
        FieldList { bytes: Vec::new() }
    }

    fn clear(&mut self) {
        self.bytes.clear();
    }

    fn push(&mut self, name: &[u8], value: &[u8]) {
        for part in [name, value] {
            self.bytes.extend_from_slice(&part.len().to_ne_bytes());
            self.bytes.extend_from_slice(part);
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut rest = self.bytes.as_slice();
        std::iter::from_fn(move || {
            let name = take_part(&mut rest)?;
            let value = take_part(&mut rest)?;
            Some((name, value))
        })
    }
}

/// The next length-prefixed part of `rest`.
fn take_part<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, tail) = rest.split_first_chunk::<{ size_of::<usize>() }>()?;
    let len = usize::from_ne_bytes(*len);
    let part = tail.get(..len)?;
    *rest = &tail[len..];
    Some(part)
}

/// Fields sent recently, replaced round-robin, each under the exact bytes it was asked for
/// (a handler writes its fields the same way every time).
struct RecentFields {
    fields: Vec<RecentField>,
    /// Where the next lookup starts: just after the last hit, because heads repeat their
    /// fields in the same order.
    hint: usize,
    /// The entry replaced next once the list is full.
    next: usize,
}

struct RecentField {
    name: Box<[u8]>,
    field: (HeaderName, HeaderValue),
}

impl RecentFields {
    const fn new() -> Self {
        RecentFields {
            fields: Vec::new(),
            hint: 0,
            next: 0,
        }
    }

    /// `name: value` as `http`'s types: a clone of a recent field, or parsed (and
    /// remembered); `None` when HTTP/2 cannot carry it.
    fn field(&mut self, name: &[u8], value: &[u8]) -> Option<(HeaderName, HeaderValue)> {
        let len = self.fields.len();
        for i in (self.hint..len).chain(0..self.hint.min(len)) {
            let known = &self.fields[i];
            if known.field.1.as_bytes() == value && *known.name == *name {
                self.hint = (i + 1) % len;
                return Some(known.field.clone());
            }
        }
        let field = (
            HeaderName::from_bytes(name).ok()?,
            HeaderValue::from_bytes(value).ok()?,
        );
        let entry = RecentField {
            name: name.into(),
            field: field.clone(),
        };
        if len < RECENT_FIELDS {
            self.fields.push(entry);
        } else {
            self.fields[self.next] = entry;
            self.next = (self.next + 1) % RECENT_FIELDS;
        }
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(head: &http::Response<()>) -> Vec<(String, String)> {
        head.headers()
            .iter()
            .filter(|(name, _)| *name != http::header::DATE)
            .map(|(n, v)| (n.to_string(), v.to_str().expect("ASCII").to_owned()))
            .collect()
    }

    #[test]
    fn field_lists_are_equal_only_for_the_same_fields() {
        let mut one = FieldList::new();
        one.push(b"a", b"b\0c");
        let mut two = FieldList::new();
        two.push(b"a", b"b");
        two.push(b"c", b"");
        assert_ne!(one.bytes, two.bytes);
        let read: Vec<_> = two.iter().collect();
        assert_eq!(read, [(&b"a"[..], &b"b"[..]), (&b"c"[..], &b""[..])]);
    }

    #[test]
    fn a_repeated_head_is_the_same_head() {
        let ours: [(&[u8], &[u8]); 1] = [(b"Content-Type", b"text/plain")];
        let first = response(StatusCode::OK, ours.into_iter(), Some(5), "hertz");
        let second = response(StatusCode::CREATED, ours.into_iter(), Some(5), "hertz");
        assert_eq!(second.status(), 201);
        assert_eq!(first.headers(), second.headers());
        let third = response(StatusCode::OK, ours.into_iter(), Some(6), "hertz");
        assert_eq!(third.headers()["content-length"], "6");
    }

    #[test]
    fn a_head_that_starts_like_the_last_is_its_own() {
        let two: [(&[u8], &[u8]); 2] = [(b"x-a", b"1"), (b"x-b", b"2")];
        let three: [(&[u8], &[u8]); 3] = [(b"x-a", b"1"), (b"x-b", b"2"), (b"x-c", b"3")];
        let names = |head: &http::Response<()>| -> Vec<String> {
            fields(head).into_iter().map(|(name, _)| name).collect()
        };
        // Longer than the last, shorter, then the same again: each carries its own fields.
        let expected = [
            &["x-a", "x-b"][..],
            &["x-a", "x-b", "x-c"],
            &["x-a", "x-b"],
            &["x-a", "x-b"],
        ];
        let heads = [&two[..], &three, &two, &two];
        for (ours, expected) in heads.into_iter().zip(expected) {
            let head = response(StatusCode::OK, ours.iter().copied(), None, "");
            assert_eq!(names(&head), expected);
        }
    }

    fn request(user_agent: &str) -> http::request::Parts {
        let request = http::Request::get("http://example.com/x?y=1")
            .header("user-agent", user_agent)
            .body(())
            .expect("a valid request");
        request.into_parts().0
    }

    #[test]
    fn requests_keep_their_own_fields_in_a_shared_buffer() {
        let mut buffer = HeadBuffer::new();
        // Enough requests to fill several blocks, all kept alive, one larger than a block.
        let agents: Vec<String> = (0..200)
            .map(|n| match n {
                77 => "z".repeat(HeadBuffer::BLOCK + 10),
                n => format!("agent-{n}"),
            })
            .collect();
        let mut fill = |agent: &str| {
            let mut req = hertz_protocol::Request::default();
            fill_request(&mut req, &request(agent), &mut buffer);
            (req, agent.to_owned())
        };
        let mut filled: Vec<_> = agents.iter().map(|agent| fill(agent)).collect();
        // Some let go of their fields, so blocks are reused while others still hold theirs.
        filled.retain(|(_, agent)| agent.len() % 2 == 0);
        filled.extend(agents.iter().rev().map(|agent| fill(agent)));
        for (req, agent) in &filled {
            assert_eq!(req.uri(), "/x?y=1");
            assert_eq!(req.headers().get("user-agent"), Some(agent.as_bytes()));
            // `:authority` stands in for the missing `Host`.
            assert_eq!(req.headers().get("host"), Some(&b"example.com"[..]));
            assert_eq!(req.headers().len(), 2);
        }
    }

    #[test]
    fn a_request_with_host_keeps_it_and_ignores_the_authority() {
        let (mut parts, ()) = http::Request::get("http://example.com/")
            .header("host", "other.example")
            .body(())
            .expect("a valid request")
            .into_parts();
        parts
            .headers
            .append("x-n", http::HeaderValue::from_static("1"));
        let mut req = hertz_protocol::Request::default();
        fill_request(&mut req, &parts, &mut HeadBuffer::new());
        let fields: Vec<_> = req.headers().iter().collect();
        assert_eq!(
            fields,
            [(&b"host"[..], &b"other.example"[..]), (b"x-n", b"1")]
        );
    }

    #[test]
    fn decimal_writes_every_digit() {
        let mut buf = [0u8; 20];
        for n in [0, 7, 10, 13, 4096, usize::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn heads_drop_connection_fields_and_add_server_date_and_length() {
        let ours: [(&[u8], &[u8]); 4] = [
            (b"Content-Type", b"text/plain"),
            (b"Connection", b"keep-alive"),
            (b"Content-Length", b"999"),
            (b"X-Bad", b"line\nbreak"),
        ];
        let head = response(StatusCode::OK, ours.into_iter(), Some(13), "hertz");
        assert_eq!(
            fields(&head),
            [
                ("content-type".into(), "text/plain".into()),
                ("server".into(), "hertz".into()),
                ("content-length".into(), "13".into()),
            ]
        );
        assert!(head.headers().contains_key(http::header::DATE));
    }

    #[test]
    fn remembered_fields_are_matched_by_name_and_value() {
        // More distinct fields than the cache holds, twice: every head must still carry
        // exactly its own values.
        for _ in 0..2 {
            for n in 0..RECENT_FIELDS + 3 {
                let value = format!("v{n}");
                let ours: [(&[u8], &[u8]); 2] =
                    [(b"X-A", value.as_bytes()), (b"x-b", value.as_bytes())];
                let head = response(StatusCode::OK, ours.into_iter(), Some(n), "");
                assert_eq!(
                    fields(&head),
                    [
                        ("x-a".into(), value.clone()),
                        ("x-b".into(), value.clone()),
                        ("content-length".into(), n.to_string()),
                    ]
                );
            }
        }
    }

    #[test]
    fn the_handlers_server_and_date_win() {
        let ours: [(&[u8], &[u8]); 2] = [
            (b"Server", b"mine"),
            (b"Date", b"Thu, 01 Jan 1970 00:00:00 GMT"),
        ];
        let head = response(StatusCode::NOT_FOUND, ours.into_iter(), None, "hertz");
        assert_eq!(head.status(), 404);
        let values: Vec<_> = head
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().expect("ASCII")))
            .collect();
        assert_eq!(
            values,
            [
                ("server", "mine"),
                ("date", "Thu, 01 Jan 1970 00:00:00 GMT")
            ]
        );
    }
}
