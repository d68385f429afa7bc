//! The unbounded buffer: every value is kept and no put ever waits.

use std::collections::VecDeque;

use super::Buffer;

/// Keeps every value and never makes a put wait. This is the one kind that gives up back-pressure: a
/// producer faster than its consumer grows it without limit. Choose it only when something else
/// bounds the producer.
#[derive(Debug, Clone, Default)]
pub struct UnboundedBuffer<T> {
    /// The values, oldest first.
    values: VecDeque<T>,
}

impl<T> UnboundedBuffer<T> {
    /// An empty buffer.
    pub fn new() -> UnboundedBuffer<T> {
        UnboundedBuffer {
            values: VecDeque::new(),
        }
    }
}

impl<T> Buffer<T> for UnboundedBuffer<T> {
    fn is_full(&self) -> bool {
        false
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn add(&mut self, value: T) -> Option<T> {
        self.values.push_back(value);
        None
    }

    fn remove(&mut self) -> Option<T> {
        self.values.pop_front()
    }

    fn kind(&self) -> &'static str {
        "unbounded"
    }
}
