//! `select_blocking`: a plain thread selects over channels of a loop, through their cross-thread
//! handles (core.async's `alts!!`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::task::Poll;

use super::select::{select, Op, Outcome};
use super::{Chan, ChanSender};
use crate::runtime::{self, callback_future};

/// One operation of a [`select_blocking`]: a get from or a put to a channel of a loop, named by
/// its [`ChanSender`] (which, despite its name, stands for the whole channel here).
pub enum RemoteOp<T> {
    /// Get a value from the channel.
    Get(ChanSender<T>),
    /// Put the value on the channel.
    Put(ChanSender<T>, T),
}

impl<T> RemoteOp<T> {
    /// A get from the channel of `chan`.
    pub fn get(chan: &ChanSender<T>) -> RemoteOp<T> {
        RemoteOp::Get(chan.clone())
    }

    /// A put of `value` to the channel of `chan`.
    pub fn put(chan: &ChanSender<T>, value: T) -> RemoteOp<T> {
        RemoteOp::Put(chan.clone(), value)
    }
}

impl<T> fmt::Debug for RemoteOp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteOp::Get(c) => f.debug_tuple("Get").field(c).finish(),
            RemoteOp::Put(c, _) => f.debug_tuple("Put").field(c).finish(),
        }
    }
}

/// The one operation a [`select_blocking`] completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSelected<T> {
    /// Its position in the list of operations.
    pub index: usize,
    /// How it ended.
    pub outcome: Outcome<T>,
}

impl<T> RemoteSelected<T> {
    /// The value of a completed get (`None` for a closed channel, or if a put completed).
    pub fn value(self) -> Option<T> {
        match self.outcome {
            Outcome::Got(value) => value,
            Outcome::Put(_) => None,
        }
    }
}

/// Why a [`select_blocking`] completed no operation.
#[derive(PartialEq, Eq, Clone)]
pub enum SelectBlockingError<T> {
    /// The loop ended first. The values of the puts come back, each with its operation's
    /// position, unless the loop ended while running the select (a panic there).
    LoopEnded(Vec<(usize, T)>),
}

impl<T> SelectBlockingError<T> {
    /// The values of the puts that were not made, with their positions.
    pub fn into_values(self) -> Vec<(usize, T)> {
        match self {
            SelectBlockingError::LoopEnded(values) => values,
        }
    }
}

impl<T> fmt::Debug for SelectBlockingError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectBlockingError::LoopEnded(_) => f.write_str("LoopEnded(..)"),
        }
    }
}

impl<T> fmt::Display for SelectBlockingError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SelectBlockingError::LoopEnded(_) => {
                f.write_str("selecting over channels whose event loop has ended")
            }
        }
    }
}

impl<T> std::error::Error for SelectBlockingError<T> {}

/// What the loop answers the blocked thread.
enum Answer<T> {
    Chosen(usize, Outcome<T>),
    /// The loop ended while the select waited: the values of its puts.
    Ended(Vec<(usize, T)>),
}

