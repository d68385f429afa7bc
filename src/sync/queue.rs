//! The queue every primitive of `sync` keeps its waiting futures in: FIFO, withdrawal in constant
//! time, and grants that wait in the entry until their future collects them.
//!
//! A future that cannot acquire at once pushes an entry and keeps its key. Releasing the primitive
//! *grants* the oldest entries (hands them the lock, the permits, the turn), which unlinks them
//! from the queue, records the task granted, and wakes it; the entry then waits in the slab for its
//! future's next poll to collect the grant. A future dropped before that withdraws its entry and
//! learns whether something was granted to it, which its primitive then passes on, so that nothing
//! granted is ever lost.

use std::cell::RefCell;
use std::fmt;
use std::task::{Context, Poll};

use slab::Slab;

use crate::chan::handler::Wakes;
use crate::runtime::waker::Waiter;
use crate::runtime::{self, TaskId};

/// The waiting futures of one primitive, oldest first, and the grants not yet collected.
pub(crate) struct WaitQueue<R, G> {
    /// Every entry whose future has neither collected nor withdrawn it.
    entries: Slab<Entry<R, G>>,
    /// The oldest waiting entry.
    head: Option<usize>,
    /// The newest waiting entry.
    tail: Option<usize>,
    /// How many entries wait (the linked ones; granted entries are not counted).
    waiting: usize,
}

/// One future's entry: what it asks for (`R`: permits, read or write) and where it stands.
struct Entry<R, G> {
    /// What the future asks for.
    request: R,
    /// The entry queued just before it, while it waits.
    prev: Option<usize>,
    /// The entry queued just after it, while it waits.
    next: Option<usize>,
    /// Waiting, or granted.
    stage: Stage<G>,
}

/// Where an entry stands.
enum Stage<G> {
    /// Linked in the queue; the waiter is whom to wake when it is granted.
    Waiting(Waiter),
    /// Granted `grant`, to the task `holder` (`None` if a foreign waker stood for the future).
    Granted {
        /// What was granted (a notify permit, the value of a once cell, ...).
        grant: G,
        /// The task the grant was made to, as recorded in the primitive's site.
        holder: Option<TaskId>,
    },
}

/// What a withdrawn entry had been granted, if anything: the grant and the task it was made to.
pub(crate) type Withdrawn<G> = Option<(G, Option<TaskId>)>;

impl<R, G> Default for WaitQueue<R, G> {
    fn default() -> WaitQueue<R, G> {
        WaitQueue {
            entries: Slab::new(),
            head: None,
            tail: None,
            waiting: 0,
        }
    }
}

impl<R, G> WaitQueue<R, G> {
    /// Queues a future polled with `cx`, asking for `request`; returns its key.
    pub(crate) fn push(&mut self, request: R, cx: &Context<'_>) -> usize {
        let key = self.entries.insert(Entry {
            request,
            prev: self.tail,
            next: None,
            stage: Stage::Waiting(Waiter::of(cx)),
        });
        match self.tail {
            Some(tail) => self.entries[tail].next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.waiting += 1;
        key
    }

    /// What the oldest waiting future asks for.
    pub(crate) fn front(&self) -> Option<&R> {
        self.head.map(|key| &self.entries[key].request)
    }

    /// How many futures wait.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting
    }

    /// Whether no future waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting == 0
    }

    /// Grants `grant` to the oldest waiting future and wakes it (through `wakes`). Returns `None`
    /// if no future waits, else the task granted, for the primitive to record as a holder.
    pub(crate) fn grant_front(&mut self, grant: G, wakes: &mut Wakes) -> Option<Option<TaskId>> {
        let key = self.head?;
        self.unlink(key);
        let entry = &mut self.entries[key];
        let holder = match &entry.stage {
            Stage::Waiting(waiter) => waiter.task(),
            Stage::Granted { .. } => unreachable!("only waiting entries are linked"),
        };
        if let Stage::Waiting(waiter) =
            std::mem::replace(&mut entry.stage, Stage::Granted { grant, holder })
        {
            wakes.wake(waiter);
        }
        Some(holder)
    }

    /// One poll of the future that owns entry `key`: the grant and its task once granted (the
    /// entry is then gone), else keeps the entry waking whoever polls with `cx`.
    pub(crate) fn poll(&mut self, key: usize, cx: &Context<'_>) -> Poll<(G, Option<TaskId>)> {
        if let Stage::Waiting(waiter) = &mut self.entries[key].stage {
            if !waiter.wakes(cx) {
                *waiter = Waiter::of(cx);
            }
            return Poll::Pending;
        }
        match self.entries.remove(key).stage {
            Stage::Granted { grant, holder } => Poll::Ready((grant, holder)),
            Stage::Waiting(_) => unreachable!("the entry was just seen granted"),
        }
    }

    /// Withdraws entry `key`, whose future is being dropped: returns what it asked for, and what
    /// it had been granted if anything (which the caller must pass on).
    pub(crate) fn withdraw(&mut self, key: usize) -> (R, Withdrawn<G>) {
        if let Stage::Waiting(_) = self.entries[key].stage {
            self.unlink(key);
        }
        let entry = self.entries.remove(key);
        match entry.stage {
            Stage::Granted { grant, holder } => (entry.request, Some((grant, holder))),
            Stage::Waiting(_) => (entry.request, None),
        }
    }

    /// Takes waiting entry `key` out of the queue's links (it stays in the slab).
    fn unlink(&mut self, key: usize) {
        let Entry { prev, next, .. } = self.entries[key];
        match prev {
            Some(prev) => self.entries[prev].next = next,
            None => self.head = next,
        }
        match next {
            Some(next) => self.entries[next].prev = prev,
            None => self.tail = prev,
        }
        self.waiting -= 1;
    }
}

impl<R, G> fmt::Debug for WaitQueue<R, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitQueue")
            .field("waiting", &self.waiting)
            .field("granted", &(self.entries.len() - self.waiting))
            .finish()
    }
}

/// Runs `f` on a primitive's state, then wakes whoever it granted, once the state is no longer
/// borrowed (a foreign waker may run code that uses the primitive).
pub(crate) fn with_wakes<S, R>(state: &RefCell<S>, f: impl FnOnce(&mut S, &mut Wakes) -> R) -> R {
    let mut wakes = Wakes::default();
    let result = f(&mut state.borrow_mut(), &mut wakes);
    wakes.run();
    result
}

/// The scheduling point before every acquire: under schedule exploration
/// ([`Builder::perturb`](crate::Builder::perturb)) the first poll of an acquiring future yields
/// once, as [`nop`](crate::nop) does, when the loop's seed draws so; `started` records that the
/// point is behind it. Returns whether the future must return `Pending` now. Under the plain
/// schedule it never yields, so an acquire that finds the primitive free completes in one poll.
pub(crate) fn yield_first(started: &mut bool, cx: &Context<'_>) -> bool {
    if *started {
        return false;
    }
    *started = true;
    if runtime::yields_before_acquire() {
        cx.waker().wake_by_ref();
        return true;
    }
    false
}
