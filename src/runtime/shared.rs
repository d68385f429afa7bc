//! The part of a loop that other threads reach: its poller, the inbox of wake-ups and calls from
//! other threads, the count of things that may still wake it, and its blocking pool.
//!
//! The poller (an epoll instance and an eventfd) is opened only when the loop first registers an
//! I/O source: a loop without sockets sleeps by parking its thread, so that a test exploring
//! thousands of schedules under virtual time opens no file descriptor at all. Either way, another
//! thread signals the loop only when it sleeps or is about to (`sleeping`); a loop that is busy
//! finds the inbox at its next look between turns.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::Thread;
use std::time::Duration;

use polling::{Events, Poller};

use super::blocking_pool::{BlockingConfig, BlockingPool};
use super::task::TaskId;

/// A closure sent from another thread to run on the loop's thread, between turns.
pub(crate) type RemoteCall = Box<dyn FnOnce() + Send>;

/// What other threads have sent the loop.
#[derive(Default)]
struct Inbox {
    /// Tasks woken from other threads, in arrival order.
    wakes: Vec<TaskId>,
    /// Calls to run on the loop, in arrival order.
    calls: Vec<RemoteCall>,
    /// Set when the loop has ended: nothing more is accepted.
    closed: bool,
}

/// State shared between the loop's thread and any thread holding one of its wakers.
pub(crate) struct Shared {
    /// Where the loop sleeps when nothing is ready once it has I/O sources; opened at the first
    /// registration. `notify` wakes it.
    poller: OnceLock<Poller>,
    /// The loop's thread, which parks to sleep while there is no poller.
    thread: Thread,
    /// Set by the loop while it sleeps or is about to (from just before its last look at the inbox
    /// until it wakes): only then do other threads signal it.
    sleeping: AtomicBool,
    /// Wake-ups and calls from other threads; the loop takes them between turns.
    inbox: Mutex<Inbox>,
    /// Set after a push to `inbox`, cleared by the loop when it drains it: a cheap check per turn.
    injected: AtomicBool,
    /// Things outside the loop's own bookkeeping that may still wake it: wakers cloned by foreign
    /// futures (possibly sent to other threads) and handles. While non-zero, an idle loop waits
    /// instead of reporting a deadlock. (I/O sources a task waits on count through the loop's
    /// source table instead.)
    keepalive: AtomicUsize,
    /// The threads that run the loop's `spawn_blocking` jobs; shut down when the loop ends.
    blocking: BlockingPool,
}

impl Shared {
    /// The shared side of a loop that runs on the calling thread.
    pub(crate) fn new(blocking: BlockingConfig) -> Shared {
        Shared {
            poller: OnceLock::new(),
            thread: std::thread::current(),
            sleeping: AtomicBool::new(false),
            inbox: Mutex::new(Inbox::default()),
            injected: AtomicBool::new(false),
            keepalive: AtomicUsize::new(0),
            blocking: BlockingPool::new(blocking),
        }
    }

    /// Queues a wake-up coming from outside the loop's thread (or from no running loop) and wakes the
    /// loop if it sleeps. Ignored once the loop has ended.
    pub(crate) fn inject(&self, task: TaskId) {
        let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
        if !inbox.closed {
            inbox.wakes.push(task);
            drop(inbox);
            self.signal();
        }
    }

    /// Queues `call` to run on the loop's thread between turns; hands it back if the loop has ended.
    pub(crate) fn call(&self, call: RemoteCall) -> Result<(), RemoteCall> {
        let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
        if inbox.closed {
            return Err(call);
        }
        inbox.calls.push(call);
        drop(inbox);
        self.signal();
        Ok(())
    }

    /// Moves the wake-ups and calls from other threads into `wakes` and `calls`, in arrival order.
    pub(crate) fn drain_inbox(&self, wakes: &mut Vec<TaskId>, calls: &mut Vec<RemoteCall>) {
        if self.injected.swap(false, Ordering::SeqCst) {
            let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
            wakes.append(&mut inbox.wakes);
            calls.append(&mut inbox.calls);
        }
    }

