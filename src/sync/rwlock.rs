//! `RwLock`: many readers or one writer, served in FIFO order so that writers never starve.

use std::cell::{Ref, RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::queue::{with_wakes, yield_first, WaitQueue};
use crate::chan::handler::Wakes;
use crate::runtime::{self, SyncSite, TaskId};

/// A read-write lock guarding a value of type `T` for the tasks of one loop: any number of tasks
/// may hold it for reading ([`read`](RwLock::read)), or one task for writing
/// ([`write`](RwLock::write)).
///
/// Tasks are served in the order they asked: a writer waiting for the readers to finish makes the
/// readers that come after it wait too, so a steady stream of readers cannot starve a writer. When
/// a writer lets go, the readers queued right behind it all get the lock together. Share an
/// `RwLock` between tasks behind an `Rc`.
///
/// ```
/// use std::rc::Rc;
/// use aiochan::{go, nop, sync::RwLock};
///
/// aiochan::run(async {
///     let config = Rc::new(RwLock::new(String::from("v1")).named("config"));
///     let r1 = config.read().await;
///     let r2 = config.read().await; // readers share the lock
///     assert_eq!((r1.as_str(), r2.as_str()), ("v1", "v1"));
///     let c = config.clone();
///     let writer = go(async move { *c.write().await = String::from("v2") });
///     nop().await; // the writer now waits for the readers
///     assert!(config.try_read().is_none(), "a waiting writer holds later readers back");
///     drop((r1, r2));
///     writer.await;
///     assert_eq!(*config.read().await, "v2");
/// });
/// ```
pub struct RwLock<T> {
    /// Who holds the lock, and who waits for it.
    state: RefCell<RwState>,
    /// How reports name the lock, and which tasks hold it.
    site: Rc<SyncSite>,
    /// The value, borrowed by the guards.
    value: RefCell<T>,
}

/// Which kind of access a waiting future asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// The lock's own state.
#[derive(Debug, Default)]
struct RwState {
    /// How many read guards exist, or have been handed to waiters that have yet to take them.
    readers: usize,
    /// Whether a write guard exists, or was handed to a waiter that has yet to take it.
    writer: bool,
    /// The futures waiting for the lock, oldest first.
    waiters: WaitQueue<Access, ()>,
}

impl RwState {
    /// Hands the lock to the waiters at the front of the queue that can have it now: one writer
    /// if nobody holds the lock, or every reader up to the next writer if no writer holds it.
    fn grant(&mut self, site: &SyncSite, wakes: &mut Wakes) {
        loop {
            match self.waiters.front() {
                Some(Access::Write) if !self.writer && self.readers == 0 => {
                    self.writer = true;
                }
                Some(Access::Read) if !self.writer => self.readers += 1,
                _ => return,
            }
            if let Some(holder) = self.waiters.grant_front((), wakes) {
                site.add_holder(holder);
            }
        }
    }
}

impl<T> RwLock<T> {
    /// An unlocked read-write lock guarding `value`.
    #[track_caller]
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            state: RefCell::default(),
            site: Rc::new(SyncSite::new("read-write lock", Location::caller())),
            value: RefCell::new(value),
        }
    }

    /// Names the lock, for `Debug` and deadlock reports (`waits on read-write lock 'config'`).
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> RwLock<T> {
        self.site.set_name(name.into());
        self
    }

    /// The name given with [`named`](RwLock::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.site.name()
    }

    /// Waits until no writer holds or waits for the lock ahead of this call, and takes it for
    /// reading.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes withdraws it from the queue; if the lock had
    /// already been handed to it, it lets go of it again (a writer waiting behind gets it once
    /// the other readers are done).
    pub fn read(&self) -> Read<'_, T> {
        Read {
            wait: Waiting::new(self, Access::Read),
        }
    }

    /// Waits until nobody holds the lock and every task that asked for it earlier has had it, and
    /// takes it for writing.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes withdraws it from the queue (readers queued behind
    /// it may then get the lock at once); if the lock had already been handed to it, it passes on
    /// to the next waiters.
    pub fn write(&self) -> Write<'_, T> {
        Write {
            wait: Waiting::new(self, Access::Write),
        }
    }

    /// Takes the lock for reading if no writer holds it or waits for it; `None` otherwise.
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        let mut st = self.state.borrow_mut();
        if st.writer || !st.waiters.is_empty() {
            return None;
        }
        st.readers += 1;
        drop(st);
        Some(self.read_guard(None))
    }

    /// Takes the lock for writing if nobody holds it; `None` otherwise.
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        let mut st = self.state.borrow_mut();
        if st.writer || st.readers > 0 || !st.waiters.is_empty() {
            return None;
        }
        st.writer = true;
        drop(st);
        Some(self.write_guard(None))
    }

    /// The value, through exclusive access to the lock itself: no locking needed.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The value, taken out of the lock.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }

    /// Tries to take the lock for `access` at once (the lock is free for it and nobody waits).
    fn try_take(&self, access: Access) -> bool {
        let mut st = self.state.borrow_mut();
        let free = match access {
            Access::Read => !st.writer,
            Access::Write => !st.writer && st.readers == 0,
        };
        if !free || !st.waiters.is_empty() {
            return false;
        }
        match access {
            Access::Read => st.readers += 1,
            Access::Write => st.writer = true,
        }
        true
    }

    fn read_guard(&self, granted_to: Option<TaskId>) -> RwLockReadGuard<'_, T> {
        let holder = super::holder(&self.site, granted_to);
        let value = self
            .value
            .try_borrow()
            .expect("aiochan: an RwLock gave out a read guard while a write guard exists");
        RwLockReadGuard {
            lock: self,
            value: Some(value),
            holder,
        }
    }

    fn write_guard(&self, granted_to: Option<TaskId>) -> RwLockWriteGuard<'_, T> {
        let holder = super::holder(&self.site, granted_to);
        let value = self
            .value
            .try_borrow_mut()
            .expect("aiochan: an RwLock gave out a write guard while another guard exists");
        RwLockWriteGuard {
            lock: self,
            value: Some(value),
            holder,
        }
    }

    /// Gives up `holder`'s hold of kind `access`, handing the lock on to whoever can have it now.
    fn release(&self, access: Access, holder: Option<TaskId>) {
        self.site.remove_holder(holder);
        with_wakes(&self.state, |st, wakes| {
            match access {
                Access::Read => st.readers -= 1,
                Access::Write => st.writer = false,
            }
            st.grant(&self.site, wakes);
        });
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("RwLock")
            .field("lock", &self.site.label())
            .field("readers", &st.readers)
            .field("writer", &st.writer)
            .field("held_by", &self.site.holder_labels())
            .field("waiters", &st.waiters.waiting())
            .finish()
    }
}

