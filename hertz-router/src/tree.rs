//! One method's radix tree as it is built: insertion, node splitting, conflict detection.
//!
//! Nodes live in one arena (`Vec<Node>`) and point at their children by index. A node is
//! static text, a parameter or a catch-all; parameter and catch-all nodes carry no name (names
//! belong to the route), which is why `/:a/x` and `/:b/y` share a node and `/:a` and `/:b`
//! collide. Lookups do not walk this form: they use the compact [`Matcher`] laid out from it
//! on the first lookup after a change.

use std::sync::OnceLock;

use crate::matcher::{load4, load8, Matcher};
use crate::pattern::Piece;

/// Index of a node in [`Tree::nodes`].
pub(crate) type NodeId = usize;

/// The root: a static node with an empty prefix, so every pattern (`/...`) hangs below it.
pub(crate) const ROOT: NodeId = 0;

/// Most bytes of patterns one tree takes, so that the matcher's `u32` offsets cannot overflow.
const MAX_PATTERN_BYTES: usize = (u32::MAX / 4) as usize;

/// What a node matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Its `prefix`, byte for byte.
    Static,
    /// The bytes up to the next `/` (entered only when some path is left).
    Param,
    /// The rest of the path.
    CatchAll,
}

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// The text a static node matches; empty for the root and for wildcard nodes.
    pub(crate) prefix: Box<[u8]>,
    /// First byte of each static child, parallel to `statics` (first bytes are distinct).
    indices: Vec<u8>,
    pub(crate) statics: Vec<NodeId>,
    pub(crate) param: Option<NodeId>,
    pub(crate) catch_all: Option<NodeId>,
    /// The route that ends here, as an index into the router's route list.
    pub(crate) route: Option<usize>,
}

impl Node {
    fn new(kind: Kind, prefix: &[u8]) -> Self {
        Node {
            kind,
            prefix: prefix.into(),
            indices: Vec::new(),
            statics: Vec::new(),
            param: None,
            catch_all: None,
            route: None,
        }
    }
}

/// The tree of one HTTP method.
#[derive(Debug)]
pub(crate) struct Tree {
    method: Box<str>,
    nodes: Vec<Node>,
    /// Bytes of all patterns inserted so far (bounds the matcher's offsets).
    pattern_bytes: usize,
    /// The lookup form, laid out on first use after the last change.
    matcher: OnceLock<Matcher>,
    /// Routes without parameters, by their exact path: a path equal to one of them is that
    /// route whatever else is registered (static text has the highest priority), so a hash
    /// lookup answers it without walking the tree.
    statics: StaticTable,
}

/// [`Tree`]'s parameterless routes in a hash table (open addressing, linear probing), keyed by
/// [`StaticKey`]: a lookup hashes a few words of the path and usually compares one entry, by
/// integers (and by bytes only for paths longer than 16 bytes).
#[derive(Debug, Default)]
struct StaticTable {
    entries: Vec<StaticRoute>,
    /// Indices into `entries`, or `EMPTY`; a power of two long and at most half full, so a
    /// probe always ends at an empty slot.
    slots: Box<[usize]>,
}

#[derive(Debug)]
struct StaticRoute {
    key: StaticKey,
    path: Box<[u8]>,
    route: usize,
}

/// A path's length and two words of its bytes that together hold all of them up to 16 bytes
/// (possibly overlapping): equal keys mean equal paths up to that length, and comparing keys
/// costs no call to `memcmp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StaticKey {
    len: usize,
    head: u64,
    tail: u64,
}

impl StaticKey {
    /// Paths up to this long are told apart by their key alone.
    const EXACT: usize = 16;

    #[inline]
    fn of(path: &[u8]) -> Self {
        let n = path.len();
        let (head, tail) = match n {
            0 => (0, 0),
            1..=3 => {
                let bytes = [path[0], path[n / 2], path[n - 1]];
                (bytes.iter().fold(0, |word, &b| word << 8 | u64::from(b)), 0)
            }
            4..=7 => {
                let word = |at: usize| u64::from(load4(path, at).unwrap_or_default());
                (word(0) << 32 | word(n - 4), 0)
            }
            _ => (
                load8(path, 0).unwrap_or_default(),
                load8(path, n - 8).unwrap_or_default(),
            ),
        };
        StaticKey { len: n, head, tail }
    }

