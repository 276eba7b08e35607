//! One ChaCha8 block, computed alone: the first 16 words of a seeded stream.
//!
//! Why not just `rand_chacha`: its generator always computes four blocks at a time (256
//! bytes), which is the right trade for a long stream and the wrong one for a simulated call's
//! jitter stream, which draws one to three numbers (8 bytes each) and is then dropped. The
//! numbers must stay exactly `rand_chacha`'s (traces are byte-identical across versions), so
//! this is the same function — ChaCha with 8 rounds, the 256-bit key of the seed, a 64-bit
//! block counter and a 64-bit stream id, both 0 — for block 0 only; a stream that draws past
//! it hands over to `rand_chacha` at that word ([`super::rng::LazyStream`]).
//!
//! Each row of the 4×4 state is worked on whole, so a step of the four quarter rounds of a
//! round is one operation on a row, and the diagonal round rotates the rows' words instead of
//! indexing across them. On x86-64 a row is one SSE2 register (part of every x86-64 CPU, so no
//! feature detection): about 230 instructions for the block, where the portable form of the
//! same rows (kept for other targets, and tested beside it) compiles to scalar code of about
//! 550, more than `rand_chacha`'s four blocks at once with AVX2.

/// A row of the 4×4 state.
type Row = [u32; 4];

/// "expand 32-byte k", the ChaCha constants.
const CONSTANTS: Row = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

#[inline(always)]
fn add(a: Row, b: Row) -> Row {
    [
        a[0].wrapping_add(b[0]),
        a[1].wrapping_add(b[1]),
        a[2].wrapping_add(b[2]),
        a[3].wrapping_add(b[3]),
    ]
}

#[inline(always)]
fn xor_rotate(a: Row, b: Row, by: u32) -> Row {
    [
        (a[0] ^ b[0]).rotate_left(by),
        (a[1] ^ b[1]).rotate_left(by),
        (a[2] ^ b[2]).rotate_left(by),
        (a[3] ^ b[3]).rotate_left(by),
    ]
}

/// Four quarter rounds at once, one per column of `(a, b, c, d)`.
#[inline(always)]
fn quarter_rounds(a: &mut Row, b: &mut Row, c: &mut Row, d: &mut Row) {
    *a = add(*a, *b);
    *d = xor_rotate(*d, *a, 16);
    *c = add(*c, *d);
    *b = xor_rotate(*b, *c, 12);
    *a = add(*a, *b);
    *d = xor_rotate(*d, *a, 8);
    *c = add(*c, *d);
    *b = xor_rotate(*b, *c, 7);
}

/// Word `i` of a row moves to `i - by` (mod 4): a diagonal becomes a column.
#[inline(always)]
fn rotate_words(r: Row, by: usize) -> Row {
    [r[by % 4], r[(by + 1) % 4], r[(by + 2) % 4], r[(by + 3) % 4]]
}

/// The initial state of block 0 under `seed`: constants, key, counter 0 and stream 0.
fn initial_state(seed: &[u8; 32]) -> [Row; 4] {
    let word = |i: usize| u32::from_le_bytes([seed[i], seed[i + 1], seed[i + 2], seed[i + 3]]);
    [
        CONSTANTS,
        [word(0), word(4), word(8), word(12)],
        [word(16), word(20), word(24), word(28)],
        [0; 4],
    ]
}

/// Block 0 of the ChaCha8 stream keyed by `seed` (stream id 0), as the 16 words
/// `rand_chacha::ChaCha8Rng::from_seed(seed)` yields first.
#[cfg(target_arch = "x86_64")]
pub(crate) fn first_block(seed: &[u8; 32]) -> [u32; 16] {
    // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU this code runs on has it.
    unsafe { sse2::block(initial_state(seed)) }
}

/// Block 0 of the ChaCha8 stream keyed by `seed` (stream id 0), as the 16 words
/// `rand_chacha::ChaCha8Rng::from_seed(seed)` yields first.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn first_block(seed: &[u8; 32]) -> [u32; 16] {
    portable_block(initial_state(seed))
}

/// The block function on rows of plain words.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn portable_block(input: [Row; 4]) -> [u32; 16] {
    let [mut a, mut b, mut c, mut d] = input;
    for _ in 0..4 {
        // A column round, then a diagonal round: 8 rounds in all.
        quarter_rounds(&mut a, &mut b, &mut c, &mut d);
        b = rotate_words(b, 1);
        c = rotate_words(c, 2);
        d = rotate_words(d, 3);
        quarter_rounds(&mut a, &mut b, &mut c, &mut d);
        b = rotate_words(b, 3);
        c = rotate_words(c, 2);
        d = rotate_words(d, 1);
    }
    let rows = [
        add(a, input[0]),
        add(b, input[1]),
        add(c, input[2]),
        add(d, input[3]),
    ];
    let mut out = [0u32; 16];
    for (chunk, row) in out.chunks_exact_mut(4).zip(rows) {
        chunk.copy_from_slice(&row);
    }
    out
}

