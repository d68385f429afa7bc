//! Channels made from iterators: closed at creation, yielding the items on demand.

use std::ops::{Bound, RangeBounds};

use super::buffer::IterBuffer;
use super::Chan;

/// A channel that yields the items of `iter` and then `None`: it is closed from the start, and the
/// iterator is advanced only as values are taken (one ahead), so unbounded iterators are fine.
///
/// ```
/// let squares = aiochan::run(async {
///     let c = aiochan::from_iter((1..).map(|i| i * i));
///     let mut v = Vec::new();
///     for _ in 0..4 {
///         v.push(c.get().await.unwrap());
///     }
///     v
/// });
/// assert_eq!(squares, [1, 4, 9, 16]);
/// ```
#[track_caller]
pub fn from_iter<I>(iter: I) -> Chan<I::Item>
where
    I: IntoIterator,
    I::IntoIter: 'static,
    I::Item: 'static,
{
    let c = Chan::with_buffer(IterBuffer::new(iter.into_iter()));
    c.close();
    c
}

/// A channel of the integers in `range`, counting up by one (aiochan's `from_range`): `0..3`,
/// `5..=7`, and the unbounded `10..` all work.
///
/// ```
/// let got = aiochan::run(async {
///     let c = aiochan::from_range(5..=7);
///     let mut got = Vec::new();
///     while let Some(v) = c.get().await {
///         got.push(v);
///     }
///     got
/// });
/// assert_eq!(got, [5, 6, 7]);
/// ```
#[track_caller]
pub fn from_range(range: impl RangeBounds<i64>) -> Chan<i64> {
    let start = match range.start_bound() {
        Bound::Included(&s) => s,
        Bound::Excluded(&s) => match s.checked_add(1) {
            Some(s) => s,
            // Nothing lies above i64::MAX.
            None => return from_iter(std::iter::empty()),
        },
        Bound::Unbounded => 0,
    };
    match range.end_bound() {
        Bound::Included(&e) => from_iter(start..=e),
        Bound::Excluded(&e) => from_iter(start..e),
        Bound::Unbounded => from_iter(start..),
    }
}