    /// Where a probe for this key starts in a table of `mask + 1` slots.
    #[inline]
    fn slot(&self, mask: usize) -> usize {
        let mixed = (self.head ^ self.tail.rotate_left(29) ^ self.len as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> 32) as usize & mask
    }
}

/// An unused slot of [`StaticTable::slots`] (no entry has this index).
const EMPTY: usize = usize::MAX;

impl StaticTable {
    /// The route whose path is exactly `path`.
    #[inline]
    fn get(&self, path: &[u8]) -> Option<usize> {
        let key = StaticKey::of(path);
        // An empty table has no slots: the first `get` below fails.
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = key.slot(mask);
        loop {
            // `EMPTY` is no index of `entries`: the probe ends there.
            let entry = self.entries.get(*self.slots.get(at)?)?;
            if entry.key == key && (key.len <= StaticKey::EXACT || *entry.path == *path) {
                return Some(entry.route);
            }
            at = (at + 1) & mask;
        }
    }

    /// Adds `path` (not present yet) for `route`.
    fn insert(&mut self, path: Vec<u8>, route: usize) {
        let key = StaticKey::of(&path);
        self.entries.push(StaticRoute {
            key,
            path: path.into(),
            route,
        });
        if self.entries.len() * 2 > self.slots.len() {
            // Grow, and place every entry again.
            let len = (self.entries.len() * 2).next_power_of_two().max(8);
            self.slots = vec![EMPTY; len].into();
            for at in 0..self.entries.len() {
                self.place(at);
            }
        } else {
            self.place(self.entries.len() - 1);
        }
    }

    /// Puts entry `at` in the first free slot of its probe sequence.
    fn place(&mut self, at: usize) {
        let mask = self.slots.len() - 1;
        let mut slot = self.entries[at].key.slot(mask);
        while self.slots[slot] != EMPTY {
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = at;
    }
}

/// Why [`Tree::insert`] refused a route.
pub(crate) enum Refusal {
    /// This route (an index into the router's route list) has the same shape.
    Conflict(usize),
    /// The tree is full.
    TooLarge,
}

impl Tree {
    pub(crate) fn new(method: &str) -> Self {
        Tree {
            method: method.into(),
            nodes: vec![Node::new(Kind::Static, &[])],
            pattern_bytes: 0,
            matcher: OnceLock::new(),
            statics: StaticTable::default(),
        }
    }

    /// The parameterless route whose pattern is exactly `path`.
    #[inline]
    pub(crate) fn static_route(&self, path: &[u8]) -> Option<usize> {
        self.statics.get(path)
    }

    pub(crate) fn method(&self) -> &str {
        &self.method
    }

    /// The form lookups use.
    #[inline]
    pub(crate) fn matcher(&self) -> &Matcher {
        self.matcher.get_or_init(|| Matcher::new(&self.nodes))
    }