/// The block function with each row in an SSE2 register. Every function here is compiled
/// with SSE2, which every x86-64 CPU has; the one `unsafe` is the call that enters them.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_cvtsi128_si64, _mm_or_si128, _mm_set_epi32, _mm_shuffle_epi32,
        _mm_shufflehi_epi16, _mm_shufflelo_epi16, _mm_slli_epi32, _mm_srli_epi32,
        _mm_unpackhi_epi64, _mm_xor_si128,
    };

    use super::Row;

    #[inline]
    #[target_feature(enable = "sse2")]
    fn load(row: Row) -> __m128i {
        let [w0, w1, w2, w3] = row.map(|w| w as i32);
        _mm_set_epi32(w3, w2, w1, w0)
    }

    /// `x` rotated left by `L` bits in each word (`R` = 32 − `L`).
    #[inline]
    #[target_feature(enable = "sse2")]
    fn rotate<const L: i32, const R: i32>(x: __m128i) -> __m128i {
        _mm_or_si128(_mm_slli_epi32::<L>(x), _mm_srli_epi32::<R>(x))
    }

    /// Rotation by 16 bits: swap the halves of each word.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn rotate16(x: __m128i) -> __m128i {
        _mm_shufflehi_epi16::<0b10_11_00_01>(_mm_shufflelo_epi16::<0b10_11_00_01>(x))
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn quarter_rounds(a: &mut __m128i, b: &mut __m128i, c: &mut __m128i, d: &mut __m128i) {
        *a = _mm_add_epi32(*a, *b);
        *d = rotate16(_mm_xor_si128(*d, *a));
        *c = _mm_add_epi32(*c, *d);
        *b = rotate::<12, 20>(_mm_xor_si128(*b, *c));
        *a = _mm_add_epi32(*a, *b);
        *d = rotate::<8, 24>(_mm_xor_si128(*d, *a));
        *c = _mm_add_epi32(*c, *d);
        *b = rotate::<7, 25>(_mm_xor_si128(*b, *c));
    }

    /// The four words of `x`, low lane first.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn words(x: __m128i) -> Row {
        let low = _mm_cvtsi128_si64(x) as u64;
        let high = _mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)) as u64;
        [
            low as u32,
            (low >> 32) as u32,
            high as u32,
            (high >> 32) as u32,
        ]
    }

    #[target_feature(enable = "sse2")]
    pub(super) fn block(input: [Row; 4]) -> [u32; 16] {
        let [a0, b0, c0, d0] = [
            load(input[0]),
            load(input[1]),
            load(input[2]),
            load(input[3]),
        ];
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for _ in 0..4 {
            quarter_rounds(&mut a, &mut b, &mut c, &mut d);
            // Diagonals to columns: row words rotated by 1, 2 and 3.
            b = _mm_shuffle_epi32::<0b00_11_10_01>(b);
            c = _mm_shuffle_epi32::<0b01_00_11_10>(c);
            d = _mm_shuffle_epi32::<0b10_01_00_11>(d);
            quarter_rounds(&mut a, &mut b, &mut c, &mut d);
            b = _mm_shuffle_epi32::<0b10_01_00_11>(b);
            c = _mm_shuffle_epi32::<0b01_00_11_10>(c);
            d = _mm_shuffle_epi32::<0b00_11_10_01>(d);
        }
        let rows = [
            _mm_add_epi32(a, a0),
            _mm_add_epi32(b, b0),
            _mm_add_epi32(c, c0),
            _mm_add_epi32(d, d0),
        ];
        let mut out = [0u32; 16];
        for (chunk, row) in out.chunks_exact_mut(4).zip(rows) {
            chunk.copy_from_slice(&words(row));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngCore, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn block_zero_is_rand_chachas_first_sixteen_words() {
        let mut seed = [0u8; 32];
        for n in 0..200u32 {
            for (i, byte) in seed.iter_mut().enumerate() {
                *byte = (n.wrapping_mul(2_654_435_761).rotate_left(i as u32) >> 3) as u8;
            }
            let mut reference = ChaCha8Rng::from_seed(seed);
            let expected: Vec<u32> = (0..16).map(|_| reference.next_u32()).collect();
            assert_eq!(first_block(&seed).to_vec(), expected, "seed {seed:?}");
            let portable = portable_block(initial_state(&seed));
            assert_eq!(portable.to_vec(), expected, "portable, seed {seed:?}");
        }
    }

    #[test]
    fn the_all_zero_key_gives_the_published_chacha8_block() {
        // ChaCha8, key 0, nonce 0, block 0: the first words of the reference test vector
        // (draft-strombergson-chacha-test-vectors, TC1, 8 rounds: 3e00ef2f 895f40d6 …).
        let block = first_block(&[0; 32]);
        assert_eq!(block[0].to_le_bytes(), [0x3e, 0x00, 0xef, 0x2f]);
        assert_eq!(block[1].to_le_bytes(), [0x89, 0x5f, 0x40, 0xd6]);
    }
}
