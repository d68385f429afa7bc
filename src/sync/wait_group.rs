//! `WaitGroup`: Go's `sync.WaitGroup`, a counter of unfinished work that tasks wait to reach zero.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::queue::{with_wakes, yield_first, WaitQueue};
use crate::runtime::{Progress, SyncSite};

/// A counter of work still to finish, as Go's `sync.WaitGroup`: [`add`](WaitGroup::add) counts
/// work up, [`done`](WaitGroup::done) counts one piece down, and [`wait`](WaitGroup::wait) waits
/// until the counter is zero.
///
/// A cheap handle: clones share the same counter. Call `add` *before* starting the task that will
/// call `done`, or `wait` may find the counter at zero too early. When the counter reaches zero,
/// every task waiting is released; the group can then be used again.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use aiochan::{go, sync::WaitGroup};
///
/// aiochan::run(async {
///     let wg = WaitGroup::new().named("fetchers");
///     let pages = Rc::new(RefCell::new(Vec::new()));
///     for url in ["a", "b", "c"] {
///         wg.add(1);
///         let (wg, pages) = (wg.clone(), pages.clone());
///         go(async move {
///             pages.borrow_mut().push(format!("page {url}"));
///             wg.done();
///         });
///     }
///     wg.wait().await;
///     assert_eq!(pages.borrow().len(), 3);
/// });
/// ```
#[derive(Clone)]
pub struct WaitGroup {
    /// The counter and the waiting futures, shared by every clone.
    state: Rc<RefCell<WgState>>,
    /// How reports name the wait group, with its counter.
    site: Rc<SyncSite>,
}

/// The wait group's own state.
#[derive(Debug, Default)]
struct WgState {
    /// Work counted by `add` and not yet by `done`.
    count: usize,
    /// The futures waiting for the counter to reach zero.
    waiters: WaitQueue<(), ()>,
}

impl WaitGroup {
    /// A wait group with its counter at zero.
    #[track_caller]
    pub fn new() -> WaitGroup {
        let site = SyncSite::new("wait group", Location::caller());
        site.set_progress(Progress::Counter(0));
        WaitGroup {
            state: Rc::default(),
            site: Rc::new(site),
        }
    }

    /// Names the wait group, for `Debug` and deadlock reports (`waits on wait group 'fetchers'`).
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> WaitGroup {
        self.site.set_name(name.into());
        self
    }

    /// The name given with [`named`](WaitGroup::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.site.name()
    }

    /// Counts `n` more pieces of work to wait for.
    ///
    /// # Panics
    /// If the counter would overflow `usize`.
    pub fn add(&self, n: usize) {
        let mut st = self.state.borrow_mut();
        st.count = st.count.checked_add(n).unwrap_or_else(|| {
            panic!(
                "aiochan: WaitGroup::add({n}) overflows the counter of {}",
                self.site.label()
            )
        });
        self.site.set_progress(Progress::Counter(st.count));
    }

    /// Counts one piece of work as finished; at zero, releases every waiting task.
    ///
    /// # Panics
    /// If the counter is already zero: `done` was called more times than `add` counted.
    #[track_caller]
    pub fn done(&self) {
        if self.count() == 0 {
            panic!(
                "aiochan: WaitGroup::done called on {} whose counter is already zero: \
                 call add(n) once for each of the n calls to done, before starting the work",
                self.site.label()
            );
        }
        let site = &self.site;
        with_wakes(&self.state, |st, wakes| {
            st.count -= 1;
            site.set_progress(Progress::Counter(st.count));
            if st.count == 0 {
                while st.waiters.grant_front((), wakes).is_some() {}
            }
        });
    }

    /// The counter: work counted by `add` and not yet by `done`.
    pub fn count(&self) -> usize {
        self.state.borrow().count
    }

    /// Waits until the counter is zero (at once if it is).
    ///
    /// # Cancel safety
    /// Dropping the future withdraws it; the counter and the other waiters are not affected.
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            group: self,
            started: false,
            key: None,
        }
    }
}

impl Default for WaitGroup {
    #[track_caller]
    fn default() -> WaitGroup {
        WaitGroup::new()
    }
}

impl fmt::Debug for WaitGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("WaitGroup")
            .field("wait_group", &self.site.label())
            .field("count", &st.count)
            .field("waiters", &st.waiters.waiting())
            .finish()
    }
}

/// The future of [`WaitGroup::wait`]: completes once the counter is zero.
///
/// # Cancel safety
/// Dropping it withdraws the wait and affects nothing else.
#[must_use = "a wait does nothing unless awaited"]
pub struct Wait<'a> {
    /// The wait group.
    group: &'a WaitGroup,
    /// Whether the scheduling point before the first try is behind it.
    started: bool,
    /// Its entry in the queue, while it waits.
    key: Option<usize>,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let group = self.group;
        if let Some(key) = self.key {
            let polled = group.state.borrow_mut().waiters.poll(key, cx);
            if polled.is_ready() {
                self.key = None;
                return Poll::Ready(());
            }
            super::note_wait(cx, &group.site);
            return Poll::Pending;
        }
        if yield_first(&mut self.started, cx) {
            return Poll::Pending;
        }
        let mut st = group.state.borrow_mut();
        if st.count == 0 {
            return Poll::Ready(());
        }
        self.key = Some(st.waiters.push((), cx));
        drop(st);
        super::note_wait(cx, &group.site);
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            // Nothing granted to a wait needs passing on: the counter already reached zero.
            let _ = self.group.state.borrow_mut().waiters.withdraw(key);
        }
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("group", self.group)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
