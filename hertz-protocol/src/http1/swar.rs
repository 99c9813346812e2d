//! Tests on many bytes at once: eight in a `u64` ("SIMD within a register") for the response
//! field checks, sixteen in an SSE2 register for the runs of plain bytes the request scanner
//! skips (SSE2 is part of every x86_64; other targets take words).

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

/// The length of the run of bytes from `lowest` (below 0x80) up, DEL excepted, that starts
/// `bytes`.
#[inline]
pub(crate) fn run_from(bytes: &[u8], lowest: u8) -> usize {
    #[cfg(target_arch = "x86_64")]
    let at = sse2_run_from(bytes, lowest);
    #[cfg(not(target_arch = "x86_64"))]
    let at = word_run_from(bytes, lowest);
    at + bytes[at..]
        .iter()
        .take_while(|&&b| b >= lowest && b != 0x7f)
        .count()
}

/// The length of the run of ASCII letters, digits and `-` that starts `bytes`, found sixteen
/// bytes a step up to the last whole step (on x86_64; elsewhere 0, and the caller scans).
#[inline]
pub(crate) fn name_run(bytes: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    return sse2_name_run(bytes);
    #[cfg(not(target_arch = "x86_64"))]
    return {
        let _ = bytes;
        0
    };
}

/// Sixteen bytes a step while `inside` marks every byte of a step (all bits of the byte set):
/// the run up to the last whole step, or to the first byte out of it.
#[cfg(target_arch = "x86_64")]
#[inline]
fn sse2_run(
    bytes: &[u8],
    inside: impl Fn(std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i,
) -> usize {
    use std::arch::x86_64::{_mm_loadu_si128, _mm_movemask_epi8};
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 16) {
        // SAFETY: SSE2 is enabled on every x86_64 target, so its intrinsics may run; `chunk`
        // is 16 readable bytes, which is what the unaligned load reads.
        let out = unsafe { !_mm_movemask_epi8(inside(_mm_loadu_si128(chunk.as_ptr().cast()))) };
        let out = out & 0xffff;
        if out != 0 {
            return at + out.trailing_zeros() as usize;
        }
        at += 16;
    }
    at
}

/// [`name_run`] on x86_64: letters (setting bit 5 folds A-Z onto a-z, and nothing else onto
/// them), digits and `-`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn sse2_name_run(bytes: &[u8]) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_max_epu8, _mm_min_epu8, _mm_or_si128,
        _mm_set1_epi8,
    };
    sse2_run(bytes, |v| {
        // SAFETY: SSE2 is enabled on every x86_64 target; these work on registers only.
        unsafe {
            let within = |v: __m128i, lo: u8, hi: u8| {
                let ge = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(lo as i8)), v);
                let le = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(hi as i8)), v);
                _mm_and_si128(ge, le)
            };
            let letter = within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
            let digit = within(v, b'0', b'9');
            let dash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
            _mm_or_si128(_mm_or_si128(letter, digit), dash)
        }
    })
}

/// [`run_from`] on x86_64: bytes from `lowest` up (unsigned `max(v, lowest) == v`), DEL
/// excepted.
#[cfg(target_arch = "x86_64")]
#[inline]
fn sse2_run_from(bytes: &[u8], lowest: u8) -> usize {
    use std::arch::x86_64::{_mm_andnot_si128, _mm_cmpeq_epi8, _mm_max_epu8, _mm_set1_epi8};
    sse2_run(bytes, |v| {
        // SAFETY: SSE2 is enabled on every x86_64 target; these work on registers only.
        unsafe {
            let high_enough = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(lowest as i8)), v);
            let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
            _mm_andnot_si128(del, high_enough)
        }
    })
}

/// Eight bytes a step, without telling where in a word the run ends.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn word_run_from(bytes: &[u8], lowest: u8) -> usize {
    bytes
        .chunks_exact(8)
        .take_while(|w| {
            <[u8; 8]>::try_from(*w).is_ok_and(|w| {
                let w = u64::from_le_bytes(w);
                !(has_below(w, lowest) | has_byte(w, 0x7f))
            })
        })
        .count()
        * 8
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

    #[test]
    fn name_runs_hold_letters_digits_and_dashes() {
        for len in 0..40 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    let inside = b.is_ascii_alphanumeric() || b == b'-';
                    let run = name_run(&bytes);
                    // A run may stop short of the end (the caller scans the rest), never
                    // past a byte that is out of it, nor short of one in a whole step.
                    assert!(
                        run <= if inside { len } else { at },
                        "{b:#x} at {at} of {len}"
                    );
                    if cfg!(target_arch = "x86_64") {
                        let whole = len / 16 * 16;
                        let want = if inside { whole } else { at.min(whole) };
                        assert!(run >= want, "{b:#x} at {at} of {len}: {run}");
                    }
                }
            }
        }
    }

    #[test]
    fn runs_end_at_the_first_byte_out_of_them() {
        for lowest in [b' ', b'!'] {
            for len in 0..40 {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut bytes = vec![b'x'; len];
                        bytes[at] = b;
                        let inside = b >= lowest && b != 0x7f;
                        let want = if inside { len } else { at };
                        assert_eq!(run_from(&bytes, lowest), want, "{b:#x} at {at} of {len}");
                    }
                }
                let mut obs = vec![0x80u8; len];
                obs.iter_mut().step_by(3).for_each(|b| *b = 0xff);
                assert_eq!(run_from(&obs, lowest), len, "obs-text is in the run");
            }
        }
    }
}
