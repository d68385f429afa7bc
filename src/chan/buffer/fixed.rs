//! The fixed buffer: up to `n` values; puts wait while it is full (back-pressure).

use std::collections::VecDeque;

use super::Buffer;

/// Holds up to `capacity` values in order; puts wait while it is full.
#[derive(Debug, Clone)]
pub struct FixedBuffer<T> {
    /// The values, oldest first.
    values: VecDeque<T>,
    /// The most values it holds.
    capacity: usize,
}

impl<T> FixedBuffer<T> {
    /// An empty buffer for up to `capacity` values.
    ///
    /// # Panics
    /// If `capacity` is 0: a channel without a buffer is the rendezvous channel, `Chan::new()`.
    pub fn new(capacity: usize) -> FixedBuffer<T> {
        assert!(
            capacity > 0,
            "a fixed buffer needs room for at least one value; for a rendezvous channel use Chan::new()"
        );
        FixedBuffer {
            values: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
        }
    }
}

impl<T> Buffer<T> for FixedBuffer<T> {
    #[inline]
    fn is_full(&self) -> bool {
        self.values.len() >= self.capacity
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    #[inline]
    fn add(&mut self, value: T) -> Option<T> {
        self.values.push_back(value);
        None
    }

    #[inline]
    fn remove(&mut self) -> Option<T> {
        self.values.pop_front()
    }

    fn kind(&self) -> &'static str {
        "fixed"
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_drains_in_order() {
        let mut b = FixedBuffer::new(2);
        assert!(b.is_empty() && !b.is_full());
        assert_eq!((b.add(1), b.add(2)), (None, None));
        assert!(b.is_full());
        assert_eq!(b.remove(), Some(1));
        assert_eq!(b.remove(), Some(2));
        assert_eq!(b.remove(), None);
    }

    #[test]
    #[should_panic(expected = "Chan::new()")]
    fn zero_capacity_is_refused() {
        FixedBuffer::<u8>::new(0);
    }
}
