//! `Mutex`: exclusive access to a value, held across awaits, handed on to waiters in FIFO order.

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::queue::{with_wakes, yield_first, WaitQueue};
use crate::runtime::{self, SyncSite, TaskId};

/// A lock guarding a value of type `T` for the tasks of one loop: [`lock`](Mutex::lock) waits
/// until no other task holds it, and the [`MutexGuard`] it returns gives access to the value until
/// it is dropped.
///
/// Waiting tasks get the lock in the order they asked for it: dropping a guard hands the lock
/// straight to the oldest waiter. Share a mutex between tasks behind an `Rc`. Name it with
/// [`named`](Mutex::named) so that deadlock reports say which lock a task waits on, and which task
/// holds it.
///
/// ```
/// use std::rc::Rc;
/// use aiochan::{go, nop, sync::Mutex};
///
/// aiochan::run(async {
///     let accounts = Rc::new(Mutex::new(vec![100, 0]).named("accounts"));
///     let a = accounts.clone();
///     let transfer = go(async move {
///         let mut acc = a.lock().await;
///         acc[0] -= 30;
///         nop().await; // other tasks run, but none can see the half-done transfer
///         acc[1] += 30;
///     });
///     nop().await;
///     let acc = accounts.lock().await; // waits for the transfer to drop its guard
///     assert_eq!(*acc, [70, 30]);
///     drop(acc);
///     transfer.await;
/// });
/// ```
pub struct Mutex<T> {
    /// Whether the lock is held, and who waits for it.
    state: RefCell<LockState>,
    /// How reports name the lock, and which task holds it.
    site: Rc<SyncSite>,
    /// The value, borrowed mutably by the one guard that exists at a time.
    value: RefCell<T>,
}

/// The lock's own state.
#[derive(Debug, Default)]
struct LockState {
    /// Whether a guard holds the lock, or a waiter was handed it and has yet to take it.
    locked: bool,
    /// The futures waiting for the lock. Only ever non-empty while it is locked.
    waiters: WaitQueue<(), ()>,
}

impl<T> Mutex<T> {
    /// An unlocked mutex guarding `value`.
    #[track_caller]
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            state: RefCell::default(),
            site: Rc::new(SyncSite::new("lock", Location::caller())),
            value: RefCell::new(value),
        }
    }

    /// Names the lock, for `Debug` and deadlock reports (`waits on lock 'accounts'`).
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> Mutex<T> {
        self.site.set_name(name.into());
        self
    }

    /// The name given with [`named`](Mutex::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.site.name()
    }

    /// Waits until the lock is free, takes it, and returns the guard that holds it.
    ///
    /// Tasks waiting for the lock get it in the order they called `lock`. An uncontended lock
    /// completes in the same poll (except under schedule exploration, where every acquire may
    /// yield first).
    ///
    /// # Cancel safety
    /// Dropping the future before it completes withdraws it from the queue. If the lock had
    /// already been handed to it, the lock passes on to the next waiter (or is released): it is
    /// never lost.
    pub fn lock(&self) -> Lock<'_, T> {
        Lock {
            mutex: self,
            started: false,
            key: None,
        }
    }

    /// Takes the lock if it is free; `None` if a task holds it (or waits for it).
    ///
    /// ```
    /// use aiochan::sync::Mutex;
    ///
    /// let m = Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_none());
    /// drop(guard);
    /// assert!(m.try_lock().is_some());
    /// ```
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        let mut st = self.state.borrow_mut();
        if st.locked {
            return None;
        }
        st.locked = true;
        drop(st);
        Some(self.guard(None))
    }

    /// Whether a task holds the lock (or was handed it and has yet to take it).
    pub fn is_locked(&self) -> bool {
        self.state.borrow().locked
    }

    /// The value, through exclusive access to the mutex itself: no lock needed.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The value, taken out of the mutex.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// The guard of a lock just taken, by the task `granted_to` if it was handed the lock.
    fn guard(&self, granted_to: Option<TaskId>) -> MutexGuard<'_, T> {
        let holder = super::holder(&self.site, granted_to);
        let value = self
            .value
            .try_borrow_mut()
            .expect("aiochan: a Mutex gave out two guards at once");
        MutexGuard {
            mutex: self,
            value: Some(value),
            holder,
        }
    }

    /// Gives up the lock held by `holder`: hands it to the oldest waiter, or frees it.
    fn unlock(&self, holder: Option<TaskId>) {
        self.site.remove_holder(holder);
        with_wakes(&self.state, |st, wakes| {
            match st.waiters.grant_front((), wakes) {
                Some(next) => self.site.add_holder(next),
                None => st.locked = false,
            }
        });
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("Mutex")
            .field("lock", &self.site.label())
            .field("locked", &st.locked)
            .field("held_by", &self.site.holder_labels())
            .field("waiters", &st.waiters.waiting())
            .finish()
    }
}

