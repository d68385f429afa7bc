//! A spawned task: its id, its slot in the loop's slab, and the type-erased future that becomes its
//! output.

use std::any::Any;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::waker::Waiter;
use super::WaitsOn;

/// Names a task of one loop: its slab key and the generation that tells it from earlier occupants of
/// the same key, so that a stale wake-up can never reach a newer task.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct TaskId {
    pub(crate) key: u32,
    pub(crate) gen: u32,
}

impl TaskId {
    /// The future given to `run`, which lives on the caller's stack rather than in the slab.
    pub(crate) const MAIN: TaskId = TaskId {
        key: u32::MAX,
        gen: 0,
    };
}

/// A task's future with its type erased; the loop polls it and the task's `JoinHandle<T>` takes the
/// output back out as an `Option<T>`.
pub(crate) trait Runnable {
    /// Polls the future; on completion keeps the output for the join handle.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
    /// The kept output, an `Option<F::Output>`, once the future has completed.
    fn output(self: Pin<&mut Self>) -> Option<&mut dyn Any>;
}

/// The future until it completes, then its output, in one allocation.
enum Stage<F: Future> {
    Running(F),
    Finished(Option<F::Output>),
}

impl<F> Runnable for Stage<F>
where
    F: Future,
    F::Output: 'static,
{
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: the future in `Running` is structurally pinned: it is never moved out, only dropped
        // in place by `Pin::set` below. Nothing else is pinned.
        let future = match unsafe { self.as_mut().get_unchecked_mut() } {
            // SAFETY: see above; `f` stays where it is until `set` drops it.
            Stage::Running(f) => unsafe { Pin::new_unchecked(f) },
            Stage::Finished(_) => return Poll::Ready(()),
        };
        match future.poll(cx) {
            Poll::Ready(output) => {
                self.set(Stage::Finished(Some(output)));
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn output(self: Pin<&mut Self>) -> Option<&mut dyn Any> {
        // SAFETY: the output in `Finished` is never pinned, so handing out `&mut` to it is sound; the
        // `Running` future is not touched.
        match unsafe { self.get_unchecked_mut() } {
            Stage::Finished(output) => Some(output),
            Stage::Running(_) => None,
        }
    }
}

/// Boxes a future as a task body.
pub(crate) fn runnable<F>(future: F) -> Pin<Box<dyn Runnable>>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Box::pin(Stage::Running(future))
}

/// A task's entry in the loop's slab.
pub(crate) struct TaskSlot {
    /// The future, then its output. `None` only while the loop polls the task: it is taken out so
    /// that the poll can spawn and wake through the loop.
    pub(crate) runnable: Option<Pin<Box<dyn Runnable>>>,
    /// Generation of this occupant of the slab key (see `TaskId`).
    pub(crate) gen: u32,
    /// Set while the task is in the ready queue, so that a second wake-up does not queue it twice.
    pub(crate) scheduled: bool,
    /// Set when the future completed; the output waits in `runnable` for the join handle.
    pub(crate) finished: bool,
    /// Who awaits the join handle, woken when the task finishes.
    pub(crate) join_waiter: Option<Waiter>,
    /// What the task is parked on (a timer, a join, a socket, a channel being drained; channel
    /// operations only when tracing), for the deadlock report; rewritten only when it changes.
    pub(crate) waits_on: WaitsOn,
    /// Whether the current poll recorded what it waits on; if not, `waits_on` becomes `Unknown`.
    pub(crate) noted: bool,
    /// The task's rarer states, one bit each (`DETACHED`, `ABORTED`, `CALLBACK`, `DAEMON`): packed
    /// so that the slot stays nine words (measured: the spawn benchmark's bytes and time per task).
    pub(crate) flags: u8,
    /// Where the task was spawned (the caller of `go`), for reports.
    pub(crate) spawned_at: &'static Location<'static>,
}

/// `TaskSlot::flags`: the join handle was dropped, so the slot is freed as soon as the task
/// finishes.
pub(crate) const DETACHED: u8 = 1;
/// `TaskSlot::flags`: the task aborted itself during its own poll; the loop drops it when the poll
/// returns.
pub(crate) const ABORTED: u8 = 2;
/// `TaskSlot::flags`: the task runs the callback of a completed operation (`put_then`,
/// `get_then`), which still runs when the loop ends before it (see `Core::shutdown`).
pub(crate) const CALLBACK: u8 = 4;
/// `TaskSlot::flags`: set by `JoinHandle::daemon`; the task may outlive `main` (a server loop, a
/// ticker), so the leak check never reports it.
pub(crate) const DAEMON: u8 = 8;

impl TaskSlot {
    /// Whether the flag `flag` is set.
    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Sets the flag `flag`.
    pub(crate) fn set(&mut self, flag: u8) {
        self.flags |= flag;
    }
}

/// How a task is shown in messages: `'name'` when named, `#n` (its spawn number) otherwise.
pub(crate) fn label(name: Option<&str>, gen: u32) -> String {
    match name {
        Some(name) => format!("task '{name}'"),
        None => format!("task #{gen}"),
    }
}

// The slot's size is what the spawn benchmark pays per task: keep it at nine words.
const _: () = assert!(std::mem::size_of::<TaskSlot>() <= 9 * std::mem::size_of::<usize>());
