//! The compact form of a [`Tree`](crate::tree::Tree) that lookups walk, and the backtracking
//! search itself.
//!
//! The tree is laid out breadth-first so that each node's children sit next to each other:
//! its static children first, then its parameter child, then its catch-all child. A node is
//! a 32-byte `Copy` record holding the first eight bytes of its prefix inline; the first bytes
//! of all static prefixes sit in one array (a node's static children are found by scanning a
//! contiguous slice of it, eight at a time) and the full prefixes in another.

use crate::tree::{Kind, Node, ROOT};

/// Index of a node in [`Matcher::slots`].
pub(crate) type SlotId = usize;

/// "No such node / route" in the `u32` fields.
const NONE: u32 = u32::MAX;

const HAS_PARAM: u8 = 1;
const HAS_CATCH_ALL: u8 = 2;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The first (up to) eight bytes of the prefix, little-endian, zero-padded.
    head: u64,
    /// The whole static prefix: `text[start..start + len]`.
    start: u32,
    len: u32,
    /// The first child; the static ones are `children..children + statics`, then the
    /// parameter child if `HAS_PARAM`, then the catch-all child if `HAS_CATCH_ALL`.
    children: u32,
    parent: u32,
    route: u32,
    statics: u16,
    wildcards: u8,
    kind: Kind,
}

impl Slot {
    fn param(&self) -> Option<SlotId> {
        (self.wildcards & HAS_PARAM != 0).then(|| self.children as usize + self.statics as usize)
    }

    fn catch_all(&self) -> Option<SlotId> {
        (self.wildcards & HAS_CATCH_ALL != 0).then(|| {
            self.children as usize
                + self.statics as usize
                + usize::from(self.wildcards & HAS_PARAM != 0)
        })
    }
}

/// Where a parameter or catch-all value lies in the path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Capture {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Whether the value may hold a `%` (false only when the search has looked).
    pub(crate) escaped: bool,
}

/// Where the search stands at the current node: the phases of a depth-first walk that tries a
/// node's children in priority order and climbs back out of dead ends.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Try static children, from this position in the node's list (only case-insensitive
    /// search, where several may fit, moves it on).
    Static(usize),
    /// Try the parameter child.
    Param,
    /// Try the catch-all child.
    CatchAll,
    /// Nothing left to try here: return to the parent and resume after this child.
    Backtrack,
}

/// A tree laid out for lookups.
#[derive(Debug)]
pub(crate) struct Matcher {
    slots: Vec<Slot>,
    /// The first byte of each slot's prefix (0 where it has none), then eight bytes of slack.
    first: Vec<u8>,
    text: Vec<u8>,
}

impl Matcher {
    /// Lays out `nodes` (rooted at [`ROOT`]) breadth-first. The tree's size limit keeps every
    /// offset within `u32`.
    pub(crate) fn new(nodes: &[Node]) -> Self {
        let mut order = vec![ROOT]; // builder ids, in slot order
        let mut parents = vec![NONE];
        let mut slots = Vec::with_capacity(nodes.len());
        let mut first = Vec::with_capacity(nodes.len() + 8);
        let mut text = Vec::new();
        let mut at = 0;
        while let Some(&id) = order.get(at) {
            let node = &nodes[id];
            let children = order.len() as u32;
            let kids = node
                .statics
                .iter()
                .chain(&node.param)
                .chain(&node.catch_all);
            for &child in kids {
                order.push(child);
                parents.push(at as u32);
            }
            let mut head = [0; 8];
            for (to, from) in head.iter_mut().zip(node.prefix.iter()) {
                *to = *from;
            }
            slots.push(Slot {
                head: u64::from_le_bytes(head),
                start: text.len() as u32,
                len: node.prefix.len() as u32,
                children,
                parent: parents[at],
                route: node.route.map_or(NONE, |r| r as u32),
                statics: node.statics.len() as u16,
                wildcards: if node.param.is_some() { HAS_PARAM } else { 0 }
                    | if node.catch_all.is_some() {
                        HAS_CATCH_ALL
                    } else {
                        0
                    },
                kind: node.kind,
            });
            first.push(node.prefix.first().copied().unwrap_or(0));
            text.extend_from_slice(&node.prefix);
            at += 1;
        }
        // Slack so that `static_child` may read eight bytes from any child list.
        first.extend_from_slice(&[0; 8]);
        Matcher { slots, first, text }
    }

