//! One method's radix tree as it is built: insertion, node splitting, conflict detection.
//!
//! Nodes live in one arena (`Vec<Node>`) and point at their children by index. A node is
//! static text, a parameter or a catch-all; parameter and catch-all nodes carry no name (names
//! belong to the route), which is why `/:a/x` and `/:b/y` share a node and `/:a` and `/:b`
//! collide. Lookups do not walk this form: they use the compact [`Matcher`] laid out from it
//! on the first lookup after a change.

use std::sync::OnceLock;

use crate::matcher::Matcher;
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
    /// Routes without parameters, by their exact path, sorted by length and then bytes: a
    /// path equal to one of them is that route whatever else is registered (static text has
    /// the highest priority), so a binary search answers it without walking the tree — and
    /// mostly by comparing lengths, comparing bytes only among paths of the same length.
    statics: Vec<(Box<[u8]>, usize)>,
}

/// The order of [`Tree`]'s static paths: shorter first, then by bytes.
#[inline]
fn shortlex(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
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
            statics: Vec::new(),
        }
    }

    /// The parameterless route whose pattern is exactly `path`.
    #[inline]
    pub(crate) fn static_route(&self, path: &[u8]) -> Option<usize> {
        self.statics
            .binary_search_by(|(p, _)| shortlex(p, path))
            .ok()
            .map(|at| self.statics[at].1)
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
            let at = self
                .statics
                .binary_search_by(|(p, _)| shortlex(p, &path))
                .unwrap_or_else(|at| at);
            self.statics.insert(at, (path.into(), route));
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
