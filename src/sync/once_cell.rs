//! `OnceCell`: a value set once, by whichever task asks first, while the others wait for it.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::queue::{with_wakes, yield_first, WaitQueue};
use crate::runtime::{SyncSite, TaskId};

/// A cell set at most once, for the tasks of one loop: [`get_or_init`](OnceCell::get_or_init)
/// runs an async initialiser the first time, and every task calling it meanwhile waits for that
/// one initialiser instead of starting its own. Go's `sync.Once`, with the value kept.
///
/// If the initialiser's future is dropped before it completes (its task was aborted, or it lost a
/// `select!`), the task that has waited longest takes over and runs its own initialiser. Share a
/// cell between tasks behind an `Rc`.
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use aiochan::{go, sleep, sync::OnceCell};
///
/// aiochan::testing::check(1, async {
///     let config = Rc::new(OnceCell::new().named("config"));
///     let loads = Rc::new(Cell::new(0));
///     let mut readers = Vec::new();
///     for _ in 0..3 {
///         let (config, loads) = (config.clone(), loads.clone());
///         readers.push(go(async move {
///             let port = *config
///                 .get_or_init(|| async {
///                     loads.set(loads.get() + 1);
///                     sleep(Duration::from_millis(5)).await; // reading a file, say
///                     8080
///                 })
///                 .await;
///             port
///         }));
///     }
///     for reader in readers {
///         assert_eq!(reader.await, 8080);
///     }
///     assert_eq!(loads.get(), 1, "one task loaded it; the others waited");
/// });
/// ```
pub struct OnceCell<T> {
    /// The value, once set.
    value: std::cell::OnceCell<T>,
    /// Whether an initialiser runs, and who waits for it.
    state: RefCell<OnceState>,
    /// How reports name the cell, and which task initialises it.
    site: Rc<SyncSite>,
}

/// What a waiting `get_or_init` was handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// The value is set.
    Filled,
    /// The initialiser was dropped: this waiter runs its own.
    Init,
}

/// The cell's own state.
#[derive(Debug, Default)]
struct OnceState {
    /// Whether an initialiser runs (or a waiter was handed the turn and has yet to start).
    initializing: bool,
    /// The `get_or_init` calls waiting for the initialiser, oldest first.
    waiters: WaitQueue<(), Turn>,
}

impl<T> OnceCell<T> {
    /// An empty cell.
    #[track_caller]
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value: std::cell::OnceCell::new(),
            state: RefCell::default(),
            site: Rc::new(SyncSite::new("once cell", Location::caller())),
        }
    }

    /// Names the cell, for `Debug` and deadlock reports (`waits on once cell 'config'`).
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> OnceCell<T> {
        self.site.set_name(name.into());
        self
    }

    /// The name given with [`named`](OnceCell::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.site.name()
    }

    /// The value, if it is set.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// Sets the value if the cell is empty and no initialiser runs. Otherwise hands `value` back
    /// (`Err`), so that it is never dropped unseen and never races an initialiser.
    ///
    /// ```
    /// use aiochan::sync::OnceCell;
    ///
    /// let cell = OnceCell::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(2));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        if self.state.borrow().initializing {
            return Err(value);
        }
        self.value.set(value)
    }

    /// The value, initialised by `init` if the cell is empty. While one call's initialiser runs,
    /// every other call waits for it (in order), then returns the value it set; `init` is then
    /// never called.
    ///
    /// # Cancel safety
    /// Dropping a waiting call withdraws it. Dropping the call whose initialiser runs, before it
    /// completes, hands the turn to the call that has waited longest, which runs its own
    /// initialiser; if none waits, the cell is left empty for the next call.
    pub async fn get_or_init<F, Fut>(&self, init: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let initializer = match (Claim {
            cell: self,
            started: false,
            key: None,
        })
        .await
        {
            Claimed::Filled => return self.filled(),
            Claimed::Turn(initializer) => initializer,
        };
        let value = init().await;
        initializer.fill(value)
    }

    /// Whether an initialiser runs.
    pub fn is_initializing(&self) -> bool {
        self.state.borrow().initializing
    }

    /// The value, taken out of the cell.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// The value, known to be set.
    fn filled(&self) -> &T {
        self.value
            .get()
            .expect("aiochan: a OnceCell woke its waiters before it was set")
    }

    /// Gives up the turn to initialise held by `holder`: hands it to the oldest waiter, or leaves
    /// the cell empty.
    fn pass_turn(&self, holder: Option<TaskId>) {
        self.site.remove_holder(holder);
        with_wakes(&self.state, |st, wakes| {
            match st.waiters.grant_front(Turn::Init, wakes) {
                Some(next) => self.site.add_holder(next),
                None => st.initializing = false,
            }
        });
    }
}

