//! Wakers of the loop: the borrowed waker every poll gets, the thread-safe waker a clone of it
//! becomes, and `Waiter`, what a parked operation keeps in order to wake its task.
//!
//! The waker handed to a task's `poll` costs nothing to make: it points at a `PollCx` on the loop's
//! stack. aiochan's own futures recognise it and park the bare `TaskId`, so a channel hand-off or a
//! timer pushes the task straight onto the ready queue. A foreign future that clones the waker gets
//! an `Arc`-backed waker that works from any thread and counts as something that may still wake the
//! loop (see `Shared::keepalive`).

use std::mem::ManuallyDrop;
use std::panic::Location;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;
use std::task::{Context, RawWaker, RawWakerVTable, Waker};

use futures_task::ArcWake;

use super::context;
use super::shared::Shared;
use super::task::TaskId;

/// What the borrowed waker of one poll points at.
pub(crate) struct PollCx<'a> {
    pub(crate) shared: &'a Arc<Shared>,
    pub(crate) task: TaskId,
    /// Where the future that parked during this poll was written (`note_wait_site`), read by the
    /// loop once the poll returns; null if none said. Atomic only so that `PollCx` stays `Sync`:
    /// only the loop's thread writes it.
    waits_at: AtomicPtr<Location<'static>>,
}

impl<'a> PollCx<'a> {
    /// The context of one poll of `task`.
    pub(crate) fn new(shared: &'a Arc<Shared>, task: TaskId) -> PollCx<'a> {
        PollCx {
            shared,
            task,
            waits_at: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Where the future that parked during the poll was written, if one said.
    pub(crate) fn waits_at(&self) -> Option<&'static Location<'static>> {
        let at = self.waits_at.load(Ordering::Relaxed);
        // SAFETY: the pointer is null or was made from a `&'static Location` in `note_wait_site`.
        unsafe { at.cast_const().as_ref() }
    }
}

/// Records, in the context of the poll running with `cx` (if it is a loop's), where the future
/// that is about to return `Pending` was written.
#[inline]
pub(crate) fn note_wait_site(cx: &Context<'_>, at: &'static Location<'static>) {
    let waker = cx.waker();
    if ptr::eq(waker.vtable(), &BORROWED) {
        // SAFETY: only `with_context` makes wakers with this vtable, and they live only within its
        // call, so the data pointer is a live `PollCx`.
        let pc = unsafe { poll_cx(waker.data()) };
        pc.waits_at
            .store(ptr::from_ref(at).cast_mut(), Ordering::Relaxed);
    }
}

static BORROWED: RawWakerVTable =
    RawWakerVTable::new(borrowed_clone, borrowed_wake, borrowed_wake, borrowed_drop);

/// Calls `f` with a context whose waker wakes `pc.task`.
pub(crate) fn with_context<R>(pc: &PollCx<'_>, f: impl FnOnce(&mut Context<'_>) -> R) -> R {
    let data = ptr::from_ref(pc).cast::<()>();
    // SAFETY: `data` points at `pc`, which outlives the waker (the waker lives in this frame and its
    // clones do not keep `data`); the vtable functions below only read a `PollCx` through it and
    // `PollCx` is `Sync`, so a wake from a scoped thread during the poll is sound.
    let waker = unsafe { Waker::from_raw(RawWaker::new(data, &BORROWED)) };
    f(&mut Context::from_waker(&waker))
}

/// Reads the `PollCx` behind a borrowed waker.
///
/// # Safety
/// `data` must come from `with_context`, within its call.
unsafe fn poll_cx<'a>(data: *const ()) -> &'a PollCx<'a> {
    // SAFETY: guaranteed by the caller.
    unsafe { &*data.cast::<PollCx<'a>>() }
}

unsafe fn borrowed_clone(data: *const ()) -> RawWaker {
    // SAFETY: the vtable is only reached through wakers made by `with_context`.
    let pc = unsafe { poll_cx(data) };
    let waker = ManuallyDrop::new(ForeignWaker::waker(pc.shared.clone(), pc.task));
    RawWaker::new(waker.data(), waker.vtable())
}

unsafe fn borrowed_wake(data: *const ()) {
    // SAFETY: as in `borrowed_clone`.
    let pc = unsafe { poll_cx(data) };
    wake_task(pc.shared, pc.task);
}

unsafe fn borrowed_drop(_: *const ()) {}

/// Wakes `task` of the loop that owns `shared`: straight onto the ready queue when called on that
/// loop's thread while it runs, through the inject queue otherwise.
fn wake_task(shared: &Arc<Shared>, task: TaskId) {
    let direct = context::with_current(|core| {
        if Arc::ptr_eq(core.shared(), shared) {
            core.schedule(task);
            true
        } else {
            false
        }
    });
    if direct != Some(true) {
        shared.inject(task);
    }
}

/// The owned, thread-safe waker that a clone of the borrowed waker becomes. While it lives, the
/// loop does not declare a deadlock: it may be on its way to another thread.
struct ForeignWaker {
    shared: Arc<Shared>,
    task: TaskId,
}

impl ForeignWaker {
    /// A waker for `task` that counts as something that may still wake the loop while it lives.
    fn waker(shared: Arc<Shared>, task: TaskId) -> Waker {
        shared.acquire();
        futures_task::waker(Arc::new(ForeignWaker { shared, task }))
    }
}

impl ArcWake for ForeignWaker {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        wake_task(&arc_self.shared, arc_self.task);
    }
}

impl Drop for ForeignWaker {
    fn drop(&mut self) {
        self.shared.release();
    }
}

/// Whom a parked operation wakes: a task of this loop, named directly, or any other waker (a
/// foreign executor, or a combinator that wraps the context).
#[derive(Debug)]
pub(crate) enum Waiter {
    Task(TaskId),
    Waker(Waker),
}

impl Waiter {
    /// The waiter for the future being polled with `cx`.
    pub(crate) fn of(cx: &Context<'_>) -> Waiter {
        Waiter::of_waker(cx.waker())
    }

