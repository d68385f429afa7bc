//! The loop running on this thread, if any, for the free functions (`go`, `sleep`, ...) to find.

use super::core::Core;

scoped_tls::scoped_thread_local!(static CURRENT: Core);

/// Runs `f` with `core` as this thread's running loop.
pub(crate) fn enter<R>(core: &Core, f: impl FnOnce() -> R) -> R {
    CURRENT.set(core, f)
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
