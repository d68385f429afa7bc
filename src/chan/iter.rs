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

/// A channel of the integers of `range`, of any primitive integer type, `step` apart (Python's
/// `range(start, stop, step)`, Rust's `step_by`): with a step above 0 from the range's lowest
/// value up, with a step below 0 from its highest value down (`(a..b).rev().step_by(n)`). As for
/// [`from_range`], an unbounded start is 0; an unbounded end is the type's largest value.
///
/// ```
/// let (up, down) = aiochan::run(async {
///     let up = aiochan::from_range_step(0u8..10, 3).collect().await;
///     let down = aiochan::from_range_step(0i32..=10, -5).collect().await;
///     (up, down)
/// });
/// assert_eq!(up, [0, 3, 6, 9]);
/// assert_eq!(down, [10, 5, 0]);
/// ```
///
/// # Panics
/// If `step` is 0: the channel would repeat one value forever (use
/// [`from_iter`]`(std::iter::repeat(v))` for that).
#[track_caller]
pub fn from_range_step<N: RangeInt>(range: impl RangeBounds<N>, step: N) -> Chan<N> {
    assert!(
        step != N::ZERO,
        "aiochan::from_range_step: a step of 0 would repeat one value forever; give a step above \
         0 to count up or below 0 to count down"
    );
    let lowest = match range.start_bound() {
        Bound::Included(&s) => Some(s),
        Bound::Excluded(&s) => s.checked_add(N::ONE),
        Bound::Unbounded => Some(N::ZERO),
    };
    let highest = match range.end_bound() {
        Bound::Included(&e) => Some(e),
        Bound::Excluded(&e) => e.checked_sub(N::ONE),
        Bound::Unbounded => Some(N::MAX),
    };
    let steps = match (lowest, highest) {
        (Some(lowest), Some(highest)) => Steps {
            next: Some(if step > N::ZERO { lowest } else { highest }),
            lowest,
            highest,
            step,
        },
        // A bound beyond the type's values: the range holds none.
        _ => Steps {
            next: None,
            lowest: N::ZERO,
            highest: N::ZERO,
            step,
        },
    };
    from_iter(steps)
}

/// The primitive integer types, for [`from_range_step`]. Implemented for every one of them;
/// sealed.
pub trait RangeInt: Copy + PartialOrd + 'static + sealed::Sealed {
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// The largest value of the type.
    const MAX: Self;
    /// `self + other`, or `None` if that overflows.
    fn checked_add(self, other: Self) -> Option<Self>;
    /// `self - other`, or `None` if that overflows.
    fn checked_sub(self, other: Self) -> Option<Self>;
    /// How many values lie from `self` to `to` (both included) `step` apart, `to` being on the
    /// side `step` goes; `None` if that is more than a `usize` holds.
    fn steps_to(self, to: Self, step: Self) -> Option<usize>;
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
            const ONE: $t = 1;
            const MAX: $t = <$t>::MAX;

            fn checked_add(self, other: $t) -> Option<$t> {
                <$t>::checked_add(self, other)
            }

            fn checked_sub(self, other: $t) -> Option<$t> {
                <$t>::checked_sub(self, other)
            }

            fn steps_to(self, to: $t, step: $t) -> Option<usize> {
                // Unsigned distances of at most 128 bits: `as` loses nothing.
                let distance = self.abs_diff(to) as u128;
                let stride = Self::ZERO.abs_diff(step) as u128;
                (distance / stride)
                    .checked_add(1)
                    .and_then(|n| usize::try_from(n).ok())
            }
        }
    )*};
}

range_ints!(i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize);

/// The values of [`from_range_step`], one at a time.
struct Steps<N> {
    /// The next value, until the count leaves the range or would overflow.
    next: Option<N>,
    /// The range's lowest value.
    lowest: N,
    /// The range's highest value.
    highest: N,
    /// What each value adds to the one before.
    step: N,
}

impl<N: RangeInt> Iterator for Steps<N> {
    type Item = N;

    fn next(&mut self) -> Option<N> {
        let v = self.within();
        self.next = v.and_then(|v| v.checked_add(self.step));
        v
    }

    /// Exact, so that [`Chan::len`] counts what the channel will give.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let Some(v) = self.within() else {
            return (0, Some(0));
        };
        let last = if self.step > N::ZERO {
            self.highest
        } else {
            self.lowest
        };
        match v.steps_to(last, self.step) {
            Some(n) => (n, Some(n)),
            None => (usize::MAX, None),
        }
    }
}

impl<N: RangeInt> Steps<N> {
    /// The next value, if it lies within the range.
    fn within(&self) -> Option<N> {
        self.next
            .filter(|v| self.lowest <= *v && *v <= self.highest)
    }
}

#[cfg(test)]
mod tests {
    use super::RangeInt;

    #[test]
    fn steps_to_counts_both_ends_and_says_none_past_a_usize() {
        assert_eq!(0u8.steps_to(9, 3), Some(4));
        assert_eq!(7i8.steps_to(-7, -5), Some(3));
        assert_eq!(i128::MIN.steps_to(i128::MAX, 1), None);
        assert_eq!(0u128.steps_to(u128::MAX, 1), None);
        assert_eq!(5usize.steps_to(5, usize::MAX), Some(1));
    }
}
