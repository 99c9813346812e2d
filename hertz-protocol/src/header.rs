//! `HeaderMap`: an ordered list of header fields whose names and values are ranges of one
//! byte buffer that the map reuses from message to message.

use std::ops::Range;

use bytes::Bytes;

/// Header fields in arrival order; lookups are ASCII case-insensitive.
///
/// A linear list rather than a hash map: real requests carry a dozen fields, where a scan beats
/// hashing. Every name and value is a byte range of one buffer the map owns: a parsed head is
/// copied in whole, and fields added later are appended after it. Copying a head of a few
/// hundred bytes costs less than sharing the read buffer through a reference count (an atomic
/// increment and decrement per message, and a read buffer that cannot be reused while a head
/// points into it), and fields that are plain ranges need no drop glue when the map is
/// cleared. Filling the map allocates nothing once its buffers have grown to the connection's
/// usual size.
#[derive(Clone, Debug, Default)]
pub struct HeaderMap {
    /// The bytes every [`Entry`] points into.
    bytes: Vec<u8>,
    entries: Vec<Entry>,
    /// Bytes of removed fields still in `bytes`; compacted away once they outweigh the rest.
    garbage: usize,
}

/// One field: where its name and value are in the map's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    name: (usize, usize),
    value: (usize, usize),
}

/// A buffer that grew past this for one large head is let go when the map is cleared, so an
/// idle connection does not keep it.
const KEPT_CAPACITY: usize = 16 * 1024;
/// Removed fields' bytes are compacted away only past this, so a handler replacing one small
/// field now and then never pays for it.
const MIN_COMPACT: usize = 4 * 1024;

impl HeaderMap {
    /// An empty map.
    pub const fn new() -> Self {
        HeaderMap {
            bytes: Vec::new(),
            entries: Vec::new(),
            garbage: 0,
        }
    }

