//! The promise buffer: keeps the first value and gives a copy of it to every get.

use super::Buffer;

/// Keeps the first value put and gives a clone of it to every get, forever. Later puts complete at
/// once and their values are **discarded** (by contract). Closed before any value, gets give `None`.
#[derive(Debug, Clone)]
pub struct PromiseBuffer<T> {
    /// The promised value, once delivered.
    value: Option<T>,
}

impl<T> PromiseBuffer<T> {
    /// A promise not yet delivered.
    pub fn new() -> PromiseBuffer<T> {
        PromiseBuffer { value: None }
    }
}

impl<T> Default for PromiseBuffer<T> {
    fn default() -> PromiseBuffer<T> {
        PromiseBuffer::new()
    }
}

impl<T: Clone> Buffer<T> for PromiseBuffer<T> {
    fn is_full(&self) -> bool {
        false
    }

    fn len(&self) -> usize {
        usize::from(self.value.is_some())
    }

    fn add(&mut self, value: T) -> Option<T> {
        if self.value.is_some() {
            return Some(value);
        }
        self.value = Some(value);
        None
    }

    fn remove(&mut self) -> Option<T> {
        self.value.clone()
    }

    fn kind(&self) -> &'static str {
        "promise"
    }

    fn capacity(&self) -> Option<usize> {
        Some(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_value_forever() {
        let mut b = PromiseBuffer::new();
        assert!(b.is_empty());
        assert_eq!((b.add("first"), b.add("second")), (None, Some("second")));
        assert_eq!((b.remove(), b.remove()), (Some("first"), Some("first")));
        assert_eq!(b.len(), 1);
    }
}
