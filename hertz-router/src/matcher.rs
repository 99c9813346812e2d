//! The compact form of a [`Tree`](crate::tree::Tree) that lookups walk, and the backtracking
//! search itself.
//!
//! The tree is laid out breadth-first so that each node's children sit next to each other:
//! its static children first, then its parameter child, then its catch-all child. A node is
//! a small `Copy` record; the first bytes of all static prefixes sit in one array (a node's
//! static children are found by scanning a contiguous slice of it) and the prefixes in another.

use crate::tree::{Kind, Node, ROOT};

/// Index of a node in [`Matcher::slots`].
pub(crate) type SlotId = usize;

/// "No such node / route" in the `u32` fields.
const NONE: u32 = u32::MAX;

const HAS_PARAM: u8 = 1;
const HAS_CATCH_ALL: u8 = 2;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The static prefix: `text[start..start + len]`.
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

/// Where the search stands at the current node: the phases of a depth-first walk that tries a
/// node's children in priority order and climbs back out of dead ends.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Just matched the current node; see whether the path ends here.
    Arrived,
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
    /// The first byte of each slot's prefix (0 where it has none).
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
        let mut first = Vec::with_capacity(nodes.len());
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
            slots.push(Slot {
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
        let firsts = self
            .first
            .get(start + from..start + slot.statics as usize)
            .unwrap_or_default();
        let found = if CI {
            firsts.iter().position(|b| b.eq_ignore_ascii_case(&byte))
        } else {
            find_byte(firsts, byte)
        };
        Some(from + found?)
    }

    /// Finds the slot of the route that wins for `path` (see the crate docs, *Matching*).
    ///
    /// On success `captures` holds the `(start, end)` byte range of each parameter and
    /// catch-all value, in pattern order. `CI` makes static text match ASCII-case-insensitively.
    /// Allocates only if `captures` must grow. Each slot is entered at most once, so the time
    /// is linear in the tree's size at worst (and in the path's length in practice).
    pub(crate) fn search<const CI: bool>(
        &self,
        path: &[u8],
        captures: &mut Vec<(usize, usize)>,
    ) -> Option<SlotId> {
        captures.clear();
        let slots = &self.slots;
        let mut id = ROOT;
        let mut pos = 0;
        let mut phase = Phase::Arrived;
        loop {
            let slot = &slots[id];
            phase = match phase {
                Phase::Arrived => {
                    if pos == path.len() && slot.route != NONE {
                        return Some(id);
                    }
                    Phase::Static(0)
                }
                Phase::Static(from) => {
                    let rest = path.get(pos..).unwrap_or_default();
                    let found = match rest.first() {
                        Some(&byte) => self.static_child::<CI>(slot, byte, from),
                        None => None,
                    };
                    match found {
                        Some(at) => {
                            let child = slot.children as usize + at;
                            let prefix = self.prefix(&slots[child]);
                            let matched = rest.get(..prefix.len()).is_some_and(|head| {
                                if CI {
                                    head.eq_ignore_ascii_case(prefix)
                                } else {
                                    same_bytes(head, prefix)
                                }
                            });
                            if matched {
                                id = child;
                                pos += prefix.len();
                                Phase::Arrived
                            } else if CI {
                                Phase::Static(at + 1)
                            } else {
                                Phase::Param
                            }
                        }
                        None => Phase::Param,
                    }
                }
                Phase::Param => match slot.param() {
                    Some(child) if pos < path.len() => {
                        let end = path[pos..]
                            .iter()
                            .position(|&b| b == b'/')
                            .map_or(path.len(), |n| pos + n);
                        captures.push((pos, end));
                        id = child;
                        pos = end;
                        Phase::Arrived
                    }
                    _ => Phase::CatchAll,
                },
                Phase::CatchAll => match slot.catch_all() {
                    Some(child) if slots[child].route != NONE => {
                        captures.push((pos, path.len()));
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
                            pos = captures.pop().map_or(0, |(start, _)| start);
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
    pub(crate) fn spell(
        &self,
        slot: SlotId,
        path: &[u8],
        captures: &[(usize, usize)],
    ) -> Option<String> {
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
                    let &(start, end) = values.next()?;
                    out.extend_from_slice(path.get(start..end)?);
                }
            }
        }
        String::from_utf8(out).ok()
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// Reads eight bytes (`chunk` always has eight: it comes from `chunks_exact(8)`).
#[inline]
fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap_or_default())
}

/// The position of the first `byte` in `hay`, testing eight bytes at a time (a node may have
/// dozens of static children).
#[inline]
fn find_byte(hay: &[u8], byte: u8) -> Option<usize> {
    let pattern = ONES * u64::from(byte);
    let mut chunks = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let diff = word(chunk) ^ pattern;
        // The lowest set bit marks the first zero byte of `diff`, i.e. the first match.
        let zero = diff.wrapping_sub(ONES) & !diff & (ONES << 7);
        if zero != 0 {
            return Some(base + (zero.trailing_zeros() / 8) as usize);
        }
        base += 8;
    }
    let rest = chunks.remainder().iter().position(|&b| b == byte)?;
    Some(base + rest)
}

/// `a == b` for the short slices of a path and a prefix, without a call to `memcmp`.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    if !(&mut x).zip(&mut y).all(|(p, q)| word(p) == word(q)) {
        return false;
    }
    x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

#[cfg(test)]
mod tests {
    use super::{find_byte, same_bytes};

    #[test]
    fn find_byte_matches_position() {
        let hay: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for len in 0..hay.len() {
            for byte in [b'a', b'e', b'h', b'i', b'p', b'z', b'/', 0, 0x80, 0xff] {
                let hay = &hay[..len];
                assert_eq!(
                    find_byte(hay, byte),
                    hay.iter().position(|&b| b == byte),
                    "{byte} in {len} bytes"
                );
            }
        }
        assert_eq!(
            find_byte(&[0x80, 0x81, 0x01, 0x00, 1, 2, 3, 4, 0x00], 0x00),
            Some(3)
        );
        assert_eq!(find_byte(&[1, 0, 1, 1, 1, 1, 1, 1], 1), Some(0));
    }

    #[test]
    fn same_bytes_is_equality() {
        let a = b"/repos/rust-lang/rust/pulls";
        for i in 0..a.len() {
            for j in i..=a.len() {
                let mut b = a[i..j].to_vec();
                assert!(same_bytes(&a[i..j], &b));
                if let Some(last) = b.last_mut() {
                    *last ^= 1;
                    assert!(!same_bytes(&a[i..j], &b));
                }
                assert!(!same_bytes(&a[i..j], &a[i..=j.min(a.len() - 1)]) || j == a.len());
            }
        }
    }
}
