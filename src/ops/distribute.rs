//! distribute: each value of one channel to exactly one of several outputs.

use crate::{go, select, Chan, Op, Outcome};

impl<T: Clone + 'static> Chan<T> {
    /// Hands each value of this channel to exactly one of `outs`, whichever can take it first
    /// (aiochan's `distribute`): a work queue feeding several workers. Returns this channel, as
    /// aiochan does, so that calls chain.
    ///
    /// Each value is offered to all outputs at once in one [`select()`]; when several can take it,
    /// the loop's seeded generator picks one. The value goes to one output only, never twice: the
    /// offers that lose are withdrawn (that is what the clones of `T` are for).
    ///
    /// - An output found closed is dropped from the set, and the value is offered to the others.
    /// - Once every output is closed, distributing stops and the remaining values stay in this
    ///   channel. (A value taken just before the last output closed is dropped with it.)
    /// - When this channel is closed and drained, the outputs still open are closed if `close`
    ///   (aiochan's `close=True`), left open otherwise.
    ///
    /// ```
    /// use aiochan::{ops::{merge, Out}, Chan};
    ///
    /// let mut got = aiochan::run(async {
    ///     let workers = [Chan::new(), Chan::new(), Chan::new()];
    ///     aiochan::from_range(0..6).distribute(workers.clone(), true);
    ///     let all = merge(workers, Out::new());
    ///     let mut got = Vec::new();
    ///     while let Some(v) = all.get().await {
    ///         got.push(v);
    ///     }
    ///     got
    /// });
    /// got.sort();
    /// assert_eq!(got, [0, 1, 2, 3, 4, 5]);
    /// ```
    ///
    /// # Panics
    /// Outside a running loop.
    #[track_caller]
    pub fn distribute(&self, outs: impl IntoIterator<Item = Chan<T>>, close: bool) -> Chan<T> {
        let _api = crate::runtime::calling("Chan::distribute");
        let input = self.clone();
        let mut outs: Vec<Chan<T>> = outs.into_iter().collect();
        go(async move {
            loop {
                // Checked before taking, so that a value is not taken for nobody.
                outs.retain(|out| !out.is_closed());
                if outs.is_empty() {
                    return;
                }
                let Some(value) = input.get().await else {
                    break;
                };
                loop {
                    let chosen = select(outs.iter().map(|out| Op::put(out, value.clone()))).await;
                    if matches!(chosen.outcome, Outcome::Put(true)) {
                        break;
                    }
                    outs.retain(|out| *out != chosen.chan);
                    if outs.is_empty() {
                        return;
                    }
                }
            }
            if close {
                for out in &outs {
                    out.close();
                }
            }
        });
        self.clone()
    }
}
