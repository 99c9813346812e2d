//! `Cookie` request-header parsing ([RFC 6265 §5.4] / [§4.2.1]), tolerant the
//! way browsers and Go's `net/http` are: pairs are split on `;`, whitespace
//! around names and values is trimmed, one pair of surrounding double quotes
//! is removed from a value, a pair without `=` is a name with an empty value,
//! and pairs that are not UTF-8 or have an empty name are skipped. Values are
//! not percent-decoded (cookies have no such rule).
//!
//! [RFC 6265 §5.4]: https://www.rfc-editor.org/rfc/rfc6265#section-5.4
//! [§4.2.1]: https://www.rfc-editor.org/rfc/rfc6265#section-4.2.1
//!
//! ```
//! use hertz_binding::cookie;
//! let h = b"sid=abc123; theme=\"dark\"; flag";
//! assert_eq!(cookie::get(h, "sid"), Some("abc123"));
//! assert_eq!(cookie::get(h, "theme"), Some("dark"));
//! assert_eq!(cookie::get(h, "flag"), Some(""));
//! assert_eq!(cookie::pairs(h).count(), 3);
//! ```

/// Iterator over `(name, value)` pairs of a `Cookie` header; see [`pairs`].
#[derive(Debug, Clone)]
pub struct Pairs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        while !self.rest.is_empty() {
            let (part, rest) = match self.rest.iter().position(|&b| b == b';') {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, &b""[..]),
            };
            self.rest = rest;
            if let Some(pair) = parse_pair(part) {
                return Some(pair);
            }
        }
        None
    }
}

/// Every cookie in a `Cookie` header value, in order.
pub fn pairs(header: &[u8]) -> Pairs<'_> {
    Pairs { rest: header }
}

/// The value of the first cookie called `name`.
pub fn get<'a>(header: &'a [u8], name: &str) -> Option<&'a str> {
    pairs(header).find(|(n, _)| *n == name).map(|(_, v)| v)
}

fn parse_pair(part: &[u8]) -> Option<(&str, &str)> {
    let part = std::str::from_utf8(part).ok()?;
    let (name, value) = part.split_once('=').unwrap_or((part, ""));
    let name = name.trim_matches(is_ows);
    if name.is_empty() {
        return None;
    }
    let value = value.trim_matches(is_ows);
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    Some((name, value))
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        type Row<'a> = (&'a [u8], &'a [(&'a str, &'a str)]);
        let rows: &[Row] = &[
            (b"a=1", &[("a", "1")]),
            (b"a=1; b=2", &[("a", "1"), ("b", "2")]),
            (b"a=1;b=2;", &[("a", "1"), ("b", "2")]),
            (b"  a = 1 ;\tb=2", &[("a", "1"), ("b", "2")]),
            (b"a=\"q v\"", &[("a", "q v")]),
            (b"a=\"", &[("a", "\"")]),
            (b"a=x=y", &[("a", "x=y")]),
            (b"flag", &[("flag", "")]),
            (b"=v; b=2", &[("b", "2")]),
            (b"a=\xff; b=2", &[("b", "2")]),
            (b";;;", &[]),
            (b"", &[]),
        ];
        for (header, want) in rows {
            let got: Vec<_> = pairs(header).collect();
            assert_eq!(&got, want, "header {header:?}");
        }
    }

    #[test]
    fn get_first() {
        assert_eq!(get(b"a=1; a=2", "a"), Some("1"));
        assert_eq!(get(b"a=1", "b"), None);
    }
}