impl<T> Default for OnceCell<T> {
    #[track_caller]
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("OnceCell")
            .field("cell", &self.site.label())
            .field("value", &self.value.get())
            .field("initialised_by", &self.site.holder_labels())
            .field("waiters", &st.waiters.waiting())
            .finish()
    }
}

/// What waiting for a turn at a `OnceCell` came to.
enum Claimed<'a, T> {
    /// The value is set.
    Filled,
    /// This call initialises it.
    Turn(Initializer<'a, T>),
}

/// The wait of `get_or_init` for the value, or for its turn to initialise.
struct Claim<'a, T> {
    /// The cell.
    cell: &'a OnceCell<T>,
    /// Whether the scheduling point before the first try is behind it.
    started: bool,
    /// Its entry in the queue, while it waits.
    key: Option<usize>,
}

impl<'a, T> Future for Claim<'a, T> {
    type Output = Claimed<'a, T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Claimed<'a, T>> {
        let cell = self.cell;
        if let Some(key) = self.key {
            let polled = cell.state.borrow_mut().waiters.poll(key, cx);
            return match polled {
                Poll::Ready((Turn::Filled, _)) => {
                    self.key = None;
                    Poll::Ready(Claimed::Filled)
                }
                Poll::Ready((Turn::Init, granted_to)) => {
                    self.key = None;
                    Poll::Ready(Claimed::Turn(Initializer::new(cell, granted_to)))
                }
                Poll::Pending => {
                    super::note_wait(cx, &cell.site);
                    Poll::Pending
                }
            };
        }
        if yield_first(&mut self.started, cx) {
            return Poll::Pending;
        }
        if cell.value.get().is_some() {
            return Poll::Ready(Claimed::Filled);
        }
        let mut st = cell.state.borrow_mut();
        if !st.initializing {
            st.initializing = true;
            drop(st);
            return Poll::Ready(Claimed::Turn(Initializer::new(cell, None)));
        }
        self.key = Some(st.waiters.push((), cx));
        drop(st);
        super::note_wait(cx, &cell.site);
        Poll::Pending
    }
}

impl<T> Drop for Claim<'_, T> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let ((), granted) = self.cell.state.borrow_mut().waiters.withdraw(key);
        if let Some((Turn::Init, holder)) = granted {
            self.cell.pass_turn(holder);
        }
    }
}

/// The turn to initialise a `OnceCell`, held while the initialiser runs; dropped unfilled, it
/// passes the turn on.
struct Initializer<'a, T> {
    /// The cell.
    cell: &'a OnceCell<T>,
    /// The task recorded as initialising the cell.
    holder: Option<TaskId>,
    /// Set once the value is in the cell.
    filled: bool,
}

impl<'a, T> Initializer<'a, T> {
    fn new(cell: &'a OnceCell<T>, granted_to: Option<TaskId>) -> Initializer<'a, T> {
        Initializer {
            cell,
            holder: super::holder(&cell.site, granted_to),
            filled: false,
        }
    }

    /// Sets the value and wakes every waiting call to read it.
    fn fill(mut self, value: T) -> &'a T {
        let cell = self.cell;
        if cell.value.set(value).is_err() {
            unreachable!("aiochan: a OnceCell was set while an initialiser held the turn");
        }
        self.filled = true;
        cell.site.remove_holder(self.holder);
        with_wakes(&cell.state, |st, wakes| {
            st.initializing = false;
            while st.waiters.grant_front(Turn::Filled, wakes).is_some() {}
        });
        cell.filled()
    }
}

impl<T> Drop for Initializer<'_, T> {
    fn drop(&mut self) {
        if !self.filled {
            self.cell.pass_turn(self.holder);
        }
    }
}
