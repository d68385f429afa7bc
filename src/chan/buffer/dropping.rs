//! The dropping buffer: up to `n` values; when full, new values are discarded.

use std::collections::VecDeque;

use super::Buffer;

/// Holds up to `capacity` values; a put to a full buffer completes at once and its value is
/// **discarded** (by contract: this buffer never makes a put wait).
#[derive(Debug, Clone)]
pub struct DroppingBuffer<T> {
    /// The values, oldest first.
    values: VecDeque<T>,
    /// The most values it holds.
    capacity: usize,
}

impl<T> DroppingBuffer<T> {
    /// An empty buffer for up to `capacity` values.
    ///
    /// # Panics
    /// If `capacity` is 0 (every value would be discarded).
    pub fn new(capacity: usize) -> DroppingBuffer<T> {
        assert!(
            capacity > 0,
            "a dropping buffer of size 0 would discard every value"
        );
        DroppingBuffer {
            values: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
        }
    }
}

impl<T> Buffer<T> for DroppingBuffer<T> {
    fn is_full(&self) -> bool {
        false
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn add(&mut self, value: T) -> Option<T> {
        if self.values.len() == self.capacity {
            return Some(value);
        }
        self.values.push_back(value);
        None
    }

    fn remove(&mut self) -> Option<T> {
        self.values.pop_front()
    }

    fn kind(&self) -> &'static str {
        "dropping"
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discards_the_newest_when_full() {
        let mut b = DroppingBuffer::new(2);
        let mut discarded = Vec::new();
        for v in 1..=3 {
            assert!(!b.is_full());
            discarded.extend(b.add(v));
        }
        assert_eq!(discarded, [3]);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b.remove(), b.remove(), b.remove()),
            (Some(1), Some(2), None)
        );
    }
}
