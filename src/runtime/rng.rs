//! The loop's seeded random number generator (SplitMix64), the one source of every random choice.
//!
//! The algorithm is fixed in this file rather than taken from a crate so that a seed replays the same
//! run across upgrades of dependencies.

/// A SplitMix64 generator: 64 bits of state, every seed valid, fast and statistically sound for
/// scheduling choices (not for cryptography).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rng {
    /// The running state; advances by the golden-ratio increment on every draw.
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform draw from `0..n` (Lemire's multiply-shift with rejection, so no modulo bias; the
    /// division that sets the rejection threshold is needed only in the rare case that the low half
    /// of the product falls below `n`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "random_below(0): the range 0..0 is empty");
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }
}

/// Several bounded draws cut from one 64-bit draw, for choices made many times a second (which
/// of its ready operations a select completes).
///
/// Each draw multiplies the remaining bits by the range and keeps the high half as the result and the
/// low half for the next draw (Lemire's multiply-shift, batched). The word is refilled from the
/// generator once the product of the ranges drawn from it passes 2^32, so every draw keeps at least
/// 32 bits to work with: a result is off uniform by less than `n / 2^32`, far below anything a test
/// of fairness can see, and the draws stay a pure function of the seed.
#[derive(Debug)]
pub(crate) struct Draws {
    /// The bits left for the next draw.
    word: u64,
    /// The product of the ranges drawn from `word` so far; 0 before the first refill.
    spent: u64,
}

impl Draws {
    /// Draws with no bits yet: the first draw takes a word from its `refill`.
    pub(crate) fn new() -> Draws {
        Draws { word: 0, spent: 0 }
    }

    /// A draw from `0..n`; `refill` gives a fresh 64-bit word when the current one is spent.
    #[inline]
    pub(crate) fn below(&mut self, n: u64, refill: impl FnOnce() -> u64) -> u64 {
        debug_assert!(n > 0 && n <= 1 << 32, "draws are for small ranges");
        match self.spent.checked_mul(n) {
            Some(spent) if self.spent != 0 && spent <= 1 << 32 => self.spent = spent,
            _ => {
                self.word = refill();
                self.spent = n;
            }
        }
        let m = u128::from(self.word) * u128::from(n);
        self.word = m as u64;
        (m >> 64) as u64
    }
}

/// A seed for a run that was given none: different on every call, from the OS-seeded hasher keys.
pub(crate) fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(7).next_u64(), Rng::new(8).next_u64());
    }

    #[test]
    fn draws_stay_in_range_and_cover_it_evenly() {
        let mut r = Rng::new(3);
        let mut draws = Draws::new();
        let mut seen = [[0u32; 4]; 4];
        for _ in 0..40_000 {
            // A lazy shuffle of four: each position's draw is even over what is left.
            for (pos, row) in seen.iter_mut().enumerate() {
                let d = draws.below(4 - pos as u64, || r.next_u64()) as usize;
                row[d] += 1;
            }
        }
        for (pos, row) in seen.iter().enumerate() {
            let expected = 40_000 / (4 - pos) as u32;
            for &count in &row[..4 - pos] {
                assert!(count.abs_diff(expected) < expected / 20, "{seen:?}");
            }
        }
    }

    #[test]
    fn draws_refill_before_the_word_runs_thin() {
        let mut refills = 0;
        let mut draws = Draws::new();
        for _ in 0..100 {
            draws.below(1 << 16, || {
                refills += 1;
                0x0123_4567_89ab_cdef
            });
        }
        // 2^16 * 2^16 = 2^32 fits; a third draw of 2^16 needs new bits.
        assert_eq!(refills, 50);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(1);
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            seen[r.below(5) as usize] += 1;
        }
        for count in seen {
            assert!((1_700..2_300).contains(&count), "{seen:?}");
        }
    }
}
