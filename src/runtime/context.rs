//! The loop running on this thread, if any, for the free functions (`go`, `sleep`, ...) to find.

use super::core::Core;

use std::cell::Cell;

scoped_tls::scoped_thread_local!(static CURRENT: Core);

thread_local! {
    /// The last number given to a channel on this thread; restarts with every loop so that a
    /// program numbers its channels the same way on every run.
    static NUMBERS: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` with `core` as this thread's running loop.
pub(crate) fn enter<R>(core: &Core, f: impl FnOnce() -> R) -> R {
    NUMBERS.with(|n| n.set(0));
    CURRENT.set(core, f)
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
    CURRENT.is_set()
}

/// Calls `f` with the running loop, if there is one.
pub(crate) fn with_current<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    CURRENT.is_set().then(|| CURRENT.with(f))
}

/// Calls `f` with the running loop; `what` (the API being used) is named in the panic there is none.
pub(crate) fn with_core<R>(what: &str, f: impl FnOnce(&Core) -> R) -> R {
    if !CURRENT.is_set() {
        panic!(
            "aiochan::{what} needs a running event loop: call it inside aiochan::run(...) \
             or inside a task started with aiochan::go(...)"
        );
    }
    CURRENT.with(f)
}
