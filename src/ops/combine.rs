//! Operators that combine several channels into one: merge, zip_chans, combine_latest.

use super::Out;
use crate::{go, select, Chan, Op};

/// The channels without repeats, in the order first given: a channel listed twice is still one
/// stream of values, and selecting on it twice would only skew the choice towards it.
fn distinct<T: 'static>(chans: impl IntoIterator<Item = Chan<T>>) -> Vec<Chan<T>> {
    let mut seen: Vec<Chan<T>> = Vec::new();
    for c in chans {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen
}

/// Puts the values of all `inputs` on one output, each as soon as it comes (aiochan's `merge`,
/// core.async's `merge`).
///
/// Values of one input keep their order; values of different inputs interleave as they arrive,
/// and when several inputs have a value ready, the loop's seeded generator picks which goes first.
/// The output is finished (closed, unless [`Out::keep_open`]) once every input is closed and
/// drained, at once if there are none. When the output is closed, merging stops and values not yet
/// taken stay in their inputs. An input given twice is taken from as one.
///
/// ```
/// use aiochan::{ops::{merge, Out}, Chan};
///
/// let mut got = aiochan::run(async {
///     let a = Chan::fixed(3).add([1, 2, 3]).close();
///     let b = Chan::fixed(2).add([10, 20]).close();
///     let merged = merge([a, b], Out::new());
///     let mut got = Vec::new();
///     while let Some(v) = merged.get().await {
///         got.push(v);
///     }
///     got
/// });
/// got.sort();
/// assert_eq!(got, [1, 2, 3, 10, 20]);
/// ```
///
/// # Panics
/// Outside a running loop.
#[track_caller]
pub fn merge<T: 'static>(inputs: impl IntoIterator<Item = Chan<T>>, out: Out<T>) -> Chan<T> {
    let _api = crate::runtime::calling("ops::merge");
    let mut live = distinct(inputs);
    let output = out.chan().clone();
    go(async move {
        while !live.is_empty() && !out.chan().is_closed() {
            let chosen = select(live.iter().map(Op::get)).await;
            let index = chosen.index;
            match chosen.value() {
                Some(value) => {
                    if !out.chan().put(value).await {
                        break;
                    }
                }
                None => {
                    live.swap_remove(index);
                }
            }
        }
        out.finish();
    });
    output
}

/// Takes one value from each input in turn and puts them together as one row (aiochan's
/// `zip_chans`): `row[i]` comes from `inputs[i]`, and is `None` once that input is closed and
/// drained.
///
/// The inputs are read in lockstep, in the order given, so a slow input holds back the others.
/// Rows go on until *every* input has finished, shorter inputs leaving `None` gaps: zipping
/// `[1, 2]` with `["a"]` gives `[Some(1), Some("a")]`, then `[Some(2), None]`. The output is then
/// finished (closed, unless [`Out::keep_open`]), at once if there are no inputs. When the output is
/// closed, zipping stops: a row being gathered then is dropped with the output, later values stay
/// in their inputs. A channel given twice fills two columns with consecutive values.
///
/// Deviation from aiochan, whose `zip_chans` closes the output when the inputs end even when told
/// not to: here [`Out::keep_open`] is honoured.
///
/// ```
/// use aiochan::{from_iter, ops::{zip_chans, Out}};
///
/// let rows = aiochan::run(async {
///     let zipped = zip_chans([from_iter([1, 2]), from_iter([10])], Out::new());
///     let mut rows = Vec::new();
///     while let Some(row) = zipped.get().await {
///         rows.push(row);
///     }
///     rows
/// });
/// assert_eq!(rows, [vec![Some(1), Some(10)], vec![Some(2), None]]);
/// ```
///
/// # Panics
/// Outside a running loop.
#[track_caller]
pub fn zip_chans<T: 'static>(
    inputs: impl IntoIterator<Item = Chan<T>>,
    out: Out<Vec<Option<T>>>,
) -> Chan<Vec<Option<T>>> {
    let _api = crate::runtime::calling("ops::zip_chans");
    let inputs: Vec<Chan<T>> = inputs.into_iter().collect();
    let output = out.chan().clone();
    go(async move {
        // A closed, drained channel stays so: once an input gave `None`, asking again is useless.
        let mut finished = vec![false; inputs.len()];
        while !out.chan().is_closed() {
            let mut row = Vec::with_capacity(inputs.len());
            for (input, done) in inputs.iter().zip(finished.iter_mut()) {
                let value = if *done { None } else { input.get().await };
                *done = value.is_none();
                row.push(value);
            }
            if finished.iter().all(|&done| done) || !out.chan().put(row).await {
                break;
            }
        }
        out.finish();
    });
    output
}

/// Each time any input yields a value, puts the latest value of every input, as one row (aiochan's
/// `combine_latest`): `row[i]` is the last value taken from `inputs[i]`, `None` if it has given
/// none yet.
///
/// An input that finishes keeps its last value in later rows. The output is finished (closed,
/// unless [`Out::keep_open`]) once every input is closed and drained, at once if there are none.
/// When the output is closed, combining stops and values not yet taken stay in their inputs. When
/// several inputs have a value ready, the loop's seeded generator picks which is taken first. A
/// channel given twice fills both its columns with the same latest value.
///
/// ```
/// use aiochan::{ops::{combine_latest, Out}, Chan};
///
/// aiochan::run(async {
///     let (a, b) = (Chan::new(), Chan::new());
///     let latest = combine_latest([a.clone(), b.clone()], Out::fixed(4));
///     a.put(1).await;
///     assert_eq!(latest.get().await, Some(vec![Some(1), None]));
///     b.put(7).await;
///     assert_eq!(latest.get().await, Some(vec![Some(1), Some(7)]));
///     a.put(2).await;
///     assert_eq!(latest.get().await, Some(vec![Some(2), Some(7)]));
///     a.close();
///     b.close();
///     assert_eq!(latest.get().await, None);
/// });
/// ```
///
/// # Panics
/// Outside a running loop.
#[track_caller]
pub fn combine_latest<T: Clone + 'static>(
    inputs: impl IntoIterator<Item = Chan<T>>,
    out: Out<Vec<Option<T>>>,
) -> Chan<Vec<Option<T>>> {
    let _api = crate::runtime::calling("ops::combine_latest");
    let inputs: Vec<Chan<T>> = inputs.into_iter().collect();
    let mut live = distinct(inputs.iter().cloned());
    let output = out.chan().clone();
    go(async move {
        let mut latest: Vec<Option<T>> = vec![None; inputs.len()];
        while !live.is_empty() && !out.chan().is_closed() {
            let chosen = select(live.iter().map(Op::get)).await;
            let (index, from) = (chosen.index, chosen.chan.clone());
            let Some(value) = chosen.value() else {
                live.swap_remove(index);
                continue;
            };
            for (slot, input) in latest.iter_mut().zip(&inputs) {
                if *input == from {
                    *slot = Some(value.clone());
                }
            }
            if !out.chan().put(latest.clone()).await {
                break;
            }
        }
        out.finish();
    });
    output
}