/// The future of [`Mutex::lock`]: the guard, once the lock is this task's.
///
/// # Cancel safety
/// Dropping it withdraws the wait; a lock already handed to it passes on to the next waiter.
#[must_use = "a lock does nothing unless awaited"]
pub struct Lock<'a, T> {
    /// The mutex.
    mutex: &'a Mutex<T>,
    /// Whether the scheduling point before the first try is behind it.
    started: bool,
    /// Its entry in the queue, while it waits.
    key: Option<usize>,
}

impl<'a, T> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let mutex = self.mutex;
        if let Some(key) = self.key {
            let polled = mutex.state.borrow_mut().waiters.poll(key, cx);
            return match polled {
                Poll::Ready(((), granted_to)) => {
                    self.key = None;
                    Poll::Ready(mutex.guard(granted_to))
                }
                Poll::Pending => {
                    super::note_wait(cx, &mutex.site);
                    Poll::Pending
                }
            };
        }
        if yield_first(&mut self.started, cx) {
            return Poll::Pending;
        }
        let mut st = mutex.state.borrow_mut();
        if !st.locked {
            st.locked = true;
            drop(st);
            return Poll::Ready(mutex.guard(None));
        }
        self.key = Some(st.waiters.push((), cx));
        drop(st);
        super::note_wait(cx, &mutex.site);
        Poll::Pending
    }
}

impl<T> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let ((), granted) = self.mutex.state.borrow_mut().waiters.withdraw(key);
            if let Some(((), holder)) = granted {
                self.mutex.unlock(holder);
            }
        }
    }
}

impl<T> fmt::Debug for Lock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("mutex", self.mutex)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// Holds a [`Mutex`]'s lock and gives access to its value; dropping it releases the lock, handing
/// it to the oldest waiting task.
///
/// ```
/// use std::rc::Rc;
/// use aiochan::{go, nop, sync::Mutex};
///
/// aiochan::run(async {
///     let names = Rc::new(Mutex::new(Vec::new()));
///     let mut guard = names.lock().await;
///     let n = names.clone();
///     let late = go(async move { n.lock().await.push("late") });
///     nop().await; // `late` now waits for the lock
///     guard.push("first");
///     drop(guard); // hands the lock to `late`
///     late.await;
///     assert_eq!(*names.lock().await, ["first", "late"]);
/// });
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T> {
    /// The mutex whose lock it holds.
    mutex: &'a Mutex<T>,
    /// The value, until the guard gives the lock up.
    value: Option<RefMut<'a, T>>,
    /// The task recorded as the lock's holder.
    holder: Option<TaskId>,
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_deref().expect("a live guard holds the value")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
            .as_deref_mut()
            .expect("a live guard holds the value")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // The borrow ends before the next holder can be handed the lock.
        self.value = None;
        self.mutex.unlock(self.holder);
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexGuard")
            .field("lock", &self.mutex.site.label())
            .field("value", &**self)
            .field("held_by", &self.holder.map(runtime::task_label))
            .finish()
    }
}
