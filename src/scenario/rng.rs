//! Seeded random streams, one per purpose (determinism rule 1, docs/a6-rules.md).
//!
//! Why streams and not one RNG: with a single generator every draw shifts every later one, so
//! adding a call to a scenario, or a latency distribution to its server, would change the jitter
//! of every other call and the trace would differ everywhere. Instead each consumer gets its own
//! ChaCha8 generator whose key is a hash of `(seed, purpose, index)`: call 7's jitter stream is
//! the same whether the run has 8 calls or 8 million.
//!
//! The key is built with SplitMix64 (a bijective 64-bit mixer with full avalanche), chained over
//! the three inputs so that `(seed 1, index 0)` and `(seed 0, index 1)` do not collide the way a
//! plain XOR would. ChaCha8 is fast (a few ns per `u64`), portable and reproducible everywhere.

use rand::RngCore;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::chacha_block::first_block;

/// What a stream is for. The numeric codes are part of the determinism contract: changing one
/// changes every trace that uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Purpose {
    /// Backoff jitter of one call (index = call index).
    Jitter,
    /// Status draws (`fail_rate`) of one server (index = server index).
    ServerStatus,
    /// Latency draws of one server (index = server index).
    ServerLatency,
    /// Client arrival draws (reserved for stochastic arrival processes).
    Arrivals,
    /// A load client's policy draws (adaptive throttling; index = client).
    ClientPolicy,
}

impl Purpose {
    fn code(self) -> u64 {
        match self {
            Purpose::Jitter => 1,
            Purpose::ServerStatus => 2,
            Purpose::ServerLatency => 3,
            Purpose::Arrivals => 4,
            Purpose::ClientPolicy => 5,
        }
    }
}

/// One step of SplitMix64: advances `state` and returns a well-mixed word.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The ChaCha8 stream for `(seed, purpose, index)`: independent of every other triple.
#[inline]
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::from_seed(key(seed, purpose, index))
}

/// The 256-bit ChaCha key of `(seed, purpose, index)`.
fn key(seed: u64, purpose: Purpose, index: u64) -> [u8; 32] {
    let mut state = seed;
    let mut h = splitmix64(&mut state);
    state = h ^ purpose.code();
    h = splitmix64(&mut state);
    state = h ^ index;
    let _ = splitmix64(&mut state);
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    key
}

/// The stream `(seed, purpose, index)`, derived only when first drawn from: the very numbers
/// of [`stream`], for consumers that usually draw nothing or little. A simulated call draws
/// jitter only when it backs off, so most calls never pay for a key schedule or a ChaCha
/// block; one that backs off draws one to three numbers, which its first block (16 words,
/// computed alone) holds, instead of the four blocks `rand_chacha`
/// computes at once. Past that block, `rand_chacha` takes over at the same word.
#[derive(Clone, Debug)]
pub struct LazyStream {
    key: (u64, Purpose, u64),
    state: Drawn,
}

/// How far a [`LazyStream`] has got.
///
/// The generator stays inline although it is four times the first block: boxing it would
/// allocate for every call that draws past block 0, and the stream was this size before.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
enum Drawn {
    /// Nothing drawn yet.
    Nothing,
    /// Inside block 0: `used` of its words drawn.
    FirstBlock { words: [u32; 16], used: usize },
    /// Past block 0 (or bytes drawn): the whole generator, at the same word.
    Generator(ChaCha8Rng),
}

impl LazyStream {
    /// The stream for `(seed, purpose, index)`, not derived yet.
    pub fn new(seed: u64, purpose: Purpose, index: u64) -> Self {
        LazyStream {
            key: (seed, purpose, index),
            state: Drawn::Nothing,
        }
    }

    /// The key of this stream.
    fn seed(&self) -> [u8; 32] {
        let (seed, purpose, index) = self.key;
        key(seed, purpose, index)
    }

    /// The words of block 0 and how many are drawn, while the stream is inside it.
    #[inline]
    fn first_block(&mut self) -> Option<(&[u32; 16], &mut usize)> {
        if let Drawn::Nothing = self.state {
            self.state = Drawn::FirstBlock {
                words: first_block(&self.seed()),
                used: 0,
            };
        }
        match &mut self.state {
            Drawn::FirstBlock { words, used } => Some((words, used)),
            _ => None,
        }
    }