    /// The route ending at `slot`, if any.
    #[inline]
    pub(crate) fn route(&self, slot: SlotId) -> Option<usize> {
        let route = self.slots.get(slot)?.route;
        (route != NONE).then_some(route as usize)
    }

    #[inline]
    fn prefix(&self, slot: &Slot) -> &[u8] {
        let start = slot.start as usize;
        self.text
            .get(start..start + slot.len as usize)
            .unwrap_or_default()
    }

    /// Position (from `from` on) in `slot`'s static children of the one starting with `byte`.
    #[inline]
    fn static_child<const CI: bool>(&self, slot: &Slot, byte: u8, from: usize) -> Option<usize> {
        let start = slot.children as usize;
        let count = slot.statics as usize;
        if CI {
            let firsts = self.first.get(start + from..start + count)?;
            let found = firsts.iter().position(|b| b.eq_ignore_ascii_case(&byte));
            return Some(from + found?);
        }
        if count == 1 {
            return (*self.first.get(start)? == byte).then_some(0);
        }
        // Eight first bytes at a time (`first` has slack at the end for the last read). Flags
        // past `count` belong to other nodes.
        let mut base = 0;
        while base < count {
            let found = find_byte(load8(&self.first, start + base)?, byte);
            if found != 0 {
                let at = base + lane(found);
                return (at < count).then_some(at);
            }
            base += 8;
        }
        None
    }

    /// Whether `path[pos..]` starts with `slot`'s prefix.
    #[inline]
    fn starts_with<const CI: bool>(&self, slot: &Slot, path: &[u8], pos: usize) -> bool {
        let len = slot.len as usize;
        let Some(head) = path.get(pos..pos + len) else {
            return false;
        };
        if CI {
            return head.eq_ignore_ascii_case(self.prefix(slot));
        }
        if len <= 8 {
            // Usually eight bytes of path remain: one masked comparison with the inline head.
            if let Some(word) = load8(path, pos) {
                let mask = u64::MAX >> (64 - 8 * len as u32);
                return (word ^ slot.head) & mask == 0;
            }
        }
        same_bytes(head, self.prefix(slot))
    }

