//! Operators that fold a channel's values into one result: fold, reduce, scan, collect, into_collection.

use std::future::Future;
use std::ops::ControlFlow;

use super::Out;
use crate::{go_named, Chan};

/// How much `collect_n` reserves up front: a huge `n` must not allocate for values that may never
/// come.
const MAX_COLLECT_RESERVE: usize = 1024;

/// Folds the values of `input` into `acc` until it ends or `f` breaks; `None` if `to` was closed
/// first, since then nobody wants the result and taking more would only drain the input.
async fn fold_until<T: 'static, A: 'static>(
    input: &Chan<T>,
    to: &Chan<A>,
    mut acc: A,
    mut f: impl FnMut(A, T) -> ControlFlow<A, A>,
) -> Option<A> {
    // The check comes before each take: a fold puts only at the end, so no refused put would
    // ever tell it that the output is gone.
    while !to.is_closed() {
        let Some(v) = input.get().await else {
            return Some(acc);
        };
        match f(acc, v) {
            ControlFlow::Continue(next) => acc = next,
            ControlFlow::Break(last) => return Some(last),
        }
    }
    None
}

/// Puts `acc` and then every `f(acc, v)` for the values `v` of `input`, until it ends or a put is
/// refused.
async fn scan_from<T: 'static, A: Clone + 'static>(
    input: &Chan<T>,
    to: &Chan<A>,
    mut acc: A,
    mut f: impl FnMut(A, T) -> A,
) {
    if !to.put(acc.clone()).await {
        return;
    }
    while let Some(v) = input.get().await {
        acc = f(acc, v);
        if !to.put(acc.clone()).await {
            break;
        }
    }
}

