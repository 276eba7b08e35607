//! [`Outputs`]: the buffer one engine step writes its actions into.
//!
//! Why not a `Vec`: a step emits a handful of actions (a send and a hedge timer; a commit and
//! its cancels; a finish), and the driver drains them before the next step. Held inline, in
//! the driver's own state, they cost no allocation per call; a step that emits more than
//! [`INLINE`] spills to the heap, and nothing else changes.
//!
//! Why its own `Drop`: the driver makes one buffer per step and drops it drained, so nearly
//! every drop finds it empty and inline. `SmallVec`'s drop glue is an out-of-line call that
//! checks for that itself (about 17 instructions a step, three steps per attempt); the check
//! here is inline and one comparison, and the glue runs only for a buffer that holds something.

use std::mem::ManuallyDrop;

use smallvec::SmallVec;

use super::Output;

/// How many actions fit without an allocation.
pub const INLINE: usize = 4;

type Buffer = SmallVec<[Output; INLINE]>;

/// The actions of one engine step, in order.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Outputs(ManuallyDrop<Buffer>);

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
    pub fn into_vec(mut self) -> Vec<Output> {
        std::mem::take(&mut *self.0).into_vec()
    }
}

impl Drop for Outputs {
    #[inline]
    fn drop(&mut self) {
        // An empty inline buffer owns nothing: no action to drop, no heap storage to free.
        if self.0.spilled() || !self.0.is_empty() {
            // The taken buffer is dropped whole here; what is left is empty and inline, so
            // not dropping it (it is `ManuallyDrop`) leaks nothing.
            drop(std::mem::take(&mut *self.0));
        }
    }
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Outputs").field(&*self.0).finish()
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
            out.push(o.clone());
        }
        assert_eq!(&*out, &all[..]);
        assert_eq!(out.drain().collect::<Vec<_>>(), all);
        assert!(out.is_empty());
        out.push(cancel(9));
        assert_eq!(out.clone().into_vec(), [cancel(9)]);
        assert_eq!(format!("{out:?}"), "Outputs([Cancel { slot: 9 }])");
    }
}