    /// Finds the slot of the route that wins for `path` (see the crate docs, *Matching*).
    ///
    /// On success `captures` holds where each parameter and catch-all value lies, in pattern
    /// order. `CI` makes static text match ASCII-case-insensitively. Allocates only if
    /// `captures` must grow. Each slot is entered at most once, so the time is linear in the
    /// tree's size at worst (and in the path's length in practice).
    pub(crate) fn search<const CI: bool>(
        &self,
        path: &[u8],
        captures: &mut Vec<Capture>,
    ) -> Option<SlotId> {
        captures.clear();
        let slots = &self.slots;
        let mut id = ROOT;
        let mut pos = 0;
        // The root matches the empty prefix and holds no route (patterns begin with '/').
        let mut phase = Phase::Static(0);
        loop {
            let slot = &slots[id];
            phase = match phase {
                // Follow static children as far as they match, without leaving this arm.
                Phase::Static(mut from) => loop {
                    let slot = &slots[id];
                    let Some(&byte) = path.get(pos) else {
                        break Phase::CatchAll;
                    };
                    let Some(at) = self.static_child::<CI>(slot, byte, from) else {
                        break Phase::Param;
                    };
                    let child = slot.children as usize + at;
                    let next = &slots[child];
                    if !self.starts_with::<CI>(next, path, pos) {
                        break if CI {
                            Phase::Static(at + 1)
                        } else {
                            Phase::Param
                        };
                    }
                    id = child;
                    pos += next.len as usize;
                    if pos == path.len() {
                        if next.route != NONE {
                            return Some(id);
                        }
                        // Static and parameter children need at least one more byte.
                        break Phase::CatchAll;
                    }
                    from = 0;
                },
                Phase::Param => match slot.param() {
                    Some(child) if pos < path.len() => {
                        let (end, escaped) = segment_end(path, pos);
                        captures.push(Capture {
                            start: pos,
                            end,
                            escaped,
                        });
                        id = child;
                        pos = end;
                        if pos < path.len() {
                            Phase::Static(0)
                        } else if slots[id].route != NONE {
                            return Some(id);
                        } else {
                            Phase::CatchAll
                        }
                    }
                    _ => Phase::CatchAll,
                },
                Phase::CatchAll => match slot.catch_all() {
                    Some(child) if slots[child].route != NONE => {
                        captures.push(Capture {
                            start: pos,
                            end: path.len(),
                            escaped: true,
                        });
                        return Some(child);
                    }
                    _ => Phase::Backtrack,
                },
                Phase::Backtrack => {
                    if slot.parent == NONE {
                        return None;
                    }
                    let child = id;
                    id = slot.parent as usize;
                    match slot.kind {
                        Kind::Static => {
                            pos = pos.saturating_sub(slot.len as usize);
                            if CI {
                                let at = child.saturating_sub(slots[id].children as usize);
                                Phase::Static(at + 1)
                            } else {
                                Phase::Param
                            }
                        }
                        Kind::Param => {
                            pos = captures.pop().map_or(0, |c| c.start);
                            Phase::CatchAll
                        }
                        // Never entered: a catch-all ends the search.
                        Kind::CatchAll => Phase::Backtrack,
                    }
                }
            };
        }
    }

    /// Rebuilds the path a successful [`search`](Self::search) matched, with static text as
    /// registered and wildcard values taken from `path`.
    pub(crate) fn spell(&self, slot: SlotId, path: &[u8], captures: &[Capture]) -> Option<String> {
        let mut chain = Vec::new();
        let mut at = slot as u32;
        while at != NONE {
            chain.push(at as usize);
            at = self.slots.get(at as usize)?.parent;
        }
        let mut out = Vec::with_capacity(path.len() + 1);
        let mut values = captures.iter();
        for &id in chain.iter().rev() {
            let slot = self.slots.get(id)?;
            match slot.kind {
                Kind::Static => out.extend_from_slice(self.prefix(slot)),
                Kind::Param | Kind::CatchAll => {
                    let value = values.next()?;
                    out.extend_from_slice(path.get(value.start..value.end)?);
                }
            }
        }
        String::from_utf8(out).ok()
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// The eight bytes at `at`, if there are eight.
#[inline(always)]
pub(crate) fn load8(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(chunk.try_into().ok()?))
}

/// The four bytes at `at`, if there are four.
#[inline(always)]
pub(crate) fn load4(bytes: &[u8], at: usize) -> Option<u32> {
    let chunk = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(chunk.try_into().ok()?))
}

/// Flags (high bit of the lane) the bytes of `word` equal to `byte`. The lowest flag always
/// marks a true match; flags above it may be false.
#[inline(always)]
fn find_byte(word: u64, byte: u8) -> u64 {
    let diff = word ^ (ONES * u64::from(byte));
    diff.wrapping_sub(ONES) & !diff & (ONES << 7)
}

/// The lane of the lowest flag.
#[inline(always)]
fn lane(flags: u64) -> usize {
    (flags.trailing_zeros() / 8) as usize
}

