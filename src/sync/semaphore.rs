//! `Semaphore`: a count of permits, taken by tasks in FIFO order and given back when their permit
//! guards drop.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::queue::{with_wakes, yield_first, WaitQueue};
use crate::chan::handler::Wakes;
use crate::runtime::{self, SyncSite, TaskId};

/// A count of permits for the tasks of one loop: [`acquire`](Semaphore::acquire) waits until a
/// permit is free and takes it, and the [`SemaphorePermit`] it returns gives it back when dropped.
/// Use it to let at most `n` tasks do something at once (open connections, run requests).
///
/// A cheap handle: clones share the same permits. Tasks get permits in the order they asked for
/// them; a task asking for many permits ([`acquire_many`](Semaphore::acquire_many)) makes later
/// tasks wait behind it even if a smaller request could be served, so large requests never starve.
/// The permit guard owns a handle, so it can move into another task.
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use aiochan::{go, sleep, sync::Semaphore};
///
/// let most = aiochan::testing::check(1, async {
///     let limit = Semaphore::new(2).named("downloads");
///     let (running, most) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
///     let mut tasks = Vec::new();
///     for _ in 0..5 {
///         let (limit, running, most) = (limit.clone(), running.clone(), most.clone());
///         tasks.push(go(async move {
///             let _permit = limit.acquire().await;
///             running.set(running.get() + 1);
///             most.set(most.get().max(running.get()));
///             sleep(Duration::from_millis(10)).await; // the download
///             running.set(running.get() - 1);
///         }));
///     }
///     for task in tasks {
///         task.await;
///     }
///     most.get()
/// });
/// assert_eq!(most, 2);
/// ```
#[derive(Clone)]
pub struct Semaphore {
    /// The permits and who waits for them, shared by every clone.
    state: Rc<RefCell<SemState>>,
    /// How reports name the semaphore, and which tasks hold its permits.
    site: Rc<SyncSite>,
}

/// The semaphore's own state.
#[derive(Debug, Default)]
struct SemState {
    /// Permits nobody holds.
    available: usize,
    /// The futures waiting for permits, oldest first, with how many each asks for.
    waiters: WaitQueue<usize, ()>,
}

impl SemState {
    /// Hands permits to the waiters at the front of the queue for as long as there are enough for
    /// the oldest one.
    fn grant(&mut self, site: &SyncSite, wakes: &mut Wakes) {
        while let Some(&n) = self.waiters.front() {
            if n > self.available {
                return;
            }
            self.available -= n;
            if let Some(holder) = self.waiters.grant_front((), wakes) {
                if n > 0 {
                    site.add_holder(holder);
                }
            }
        }
    }
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            state: Rc::new(RefCell::new(SemState {
                available: permits,
                waiters: WaitQueue::default(),
            })),
            site: Rc::new(SyncSite::new("semaphore", Location::caller())),
        }
    }

    /// Names the semaphore, for `Debug` and deadlock reports (`waits on semaphore 'downloads'`).
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> Semaphore {
        self.site.set_name(name.into());
        self
    }

    /// The name given with [`named`](Semaphore::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.site.name()
    }

    /// Waits for one permit and takes it.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes withdraws it from the queue; permits already handed
    /// to it go back to the semaphore, for the next waiters.
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// Waits until `n` permits are free and nobody asked before, and takes them together. If the
    /// semaphore will never have `n` permits, the task waits for ever (and a deadlock report or the
    /// leak check says so).
    ///
    /// # Cancel safety
    /// Dropping the future before it completes withdraws it from the queue (smaller requests
    /// queued behind it may then be served at once); permits already handed to it go back to the
    /// semaphore, for the next waiters.
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            n,
            started: false,
            key: None,
        }
    }

    /// Takes one permit if one is free and nobody waits; `None` otherwise.
    pub fn try_acquire(&self) -> Option<SemaphorePermit> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody waits; `None` otherwise.
    ///
    /// ```
    /// use aiochan::sync::Semaphore;
    ///
    /// let pool = Semaphore::new(3);
    /// let two = pool.try_acquire_many(2).unwrap();
    /// assert!(pool.try_acquire_many(2).is_none());
    /// assert_eq!(pool.available_permits(), 1);
    /// drop(two);
    /// assert_eq!(pool.available_permits(), 3);
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit> {
        let mut st = self.state.borrow_mut();
        if n > st.available || !st.waiters.is_empty() {
            return None;
        }
        st.available -= n;
        drop(st);
        Some(self.permit(n, None))
    }

    /// Adds `n` permits, handing them to waiting tasks in order.
    ///
    /// # Panics
    /// If the semaphore would then have more than `usize::MAX` free permits.
    pub fn add_permits(&self, n: usize) {
        let site = &self.site;
        with_wakes(&self.state, |st, wakes| {
            st.available = st.available.checked_add(n).unwrap_or_else(|| {
                panic!(
                    "aiochan: Semaphore::add_permits({n}) overflows the permits of {}: \
                     it would have more than usize::MAX free permits",
                    site.label()
                )
            });
            st.grant(site, wakes);
        });
    }

    /// How many permits are free now.
    pub fn available_permits(&self) -> usize {
        self.state.borrow().available
    }

    /// The permit guard of `n` permits just taken, by the task `granted_to` if they were handed to
    /// it.
    fn permit(&self, n: usize, granted_to: Option<TaskId>) -> SemaphorePermit {
        let holder = if n > 0 {
            super::holder(&self.site, granted_to)
        } else {
            None
        };
        SemaphorePermit {
            semaphore: self.clone(),
            n,
            holder,
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("Semaphore")
            .field("semaphore", &self.site.label())
            .field("available", &st.available)
            .field("held_by", &self.site.holder_labels())
            .field("waiters", &st.waiters.waiting())
            .finish()
    }
}