    /// The loop has ended: later wake-ups and calls are refused, and the blocking pool's threads
    /// exit once they have run the jobs already queued. Returns the calls that never ran, for the
    /// caller to drop outside the lock.
    pub(crate) fn close(&self) -> Vec<RemoteCall> {
        self.blocking.shut_down();
        let mut inbox = self.inbox.lock().unwrap_or_else(PoisonError::into_inner);
        inbox.closed = true;
        inbox.wakes.clear();
        std::mem::take(&mut inbox.calls)
    }

    /// Whether the loop has ended.
    pub(crate) fn is_closed(&self) -> bool {
        self.inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed
    }

    /// Tells the loop that something arrived: it looks at the inbox before it next sleeps, and is
    /// woken if it sleeps already. The flag is stored before `sleeping` is read and the loop stores
    /// `sleeping` before it reads the flag (both sequentially consistent), so at least one side
    /// sees the other: either the loop finds the flag and does not sleep, or it is signalled.
    fn signal(&self) {
        self.injected.store(true, Ordering::SeqCst);
        if self.sleeping.load(Ordering::SeqCst) {
            self.notify();
        }
    }

    /// Wakes the loop from `wait`, or makes its next `wait` return at once.
    fn notify(&self) {
        match self.poller.get() {
            // Fails only if the kernel refuses to signal the poller's own eventfd, which leaves
            // nothing to do from a waker: the loop then notices the wake-up at its next turn.
            Some(poller) => drop(poller.notify()),
            None => self.thread.unpark(),
        }
    }

    /// The pool that runs the loop's `spawn_blocking` jobs.
    pub(crate) fn blocking(&self) -> &BlockingPool {
        &self.blocking
    }

    /// The poller, for registering I/O sources; opened at the first call.
    ///
    /// # Panics
    /// If the system refuses to open one (out of file descriptors).
    pub(crate) fn poller(&self) -> &Poller {
        self.poller.get_or_init(|| {
            let poller = Poller::new().unwrap_or_else(|e| {
                panic!("aiochan: cannot create the event loop's poller ({e}); is the process out of file descriptors?")
            });
            // A signal sent while the loop had no poller unparked its thread, which the poller's
            // wait does not see: its first wait returns at once, and the loop looks again.
            drop(poller.notify());
            poller
        })
    }

    /// Sleeps until a signal, an I/O event, or the timeout, filling `events` with the I/O events.
    /// Returns at once if something arrived in the inbox since it was last drained.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) {
        events.clear();
        self.sleeping.store(true, Ordering::SeqCst);
        if !self.injected.load(Ordering::SeqCst) {
            match self.poller.get() {
                Some(poller) => {
                    if let Err(e) = poller.wait(events, timeout) {
                        if e.kind() != std::io::ErrorKind::Interrupted {
                            panic!("aiochan: the event loop's poller failed: {e}");
                        }
                    }
                }
                None => match timeout {
                    Some(timeout) if timeout.is_zero() => {}
                    Some(timeout) => std::thread::park_timeout(timeout),
                    None => std::thread::park(),
                },
            }
        }
        self.sleeping.store(false, Ordering::Relaxed);
    }

    /// Something outside the loop may now wake it.
    pub(crate) fn acquire(&self) {
        self.keepalive.fetch_add(1, Ordering::Relaxed);
    }

    /// Something that could wake the loop is gone; if it was the last, the loop is woken to check
    /// whether it is deadlocked.
    pub(crate) fn release(&self) {
        if self.keepalive.fetch_sub(1, Ordering::Release) == 1 {
            self.signal();
        }
    }

    /// Whether anything outside the loop could still wake it. The count is read before the inject
    /// flag: a waker that wakes and then drops is then seen in one or the other.
    pub(crate) fn may_wake(&self) -> bool {
        self.keepalive.load(Ordering::Acquire) > 0 || self.injected.load(Ordering::Acquire)
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("keepalive", &self.keepalive.load(Ordering::Relaxed))
            .field("closed", &self.is_closed())
            .field("blocking", &self.blocking)
            .finish()
    }
}
