//! `spawn_blocking`: run a blocking closure on a thread of its own and await its result on the loop.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;

/// What the thread and the awaiting task share.
struct Slot<T> {
    /// The closure's result (or its panic), once it has returned.
    result: Option<thread::Result<T>>,
    /// Who to wake when it has.
    waker: Option<Waker>,
}

/// Runs `f` on a new thread and returns a future of its result, so that blocking work (file I/O, a
/// blocking library call, heavy computation) does not stall the loop (awaitchannel's
/// `run_in_executor`).
///
/// While the thread runs, the loop does not report a deadlock: the future holds a waker the thread
/// will use. A panic in `f` is resumed in the awaiting task.
///
/// ```
/// let sum = aiochan::run(async {
///     aiochan::spawn_blocking(|| (1..=100u64).sum::<u64>()).await
/// });
/// assert_eq!(sum, 5050);
/// ```
///
/// # Cancel safety
/// Dropping the future detaches the thread: `f` runs to completion and its result is dropped.
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
    thread::Builder::new()
        .name("aiochan-blocking".into())
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(f));
            let waker = {
                let mut slot = theirs.lock().unwrap_or_else(PoisonError::into_inner);
                slot.result = Some(result);
                slot.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        })
        .unwrap_or_else(|e| panic!("aiochan::spawn_blocking: cannot start a thread ({e})"));
    Blocking { slot }
}

/// The future returned by [`spawn_blocking`].
#[must_use = "the closure runs anyway; await the future for its result"]
pub struct Blocking<T> {
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