    /// The waiter that `waker` stands for.
    pub(crate) fn of_waker(waker: &Waker) -> Waiter {
        match task_of_waker(waker) {
            Some(task) => Waiter::Task(task),
            None => Waiter::Waker(waker.clone()),
        }
    }

    /// The task of this loop that the waiter wakes, if it is one (not a foreign waker).
    pub(crate) fn task(&self) -> Option<TaskId> {
        match self {
            Waiter::Task(task) => Some(*task),
            Waiter::Waker(_) => None,
        }
    }

    /// Whether this waiter already wakes whoever polls with `cx`.
    pub(crate) fn wakes(&self, cx: &Context<'_>) -> bool {
        self.wakes_waker(cx.waker())
    }

    /// Whether this waiter already wakes what `waker` wakes.
    pub(crate) fn wakes_waker(&self, waker: &Waker) -> bool {
        match self {
            Waiter::Task(task) => task_of_waker(waker) == Some(*task),
            Waiter::Waker(mine) => mine.will_wake(waker),
        }
    }

    /// Wakes the waiter. A task of a loop that is no longer running is not woken.
    pub(crate) fn wake(self) {
        match self {
            Waiter::Task(task) => {
                context::with_current(|core| core.schedule(task));
            }
            Waiter::Waker(waker) => waker.wake(),
        }
    }
}

/// The task of this loop that `cx` wakes, if its waker is the loop's borrowed waker.
pub(crate) fn task_of(cx: &Context<'_>) -> Option<TaskId> {
    task_of_waker(cx.waker())
}

/// The task of this loop that `waker` wakes, if it is the loop's borrowed waker.
fn task_of_waker(waker: &Waker) -> Option<TaskId> {
    if ptr::eq(waker.vtable(), &BORROWED) {
        // SAFETY: only `with_context` makes wakers with this vtable, and they live only within its
        // call, so the data pointer is a live `PollCx`.
        Some(unsafe { poll_cx(waker.data()) }.task)
    } else {
        None
    }
}
