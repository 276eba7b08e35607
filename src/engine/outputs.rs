//! [`Outputs`]: the buffer one engine step writes its actions into.
//!
//! Why not a `Vec`: a step emits a handful of actions (a send and a hedge timer; a commit and
//! its cancels; a finish), and the driver reads them in place before the next step. Held
//! inline, in the driver's own state, they cost no allocation per call; a step that emits more
//! than [`INLINE`] spills to the heap, and nothing else changes.
//!
//! Plain `SmallVec` drop glue: a buffer of its own `Drop` that took the vector out to drop it
//! copied all of its 232 bytes at every step once the driver stopped draining it (−108
//! instructions per simulated attempt when removed).

use smallvec::SmallVec;

use super::Output;

/// How many actions fit without an allocation.
pub const INLINE: usize = 4;

type Buffer = SmallVec<[Output; INLINE]>;

/// The actions of one engine step, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outputs(Buffer);

impl Outputs {
    /// An empty buffer.
    #[inline]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an action.
    #[inline]
    pub fn push(&mut self, output: Output) {
        self.0.push(output);
    }

    /// Takes every action out, in order, leaving the buffer empty (and its storage kept).
    #[inline]
    pub fn drain(&mut self) -> impl Iterator<Item = Output> + '_ {
        self.0.drain(..)
    }

    /// The actions as a vector.
    pub fn into_vec(self) -> Vec<Output> {
        self.0.into_vec()
    }
}

impl std::ops::Deref for Outputs {
    type Target = [Output];
    fn deref(&self) -> &[Output] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cancel(slot: u32) -> Output {
        Output::Cancel { slot }
    }

    #[test]
    fn keeps_order_past_the_inline_size_and_empties_when_drained() {
        let mut out = Outputs::new();
        let all: Vec<Output> = (0..INLINE as u32 + 2).map(cancel).collect();
        for o in &all {
            out.push(*o);
        }
        assert_eq!(&*out, &all[..]);
        assert_eq!(out.drain().collect::<Vec<_>>(), all);
        assert!(out.is_empty());
        out.push(cancel(9));
        assert_eq!(out.clone().into_vec(), [cancel(9)]);
        assert_eq!(format!("{out:?}"), "Outputs([Cancel { slot: 9 }])");
    }
}
