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
/// `5..=7`, and the unbounded `10..` all work. For another integer type or another step, see
/// [`from_range_step`].
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
    from_range_step(range, 1)
}

/// A channel of the integers of any primitive type from the start of `range` by `step` (Python's
/// `range(start, stop, step)`): `start`, `start + step`, ... while they lie within the range's
/// end. A negative step counts down, from the start towards an end below it. An unbounded start
/// is 0, an excluded start leaves out the start itself; an unbounded end stops before the type
/// would overflow.
///
/// ```
/// let (up, down) = aiochan::run(async {
///     let up = aiochan::from_range_step(0u8..10, 3).collect().await;
///     let down = aiochan::from_range_step(10i32..=0, -5).collect().await;
///     (up, down)
/// });
/// assert_eq!(up, [0, 3, 6, 9]);
/// assert_eq!(down, [10, 5, 0]);
/// ```
///
/// # Panics
/// If `step` is 0: the channel would repeat its start forever (use
/// [`from_iter`]`(std::iter::repeat(v))` for that).
#[track_caller]
pub fn from_range_step<N: RangeInt>(range: impl RangeBounds<N>, step: N) -> Chan<N> {
    assert!(
        step != N::ZERO,
        "aiochan::from_range_step: a step of 0 would give the start forever; give a step above 0 \
         to count up or below 0 to count down"
    );
    let start = match range.start_bound() {
        Bound::Included(&s) => Some(s),
        Bound::Excluded(&s) => s.checked_add(step),
        Bound::Unbounded => Some(N::ZERO),
    };
    let end = match range.end_bound() {
        Bound::Included(&e) => Bound::Included(e),
        Bound::Excluded(&e) => Bound::Excluded(e),
        Bound::Unbounded => Bound::Unbounded,
    };
    from_iter(Steps {
        next: start,
        end,
        step,
    })
}

/// The primitive integer types, for [`from_range_step`]. Implemented for every one of them;
/// sealed.
pub trait RangeInt: Copy + PartialOrd + 'static + sealed::Sealed {
    /// Zero.
    const ZERO: Self;
    /// `self + other`, or `None` if that overflows.
    fn checked_add(self, other: Self) -> Option<Self>;
}

mod sealed {
    /// Keeps [`RangeInt`](super::RangeInt) to the primitive integers.
    pub trait Sealed {}
}

macro_rules! range_ints {
    ($($t:ty)*) => {$(
        impl sealed::Sealed for $t {}

        impl RangeInt for $t {
            const ZERO: $t = 0;

            fn checked_add(self, other: $t) -> Option<$t> {
                <$t>::checked_add(self, other)
            }
        }
    )*};
}

range_ints!(i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize);

/// The values of [`from_range_step`], one at a time.
struct Steps<N> {
    /// The next value, if the count has not passed the end or overflowed.
    next: Option<N>,
    /// Where the count stops.
    end: Bound<N>,
    /// What each value adds to the one before.
    step: N,
}

impl<N: RangeInt> Iterator for Steps<N> {
    type Item = N;

    fn next(&mut self) -> Option<N> {
        let v = self.next?;
        let up = self.step > N::ZERO;
        let within = match self.end {
            Bound::Included(e) => (up && v <= e) || (!up && v >= e),
            Bound::Excluded(e) => (up && v < e) || (!up && v > e),
            Bound::Unbounded => true,
        };
        if !within {
            self.next = None;
            return None;
        }
        self.next = v.checked_add(self.step);
        Some(v)
    }
}
