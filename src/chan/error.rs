//! Errors of the non-waiting operations; a refused put hands its value back.

use std::fmt;

/// Why `try_put` could not put: the value is handed back either way.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TryPutError<T> {
    /// The put would have to wait: no buffer room and no get waiting.
    Full(T),
    /// The channel is closed.
    Closed(T),
}

impl<T> TryPutError<T> {
    /// The value that was not put.
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(v) | TryPutError::Closed(v) => v,
        }
    }

    /// Whether the channel was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryPutError::Closed(_))
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("putting on a full channel"),
            TryPutError::Closed(_) => f.write_str("putting on a closed channel"),
        }
    }
}

impl<T> std::error::Error for TryPutError<T> {}

/// Why `try_get` got nothing.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum TryGetError {
    /// The get would have to wait: no value buffered and no put waiting.
    Empty,
    /// The channel is closed and drained.
    Closed,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryGetError::Empty => f.write_str("getting from an empty channel"),
            TryGetError::Closed => f.write_str("getting from a closed and drained channel"),
        }
    }
}

impl std::error::Error for TryGetError {}