    /// Adds route `route` made of `pieces`. On refusal the tree is unchanged: a conflicting
    /// node already existed, so nothing was created or split on the way to it.
    pub(crate) fn insert(&mut self, pieces: &[Piece<'_>], route: usize) -> Result<(), Refusal> {
        let bytes: usize = pieces.iter().map(Piece::len).sum();
        if self.pattern_bytes + bytes > MAX_PATTERN_BYTES {
            return Err(Refusal::TooLarge);
        }
        let mut id = ROOT;
        for piece in pieces {
            id = match *piece {
                Piece::Static(text) => self.static_path(id, text.as_bytes()),
                Piece::Param(_) => self.wildcard_child(id, Kind::Param),
                Piece::CatchAll(_) => self.wildcard_child(id, Kind::CatchAll),
            };
        }
        let node = &mut self.nodes[id];
        if let Some(existing) = node.route {
            return Err(Refusal::Conflict(existing));
        }
        node.route = Some(route);
        self.pattern_bytes += bytes;
        self.matcher = OnceLock::new();
        if let Some(path) = static_text(pieces) {
            // Not present: an identical pattern would have been a conflict above.
            self.statics.insert(path, route);
        }
        Ok(())
    }

    /// Walks (creating and splitting as needed) the static nodes spelling `text` below `id`.
    fn static_path(&mut self, mut id: NodeId, mut text: &[u8]) -> NodeId {
        while let Some(&first) = text.first() {
            let node = &self.nodes[id];
            let Some(at) = node.indices.iter().position(|&b| b == first) else {
                let child = self.push(Node::new(Kind::Static, text));
                let node = &mut self.nodes[id];
                node.indices.push(first);
                node.statics.push(child);
                return child;
            };
            let child = node.statics[at];
            let prefix = &self.nodes[child].prefix;
            let common = prefix.iter().zip(text).take_while(|(a, b)| a == b).count();
            if common < prefix.len() {
                self.split(child, common);
            }
            id = child;
            text = &text[common..];
        }
        id
    }

    /// Cuts node `id`'s prefix after `at` bytes (`0 < at < len`): `id` keeps the head and gets
    /// a single static child holding the tail and everything `id` had.
    fn split(&mut self, id: NodeId, at: usize) {
        let tail_id = self.nodes.len();
        let node = &mut self.nodes[id];
        let tail = Node {
            kind: Kind::Static,
            prefix: node.prefix[at..].into(),
            indices: std::mem::take(&mut node.indices),
            statics: std::mem::take(&mut node.statics),
            param: node.param.take(),
            catch_all: node.catch_all.take(),
            route: node.route.take(),
        };
        node.prefix = node.prefix[..at].into();
        node.indices = vec![tail.prefix[0]];
        node.statics = vec![tail_id];
        self.nodes.push(tail);
    }

    fn wildcard_child(&mut self, id: NodeId, kind: Kind) -> NodeId {
        let node = &self.nodes[id];
        let existing = if kind == Kind::Param {
            node.param
        } else {
            node.catch_all
        };
        if let Some(child) = existing {
            return child;
        }
        let child = self.push(Node::new(kind, &[]));
        let node = &mut self.nodes[id];
        if kind == Kind::Param {
            node.param = Some(child);
        } else {
            node.catch_all = Some(child);
        }
        child
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }
}

/// The text of a pattern made only of static pieces.
fn static_text(pieces: &[Piece<'_>]) -> Option<Vec<u8>> {
    let mut text = Vec::new();
    for piece in pieces {
        match *piece {
            Piece::Static(part) => text.extend_from_slice(part.as_bytes()),
            Piece::Param(_) | Piece::CatchAll(_) => return None,
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use crate::{Lookup, Params, Router};

    /// Paths of every length up to 40, and each with one byte changed: the static table's keys
    /// must tell them all apart, beyond 16 bytes too (where two words do not cover a path).
    #[test]
    fn static_table_tells_paths_apart() {
        let text = "/repos/rust-lang/rust/pulls/comments/abc";
        let mut paths = Vec::new();
        for n in 1..=text.len() {
            let path = &text[..n];
            paths.push(path.to_owned());
            for at in 1..n {
                let mut changed = path.as_bytes().to_vec();
                changed[at] = if changed[at] == b'x' { b'y' } else { b'x' };
                paths.push(String::from_utf8(changed).expect("ASCII"));
            }
        }
        paths.sort();
        paths.dedup();
        let mut router = Router::new();
        for (i, path) in paths.iter().enumerate() {
            router.insert("GET", path, i).expect("static route");
        }
        let mut params = Params::new();
        for (i, path) in paths.iter().enumerate() {
            match router.find("GET", path, &mut params) {
                Lookup::Found { value, pattern } => {
                    assert_eq!((*value, pattern), (i, path.as_str()));
                }
                Lookup::NotFound { .. } => panic!("{path} not found"),
            }
            let mut absent = path.clone().into_bytes();
            let last = absent.len() - 1;
            absent[last / 2 + 1..].iter_mut().for_each(|b| *b = b'z');
            let absent = String::from_utf8(absent).expect("ASCII");
            if absent.len() > 1 && !paths.contains(&absent) {
                assert!(
                    matches!(
                        router.find("GET", &absent, &mut params),
                        Lookup::NotFound { .. }
                    ),
                    "{absent} found"
                );
            }
        }
    }
}