/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`]: the permit guard, once
/// the permits are this task's.
///
/// # Cancel safety
/// Dropping it withdraws the wait; permits already handed to it go back to the semaphore.
#[must_use = "an acquire does nothing unless awaited"]
pub struct Acquire<'a> {
    /// The semaphore.
    semaphore: &'a Semaphore,
    /// How many permits it asks for.
    n: usize,
    /// Whether the scheduling point before the first try is behind it.
    started: bool,
    /// Its entry in the queue, while it waits.
    key: Option<usize>,
}

impl Future for Acquire<'_> {
    type Output = SemaphorePermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit> {
        let semaphore = self.semaphore;
        if let Some(key) = self.key {
            let polled = semaphore.state.borrow_mut().waiters.poll(key, cx);
            return match polled {
                Poll::Ready(((), granted_to)) => {
                    self.key = None;
                    Poll::Ready(semaphore.permit(self.n, granted_to))
                }
                Poll::Pending => {
                    super::note_wait(cx, &semaphore.site);
                    Poll::Pending
                }
            };
        }
        if yield_first(&mut self.started, cx) {
            return Poll::Pending;
        }
        let mut st = semaphore.state.borrow_mut();
        if self.n <= st.available && st.waiters.is_empty() {
            st.available -= self.n;
            drop(st);
            return Poll::Ready(semaphore.permit(self.n, None));
        }
        self.key = Some(st.waiters.push(self.n, cx));
        drop(st);
        super::note_wait(cx, &semaphore.site);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let semaphore = self.semaphore;
        let (n, granted) = semaphore.state.borrow_mut().waiters.withdraw(key);
        if let Some(((), holder)) = granted {
            if n > 0 {
                semaphore.site.remove_holder(holder);
            }
        }
        with_wakes(&semaphore.state, |st, wakes| {
            if granted.is_some() {
                st.available += n;
            }
            // Given back permits, or a large request leaving the front, may let others in.
            st.grant(&semaphore.site, wakes);
        });
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("semaphore", self.semaphore)
            .field("permits", &self.n)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

/// Permits taken from a [`Semaphore`]; dropping it gives them back, handing them to waiting tasks
/// in order. It holds a handle to its semaphore, so it can move into another task.
///
/// ```
/// use aiochan::{go, sync::Semaphore};
///
/// aiochan::run(async {
///     let workers = Semaphore::new(1).named("workers");
///     let permit = workers.acquire().await; // taken before spawning, released by the task
///     let job = go(async move {
///         let _permit = permit;
///         "done"
///     });
///     assert_eq!(workers.available_permits(), 0);
///     assert_eq!(job.await, "done");
///     assert_eq!(workers.available_permits(), 1);
/// });
/// ```
#[must_use = "the permits are given back as soon as the guard is dropped"]
pub struct SemaphorePermit {
    /// The semaphore the permits came from.
    semaphore: Semaphore,
    /// How many permits it holds.
    n: usize,
    /// The task recorded as one of the semaphore's holders (`None` for no permits).
    holder: Option<TaskId>,
}

impl SemaphorePermit {
    /// How many permits it holds.
    pub fn permits(&self) -> usize {
        self.n
    }

    /// Drops the guard without giving its permits back: the semaphore has that many fewer for
    /// good.
    ///
    /// ```
    /// use aiochan::sync::Semaphore;
    ///
    /// let s = Semaphore::new(2);
    /// s.try_acquire().unwrap().forget();
    /// assert_eq!(s.available_permits(), 1);
    /// ```
    pub fn forget(mut self) {
        self.semaphore.site.remove_holder(self.holder);
        self.holder = None;
        self.n = 0;
    }
}

impl Drop for SemaphorePermit {
    fn drop(&mut self) {
        if self.n == 0 {
            return;
        }
        self.semaphore.site.remove_holder(self.holder);
        self.semaphore.add_permits(self.n);
    }
}

impl fmt::Debug for SemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.semaphore.site.label())
            .field("permits", &self.n)
            .field("held_by", &self.holder.map(runtime::task_label))
            .finish()
    }
}
