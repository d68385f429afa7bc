//! The `Buffer` protocol of a channel, and the built-in kinds: one file each.
//!
//! A channel without a buffer is a rendezvous: a put completes only when a get takes its value. A
//! buffer lets puts complete while it has room. Fixed and unbounded buffers keep every value;
//! dropping, sliding and promise buffers never make a put wait and, by contract, discard values.

mod dropping;
mod fixed;
mod iter;
mod promise;
mod sliding;
mod unbounded;

pub use dropping::DroppingBuffer;
pub use fixed::FixedBuffer;
pub(crate) use iter::IterBuffer;
pub use promise::PromiseBuffer;
pub use sliding::SlidingBuffer;
pub use unbounded::UnboundedBuffer;

/// Where a channel keeps values that were put but not yet taken (core.async's `Buffer`).
///
/// The channel calls these methods while it holds its own state borrowed: they must not touch the
/// channel, and must not drop values, whose `Drop` might. A value the buffer discards is handed back
/// by [`add`](Buffer::add) instead, and the channel drops it once it has let go of its state. A
/// custom buffer only has to say whether it is full or empty and move values in and out; the
/// channel does the rest (hand-offs, parking, closing).
///
/// ```
/// use aiochan::{Buffer, Chan};
///
/// /// Keeps only even numbers, discarding odd ones.
/// struct Evens(Vec<u32>);
///
/// impl Buffer<u32> for Evens {
///     fn is_full(&self) -> bool { false }
///     fn len(&self) -> usize { self.0.len() }
///     fn add(&mut self, value: u32) -> Option<u32> {
///         if value % 2 == 1 {
///             return Some(value);
///         }
///         self.0.insert(0, value);
///         None
///     }
///     fn remove(&mut self) -> Option<u32> { self.0.pop() }
///     fn kind(&self) -> &'static str { "evens" }
/// }
///
/// let got = aiochan::run(async {
///     let c = Chan::with_buffer(Evens(Vec::new()));
///     for i in 0..6 {
///         c.put(i).await;
///     }
///     c.close();
///     let mut got = Vec::new();
///     while let Some(v) = c.get().await {
///         got.push(v);
///     }
///     got
/// });
/// assert_eq!(got, [0, 2, 4]);
/// ```
pub trait Buffer<T> {
    /// Whether a put must wait: the buffer takes no more values now.
    fn is_full(&self) -> bool;

    /// How many values can be taken now (for a lazy buffer, at least how many: non-zero exactly
    /// when a value can be taken).
    fn len(&self) -> usize;

    /// Whether no value can be taken now.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a value; called only when the buffer is not full. A buffer may discard it, or another
    /// value, if that is its contract: it returns a value it discards, if any, which the channel
    /// drops once it has let go of its state (so that the value's `Drop` may use the channel).
    fn add(&mut self, value: T) -> Option<T>;

    /// Removes the next value; called only when the buffer is not empty.
    fn remove(&mut self) -> Option<T>;

    /// The channel was closed. Values buffered now must stay, to drain to later gets.
    fn close(&mut self) {}

    /// A short name of the kind of buffer, for `Debug`.
    fn kind(&self) -> &'static str;

    /// How many values the buffer holds at most, if it is bounded, for `Debug`.
    fn capacity(&self) -> Option<usize> {
        None
    }
}

/// A channel's buffer: the fixed buffer, the one on every hot path, dispatched statically; any other
/// kind through its trait object. (Measured: the virtual calls cost a sixth of a buffered put/get.)
pub(crate) enum AnyBuffer<T> {
    Fixed(FixedBuffer<T>),
    Dyn(Box<dyn Buffer<T>>),
}

impl<T> Buffer<T> for AnyBuffer<T> {
    #[inline]
    fn is_full(&self) -> bool {
        match self {
            AnyBuffer::Fixed(b) => b.is_full(),
            AnyBuffer::Dyn(b) => b.is_full(),
        }
    }

    #[inline]
    fn len(&self) -> usize {
        match self {
            AnyBuffer::Fixed(b) => b.len(),
            AnyBuffer::Dyn(b) => b.len(),
        }
    }

    #[inline]
    fn is_empty(&self) -> bool {
        match self {
            AnyBuffer::Fixed(b) => b.is_empty(),
            AnyBuffer::Dyn(b) => b.is_empty(),
        }
    }

    #[inline]
    fn add(&mut self, value: T) -> Option<T> {
        match self {
            AnyBuffer::Fixed(b) => b.add(value),
            AnyBuffer::Dyn(b) => b.add(value),
        }
    }

    #[inline]
    fn remove(&mut self) -> Option<T> {
        match self {
            AnyBuffer::Fixed(b) => b.remove(),
            AnyBuffer::Dyn(b) => b.remove(),
        }
    }

    fn close(&mut self) {
        match self {
            AnyBuffer::Fixed(b) => b.close(),
            AnyBuffer::Dyn(b) => b.close(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            AnyBuffer::Fixed(b) => b.kind(),
            AnyBuffer::Dyn(b) => b.kind(),
        }
    }

    fn capacity(&self) -> Option<usize> {
        match self {
            AnyBuffer::Fixed(b) => b.capacity(),
            AnyBuffer::Dyn(b) => b.capacity(),
        }
    }
}