/// Where the segment starting at `pos` ends (the next `/` or the end of the path), and whether
/// it holds a `%`. Eight bytes at a time while eight remain.
#[inline]
fn segment_end(path: &[u8], mut pos: usize) -> (usize, bool) {
    let mut escaped = false;
    while let Some(word) = load8(path, pos) {
        let slash = find_byte(word, b'/');
        let percent = find_byte(word, b'%');
        if slash != 0 {
            // Any '%' flag below the first '/' implies a true '%' there (the lowest is true).
            let below = (slash & slash.wrapping_neg()) - 1;
            return (pos + lane(slash), escaped || percent & below != 0);
        }
        escaped |= percent != 0;
        pos += 8;
    }
    while let Some(&b) = path.get(pos) {
        if b == b'/' {
            break;
        }
        escaped |= b == b'%';
        pos += 1;
    }
    (pos, escaped)
}

/// `a == b` for the short slices of a path and a prefix, in a few word-sized (possibly
/// overlapping) comparisons rather than a call to `memcmp`.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => load4(a, 0) == load4(b, 0) && load4(a, n - 4) == load4(b, n - 4),
        _ => {
            let mut at = 0;
            while at + 8 < n {
                if load8(a, at) != load8(b, at) {
                    return false;
                }
                at += 8;
            }
            load8(a, n - 8) == load8(b, n - 8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{same_bytes, segment_end};
    use crate::{pattern, tree::Tree};

    #[test]
    fn same_bytes_is_equality() {
        let text = b"/repos/rust-lang/rust/pulls/comments";
        for i in 0..text.len() {
            for j in i..=text.len() {
                let a = &text[i..j];
                let mut b = a.to_vec();
                assert!(same_bytes(a, &b));
                for k in 0..b.len() {
                    b[k] ^= 0x20;
                    assert!(!same_bytes(a, &b), "{a:?} vs {b:?}");
                    b[k] ^= 0x20;
                }
                if j < text.len() {
                    assert!(!same_bytes(a, &text[i..=j]));
                }
            }
        }
    }

    #[test]
    fn segment_end_finds_slash_and_percent() {
        let paths = [
            "",
            "a",
            "/",
            "abc/def",
            "abcdefgh/x",
            "abcdefghijklmnop",
            "a%b/c",
            "abcdefg%/x",
            "abcdefgh%/x",
            "abcdefg/%",
            "%%%%%%%%%%/",
            "ab/%",
            "abcdefghijklmno%pq/r",
            "abcdefghijklmnopqrst%",
            "\u{1}\u{80}%/\u{ff}",
        ];
        for path in paths {
            for pos in 0..=path.len() {
                let rest = &path.as_bytes()[pos..];
                let end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
                let escaped = rest[..end].contains(&b'%');
                assert_eq!(
                    segment_end(path.as_bytes(), pos),
                    (pos + end, escaped),
                    "{path:?} from {pos}"
                );
            }
        }
    }

    /// Wide nodes: the eight-at-a-time child scan must find every child and nothing else.
    #[test]
    fn static_children_of_wide_nodes() {
        let mut tree = Tree::new("GET");
        let bytes: Vec<u8> = (b'!'..=b'~').filter(|b| !b":*/".contains(b)).collect();
        for (i, &b) in bytes.iter().enumerate() {
            let pattern = format!("/{}x", b as char);
            let pieces = pattern::parse(&pattern).unwrap();
            assert!(tree.insert(&pieces, i).is_ok());
        }
        let matcher = tree.matcher();
        let mut captures = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            let path = [b'/', b, b'x'];
            let slot = matcher.search::<false>(&path, &mut captures);
            assert_eq!(
                slot.and_then(|s| matcher.route(s)),
                Some(i),
                "{}",
                b as char
            );
            assert_eq!(matcher.search::<false>(&path[..2], &mut captures), None);
        }
        for b in [0u8, b'/', b':', 0x80, 0xff] {
            assert_eq!(
                matcher.search::<false>(&[b'/', b, b'x'], &mut captures),
                None
            );
        }
    }
}
