//! Which buckets of the calendar ring (`calendar.rs`) hold entries: a two-level bitmap, so the
//! next non-empty bucket is found in a few instructions whatever the ring's size.
//!
//! Why two levels: one bit per bucket alone would mean scanning up to 64 words to find the
//! next set bit past a long empty stretch (a quiet spell between bursts of timers); a summary
//! word with one bit per non-zero word finds that word with one `trailing_zeros`. Two levels
//! of 64 cover [`BUCKETS`] buckets.

/// Buckets tracked: 64 words of 64 bits, one summary word.
pub(super) const BUCKETS: usize = 64 * 64;
/// Words of the bitmap.
const WORDS: usize = BUCKETS / 64;

/// Bit `i % 64` of word `i / 64` set when bucket `i` is non-empty; bit `w` of `summary` set
/// when word `w` is non-zero.
#[derive(Debug)]
pub(super) struct Occupancy {
    words: [u64; WORDS],
    summary: u64,
}

impl Default for Occupancy {
    fn default() -> Self {
        Occupancy {
            words: [0; WORDS],
            summary: 0,
        }
    }
}

impl Occupancy {
    /// Bucket `i` (below [`BUCKETS`]) now holds an entry.
    #[inline(always)]
    pub(super) fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
        self.summary |= 1 << (i / 64);
    }

    /// Bucket `i` (below [`BUCKETS`]) is empty now.
    #[inline(always)]
    pub(super) fn clear(&mut self, i: usize) {
        self.words[i / 64] &= !(1 << (i % 64));
        if self.words[i / 64] == 0 {
            self.summary &= !(1 << (i / 64));
        }
    }

    /// The first non-empty bucket at or after `start`, wrapping round to the ones before it;
    /// `None` when every bucket is empty.
    #[inline(always)]
    pub(super) fn first_from(&self, start: usize) -> Option<usize> {
        let (w0, b0) = (start / 64, start % 64);
        let head = self.words[w0] & (!0u64 << b0);
        if head != 0 {
            return Some(w0 * 64 + head.trailing_zeros() as usize);
        }
        // Words after the start's, then (wrapping) those up to and including it.
        let after = if w0 + 1 == WORDS {
            0
        } else {
            self.summary & (!0u64 << (w0 + 1))
        };
        let w = if after != 0 {
            after.trailing_zeros() as usize
        } else if self.summary != 0 {
            self.summary.trailing_zeros() as usize
        } else {
            return None;
        };
        Some(w * 64 + self.words[w].trailing_zeros() as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_bucket_from_any_start_wrapping_round() {
        let mut o = Occupancy::default();
        assert_eq!(o.first_from(0), None);
        for i in [5, 64 * 3 + 7, BUCKETS - 1] {
            o.set(i);
        }
        assert_eq!(o.first_from(0), Some(5));
        assert_eq!(o.first_from(5), Some(5));
        assert_eq!(
            o.first_from(6),
            Some(64 * 3 + 7),
            "in a later word, via the summary"
        );
        assert_eq!(o.first_from(64 * 3 + 8), Some(BUCKETS - 1));
        o.clear(BUCKETS - 1);
        assert_eq!(
            o.first_from(64 * 3 + 8),
            Some(5),
            "wraps round to the start"
        );
        o.clear(5);
        o.clear(64 * 3 + 7);
        assert_eq!(
            o.first_from(100),
            None,
            "a cleared word leaves the summary too"
        );
    }

    #[test]
    fn clearing_one_bucket_keeps_its_word_neighbours() {
        let mut o = Occupancy::default();
        o.set(10);
        o.set(11);
        o.clear(10);
        assert_eq!(o.first_from(0), Some(11));
    }
}
