//! Loop-aware synchronisation: locks, semaphores, wait groups, notifications, barriers and once
//! cells for tasks of one loop, for code that guards shared state the way Go code does.
//!
//! # Channels or locks?
//!
//! Channels come first in aiochan: a task that *owns* some state and serves requests for it over a
//! channel needs no lock, and a pipeline passes values along instead of sharing them. Reach for
//! this module when sharing is the simpler design: a cache or a set of accounts that many tasks
//! read and update in place, a limit on how many tasks do something at once, "wait until these
//! tasks are done", "run this once, whoever asks first". Go programs use `sync.Mutex` and
//! `sync.WaitGroup` next to channels for the same reasons.
//!
//! A `std::cell::RefCell` is enough for state that no task holds across an `.await` (the loop runs
//! one task at a time, and a task keeps the thread between two awaits). The primitives here are
//! for the other case: a task that must keep the state to itself *across* awaits, or wait until
//! some other task has done something.
//!
//! | primitive | for | Go |
//! |---|---|---|
//! | [`Mutex`] | exclusive access to a value, held across awaits | `sync.Mutex` |
//! | [`RwLock`] | many readers or one writer | `sync.RWMutex` |
//! | [`Semaphore`] | at most `n` at once | `semaphore.Weighted`, a buffered channel |
//! | [`WaitGroup`] | wait for a number of tasks to finish | `sync.WaitGroup` |
//! | [`Notify`] | wake one waiting task, or all | `sync.Cond` |
//! | [`Barrier`] | `n` tasks meet before any goes on | |
//! | [`OnceCell`] | a value initialised once, by whichever task asks first | `sync.Once` |
//!
//! # On the loop
//!
//! Every primitive belongs to the thread it was made on (`!Send`), like a [`Chan`](crate::Chan).
//! [`Semaphore`], [`WaitGroup`], [`Notify`] and [`Barrier`] are cheap handles: clone one for each
//! task. [`Mutex`], [`RwLock`] and [`OnceCell`] own their value, like the standard library's
//! types: share one between tasks behind an `Rc` (`Rc<Mutex<T>>`). To guard state shared with
//! other threads, use the standard library's locks or a [`Handle`](crate::Handle) instead.
//!
//! ```compile_fail
//! fn needs_send<T: Send>(_: T) {}
//! needs_send(aiochan::sync::Mutex::new(0)); // a loop's lock cannot cross threads
//! ```
//!
//! - **FIFO.** Waiting tasks are served in the order they started to wait. Releasing a lock hands
//!   it straight to the oldest waiter, so a task that releases and locks again at once queues
//!   behind it; a waiting writer of an `RwLock` makes later readers wait, so writers never starve.
//! - **Cancel safety.** Dropping a waiting future (an aborted task, a future raced against another)
//!   withdraws it. If the lock or the permits had already been handed to it, they pass on to the
//!   next waiter: nothing is ever lost.
//! - **Deadlock reports.** A task waiting on a primitive is a parked operation of the loop: if
//!   every task waits, `run` panics with a report that says what each waits on and who holds it
//!   (`task 'a': waits on lock 'm2' held by task 'b'`), and the leak check of
//!   [`testing`](crate::testing) reports tasks left waiting when `main` returns. Name primitives
//!   with `named` to make the reports readable; unnamed ones are named by where they were made.
//! - **Schedule exploration.** Under [`Builder::perturb`](crate::Builder::perturb) (which
//!   [`testing::explore`](crate::testing::explore) uses) and under PCT
//!   ([`Explore::pct`](crate::testing::Explore::pct)), every acquire is a scheduling point: the
//!   task may yield before it tries, so that bugs such as two tasks taking two locks in opposite
//!   orders show up. Under the plain schedule an acquire that finds the primitive free completes
//!   at once and never yields.
//!
//! ```
//! use std::rc::Rc;
//! use std::time::Duration;
//! use aiochan::{go, sleep, sync::{Mutex, WaitGroup}};
//!
//! let total = aiochan::testing::check(1, async {
//!     let balance = Rc::new(Mutex::new(0).named("balance"));
//!     let wg = WaitGroup::new();
//!     for i in 1..=3 {
//!         wg.add(1);
//!         let (balance, wg) = (balance.clone(), wg.clone());
//!         go(async move {
//!             let mut b = balance.lock().await;
//!             let seen = *b;
//!             sleep(Duration::from_millis(1)).await; // holds the lock across an await
//!             *b = seen + i;
//!             wg.done();
//!         });
//!     }
//!     wg.wait().await;
//!     let total = *balance.lock().await;
//!     total
//! });
//! assert_eq!(total, 6);
//! ```

mod barrier;
mod mutex;
mod notify;
mod once_cell;
mod queue;
mod rwlock;
mod semaphore;
mod wait_group;

use std::rc::Rc;
use std::task::Context;

use crate::runtime::{self, SyncSite, TaskId, WaitsOn};

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult};
pub use mutex::{Lock, Mutex, MutexGuard};
pub use notify::{Notified, Notify};
pub use once_cell::OnceCell;
pub use rwlock::{Read, RwLock, RwLockReadGuard, RwLockWriteGuard, Write};
pub use semaphore::{Acquire, Semaphore, SemaphorePermit};
pub use wait_group::{Wait, WaitGroup};

/// Records, for the deadlock report and the leak check, that the task polled with `cx` waits on
/// the primitive `site` names.
fn note_wait(cx: &Context<'_>, site: &Rc<SyncSite>) {
    runtime::note_wait(
        cx,
        || WaitsOn::Sync(site.clone()),
        |w| matches!(w, WaitsOn::Sync(s) if Rc::ptr_eq(s, site)),
    );
}

/// The holder of what a future just acquired: the task it was granted to, as recorded when the
/// grant was made, or else (a future polled through a foreign waker, or one that acquired at once)
/// the task polling it now, recorded here.
fn holder(site: &SyncSite, granted_to: Option<TaskId>) -> Option<TaskId> {
    if granted_to.is_some() {
        return granted_to;
    }
    let task = runtime::current_task();
    site.add_holder(task);
    task
}
