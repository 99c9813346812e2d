//! Tests on eight bytes at once ("SIMD within a register"): the response field checks and the
//! request scanner look at a word at a time where most bytes are plain.

const ONES: u64 = u64::from_le_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// Whether some byte of `word` is below `n` (`n` ≤ 0x80). Exact: a byte's borrow reaches the
/// next byte only from a byte that is below `n` itself, and a byte from 0x80 up is masked
/// out by `!word`.
#[inline]
pub(crate) fn has_below(word: u64, n: u8) -> bool {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS != 0
}

/// Whether some byte of `word` equals `b`.
#[inline]
pub(crate) fn has_byte(word: u64, b: u8) -> bool {
    has_below(word ^ (ONES * u64::from(b)), 1)
}

/// Whether some byte of `word` is DEL or above. Adding 1 to each byte sets the high bit of
/// a DEL; a carry into the next byte comes only from `0xff`, which is already one.
#[inline]
pub(crate) fn has_del_or_above(word: u64) -> bool {
    (word | word.wrapping_add(ONES)) & HIGHS != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position of a word otherwise filled with `fill`.
    fn words(fill: u8) -> impl Iterator<Item = (u8, u64)> {
        (0..8).flat_map(move |at| {
            (0..=255u8).map(move |b| {
                let mut word = [fill; 8];
                word[at] = b;
                (b, u64::from_le_bytes(word))
            })
        })
    }

    #[test]
    fn agree_with_the_byte_definitions() {
        for fill in [b'a', 0x80, 0xff, 0x7e] {
            for (b, word) in words(fill) {
                for n in [1, 0x0e, 0x20, 0x21, 0x80] {
                    assert_eq!(
                        has_below(word, n),
                        b < n || fill < n,
                        "{b:#x} in {fill:#x}s below {n:#x}"
                    );
                }
                for want in [0, b'\r', 0x7f, b':'] {
                    assert_eq!(has_byte(word, want), b == want || fill == want);
                }
                assert_eq!(has_del_or_above(word), b >= 0x7f || fill >= 0x7f);
            }
        }
    }
}