    fn slice(&self, (start, end): (usize, usize)) -> &[u8] {
        &self.bytes[start..end]
    }

    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries
            .iter()
            .map(|e| (self.slice(e.name), self.slice(e.value)))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The first value of `name`, if it is valid UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.fields()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`, removing any earlier values.
    pub fn insert(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        let name = name.into();
        // A response's map is usually empty when its first field is set: no scan then.
        if !self.entries.is_empty() {
            self.remove_bytes(&name);
        }
        self.push(&name, &value.into());
    }

    /// Adds a value for `name`, keeping earlier ones (e.g. several `Set-Cookie`).
    pub fn append(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        self.push(&name.into(), &value.into());
    }

    fn push(&mut self, name: &[u8], value: &[u8]) {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(name);
        self.bytes.extend_from_slice(value);
        let split = at + name.len();
        self.entries.push(Entry {
            name: (at, split),
            value: (split, self.bytes.len()),
        });
    }

    /// Removes every value of `name`; returns whether any was present.
    pub fn remove(&mut self, name: &str) -> bool {
        self.remove_bytes(name.as_bytes())
    }

    fn remove_bytes(&mut self, name: &[u8]) -> bool {
        let before = self.entries.len();
        let bytes = &self.bytes;
        let mut freed = 0;
        self.entries.retain(|e| {
            let keep = !bytes[e.name.0..e.name.1].eq_ignore_ascii_case(name);
            if !keep {
                freed += e.value.1 - e.name.0;
            }
            keep
        });
        self.garbage += freed;
        if self.garbage > MIN_COMPACT && self.garbage > self.bytes.len() / 2 {
            self.compact();
        }
        before != self.entries.len()
    }

    /// Rewrites the buffer with only the fields still present.
    #[cold]
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.bytes);
        let entries = std::mem::take(&mut self.entries);
        self.garbage = 0;
        for e in entries {
            self.push(&old[e.name.0..e.name.1], &old[e.value.0..e.value.1]);
        }
    }

    /// All fields as `(name, value)`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes all fields, keeping the allocations for the next message.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.garbage = 0;
        if self.bytes.capacity() > KEPT_CAPACITY {
            self.bytes = Vec::new();
        } else {
            self.bytes.clear();
        }
    }

    /// Whether `other` holds the same fields laid out the same way: a cheap test that what
    /// was built from one map also fits the other.
    pub(crate) fn same_layout(&self, other: &HeaderMap) -> bool {
        self.entries == other.entries && self.bytes == other.bytes
    }

    /// Makes this map a copy of `other`, reusing its buffers.
    pub(crate) fn copy_from(&mut self, other: &HeaderMap) {
        self.bytes.clear();
        self.bytes.extend_from_slice(&other.bytes);
        self.entries.clear();
        self.entries.extend_from_slice(&other.entries);
        self.garbage = other.garbage;
    }

    /// Copies `head` in as the bytes that [`append_from_head`](Self::append_from_head) ranges
    /// point into — those appended before this call as well as after: a parser may record
    /// the fields while the head is still in its input buffer. The map must be empty before
    /// the first of those calls ([`clear`](Self::clear)).
    pub(crate) fn set_head(&mut self, head: &[u8]) {
        debug_assert!(self.bytes.is_empty(), "set_head on a map with bytes");
        self.bytes.extend_from_slice(head);
    }

    /// Adds a field whose name and value are ranges of the head given to
    /// [`set_head`](Self::set_head).
    pub(crate) fn append_from_head(&mut self, name: Range<usize>, value: Range<usize>) {
        self.entries.push(Entry {
            name: (name.start, name.end),
            value: (value.start, value.end),
        });
    }
}

/// Whether a comma-separated header value (e.g. `Connection`) contains `token`,
/// ASCII case-insensitively.
pub fn has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| trim_ows(t).eq_ignore_ascii_case(token.as_bytes()))
}

/// Trims optional whitespace (SP / HTAB) from both ends (RFC 9110 §5.6.3).
pub(crate) fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(map: &HeaderMap) -> Vec<(&[u8], &[u8])> {
        map.iter().collect()
    }

    #[test]
    fn insert_replaces_case_insensitively() {
        let mut map = HeaderMap::new();
        map.append("Accept", "a");
        map.append("X-Keep", "k");
        map.append("ACCEPT", "b");
        map.insert("accept", "c");
        assert_eq!(
            fields(&map),
            [(&b"X-Keep"[..], &b"k"[..]), (b"accept", b"c")]
        );
        assert_eq!(map.get("Accept"), Some(&b"c"[..]));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn append_keeps_and_get_all_is_in_order() {
        let mut map = HeaderMap::new();
        map.append("Set-Cookie", "a=1");
        map.append("X-Other", "o");
        map.append("set-cookie", "b=2");
        map.append("SET-COOKIE", "c=3");
        assert_eq!(map.get("set-cookie"), Some(&b"a=1"[..]));
        assert_eq!(
            map.get_all("Set-Cookie").collect::<Vec<_>>(),
            [&b"a=1"[..], b"b=2", b"c=3"]
        );
        assert_eq!(map.get_all("missing").count(), 0);
        assert_eq!(map.len(), 4);
    }

    #[test]
    fn get_str_contains_and_non_utf8() {
        let mut map = HeaderMap::new();
        map.append("X-Bin", &b"\xff\xfe"[..]);
        map.append("X-Text", "caf\u{e9}");
        assert_eq!(map.get("x-bin"), Some(&b"\xff\xfe"[..]));
        assert_eq!(map.get_str("x-bin"), None);
        assert_eq!(map.get_str("X-TEXT"), Some("caf\u{e9}"));
        assert!(map.contains("x-text"));
        assert!(!map.contains("x-tex"));
        assert!(!map.contains("x-text2"));
    }

    #[test]
    fn remove_takes_every_value() {
        let mut map = HeaderMap::new();
        map.append("Vary", "a");
        map.append("Keep", "k");
        map.append("VARY", "b");
        assert!(map.remove("vary"));
        assert!(!map.remove("vary"));
        assert_eq!(fields(&map), [(&b"Keep"[..], &b"k"[..])]);
        map.clear();
        assert!(map.is_empty());
        assert_eq!(map.get("keep"), None);
    }

    #[test]
    fn head_fields_mix_with_owned_ones() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Two: 2\r\n\r\n";
        let mut map = HeaderMap::new();
        map.set_head(head);
        map.append_from_head(16..20, 22..23);
        map.append_from_head(25..30, 32..33);
        map.append("X-Own", "o");
        assert_eq!(
            fields(&map),
            [
                (&b"Host"[..], &b"a"[..]),
                (b"X-Two", b"2"),
                (b"X-Own", b"o")
            ]
        );
        map.insert("x-two", "3");
        assert_eq!(map.get("X-TWO"), Some(&b"3"[..]));
        assert!(map.remove("host"));
        assert_eq!(map.len(), 2);
        let cloned = map.clone();
        map.clear();
        assert!(map.is_empty());
        assert_eq!(
            cloned.get("x-own"),
            Some(&b"o"[..]),
            "a clone keeps its fields"
        );
        map.set_head(b"Next: n");
        map.append_from_head(0..4, 6..7);
        assert_eq!(map.get("next"), Some(&b"n"[..]));
    }

    #[test]
    fn replacing_a_field_over_and_over_keeps_the_buffer_bounded() {
        let mut map = HeaderMap::new();
        map.set_head(b"Host: a\r\n");
        map.append_from_head(0..4, 6..7);
        let value = "v".repeat(1000);
        for i in 0..1000 {
            map.insert("X-Counter", format!("{i}{value}"));
            map.append("X-Log", i.to_string());
            map.remove("x-log");
        }
        assert_eq!(map.len(), 2);
        assert_eq!(
            map.get("host"),
            Some(&b"a"[..]),
            "the parsed field survives"
        );
        assert_eq!(map.get("x-counter"), Some(format!("999{value}").as_bytes()));
        assert!(
            map.bytes.len() < 4 * (MIN_COMPACT + value.len()),
            "{} bytes kept for two fields",
            map.bytes.len()
        );
    }

    #[test]
    fn has_token_table() {
        let rows: &[(&[u8], &str, bool)] = &[
            (b"close", "close", true),
            (b"Close", "close", true),
            (b"CLOSE", "close", true),
            (b" close ", "close", true),
            (b"\tclose\t", "close", true),
            (b"keep-alive, close", "close", true),
            (b"keep-alive,close", "close", true),
            (b"Upgrade ,\t Close ,x", "close", true),
            (b"close,,", "close", true),
            (b"keep-alive", "Keep-Alive", true),
            (b"", "close", false),
            (b",", "close", false),
            (b"closed", "close", false),
            (b"x-close", "close", false),
            (b"clo se", "close", false),
            (b"\"close\"", "close", false),
            (b"close;q=1", "close", false),
        ];
        for &(value, token, want) in rows {
            assert_eq!(
                has_token(value, token),
                want,
                "{:?} has {token:?}",
                String::from_utf8_lossy(value)
            );
        }
    }

    #[test]
    fn trim_ows_table() {
        let rows: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b" \t ", b""),
            (b" a ", b"a"),
            (b"\ta b\t", b"a b"),
            (b"\r a \r", b"\r a \r"),
        ];
        for &(input, want) in rows {
            assert_eq!(trim_ows(input), want, "{input:?}");
        }
    }
}
