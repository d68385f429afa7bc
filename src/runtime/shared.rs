//! The part of a loop that other threads reach: its poller, the queue of wake-ups from other
//! threads, and the count of things that may still wake it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use polling::{Events, Poller};

use super::task::TaskId;

/// State shared between the loop's thread and any thread holding one of its wakers.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Where the loop sleeps when nothing is ready; `notify` wakes it.
    poller: Poller,
    /// Tasks woken from other threads, in arrival order; the loop moves them to its ready queue.
    inject: Mutex<Vec<TaskId>>,
    /// Set after a push to `inject`, cleared by the loop when it drains it: a cheap check per turn.
    injected: AtomicBool,
    /// Things outside the loop's own bookkeeping that may still wake it: wakers cloned by foreign
    /// futures (possibly sent to other threads), handles, I/O sources. While non-zero, an idle loop
    /// waits instead of reporting a deadlock.
    keepalive: AtomicUsize,
}

impl Shared {
    pub(crate) fn new() -> Shared {
        let poller = Poller::new().unwrap_or_else(|e| {
            panic!("aiochan: cannot create the event loop's poller ({e}); is the process out of file descriptors?")
        });
        Shared {
            poller,
            inject: Mutex::new(Vec::new()),
            injected: AtomicBool::new(false),
            keepalive: AtomicUsize::new(0),
        }
    }

    /// Queues a wake-up coming from outside the loop's thread (or from no running loop) and wakes the
    /// loop if it sleeps.
    pub(crate) fn inject(&self, task: TaskId) {
        self.inject
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(task);
        self.injected.store(true, Ordering::Release);
        self.notify();
    }

    /// Moves the wake-ups from other threads into `into`, in arrival order.
    pub(crate) fn drain_injected(&self, into: &mut Vec<TaskId>) {
        if self.injected.swap(false, Ordering::Acquire) {
            into.append(&mut self.inject.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    /// Wakes the loop from `wait`, or makes its next `wait` return at once.
    pub(crate) fn notify(&self) {
        // Fails only if the kernel refuses to signal the poller's own eventfd, which leaves nothing
        // to do from a waker: the loop then notices the wake-up at its next turn.
        let _ = self.poller.notify();
    }

    /// Sleeps until `notify`, an I/O event, or the timeout.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) {
        events.clear();
        if let Err(e) = self.poller.wait(events, timeout) {
            if e.kind() != std::io::ErrorKind::Interrupted {
                panic!("aiochan: the event loop's poller failed: {e}");
            }
        }
    }

    /// Something outside the loop may now wake it.
    pub(crate) fn acquire(&self) {
        self.keepalive.fetch_add(1, Ordering::Relaxed);
    }

    /// Something that could wake the loop is gone; if it was the last, the loop is woken to check
    /// whether it is deadlocked.
    pub(crate) fn release(&self) {
        if self.keepalive.fetch_sub(1, Ordering::Release) == 1 {
            self.notify();
        }
    }

    /// Whether anything outside the loop could still wake it. The count is read before the inject
    /// flag: a waker that wakes and then drops is then seen in one or the other.
    pub(crate) fn may_wake(&self) -> bool {
        self.keepalive.load(Ordering::Acquire) > 0 || self.injected.load(Ordering::Acquire)
    }
}