/// Blocks this thread until exactly one of `ops`, over channels of one loop, completes, and
/// returns it (core.async's `alts!!`; [`select`](crate::select()) for a thread). The select runs on
/// the loop, as [`select_then`](crate::select_then) does, so it has the same semantics: a random
/// choice among the operations that can complete (the first of them with `priority`), a put to a
/// closed channel completing with `false`, a get from a closed, drained one with `None`, and no
/// value lost. The channels are named by their [`ChanSender`]s ([`Chan::sender`]).
///
/// ```
/// use aiochan::{select_blocking, Chan, Outcome, RemoteOp};
///
/// let (chosen, taken) = aiochan::run(async {
///     let (jobs, results) = (Chan::new(), Chan::fixed(1).add([42]));
///     let (jobs_tx, results_tx) = (jobs.sender(), results.sender());
///     let thread = std::thread::spawn(move || {
///         // Hand out a job or collect a result, whichever can be done first.
///         let ops = [RemoteOp::put(&jobs_tx, 1), RemoteOp::get(&results_tx)];
///         select_blocking(ops, true).unwrap()
///     });
///     let chosen = aiochan::spawn_blocking(move || thread.join().unwrap()).await;
///     (chosen, jobs.try_get())
/// });
/// assert_eq!((chosen.index, chosen.outcome), (1, Outcome::Got(Some(42))));
/// assert!(taken.is_err(), "the put that lost was withdrawn");
/// ```
///
/// # Errors
/// [`SelectBlockingError::LoopEnded`] if the loop ends before an operation completes, with the
/// values of the puts.
///
/// # Panics
/// If `ops` is empty, if they name channels of different loops, or on the loop's own thread,
/// where blocking would stop the loop (use [`select`](crate::select()) there).
pub fn select_blocking<T: Send + 'static>(
    ops: impl IntoIterator<Item = RemoteOp<T>>,
    priority: bool,
) -> Result<RemoteSelected<T>, SelectBlockingError<T>> {
    let mut senders = Vec::new();
    let mut values = Vec::new();
    for (i, op) in ops.into_iter().enumerate() {
        match op {
            RemoteOp::Get(chan) => senders.push(chan),
            RemoteOp::Put(chan, value) => {
                senders.push(chan);
                values.push((i, value));
            }
        }
    }
    let handle = senders
        .first()
        .expect("aiochan::select_blocking of no operations would block forever")
        .handle()
        .clone();
    assert!(
        senders.iter().all(|chan| chan.handle().same_loop(&handle)),
        "aiochan::select_blocking: the operations name channels of different loops"
    );
    assert!(
        !runtime::is_current(&handle),
        "aiochan::select_blocking blocks for the loop, so it cannot be used on the loop's own \
         thread: await aiochan::select there"
    );
    // The values wait in `slot` until the loop takes them, so that they come back if it never
    // does. The senders stay here, keeping their channels known to the loop until it answers.
    let keys: Vec<usize> = senders.iter().map(ChanSender::key).collect();
    let slot = Arc::new(Mutex::new(Some(values)));
    let theirs = slot.clone();
    let (tx, rx) = mpsc::channel();
    let called = handle.call(move || start(&keys, &theirs, priority, tx));
    let answer = called.ok().and_then(|()| rx.recv().ok());
    drop(senders);
    match answer {
        Some(Answer::Chosen(index, outcome)) => Ok(RemoteSelected { index, outcome }),
        Some(Answer::Ended(values)) => Err(SelectBlockingError::LoopEnded(values)),
        None => Err(SelectBlockingError::LoopEnded(
            lock(&slot).take().unwrap_or_default(),
        )),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// On the loop: starts the select over the channels kept under `keys`, with the put values
/// waiting in `slot` (by position), answering on `tx`.
fn start<T: Send + 'static>(
    keys: &[usize],
    slot: &Mutex<Option<Vec<(usize, T)>>>,
    priority: bool,
    tx: mpsc::Sender<Answer<T>>,
) {
    let Some(values) = lock(slot).take() else {
        return;
    };
    let mut values = values.into_iter().peekable();
    let mut ops = Vec::with_capacity(keys.len());
    for (i, &key) in keys.iter().enumerate() {
        let Some(chan) = runtime::local(key).and_then(|c| c.downcast::<Chan<T>>().ok()) else {
            unreachable!("a channel stays known to its loop while a sender of it lives");
        };
        let chan = (*chan).clone();
        ops.push(match values.next_if(|(at, _)| *at == i) {
            Some((_, value)) => Op::Put(chan, value),
            None => Op::Get(chan),
        });
    }
    let sel = select(ops);
    let sel = Rc::new(RefCell::new(Some(if priority {
        sel.priority()
    } else {
        sel
    })));
    // Should the loop end first, a hook gives the select up and hands the put values back.
    let hook = Rc::new(Cell::new(None));
    let (ended, answer) = (sel.clone(), tx.clone());
    hook.set(runtime::on_end(Box::new(move || {
        let Some(sel) = ended.borrow_mut().take() else {
            return;
        };
        drop(answer.send(match sel.give_up() {
            Ok(chosen) => Answer::Chosen(chosen.index, chosen.outcome),
            Err(values) => Answer::Ended(values),
        }));
    })));
    callback_future::drive(async move {
        let chosen = poll_fn(|cx| match sel.borrow_mut().as_mut() {
            Some(sel) => Pin::new(sel).poll(cx).map(Some),
            None => Poll::Ready(None),
        })
        .await;
        if let Some(chosen) = chosen {
            if let Some(key) = hook.take() {
                runtime::forget_end_hook(key);
            }
            drop(tx.send(Answer::Chosen(chosen.index, chosen.outcome)));
        }
    });
}
