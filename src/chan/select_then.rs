//! `select_then`: a select whose outcome goes to a callback, without a task (core.async's
//! `do-alts`, Python aiochan's `select(..., cb=)`).

use super::select::{select, Op, Selected};
use crate::runtime::callback_future;

/// Starts a select of `ops` and returns at once; `then` is called with the one operation that
/// completes (core.async's `do-alts`, the callback form of [`select`](crate::select()), as
/// [`Chan::get_then`](crate::Chan::get_then) is of `get`). If one can complete at once, `then`
/// runs before `select_then` returns; otherwise the operations wait in their channels, with no
/// task, and `then` runs on the loop, in a later turn, once one completes. With `priority` the
/// first operation that can complete wins, otherwise a random one (from the loop's seed).
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use aiochan::{select_then, Chan, Op, Outcome};
///
/// aiochan::run(async {
///     let (numbers, words) = (Chan::new(), Chan::<i32>::new());
///     let seen = Rc::new(RefCell::new(None));
///     let record = seen.clone();
///     select_then([Op::get(&words), Op::get(&numbers)], false, move |chosen| {
///         *record.borrow_mut() = Some((chosen.index, chosen.outcome));
///     });
///     assert!(seen.borrow().is_none(), "nothing could complete yet");
///     numbers.put(7).await;
///     aiochan::nop().await; // the callback runs in a later turn
///     assert_eq!(*seen.borrow(), Some((1, Outcome::Got(Some(7)))));
/// });
/// ```
///
/// A waiting select holds its put values and its channels until it completes, or until the loop
/// ends, which drops it without calling `then` (with no loop running, under another executor,
/// until the thread ends). Like the select it stands for, it never loses a value: a put that was
/// not chosen is withdrawn.
///
/// # Panics
/// If `ops` is empty: the callback could never be called.
#[track_caller]
pub fn select_then<T: 'static>(
    ops: impl IntoIterator<Item = Op<T>>,
    priority: bool,
    then: impl FnOnce(Selected<T>) + 'static,
) {
    let ops: Vec<Op<T>> = ops.into_iter().collect();
    assert!(
        !ops.is_empty(),
        "aiochan::select_then of no operations would never call its callback"
    );
    let sel = select(ops);
    let sel = if priority { sel.priority() } else { sel };
    callback_future::drive(async move { then(sel.await) });
}
