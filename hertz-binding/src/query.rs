//! Query-string parsing (`application/x-www-form-urlencoded` rules, as in
//! the [URL Standard](https://url.spec.whatwg.org/#urlencoded-parsing)):
//! pairs split on `&`, key and value on the first `=`, `+` is a space,
//! percent-escapes are decoded, invalid UTF-8 becomes U+FFFD.
//!
//! The same rules decode urlencoded form bodies (see [`crate::form`]).
//!
//! ```
//! use hertz_binding::query;
//! let q = b"tag=a&tag=b+c&name=%E4%BD%A0";
//! assert_eq!(query::get(q, "name").as_deref(), Some("你"));
//! assert_eq!(query::get_all(q, "tag"), ["a", "b c"]);
//! assert_eq!(query::get(q, "nope"), None);
//! ```

use std::borrow::Cow;

/// Iterator over decoded `(key, value)` pairs; see [`pairs`].
#[derive(Clone)]
pub struct Pairs<'a> {
    inner: form_urlencoded::Parse<'a>,
}

impl std::fmt::Debug for Pairs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

/// Every `(key, value)` pair of a query string, in order, decoded. Values
/// borrow from `query` when no decoding was needed. A pair without `=` has an
/// empty value; empty segments (`a=1&&b=2`) are skipped.
pub fn pairs(query: &[u8]) -> Pairs<'_> {
    Pairs {
        inner: form_urlencoded::parse(query),
    }
}

/// The first value for `key`, if any.
pub fn get<'a>(query: &'a [u8], key: &str) -> Option<Cow<'a, str>> {
    pairs(query).find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Every value for `key`, in order (`?tag=a&tag=b` gives `["a", "b"]`).
pub fn get_all<'a>(query: &'a [u8], key: &str) -> Vec<Cow<'a, str>> {
    pairs(query)
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let rows: &[(&[u8], &str, Option<&str>)] = &[
            (b"a=1&b=2", "b", Some("2")),
            (b"a=1&a=2", "a", Some("1")),
            (b"a", "a", Some("")),
            (b"a=", "a", Some("")),
            (b"=x", "", Some("x")),
            (b"a=%zz", "a", Some("%zz")),
            (b"a=%41%42", "a", Some("AB")),
            (b"a+b=c+d", "a b", Some("c d")),
            (b"a=1&&b=2", "b", Some("2")),
            (b"a=\xff", "a", Some("\u{fffd}")),
            (b"", "a", None),
            (b"ab=1", "a", None),
        ];
        for (q, key, want) in rows {
            assert_eq!(get(q, key).as_deref(), *want, "query {q:?} key {key}");
        }
    }

    #[test]
    fn get_all_keeps_order() {
        assert_eq!(get_all(b"t=1&x=0&t=2&t=3", "t"), ["1", "2", "3"]);
        assert!(get_all(b"x=0", "t").is_empty());
    }
}
