//! Small media-type helpers shared by JSON, form and multipart handling:
//! the type/subtype "essence" of a `Content-Type` and `; key=value`
//! parameters (RFC 9110 §5.6.6), used for both `Content-Type` and a multipart
//! part's `Content-Disposition`.

use std::borrow::Cow;

/// The `type/subtype` part of a header value, trimmed (not lowercased).
pub(crate) fn essence(value: &[u8]) -> &[u8] {
    let end = value.iter().position(|&b| b == b';').unwrap_or(value.len());
    value[..end].trim_ascii()
}

/// `application/json` or any `*/*+json` (RFC 6839), case-insensitively.
pub(crate) fn is_json(content_type: &[u8]) -> bool {
    let e = essence(content_type);
    e.eq_ignore_ascii_case(b"application/json")
        || (e.len() >= 5 && e[e.len() - 5..].eq_ignore_ascii_case(b"+json") && e.contains(&b'/'))
}

/// `application/x-www-form-urlencoded`.
pub(crate) fn is_urlencoded(content_type: &[u8]) -> bool {
    essence(content_type).eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
}

/// Any `multipart/*`.
pub(crate) fn is_multipart(content_type: &[u8]) -> bool {
    let e = essence(content_type);
    e.len() > 10 && e[..10].eq_ignore_ascii_case(b"multipart/")
}

/// Iterator over `; name=value` parameters after the first `;` of a header
/// value. Names are returned as written (compare case-insensitively); quoted
/// values are unquoted with `\` escapes removed. Tolerant: a missing closing
/// quote takes the rest of the value, a parameter without `=` has an empty
/// value.
pub(crate) struct Params<'a> {
    rest: &'a [u8],
}

pub(crate) fn params(value: &[u8]) -> Params<'_> {
    let start = value
        .iter()
        .position(|&b| b == b';')
        .map_or(value.len(), |i| i + 1);
    Params {
        rest: &value[start..],
    }
}

impl<'a> Iterator for Params<'a> {
    type Item = (&'a [u8], Cow<'a, [u8]>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = trim_start(self.rest);
            if rest.is_empty() {
                self.rest = rest;
                return None;
            }
            if rest[0] == b';' {
                self.rest = &rest[1..];
                continue;
            }
            let name_end = rest
                .iter()
                .position(|&b| b == b'=' || b == b';')
                .unwrap_or(rest.len());
            let name = rest[..name_end].trim_ascii();
            if name_end == rest.len() || rest[name_end] == b';' {
                self.rest = &rest[name_end..];
                return Some((name, Cow::Borrowed(&b""[..])));
            }
            let after = trim_start(&rest[name_end + 1..]);
            let (value, rest) = if after.first() == Some(&b'"') {
                quoted(&after[1..])
            } else {
                let end = after.iter().position(|&b| b == b';').unwrap_or(after.len());
                (Cow::Borrowed(after[..end].trim_ascii()), &after[end..])
            };
            self.rest = rest;
            return Some((name, value));
        }
    }
}

/// Reads a quoted-string body (after the opening quote): the unescaped value
/// and what follows the closing quote.
fn quoted(s: &[u8]) -> (Cow<'_, [u8]>, &[u8]) {
    let mut i = 0;
    let mut owned: Option<Vec<u8>> = None;
    while i < s.len() {
        match s[i] {
            b'"' => {
                let value = match owned {
                    Some(v) => Cow::Owned(v),
                    None => Cow::Borrowed(&s[..i]),
                };
                return (value, &s[i + 1..]);
            }
            b'\\' if i + 1 < s.len() => {
                let buf = owned.get_or_insert_with(|| s[..i].to_vec());
                buf.push(s[i + 1]);
                i += 2;
            }
            b => {
                if let Some(buf) = owned.as_mut() {
                    buf.push(b);
                }
                i += 1;
            }
        }
    }
    let value = match owned {
        Some(v) => Cow::Owned(v),
        None => Cow::Borrowed(s),
    };
    (value, &s[s.len()..])
}

fn trim_start(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types() {
        assert!(is_json(b"application/json"));
        assert!(is_json(b"Application/JSON; charset=utf-8"));
        assert!(is_json(b"application/problem+json"));
        assert!(!is_json(b"+json"));
        assert!(!is_json(b"text/plain"));
        assert!(is_urlencoded(
            b"application/x-www-form-urlencoded; charset=utf-8"
        ));
        assert!(is_multipart(b"multipart/form-data; boundary=x"));
        assert!(!is_multipart(b"multipart/"));
    }

    #[test]
    fn param_table() {
        type Row<'a> = (&'a [u8], &'a [(&'a [u8], &'a [u8])]);
        let rows: &[Row] = &[
            (b"form-data; name=\"a\"", &[(b"name", b"a")]),
            (
                b"form-data; name=a; filename=\"x \\\"y\\\".txt\"",
                &[(b"name", b"a"), (b"filename", b"x \"y\".txt")],
            ),
            (b"t; a=\"unterminated", &[(b"a", b"unterminated")]),
            (b"t; ; flag; b = 2 ", &[(b"flag", b""), (b"b", b"2")]),
            (b"t", &[]),
        ];
        for (value, want) in rows {
            let got: Vec<(&[u8], Vec<u8>)> =
                params(value).map(|(k, v)| (k, v.into_owned())).collect();
            let want: Vec<(&[u8], Vec<u8>)> = want.iter().map(|(k, v)| (*k, v.to_vec())).collect();
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(value));
        }
    }
}
