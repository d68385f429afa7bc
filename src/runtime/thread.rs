//! `LoopThread`: an event loop running on a thread of its own.

use std::panic::resume_unwind;
use std::thread;

/// An event loop started by [`run_in_thread`](crate::run_in_thread) on a thread of its own.
#[derive(Debug)]
#[must_use = "dropping a LoopThread detaches the thread; call join() for the output"]
pub struct LoopThread<T> {
    /// The thread that runs the loop.
    thread: thread::JoinHandle<T>,
}

impl<T: Send + 'static> LoopThread<T> {
    pub(crate) fn spawn(body: impl FnOnce() -> T + Send + 'static) -> LoopThread<T> {
        let thread = thread::Builder::new()
            .name("aiochan-loop".into())
            .spawn(body)
            .unwrap_or_else(|e| panic!("aiochan::run_in_thread: cannot start a thread ({e})"));
        LoopThread { thread }
    }

    /// Blocks until the loop's main future completes and returns its output; a panic of the loop
    /// (its main future, a task, or a deadlock) is resumed on the caller.
    pub fn join(self) -> T {
        self.thread
            .join()
            .unwrap_or_else(|payload| resume_unwind(payload))
    }

    /// Whether the loop has finished.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }
}
