//! A tiny deterministic PRNG (xorshift64*) for the parsers' never-panic
//! tests, so they need no extra dependency.

pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fewer than `max_len` bytes, biased towards the characters parsers
    /// care about.
    pub(crate) fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len);
        const SPECIAL: &[u8] = b"=&;%+\"\\ \t\r\n-:,";
        (0..len)
            .map(|_| match self.below(4) {
                0 => SPECIAL[self.below(SPECIAL.len())],
                1 => b'a' + self.below(26) as u8,
                2 => b'0' + self.below(10) as u8,
                _ => self.next_u64() as u8,
            })
            .collect()
    }
}
