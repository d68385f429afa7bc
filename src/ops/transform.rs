//! Operators that transform one channel's values: map, filter, take, skip, distinct, group, split.

use std::future::Future;

use super::Out;
use crate::{go_named, Chan};

/// How much a chunk reserves up front: a huge `n` must not allocate for values that may never come.
const MAX_CHUNK_RESERVE: usize = 1024;

impl<T: 'static> Chan<T> {
    /// A channel of `f(v)` for every value `v` of this one, in order (aiochan's `map`).
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let doubled = from_range(0..4).map(|v| v * 2, Out::new());
    ///     assert_eq!(doubled.collect().await, [0, 2, 4, 6]);
    /// });
    /// ```
    #[track_caller]
    pub fn map<U: 'static>(&self, mut f: impl FnMut(T) -> U + 'static, out: Out<U>) -> Chan<U> {
        let _api = crate::runtime::calling("Chan::map");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::map", async move {
            let to = out.chan();
            while let Some(v) = input.get().await {
                if !to.put(f(v)).await {
                    break;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of every item of `f(v)`, for every value `v` of this one, in order (aiochan's
    /// `map(..., flatten=True)`). Once the output is closed, the rest of the current `f(v)` is
    /// dropped.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let words = from_iter(["a b", "c"]).flat_map(|s| s.split(' '), Out::new());
    ///     assert_eq!(words.collect().await, ["a", "b", "c"]);
    /// });
    /// ```
    #[track_caller]
    pub fn flat_map<U, I>(&self, mut f: impl FnMut(T) -> I + 'static, out: Out<U>) -> Chan<U>
    where
        U: 'static,
        I: IntoIterator<Item = U> + 'static,
    {
        let _api = crate::runtime::calling("Chan::flat_map");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::flat_map", async move {
            let to = out.chan();
            'run: while let Some(v) = input.get().await {
                let mut any = false;
                for item in f(v) {
                    any = true;
                    if !to.put(item).await {
                        break 'run;
                    }
                }
                // An input that maps to nothing puts nothing, so the closed output must be seen
                // here or the operator would drain its input for no one.
                if !any && to.is_closed() {
                    break;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the values `v` of this one for which `p(&v)` is true (aiochan's `filter`).
    /// Besides a refused put, a closed output is noticed when a value is rejected, so a filter that
    /// rejects everything still stops taking.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let even = from_range(0..7).filter(|v| v % 2 == 0, Out::new());
    ///     assert_eq!(even.collect().await, [0, 2, 4, 6]);
    /// });
    /// ```
    #[track_caller]
    pub fn filter(&self, mut p: impl FnMut(&T) -> bool + 'static, out: Out<T>) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::filter");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::filter", async move {
            let to = out.chan();
            while let Some(v) = input.get().await {
                if p(&v) {
                    if !to.put(v).await {
                        break;
                    }
                } else if to.is_closed() {
                    break;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the first `n` values of this one (aiochan's `take`): after the `n`-th it
    /// takes nothing more from the input and finishes the output. With `n = 0` the output is
    /// finished at once, before this returns, and the input is never touched.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let numbers = from_range(0..);
    ///     assert_eq!(numbers.take(3, Out::new()).collect().await, [0, 1, 2]);
    ///     assert_eq!(numbers.get().await, Some(3)); // the rest stays in the input
    /// });
    /// ```
    #[track_caller]
    pub fn take(&self, n: usize, out: Out<T>) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::take");
        let result = out.chan().clone();
        if n == 0 {
            out.finish();
            return result;
        }
        let input = self.clone();
        go_named("aiochan::ops::take", async move {
            let to = out.chan();
            let mut left = n;
            while let Some(v) = input.get().await {
                if !to.put(v).await {
                    break;
                }
                left -= 1;
                if left == 0 {
                    break;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the values of this one after the first `n`, which are taken and dropped
    /// (aiochan's `drop`, named after [`Iterator::skip`] since `drop` is taken by [`Drop`]).
    /// While skipping, a closed output stops it.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let rest = from_range(0..5).skip(3, Out::new());
    ///     assert_eq!(rest.collect().await, [3, 4]);
    /// });
    /// ```
    #[doc(alias = "drop")]
    #[track_caller]
    pub fn skip(&self, n: usize, out: Out<T>) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::skip");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::skip", async move {
            let to = out.chan();
            'run: {
                for _ in 0..n {
                    if to.is_closed() || input.get().await.is_none() {
                        break 'run;
                    }
                }
                while let Some(v) = input.get().await {
                    if !to.put(v).await {
                        break;
                    }
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the values `v` of this one as long as `p(&v)` holds (aiochan's
    /// `take_while`). The first value for which it fails is taken from the input and dropped:
    /// deciding needs the value. Nothing after it is taken.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let numbers = from_range(0..);
    ///     let small = numbers.take_while(|&v| v < 3, Out::new());
    ///     assert_eq!(small.collect().await, [0, 1, 2]);
    ///     assert_eq!(numbers.get().await, Some(4)); // 3 was taken to be tested
    /// });
    /// ```
    #[track_caller]
    pub fn take_while(&self, mut p: impl FnMut(&T) -> bool + 'static, out: Out<T>) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::take_while");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::take_while", async move {
            let to = out.chan();
            while let Some(v) = input.get().await {
                if !p(&v) || !to.put(v).await {
                    break;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the values of this one from the first `v` for which `p(&v)` fails on
    /// (aiochan's `drop_while`): the values before it are taken and dropped; after it, `p` is not
    /// called again. While skipping, a closed output stops it.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let rest = from_iter([1, 2, 5, 1, 7]).skip_while(|&v| v < 3, Out::new());
    ///     assert_eq!(rest.collect().await, [5, 1, 7]);
    /// });
    /// ```
    #[doc(alias = "drop_while")]
    #[track_caller]
    pub fn skip_while(&self, mut p: impl FnMut(&T) -> bool + 'static, out: Out<T>) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::skip_while");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::skip_while", async move {
            let to = out.chan();
            'run: {
                loop {
                    let Some(v) = input.get().await else {
                        break 'run;
                    };
                    if !p(&v) {
                        if !to.put(v).await {
                            break 'run;
                        }
                        break;
                    }
                    if to.is_closed() {
                        break 'run;
                    }
                }
                while let Some(v) = input.get().await {
                    if !to.put(v).await {
                        break;
                    }
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the values of this one without consecutive repeats (aiochan's `distinct`): a
    /// value equal to the one just before it is dropped; equal values further apart both pass.
    /// A closed output is also noticed when a repeat is dropped.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let runs = from_iter([1, 1, 2, 2, 2, 1, 3]).distinct(Out::new());
    ///     assert_eq!(runs.collect().await, [1, 2, 1, 3]);
    /// });
    /// ```
    #[track_caller]
    pub fn distinct(&self, out: Out<T>) -> Chan<T>
    where
        T: PartialEq + Clone,
    {
        let _api = crate::runtime::calling("Chan::distinct");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::distinct", async move {
            let to = out.chan();
            let mut last: Option<T> = None;
            while let Some(v) = input.get().await {
                if last.as_ref() == Some(&v) {
                    if to.is_closed() {
                        break;
                    }
                    continue;
                }
                last = Some(v.clone());
                if !to.put(v).await {
                    break;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the values of this one in chunks of `n`, the last one shorter if the input
    /// ends mid-chunk (aiochan's `group`). A closed output is also noticed while a chunk fills,
    /// so it stops taking within one value of the close.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let chunks = from_range(0..5).group(2, Out::new());
    ///     assert_eq!(chunks.collect().await, [vec![0, 1], vec![2, 3], vec![4]]);
    /// });
    /// ```
    ///
    /// # Panics
    /// If `n` is 0: no chunk could ever be complete.
    #[track_caller]
    pub fn group(&self, n: usize, out: Out<Vec<T>>) -> Chan<Vec<T>> {
        let _api = crate::runtime::calling("Chan::group");
        assert!(
            n > 0,
            "aiochan: Chan::group needs chunks of at least one value"
        );
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::group", async move {
            let to = out.chan();
            let reserve = n.min(MAX_CHUNK_RESERVE);
            let mut chunk = Vec::with_capacity(reserve);
            'run: {
                while let Some(v) = input.get().await {
                    chunk.push(v);
                    if chunk.len() == n {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(reserve));
                        if !to.put(full).await {
                            break 'run;
                        }
                    } else if to.is_closed() {
                        break 'run;
                    }
                }
                if !chunk.is_empty() {
                    to.put(chunk).await;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of the runs of consecutive values of this one with equal `key(&v)` (aiochan's
    /// `group_by`, without the key: compute it from any value of the run if needed). A run is
    /// put when the first value of the next run arrives, or when the input ends. A closed output
    /// is also noticed while a run grows.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let runs = from_iter([1, 3, 2, 4, 5]).group_by(|v| v % 2, Out::new());
    ///     assert_eq!(runs.collect().await, [vec![1, 3], vec![2, 4], vec![5]]);
    /// });
    /// ```
    #[track_caller]
    pub fn group_by<K>(
        &self,
        mut key: impl FnMut(&T) -> K + 'static,
        out: Out<Vec<T>>,
    ) -> Chan<Vec<T>>
    where
        K: PartialEq + 'static,
    {
        let _api = crate::runtime::calling("Chan::group_by");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::group_by", async move {
            let to = out.chan();
            let mut current: Option<K> = None;
            let mut run = Vec::new();
            'run: {
                while let Some(v) = input.get().await {
                    let k = key(&v);
                    if current.as_ref() != Some(&k) {
                        if !run.is_empty() && !to.put(std::mem::take(&mut run)).await {
                            break 'run;
                        }
                        current = Some(k);
                    } else if to.is_closed() {
                        break 'run;
                    }
                    run.push(v);
                }
                if !run.is_empty() {
                    to.put(run).await;
                }
            }
            out.finish();
        });
        result
    }

    /// Splits this channel in two (core.async's `split`): the values `v` for which `p(&v)` holds go
    /// to `yes`, the others to `no`. Both are finished when the input ends.
    ///
    /// Unlike core.async, which stops altogether as soon as either output refuses a put (leaving
    /// the other open and starved), closing one output does not stop the other: values bound for
    /// the closed one are taken and dropped, and the rest still reach the open one. Taking stops
    /// once both are closed. The outputs share one task, so an output nobody takes from holds up
    /// the other: give them buffers if their consumers run at different paces. For the same
    /// reason, closing an output while the split waits to put on it does not release the split at
    /// once: a closed channel still lets waiting puts drain, so the value waits there until taken.
    /// A consumer that is done with its output closes it and then takes what is left (e.g. with
    /// [`try_get`](Chan::try_get)); from then on, values for it are dropped.
    ///
    /// ```
    /// use aiochan::{from_range, go, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let (even, odd) = from_range(0..6).split(|v| v % 2 == 0, Out::fixed(3), Out::fixed(3));
    ///     let evens = go(async move { even.collect().await });
    ///     assert_eq!(odd.collect().await, [1, 3, 5]);
    ///     assert_eq!(evens.await, [0, 2, 4]);
    /// });
    /// ```
    #[track_caller]
    pub fn split(
        &self,
        mut p: impl FnMut(&T) -> bool + 'static,
        yes: Out<T>,
        no: Out<T>,
    ) -> (Chan<T>, Chan<T>) {
        let _api = crate::runtime::calling("Chan::split");
        let input = self.clone();
        let result = (yes.chan().clone(), no.chan().clone());
        go_named("aiochan::ops::split", async move {
            let (to_yes, to_no) = (yes.chan(), no.chan());
            while !(to_yes.is_closed() && to_no.is_closed()) {
                let Some(v) = input.get().await else {
                    break;
                };
                let to = if p(&v) { to_yes } else { to_no };
                // A refused put means that output was closed: the value is dropped with it, and
                // the loop's condition decides whether the other output still wants values.
                to.put(v).await;
            }
            yes.finish();
            no.finish();
        });
        result
    }

    /// Runs `f(input, output)` as a task, with this channel as the input and `out`'s channel as
    /// the output, then finishes the output when the future `f` returned completes (aiochan's
    /// `async_apply`). `f` is called at once; what it takes and puts, and when, is up to it.
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let pairs = from_range(0..3).async_apply(
    ///         |input: Chan<i64>, output: Chan<i64>| async move {
    ///             while let Some(v) = input.get().await {
    ///                 if !output.put(v).await || !output.put(-v).await {
    ///                     break;
    ///                 }
    ///             }
    ///         },
    ///         Out::new(),
    ///     );
    ///     assert_eq!(pairs.collect().await, [0, 0, 1, -1, 2, -2]);
    /// });
    /// ```
    #[track_caller]
    pub fn async_apply<U, F, Fut>(&self, f: F, out: Out<U>) -> Chan<U>
    where
        U: 'static,
        F: FnOnce(Chan<T>, Chan<U>) -> Fut,
        Fut: Future<Output = ()> + 'static,
    {
        let _api = crate::runtime::calling("Chan::async_apply");
        let result = out.chan().clone();
        let work = f(self.clone(), result.clone());
        go_named("aiochan::ops::async_apply", async move {
            work.await;
            out.finish();
        });
        result
    }
}
