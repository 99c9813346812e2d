//! [`Params`]: the reusable list of parameter values a lookup fills.

use std::fmt;

use crate::matcher::Capture;

/// The parameter and catch-all values of a matched route, percent-decoded, in pattern order.
///
/// Keep one per connection (or per worker) and pass it to every [`Router::find`]: `find`
/// clears it first and then refills the same buffers, so once they have grown to fit, lookups
/// do not allocate.
///
/// ```
/// use hertz_router::{Lookup, Params, Router};
///
/// let mut router = Router::new();
/// router.insert("GET", "/users/:id/files/*path", ()).unwrap();
///
/// let mut params = Params::new();
/// for _request in 0..3 {
///     let found = router.find("GET", "/users/a%20b/files/x/y.txt", &mut params);
///     assert!(matches!(found, Lookup::Found { .. }));
///     assert_eq!(params.get("id"), Some("a b"));
///     assert_eq!(params.get("path"), Some("x/y.txt"));
///     assert_eq!(
///         params.iter().collect::<Vec<_>>(),
///         [("id", "a b"), ("path", "x/y.txt")]
///     );
/// }
/// ```
///
/// [`Router::find`]: crate::Router::find
#[derive(Clone, Default)]
pub struct Params {
    /// The route's names back to back (`names_len` bytes), then the values back to back.
    text: String,
    names_len: usize,
    /// Where each name and each value ends in `text`.
    ends: Vec<(usize, usize)>,
    /// Scratch for percent-decoding.
    decoded: Vec<u8>,
    /// Scratch for the search: where the values lie in the path.
    pub(crate) captures: Vec<Capture>,
}

impl Params {
    /// An empty list.
    pub fn new() -> Self {
        Params::default()
    }

    /// The value of the parameter or catch-all called `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|&(k, _)| k == key).map(|(_, v)| v)
    }

    /// `(name, value)` pairs in the order they appear in the pattern.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        let (mut name_start, mut value_start) = (0, self.names_len);
        self.ends.iter().map(move |&(name_end, value_end)| {
            let name = self.text.get(name_start..name_end).unwrap_or_default();
            let value = self.text.get(value_start..value_end).unwrap_or_default();
            (name_start, value_start) = (name_end, value_end);
            (name, value)
        })
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Empties the list, keeping its buffers for the next lookup.
    pub fn clear(&mut self) {
        self.text.clear();
        self.names_len = 0;
        self.ends.clear();
    }

    /// Replaces the contents with the route's `names` (back to back, each ending at the
    /// matching `name_ends` entry) paired with the captured values of `path`.
    pub(crate) fn fill(&mut self, path: &str, names: &str, name_ends: &[usize]) {
        self.clear();
        self.text.push_str(names);
        self.names_len = names.len();
        for (&name_end, capture) in name_ends.iter().zip(&self.captures) {
            let raw = path.get(capture.start..capture.end).unwrap_or_default();
            if capture.escaped {
                push_decoded(raw, &mut self.text, &mut self.decoded);
            } else {
                self.text.push_str(raw);
            }
            self.ends.push((name_end, self.text.len()));
        }
    }
}

/// Appends `raw` percent-decoded to `out`, using `scratch` as the decoding buffer.
///
/// Malformed escapes (`%` not followed by two hex digits) stay as they are; `+` stays `+` (a
/// path is not form data). If the decoded bytes are not UTF-8, `raw` is appended unchanged.
fn push_decoded(raw: &str, out: &mut String, scratch: &mut Vec<u8>) {
    // Values are short: a plain scan beats `memchr`'s set-up.
    if !raw.bytes().any(|b| b == b'%') {
        out.push_str(raw);
        return;
    }
    scratch.clear();
    scratch.extend(percent_encoding::percent_decode(raw.as_bytes()));
    out.push_str(std::str::from_utf8(scratch).unwrap_or(raw));
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::push_decoded;

    #[test]
    fn decoding() {
        let table = [
            ("plain", "plain"),
            ("a%20b", "a b"),
            ("a+b", "a+b"),
            ("slash%2Fgordon", "slash/gordon"),
            ("Project%20%231", "Project #1"),
            ("%E4%BD%A0%e5%a5%bd", "你好"),
            ("100%", "100%"),
            ("%%%%", "%%%%"),
            ("%zz%4", "%zz%4"),
            ("%41%", "A%"),
            ("%FF", "%FF"),         // not UTF-8 once decoded: kept raw
            ("%C3%28x", "%C3%28x"), // ditto
            ("é%20", "é "),
            ("", ""),
        ];
        let mut scratch = Vec::new();
        for (raw, expected) in table {
            let mut out = String::from("key");
            push_decoded(raw, &mut out, &mut scratch);
            assert_eq!(out, format!("key{expected}"), "{raw}");
        }
    }
}
