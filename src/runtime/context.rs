//! The loop running on this thread, if any, for the free functions (`go`, `sleep`, ...) to find.

use std::cell::Cell;
use std::ptr;

use super::core::Core;

thread_local! {
    /// The loop running on this thread; null when none runs. Set only by `enter`, for the duration
    /// of its call.
    static CURRENT: Cell<*const Core> = const { Cell::new(ptr::null()) };

    /// The last number given to a channel on this thread; restarts with every loop so that a
    /// program numbers its channels the same way on every run.
    static NUMBERS: Cell<u64> = const { Cell::new(0) };

    /// The public function of the crate the user called, while it runs (see `calling`): a panic
    /// for want of a loop names it rather than the internal function that found none.
    static CALLED: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Names, until dropped, the public function the user called (`"timeout"`, `"Chan::map"`), for
/// the panic of a function it calls that needs a loop. The outermost name wins: an operator that
/// calls `go` is reported as the operator.
#[must_use = "the name holds only while the guard lives"]
pub(crate) struct Calling(Option<&'static str>);

/// Starts naming `what` as the function the user called (see [`Calling`]).
#[inline]
pub(crate) fn calling(what: &'static str) -> Calling {
    let previous = CALLED.with(Cell::get);
    if previous.is_none() {
        CALLED.with(|c| c.set(Some(what)));
    }
    Calling(previous)
}

impl Drop for Calling {
    #[inline]
    fn drop(&mut self) {
        CALLED.with(|c| c.set(self.0));
    }
}

/// Restores the previous current loop when `enter` returns or unwinds.
struct Restore(*const Core);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Runs `f` with `core` as this thread's running loop.
pub(crate) fn enter<R>(core: &Core, f: impl FnOnce() -> R) -> R {
    NUMBERS.with(|n| n.set(0));
    let previous = CURRENT.with(|c| c.replace(ptr::from_ref(core)));
    let _restore = Restore(previous);
    f()
}

/// The next number for a channel made on this thread, counting from 1 in each loop.
pub(crate) fn next_number() -> u64 {
    NUMBERS.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}

/// Whether a loop runs on this thread.
pub(crate) fn is_running() -> bool {
    CURRENT.with(|c| !c.get().is_null())
}

/// Calls `f` with the running loop, if there is one.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    let core = CURRENT.with(Cell::get);
    if core.is_null() {
        return None;
    }
    // SAFETY: a non-null pointer was set by `enter` from a `&Core` that outlives its call, and
    // `Restore` resets it before that call returns or unwinds; this code runs within the call (on
    // the same thread), so the `Core` is alive, and it is only shared (`&`), never mutated through.
    Some(f(unsafe { &*core }))
}

/// Calls `f` with the running loop; `what` (the API being used) is named in the panic if there is
/// none, unless the user called it through another public function (see [`calling`]).
#[inline]
#[track_caller]
pub(crate) fn with_core<R>(what: &'static str, f: impl FnOnce(&Core) -> R) -> R {
    match with_current(f) {
        Some(r) => r,
        None => outside(what, ""),
    }
}

/// Panics for want of a running loop, naming the function the user called (`what`, or the one
/// [`calling`] names) and what to do; `or` adds a way out for code under another executor.
#[cold]
#[track_caller]
pub(crate) fn outside(what: &'static str, or: &str) -> ! {
    let what = CALLED.with(Cell::get).unwrap_or(what);
    panic!(
        "aiochan::{what} needs a running event loop: call it inside aiochan::run(..) \
         or a task started with aiochan::go(..){or}"
    )
}
