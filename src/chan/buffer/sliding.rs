//! The sliding buffer: up to `n` values; when full, the oldest value is discarded.

use std::collections::VecDeque;

use super::Buffer;

/// Holds the latest `capacity` values; a put to a full buffer completes at once and the **oldest**
/// buffered value is discarded (by contract: this buffer never makes a put wait).
#[derive(Debug, Clone)]
pub struct SlidingBuffer<T> {
    /// The values, oldest first.
    values: VecDeque<T>,
    /// The most values it holds.
    capacity: usize,
}

impl<T> SlidingBuffer<T> {
    /// An empty buffer for the latest `capacity` values.
    ///
    /// # Panics
    /// If `capacity` is 0 (every value would be discarded).
    pub fn new(capacity: usize) -> SlidingBuffer<T> {
        assert!(
            capacity > 0,
            "a sliding buffer of size 0 would discard every value"
        );
        SlidingBuffer {
            values: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
        }
    }
}

impl<T> Buffer<T> for SlidingBuffer<T> {
    fn is_full(&self) -> bool {
        false
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn add(&mut self, value: T) -> Option<T> {
        let evicted = if self.values.len() == self.capacity {
            self.values.pop_front()
        } else {
            None
        };
        self.values.push_back(value);
        evicted
    }

    fn remove(&mut self) -> Option<T> {
        self.values.pop_front()
    }

    fn kind(&self) -> &'static str {
        "sliding"
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discards_the_oldest_when_full() {
        let mut b = SlidingBuffer::new(2);
        let mut discarded = Vec::new();
        for v in 1..=3 {
            assert!(!b.is_full());
            discarded.extend(b.add(v));
        }
        assert_eq!(discarded, [1]);
        assert_eq!(
            (b.remove(), b.remove(), b.remove()),
            (Some(2), Some(3), None)
        );
    }
}
