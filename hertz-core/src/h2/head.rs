//! Heads between our types and `http`'s: a stream's pseudo-headers and fields into a
//! [`Request`], a [`Response`]'s status and fields into the head h2 sends.
//!
//! `http`'s header types own their bytes, so every field crossing over is a copy and an
//! allocation. Requests copy all their fields into one buffer. Responses mostly repeat the
//! fields of the one before (`content-type`, `server`, `date`, the same `content-length`),
//! so each thread keeps the fields it sent last and hands out clones of them — a reference
//! count instead of an allocation and a parse per field.
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

/// Fields remembered per thread: a handful of endpoints' worth of heads.
const RECENT_FIELDS: usize = 16;

thread_local! {
    static RECENT: RefCell<Recent> = const { RefCell::new(Recent::new()) };
}

/// Fills `req` from a stream's pseudo-headers and fields (`:authority` as `Host` when there
/// is none).
pub(super) fn fill_request(req: &mut hertz_protocol::Request, parts: &http::request::Parts) {
    req.set_method(Method::from_token(parts.method.as_str()));
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    req.set_uri(target);
    let size = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let mut copy = BytesMut::with_capacity(size);
    for (name, value) in &parts.headers {
        copy.extend_from_slice(name.as_str().as_bytes());
        copy.extend_from_slice(value.as_bytes());
    }
    let mut copy = copy.freeze();
    let headers = req.headers_mut();
    for (name, value) in &parts.headers {
        let name = copy.split_to(name.as_str().len());
        headers.append(name, copy.split_to(value.len()));
    }
    if let Some(authority) = parts.uri.authority() {
        if !headers.contains("host") {
            headers.insert(
                "Host",
                bytes::Bytes::copy_from_slice(authority.as_str().as_bytes()),
            );
        }
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
        let mut recent = recent.borrow_mut();
        let headers = head.headers_mut();
        let (mut has_server, mut has_date) = (false, false);
        for (name, value) in fields {
            if CONNECTION_SPECIFIC
                .iter()
                .any(|banned| name.eq_ignore_ascii_case(banned))
            {
                continue;
            }
            if let Some((name, value)) = recent.field(name, value) {
                has_server |= name == http::header::SERVER;
                has_date |= name == http::header::DATE;
                headers.append(name, value);
            }
        }
        let mut add = |name: &[u8], value: &[u8]| {
            if let Some((name, value)) = recent.field(name, value) {
                headers.append(name, value);
            }
        };
        if !has_server && !server_name.is_empty() {
            add(b"server", server_name.as_bytes());
        }
        if !has_date {
            // HTTP/1.1's per-thread cached date: formatted once a second, not per response.
            hertz_protocol::with_date(|date| add(b"date", date));
        }
        if let Some(len) = content_length {
            let mut digits = [0u8; 20];
            add(b"content-length", decimal(len, &mut digits));
        }
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

/// The fields this thread sent most recently, replaced round-robin, each under the exact
/// bytes it was asked for (a handler writes its fields the same way every time).
struct Recent {
    fields: Vec<RecentField>,
    /// Where the next lookup starts: just after the last hit, because responses repeat
    /// their fields in the same order.
    hint: usize,
    /// The entry replaced next once the list is full.
    next: usize,
}

struct RecentField {
    name: Box<[u8]>,
    field: (HeaderName, HeaderValue),
}

impl Recent {
    const fn new() -> Self {
        Recent {
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
