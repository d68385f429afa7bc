//! `Notify`: wakes one waiting task (keeping a permit if none waits), or every waiting task.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::queue::{with_wakes, yield_first, WaitQueue};
use crate::runtime::SyncSite;

/// Wakes tasks waiting in [`notified`](Notify::notified): one at a time with
/// [`notify_one`](Notify::notify_one), or all at once with
/// [`notify_waiters`](Notify::notify_waiters). It carries no data: the state it signals about
/// lives elsewhere (in a `RefCell`, a [`Mutex`](super::Mutex)); check the state, and wait only if
/// it is not yet what you need.
///
/// `notify_one` wakes the task that has waited longest; if no task waits, it stores one permit,
/// which the next `notified` consumes at once (several calls still store only one). So a
/// notification sent just before the task starts to wait is not lost.
///
/// A cheap handle: clones share the same waiters and permit.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use aiochan::{go, sync::Notify};
///
/// aiochan::run(async {
///     let queue = Rc::new(RefCell::new(Vec::new()));
///     let ready = Notify::new().named("queue not empty");
///     let (q, r) = (queue.clone(), ready.clone());
///     let consumer = go(async move {
///         loop {
///             if let Some(job) = q.borrow_mut().pop() {
///                 return job;
///             }
///             r.notified().await;
///         }
///     });
///     queue.borrow_mut().push("job");
///     ready.notify_one();
///     assert_eq!(consumer.await, "job");
/// });
/// ```
#[derive(Clone)]
pub struct Notify {
    /// The permit and the waiting futures, shared by every clone.
    state: Rc<RefCell<NotifyState>>,
    /// How reports name it.
    site: Rc<SyncSite>,
}

/// Which call released a waiting future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wakeup {
    /// `notify_one`: a future dropped before it sees it passes it on, so it is not lost.
    One,
    /// `notify_waiters`: meant for everyone waiting at that moment; nothing to pass on.
    All,
}

/// The state of a `Notify`.
#[derive(Debug, Default)]
struct NotifyState {
    /// Stored by `notify_one` when no task waited; taken by the next `notified`.
    permit: bool,
    /// How many times `notify_waiters` has been called: a `Notified` made before a call completes
    /// even if it had not started to wait yet.
    generation: u64,
    /// The futures waiting, oldest first.
    waiters: WaitQueue<(), Wakeup>,
}

impl Notify {
    /// A `Notify` with no permit stored.
    #[track_caller]
    pub fn new() -> Notify {
        Notify {
            state: Rc::default(),
            site: Rc::new(SyncSite::new("notify", Location::caller())),
        }
    }

    /// Names it, for `Debug` and deadlock reports (`waits on notify 'queue not empty'`).
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> Notify {
        self.site.set_name(name.into());
        self
    }

    /// The name given with [`named`](Notify::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.site.name()
    }

    /// Wakes the task that has waited longest in `notified`; if none waits, stores a permit for
    /// the next call of `notified` (at most one is stored).
    pub fn notify_one(&self) {
        with_wakes(&self.state, |st, wakes| {
            if st.waiters.grant_front(Wakeup::One, wakes).is_none() {
                st.permit = true;
            }
        });
    }

    /// Wakes every task waiting in `notified`, and completes every `Notified` future already made
    /// (even one not yet awaited). Stores no permit: a later `notified` waits.
    ///
    /// ```
    /// use aiochan::sync::Notify;
    ///
    /// aiochan::run(async {
    ///     let n = Notify::new();
    ///     let early = n.notified(); // made before the call: completes
    ///     n.notify_waiters();
    ///     early.await;
    ///     assert!(!n.has_permit());
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        with_wakes(&self.state, |st, wakes| {
            st.generation += 1;
            while st.waiters.grant_front(Wakeup::All, wakes).is_some() {}
        });
    }

    /// Whether a permit of `notify_one` is stored, for the next `notified` to take.
    pub fn has_permit(&self) -> bool {
        self.state.borrow().permit
    }

    /// Waits for a notification: completes at once by taking the stored permit if there is one,
    /// otherwise when `notify_one` picks this task or `notify_waiters` is called (after this call:
    /// the future counts from when it was made, not from its first poll).
    ///
    /// # Cancel safety
    /// Dropping the future withdraws it. If `notify_one` had already picked it, the notification
    /// passes on to the next waiting task, or is stored as the permit: it is never lost.
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            generation: self.state.borrow().generation,
            started: false,
            key: None,
        }
    }
}

impl Default for Notify {
    #[track_caller]
    fn default() -> Notify {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("Notify")
            .field("notify", &self.site.label())
            .field("permit", &st.permit)
            .field("waiters", &st.waiters.waiting())
            .finish()
    }
}

/// The future of [`Notify::notified`]: completes once notified.
///
/// # Cancel safety
/// Dropping it withdraws the wait; a `notify_one` that had picked it passes on.
#[must_use = "a notified does nothing unless awaited"]
pub struct Notified<'a> {
    /// The `Notify`.
    notify: &'a Notify,
    /// The `Notify`'s count of `notify_waiters` calls when the future was made.
    generation: u64,
    /// Whether the scheduling point before the first try is behind it.
    started: bool,
    /// Its entry in the queue, while it waits.
    key: Option<usize>,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let notify = self.notify;
        if let Some(key) = self.key {
            let polled = notify.state.borrow_mut().waiters.poll(key, cx);
            if polled.is_ready() {
                self.key = None;
                return Poll::Ready(());
            }
            super::note_wait(cx, &notify.site);
            return Poll::Pending;
        }
        if yield_first(&mut self.started, cx) {
            return Poll::Pending;
        }
        let mut st = notify.state.borrow_mut();
        if st.generation != self.generation {
            return Poll::Ready(());
        }
        if st.permit {
            st.permit = false;
            return Poll::Ready(());
        }
        self.key = Some(st.waiters.push((), cx));
        drop(st);
        super::note_wait(cx, &notify.site);
        Poll::Pending
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let ((), granted) = self.notify.state.borrow_mut().waiters.withdraw(key);
        if let Some((Wakeup::One, _)) = granted {
            self.notify.notify_one();
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("notify", self.notify)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
