//! `spawn_blocking`: run a blocking closure on a thread of the loop's pool and await its result.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;

use super::blocking_pool::BlockingPool;
use super::context;

/// What the pool's thread and the awaiting task share.
struct Slot<T> {
    /// The closure's result (or its panic), once it has returned.
    result: Option<thread::Result<T>>,
    /// Who to wake when it has.
    waker: Option<Waker>,
}

/// Runs `f` on a thread of the running loop's blocking pool and returns a future of its result, so
/// that blocking work (file I/O, a blocking library call, heavy computation) does not stall the
/// loop (awaitchannel's `run_in_executor`).
///
/// The pool starts threads as calls need them, up to a cap (512 unless set with
/// [`Builder::max_blocking_threads`](crate::Builder::max_blocking_threads)); calls beyond the cap
/// wait in a queue and start in the order they were made. A thread left idle exits after a
/// keep-alive (10 s unless set with
/// [`Builder::blocking_keep_alive`](crate::Builder::blocking_keep_alive)), and at once when the loop
/// has ended. [`Handle::blocking_threads`](crate::Handle::blocking_threads) counts the pool's
/// threads.
///
/// Called outside a running loop (on a thread of its own, say), `spawn_blocking` uses a pool shared
/// by the whole process, with the default cap and keep-alive; the future may be awaited anywhere.
///
/// Jobs that wait for each other need threads enough: with the cap reached, a job queued behind
/// one that waits for it never starts.
///
/// While `f` waits or runs, the loop does not report a deadlock: the future holds a waker the
/// thread will use. A panic in `f` is resumed in the awaiting task.
///
/// ```
/// let sum = aiochan::run(async {
///     aiochan::spawn_blocking(|| (1..=100u64).sum::<u64>()).await
/// });
/// assert_eq!(sum, 5050);
/// ```
///
/// # Cancel safety
/// Dropping the future detaches the job: `f` runs to completion and its result is dropped. That
/// holds even when the loop ends first: every closure handed to `spawn_blocking` runs, the pool's
/// threads finishing the queue before they exit.
///
/// # Panics
/// If the pool has no thread and the system refuses to start one.
pub fn spawn_blocking<T, F>(f: F) -> Blocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let theirs = slot.clone();
    let job = Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(f));
        let waker = {
            let mut slot = theirs.lock().unwrap_or_else(PoisonError::into_inner);
            slot.result = Some(result);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    if context::is_running() {
        context::with_core("spawn_blocking", |core| core.shared().blocking().spawn(job));
    } else {
        BlockingPool::process().spawn(job);
    }
    Blocking { slot }
}

/// The future returned by [`spawn_blocking`].
#[must_use = "the closure runs anyway; await the future for its result"]
pub struct Blocking<T> {
    /// Where the pool's thread leaves the result.
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> Future for Blocking<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(Ok(value)) => Poll::Ready(value),
            Some(Err(panic)) => {
                drop(slot);
                resume_unwind(panic)
            }
            None => {
                if !slot.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    slot.waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done = self.slot.lock().map(|s| s.result.is_some()).unwrap_or(true);
        f.debug_struct("Blocking").field("done", &done).finish()
    }
}