/// What the `Read` and `Write` futures share: a wait for one kind of access.
struct Waiting<'a, T> {
    /// The lock.
    lock: &'a RwLock<T>,
    /// Reading or writing.
    access: Access,
    /// Whether the scheduling point before the first try is behind it.
    started: bool,
    /// Its entry in the queue, while it waits.
    key: Option<usize>,
}

impl<'a, T> Waiting<'a, T> {
    fn new(lock: &'a RwLock<T>, access: Access) -> Waiting<'a, T> {
        Waiting {
            lock,
            access,
            started: false,
            key: None,
        }
    }

    /// One poll: `Ready` with the task the lock was handed to (if it was) once it is taken.
    fn poll(&mut self, cx: &Context<'_>) -> Poll<Option<TaskId>> {
        let lock = self.lock;
        if let Some(key) = self.key {
            let polled = lock.state.borrow_mut().waiters.poll(key, cx);
            return match polled {
                Poll::Ready(((), granted_to)) => {
                    self.key = None;
                    Poll::Ready(granted_to)
                }
                Poll::Pending => {
                    super::note_wait(cx, &lock.site);
                    Poll::Pending
                }
            };
        }
        if yield_first(&mut self.started, cx) {
            return Poll::Pending;
        }
        if lock.try_take(self.access) {
            return Poll::Ready(None);
        }
        self.key = Some(lock.state.borrow_mut().waiters.push(self.access, cx));
        super::note_wait(cx, &lock.site);
        Poll::Pending
    }
}

impl<T> Drop for Waiting<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let site = &self.lock.site;
        let (access, granted) = self.lock.state.borrow_mut().waiters.withdraw(key);
        match granted {
            Some(((), holder)) => self.lock.release(access, holder),
            // A writer leaving the front of the queue may let the readers behind it in.
            None => with_wakes(&self.lock.state, |st, wakes| st.grant(site, wakes)),
        }
    }
}

/// The future of [`RwLock::read`]: a read guard, once the lock is this task's to read.
///
/// # Cancel safety
/// Dropping it withdraws the wait; a lock already handed to it is let go of again.
#[must_use = "a read lock does nothing unless awaited"]
pub struct Read<'a, T> {
    /// The wait for read access.
    wait: Waiting<'a, T>,
}

impl<'a, T> Future for Read<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockReadGuard<'a, T>> {
        let lock = self.wait.lock;
        self.wait
            .poll(cx)
            .map(|granted_to| lock.read_guard(granted_to))
    }
}

impl<T> fmt::Debug for Read<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Read")
            .field("lock", self.wait.lock)
            .field("waiting", &self.wait.key.is_some())
            .finish()
    }
}

/// The future of [`RwLock::write`]: a write guard, once the lock is this task's alone.
///
/// # Cancel safety
/// Dropping it withdraws the wait; a lock already handed to it passes on to the next waiters.
#[must_use = "a write lock does nothing unless awaited"]
pub struct Write<'a, T> {
    /// The wait for write access.
    wait: Waiting<'a, T>,
}

impl<'a, T> Future for Write<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RwLockWriteGuard<'a, T>> {
        let lock = self.wait.lock;
        self.wait
            .poll(cx)
            .map(|granted_to| lock.write_guard(granted_to))
    }
}

impl<T> fmt::Debug for Write<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Write")
            .field("lock", self.wait.lock)
            .field("waiting", &self.wait.key.is_some())
            .finish()
    }
}

/// Holds an [`RwLock`] for reading; dropping it lets go of the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T> {
    /// The lock.
    lock: &'a RwLock<T>,
    /// The value, until the guard lets go of the lock.
    value: Option<Ref<'a, T>>,
    /// The task recorded as one of the lock's holders.
    holder: Option<TaskId>,
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_deref().expect("a live guard holds the value")
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None;
        self.lock.release(Access::Read, self.holder);
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockReadGuard")
            .field("lock", &self.lock.site.label())
            .field("value", &**self)
            .field("held_by", &self.holder.map(runtime::task_label))
            .finish()
    }
}

/// Holds an [`RwLock`] for writing; dropping it hands the lock on to the next waiters.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T> {
    /// The lock.
    lock: &'a RwLock<T>,
    /// The value, until the guard gives the lock up.
    value: Option<RefMut<'a, T>>,
    /// The task recorded as the lock's holder.
    holder: Option<TaskId>,
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value.as_deref().expect("a live guard holds the value")
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value
            .as_deref_mut()
            .expect("a live guard holds the value")
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.value = None;
        self.lock.release(Access::Write, self.holder);
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockWriteGuard")
            .field("lock", &self.lock.site.label())
            .field("value", &**self)
            .field("held_by", &self.holder.map(runtime::task_label))
            .finish()
    }
}
