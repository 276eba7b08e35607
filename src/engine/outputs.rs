//! [`Outputs`]: the buffer one engine step writes its actions into.
//!
//! Why not a `Vec`: a step emits a handful of actions (a send and a hedge timer; a commit and
//! its cancels; a finish), and the driver drains them before the next step. Held inline, in
//! the driver's own state, they cost no allocation per call; a step that emits more than
//! [`INLINE`] spills to the heap, and nothing else changes.

use smallvec::SmallVec;

use super::Output;

/// How many actions fit without an allocation.
pub const INLINE: usize = 4;

/// The actions of one engine step, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outputs(SmallVec<[Output; INLINE]>);

impl Outputs {
    /// An empty buffer.
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
