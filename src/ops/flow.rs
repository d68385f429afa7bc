//! Moving values between channels and through concurrent stages: pipe, onto_chan, to_chan, async_pipe.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;

use super::Out;
use crate::{go_named, Chan};

/// The largest buffer [`to_chan`] gives its channel, as core.async's `to-chan!` does.
const TO_CHAN_MAX_BUFFER: usize = 100;

impl<T: 'static> Chan<T> {
    /// Moves every value of this channel to `out` (core.async's `pipe`; `Out::keep_open` is its
    /// `close?` set to false).
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let sink = Chan::fixed(8);
    ///     from_range(0..2).pipe(Out::to(&sink).keep_open());
    ///     from_range(5..7).pipe(Out::to(&sink).keep_open());
    ///     let mut got = sink.collect_n(4).await;
    ///     got.sort();
    ///     assert_eq!(got, [0, 1, 5, 6]);
    ///     assert!(!sink.is_closed());
    /// });
    /// ```
    #[track_caller]
    pub fn pipe(&self, out: Out<T>) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::pipe");
        let input = self.clone();
        let result = out.chan().clone();
        go_named("aiochan::ops::pipe", async move {
            let to = out.chan();
            while let Some(v) = input.get().await {
                if !to.put(v).await {
                    break;
                }
            }
            out.finish();
        });
        result
    }

    /// A channel of `f(v).await` for every value `v` of this one, in the order of the input, with
    /// up to `n` calls of `f` running at once (aiochan's `async_pipe`, core.async's
    /// `pipeline-async`).
    ///
    /// Results that complete ahead of an earlier one wait for it; at most `2 * n` values are taken
    /// from the input and not yet delivered, so a slow value holds up the taking rather than
    /// letting results pile up. When the output is closed, the workers stop: each may have taken
    /// one more value, which is dropped without running `f`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiochan::{from_iter, ops::Out, sleep};
    ///
    /// aiochan::Runtime::builder().virtual_time(true).build().run(async {
    ///     let slow_first = from_iter([30, 10, 20]).async_pipe(
    ///         3,
    ///         |ms| async move {
    ///             sleep(Duration::from_millis(ms)).await;
    ///             ms
    ///         },
    ///         Out::new(),
    ///     );
    ///     assert_eq!(slow_first.collect().await, [30, 10, 20]);
    /// });
    /// ```
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn async_pipe<U, F, Fut>(&self, n: usize, f: F, out: Out<U>) -> Chan<U>
    where
        U: 'static,
        F: FnMut(T) -> Fut + 'static,
        Fut: Future<Output = U> + 'static,
    {
        let _api = crate::runtime::calling("Chan::async_pipe");
        assert!(n > 0, "aiochan: Chan::async_pipe needs at least one worker");
        let window = n.saturating_mul(2);
        // A worker takes a token before it takes a value; the emitter gives it back once the
        // value's result is delivered. This bounds the results waiting behind a slow one.
        let tokens: Chan<()> = Chan::fixed(window);
        for _ in 0..window {
            // The buffer holds `window` tokens, so each of these is accepted at once.
            let _ = tokens.try_put(());
        }
        // Results tagged with the position of their value in the input; `None` marks a position
        // whose worker found the input ended, so the emitter does not wait for it.
        let done: Chan<(u64, Option<U>)> = Chan::fixed(n);
        let next_seq = Rc::new(Cell::new(0u64));
        let live = Rc::new(Cell::new(n));
        let f = Rc::new(RefCell::new(f));
        for _ in 0..n {
            let (input, tokens, done) = (self.clone(), tokens.clone(), done.clone());
            let (next_seq, live, f) = (next_seq.clone(), live.clone(), f.clone());
            go_named("aiochan::ops::async_pipe::worker", async move {
                // A closed `done` means the emitter has stopped: the values would be dropped.
                while tokens.get().await.is_some() && !done.is_closed() {
                    // The position is claimed just before the get, with no await in between, and
                    // a channel serves its waiting gets first come, first served: positions thus
                    // follow the order in which the values leave the input.
                    let seq = next_seq.get();
                    next_seq.set(seq + 1);
                    let Some(v) = input.get().await else {
                        let _ = done.put((seq, None)).await;
                        break;
                    };
                    if done.is_closed() {
                        break;
                    }
                    let work = (f.borrow_mut())(v);
                    if !done.put((seq, Some(work.await))).await {
                        break;
                    }
                }
                live.set(live.get() - 1);
                if live.get() == 0 {
                    done.close();
                }
            });
        }
        let result = out.chan().clone();
        go_named("aiochan::ops::async_pipe::emitter", async move {
            let to = out.chan();
            // `waiting[i]` is the result for position `first + i`: `None` while it is computed,
            // `Some(None)` for a position with no value.
            let mut waiting: VecDeque<Option<Option<U>>> = VecDeque::with_capacity(window);
            let mut first = 0u64;
            'run: while let Some((seq, r)) = done.get().await {
                let i = usize::try_from(seq - first).expect("positions stay within the window");
                if waiting.len() <= i {
                    waiting.resize_with(i + 1, || None);
                }
                waiting[i] = Some(r);
                while let Some(Some(_)) = waiting.front() {
                    let Some(Some(r)) = waiting.pop_front() else {
                        unreachable!("the front was just seen ready");
                    };
                    first += 1;
                    if let Some(u) = r {
                        if !to.put(u).await {
                            // Stop every worker: one waiting for a token gets none, one handing
                            // in a result is refused, and the others see `done` closed before
                            // they take another value.
                            tokens.close();
                            done.close();
                            break 'run;
                        }
                    }
                    let _ = tokens.try_put(());
                }
            }
            out.finish();
        });
        result
    }

    /// Like [`async_pipe`](Chan::async_pipe), with each result put as soon as it is ready: the
    /// output is in order of completion, not of input (aiochan's `async_pipe_unordered`). The
    /// output is finished once every worker has seen the input end. When the output is closed, the
    /// workers stop: each may have taken one more value, which is dropped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiochan::{from_iter, ops::Out, sleep};
    ///
    /// aiochan::Runtime::builder().virtual_time(true).build().run(async {
    ///     let fastest_first = from_iter([30, 10, 20]).async_pipe_unordered(
    ///         3,
    ///         |ms| async move {
    ///             sleep(Duration::from_millis(ms)).await;
    ///             ms
    ///         },
    ///         Out::new(),
    ///     );
    ///     assert_eq!(fastest_first.collect().await, [10, 20, 30]);
    /// });
    /// ```
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn async_pipe_unordered<U, F, Fut>(&self, n: usize, f: F, out: Out<U>) -> Chan<U>
    where
        U: 'static,
        F: FnMut(T) -> Fut + 'static,
        Fut: Future<Output = U> + 'static,
    {
        let _api = crate::runtime::calling("Chan::async_pipe_unordered");
        assert!(
            n > 0,
            "aiochan: Chan::async_pipe_unordered needs at least one worker"
        );
        let result = out.chan().clone();
        let out = Rc::new(out);
        let live = Rc::new(Cell::new(n));
        let f = Rc::new(RefCell::new(f));
        for _ in 0..n {
            let (input, out, live, f) = (self.clone(), out.clone(), live.clone(), f.clone());
            go_named("aiochan::ops::async_pipe_unordered::worker", async move {
                let to = out.chan();
                while let Some(v) = input.get().await {
                    if to.is_closed() {
                        break;
                    }
                    let work = (f.borrow_mut())(v);
                    if !to.put(work.await).await {
                        break;
                    }
                }
                live.set(live.get() - 1);
                if live.get() == 0 {
                    out.finish();
                }
            });
        }
        result
    }
}

