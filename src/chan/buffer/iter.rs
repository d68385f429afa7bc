//! The buffer behind `from_iter`: values drawn lazily from an iterator.

use super::Buffer;

/// Draws values from an iterator one ahead of the gets (so that it can tell whether one is left);
/// the channel is closed at creation, so puts never reach it. Unbounded iterators are fine.
pub(crate) struct IterBuffer<I: Iterator> {
    /// The rest of the values after `next`.
    iter: I,
    /// The next value; `None` once the iterator is exhausted.
    next: Option<I::Item>,
}

impl<I: Iterator> IterBuffer<I> {
    pub(crate) fn new(mut iter: I) -> IterBuffer<I> {
        let next = iter.next();
        IterBuffer { iter, next }
    }
}

impl<I: Iterator> Buffer<I::Item> for IterBuffer<I> {
    fn is_full(&self) -> bool {
        true
    }

    fn len(&self) -> usize {
        match self.next {
            Some(_) => self.iter.size_hint().0.saturating_add(1),
            None => 0,
        }
    }

    fn add(&mut self, _: I::Item) -> Option<I::Item> {
        unreachable!("an iterator channel is closed from the start, so nothing is ever put on it")
    }

    fn remove(&mut self) -> Option<I::Item> {
        let value = self.next.take()?;
        self.next = self.iter.next();
        Some(value)
    }

    fn kind(&self) -> &'static str {
        "iterator"
    }
}