    /// `draw` from the whole generator, placed first at the next word if the stream was
    /// inside block 0 (or untouched).
    #[cold]
    fn with_generator<T>(&mut self, draw: impl FnOnce(&mut ChaCha8Rng) -> T) -> T {
        let word = match &mut self.state {
            Drawn::Generator(rng) => return draw(rng),
            Drawn::Nothing => 0,
            Drawn::FirstBlock { used, .. } => *used,
        };
        let mut rng = ChaCha8Rng::from_seed(self.seed());
        rng.set_word_pos(word as u128);
        let value = draw(&mut rng);
        self.state = Drawn::Generator(rng);
        value
    }
}

impl RngCore for LazyStream {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        if let Some((words, used)) = self.first_block() {
            if let Some(&word) = words.get(*used) {
                *used += 1;
                return word;
            }
        }
        self.with_generator(|rng| rng.next_u32())
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        if let Some((words, used)) = self.first_block() {
            // Low word first, as `rand_core`'s block generator joins two words.
            if let [low, high, ..] = words[(*used).min(16)..] {
                *used += 2;
                return (u64::from(high) << 32) | u64::from(low);
            }
        }
        self.with_generator(|rng| rng.next_u64())
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.with_generator(|rng| rng.fill_bytes(dst));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    fn first(seed: u64, purpose: Purpose, index: u64) -> u64 {
        stream(seed, purpose, index).next_u64()
    }

    #[test]
    fn same_triple_same_stream_rule_6() {
        let mut a = stream(42, Purpose::Jitter, 3);
        let mut b = stream(42, Purpose::Jitter, 3);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn streams_differ_by_each_input_rule_1() {
        let base = first(1, Purpose::Jitter, 0);
        assert_ne!(base, first(2, Purpose::Jitter, 0));
        assert_ne!(base, first(1, Purpose::ServerStatus, 0));
        assert_ne!(base, first(1, Purpose::Jitter, 1));
        // The swap that a plain XOR of inputs would confuse.
        assert_ne!(first(1, Purpose::Jitter, 0), first(0, Purpose::Jitter, 1));
    }

    #[test]
    fn a_lazy_stream_draws_the_same_numbers_rule_6() {
        let mut eager = stream(11, Purpose::Jitter, 4);
        let mut lazy = LazyStream::new(11, Purpose::Jitter, 4);
        assert_eq!(lazy.next_u32(), eager.next_u32());
        for _ in 0..100 {
            assert_eq!(lazy.next_u64(), eager.next_u64());
        }
        let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
        lazy.fill_bytes(&mut a);
        eager.fill_bytes(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn a_lazy_stream_crosses_its_first_block_at_any_word_rule_6() {
        // Every mix of 32- and 64-bit draws and bytes, from each starting offset, so that the
        // hand-over to the whole generator happens at every word of block 0 and inside a
        // 64-bit draw that straddles it.
        for seed in 0..40 {
            for skip in 0..18 {
                for bytes_at in [None, Some(0), Some(3), Some(9)] {
                    let mut eager = stream(seed, Purpose::Jitter, skip);
                    let mut lazy = LazyStream::new(seed, Purpose::Jitter, skip);
                    for _ in 0..skip {
                        assert_eq!(lazy.next_u32(), eager.next_u32());
                    }
                    for draw in 0..20 {
                        if bytes_at == Some(draw) {
                            let (mut a, mut b) = ([0u8; 7], [0u8; 7]);
                            lazy.fill_bytes(&mut a);
                            eager.fill_bytes(&mut b);
                            assert_eq!(a, b);
                        }
                        assert_eq!(lazy.next_u64(), eager.next_u64(), "{seed} {skip} {draw}");
                    }
                }
            }
        }
    }

    #[test]
    fn uniform_draws_from_a_lazy_stream_match_the_eager_one_rule_6() {
        use rand::Rng;
        for index in 0..500 {
            let mut eager = stream(3, Purpose::Jitter, index);
            let mut lazy = LazyStream::new(3, Purpose::Jitter, index);
            for _ in 0..6 {
                let (a, b) = (
                    lazy.random_range(800_000..=1_200_000u64),
                    eager.random_range(800_000..=1_200_000u64),
                );
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn a_call_stream_does_not_depend_on_how_many_calls_exist_rule_1() {
        // Drawing from other calls' streams first changes nothing for call 5.
        let alone = first(9, Purpose::Jitter, 5);
        for i in 0..5 {
            let _ = stream(9, Purpose::Jitter, i).next_u64();
        }
        assert_eq!(alone, first(9, Purpose::Jitter, 5));
    }
}