impl<T: 'static> Chan<T> {
    /// A channel of one value: `f` folded over this channel's values from `init`, put once the
    /// input ends, after which the output is finished (aiochan's `reduce` with `init`, core.async's
    /// `reduce`). An empty input gives `init`. If the output is closed before the input ends, the
    /// fold stops taking and puts nothing.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let sum = from_range(1..=4).fold(100, |acc, v| acc + v, Out::new());
    ///     assert_eq!(sum.get().await, Some(110));
    ///     assert_eq!(sum.get().await, None);
    /// });
    /// ```
    #[doc(alias = "reduce")]
    #[track_caller]
    pub fn fold<A: 'static>(
        &self,
        init: A,
        mut f: impl FnMut(A, T) -> A + 'static,
        out: Out<A>,
    ) -> Chan<A> {
        let _api = crate::runtime::calling("Chan::fold");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::fold", async move {
            let to = out.chan();
            let folded = fold_until(&input, to, init, |acc, v| ControlFlow::Continue(f(acc, v)));
            if let Some(acc) = folded.await {
                to.put(acc).await;
            }
            out.finish();
        });
        result
    }

    /// Like [`fold`](Chan::fold) with the first value as the start (aiochan's `reduce` without
    /// `init`): an empty input puts nothing, and the output is just finished.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let longest = from_iter(["ab", "abcd", "a"])
    ///         .reduce(|a, b| if b.len() > a.len() { b } else { a }, Out::new());
    ///     assert_eq!(longest.get().await, Some("abcd"));
    ///
    ///     let empty: Chan<i32> = Chan::new().close();
    ///     assert_eq!(empty.reduce(|a, b| a + b, Out::new()).get().await, None);
    /// });
    /// ```
    #[track_caller]
    pub fn reduce(&self, mut f: impl FnMut(T, T) -> T + 'static, out: Out<T>) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::reduce");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::reduce", async move {
            let to = out.chan();
            // As in `fold_until`: nothing is put before the end, so check before taking.
            let first = if to.is_closed() {
                None
            } else {
                input.get().await
            };
            if let Some(first) = first {
                let folded =
                    fold_until(&input, to, first, |acc, v| ControlFlow::Continue(f(acc, v)));
                if let Some(acc) = folded.await {
                    to.put(acc).await;
                }
            }
            out.finish();
        });
        result
    }

    /// Like [`fold`](Chan::fold), with an early stop (core.async's `reduce` with `reduced`): when
    /// `f` returns [`ControlFlow::Break`], its value is put at once and nothing more is taken from
    /// the input.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let numbers = from_range(1..);
    ///     let first_sum_over_10 = numbers.try_fold(
    ///         0,
    ///         |acc, v| match acc + v {
    ///             sum if sum > 10 => ControlFlow::Break(sum),
    ///             sum => ControlFlow::Continue(sum),
    ///         },
    ///         Out::new(),
    ///     );
    ///     assert_eq!(first_sum_over_10.get().await, Some(15)); // 1 + 2 + 3 + 4 + 5
    ///     assert_eq!(numbers.get().await, Some(6));
    /// });
    /// ```
    #[track_caller]
    pub fn try_fold<A: 'static>(
        &self,
        init: A,
        f: impl FnMut(A, T) -> ControlFlow<A, A> + 'static,
        out: Out<A>,
    ) -> Chan<A> {
        let _api = crate::runtime::calling("Chan::try_fold");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::try_fold", async move {
            let to = out.chan();
            if let Some(acc) = fold_until(&input, to, init, f).await {
                to.put(acc).await;
            }
            out.finish();
        });
        result
    }

    /// A channel of the running fold: `init` first, then `f(acc, v)` after each value `v`
    /// (aiochan's `scan` with `init`, which also puts `init`; [`Iterator::scan`] differs).
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let sums = from_range(1..=3).scan(0, |acc, v| acc + v, Out::new());
    ///     assert_eq!(sums.collect().await, [0, 1, 3, 6]);
    /// });
    /// ```
    #[track_caller]
    pub fn scan<A: Clone + 'static>(
        &self,
        init: A,
        f: impl FnMut(A, T) -> A + 'static,
        out: Out<A>,
    ) -> Chan<A> {
        let _api = crate::runtime::calling("Chan::scan");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::scan", async move {
            scan_from(&input, out.chan(), init, f).await;
            out.finish();
        });
        result
    }

    /// Like [`scan`](Chan::scan) with the first value as the start (aiochan's `scan` without
    /// `init`): the first value is put as it is, then each running fold; an empty input puts
    /// nothing.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let sums = from_range(1..=4).scan_first(|acc, v| acc + v, Out::new());
    ///     assert_eq!(sums.collect().await, [1, 3, 6, 10]);
    /// });
    /// ```
    #[track_caller]
    pub fn scan_first(&self, f: impl FnMut(T, T) -> T + 'static, out: Out<T>) -> Chan<T>
    where
        T: Clone,
    {
        let _api = crate::runtime::calling("Chan::scan_first");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::scan_first", async move {
            if let Some(first) = input.get().await {
                scan_from(&input, out.chan(), first, f).await;
            }
            out.finish();
        });
        result
    }

    /// Takes every value until the channel is closed and drained, and gives them in order
    /// (aiochan's `collect()`). The future owns a handle to the channel, so it can be spawned.
    /// Dropping it before it completes drops the values it had taken.
    ///
    /// ```
    /// use aiochan::Chan;
    ///
    /// aiochan::run(async {
    ///     let c = Chan::fixed(3).add([1, 2, 3]).close();
    ///     assert_eq!(c.collect().await, [1, 2, 3]);
    /// });
    /// ```
    pub fn collect(&self) -> impl Future<Output = Vec<T>> {
        let input = self.clone();
        async move {
            let mut all = Vec::new();
            while let Some(v) = input.get().await {
                all.push(v);
            }
            all
        }
    }

    /// Takes at most `n` values, fewer if the channel is closed and drained first (aiochan's
    /// `collect(n)`); the rest stay in the channel. Dropping the future before it completes drops
    /// the values it had taken.
    ///
    /// ```
    /// use aiochan::from_range;
    ///
    /// aiochan::run(async {
    ///     let numbers = from_range(0..);
    ///     assert_eq!(numbers.collect_n(3).await, [0, 1, 2]);
    ///     assert_eq!(numbers.collect_n(2).await, [3, 4]);
    /// });
    /// ```
    pub fn collect_n(&self, n: usize) -> impl Future<Output = Vec<T>> {
        let input = self.clone();
        async move {
            let mut some = Vec::with_capacity(n.min(MAX_COLLECT_RESERVE));
            while some.len() < n {
                match input.get().await {
                    Some(v) => some.push(v),
                    None => break,
                }
            }
            some
        }
    }

    /// A channel of one value: `coll` extended with every value of this channel, put once the
    /// input ends, after which the channel is closed (core.async's `into`). The result waits in a
    /// buffer of one, so the task ends without waiting for a taker. Closing the returned channel
    /// early stops the taking.
    ///
    /// ```
    /// use std::collections::BTreeSet;
    /// use aiochan::from_iter;
    ///
    /// aiochan::run(async {
    ///     let set = from_iter([3, 1, 3, 2]).into_collection(BTreeSet::from([0]));
    ///     assert_eq!(set.get().await, Some(BTreeSet::from([0, 1, 2, 3])));
    ///     assert_eq!(set.get().await, None);
    /// });
    /// ```
    #[track_caller]
    pub fn into_collection<C: Extend<T> + 'static>(&self, coll: C) -> Chan<C> {
        let _api = crate::runtime::calling("Chan::into_collection");
        self.fold(
            coll,
            |mut coll, v| {
                coll.extend(std::iter::once(v));
                coll
            },
            Out::fixed(1),
        )
    }
}