/// Puts every item on `chan`, in order, then closes it if `close` (core.async's `onto-chan!`).
/// Returns a channel that closes once the items are all put, or once `chan` refused one (it was
/// closed: the remaining items are dropped).
///
/// ```
/// use aiochan::{ops::onto_chan, Chan};
///
/// aiochan::run(async {
///     let c = Chan::fixed(4);
///     let done = onto_chan(&c, [1, 2, 3], false);
///     assert_eq!(done.get().await, None::<()>);
///     assert_eq!(c.collect_n(3).await, [1, 2, 3]);
///     assert!(!c.is_closed());
/// });
/// ```
#[track_caller]
pub fn onto_chan<T: 'static>(
    chan: &Chan<T>,
    items: impl IntoIterator<Item = T> + 'static,
    close: bool,
) -> Chan<()> {
    let _api = crate::runtime::calling("ops::onto_chan");
    let chan = chan.clone();
    let done = Chan::new();
    let finished = done.clone();
    go_named("aiochan::ops::onto_chan", async move {
        for item in items {
            if !chan.put(item).await {
                break;
            }
        }
        if close {
            chan.close();
        }
        finished.close();
    });
    done
}

/// A channel of the items, closed once they are all taken (core.async's `to-chan!`). Its buffer
/// fits the items' size hint, up to 100; an empty iterator gives a channel closed at once.
/// Unlike [`from_iter`](crate::from_iter), the items are put by a task and the channel is closed
/// only after the last one is put.
///
/// ```
/// use aiochan::ops::to_chan;
///
/// aiochan::run(async {
///     let c = to_chan(vec!["a", "b"]);
///     assert_eq!(c.collect().await, ["a", "b"]);
/// });
/// ```
#[track_caller]
pub fn to_chan<T: 'static>(items: impl IntoIterator<Item = T> + 'static) -> Chan<T> {
    let _api = crate::runtime::calling("ops::to_chan");
    let items = items.into_iter();
    match items.size_hint() {
        (_, Some(0)) => Chan::new().close(),
        (low, _) => {
            let chan = Chan::fixed(low.clamp(1, TO_CHAN_MAX_BUFFER));
            onto_chan(&chan, items, true);
            chan
        }
    }
}
