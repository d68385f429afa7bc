//! The handler protocol of core.async: who waits on a parked operation, whether that party is still
//! active, and committing it.
//!
//! A parked put or get is one entry in its channel. Committing it (when another party completes the
//! transfer) stores the result in the entry and tells the party: a future's task is woken, a select
//! learns which of its arms completed, a callback is queued to run. The arms of one select share a
//! [`Flag`]: the first arm to commit clears it, which makes every other arm inactive at once.
//!
//! An operation that completes at once needs no commit of its own: a select first tries every arm
//! without parking (see `select`), so only parked parties are ever committed.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::task::{Context, Waker};

use crate::runtime::waker::Waiter;

/// The "active" state shared by the arms of one select.
#[derive(Debug, Default)]
pub(crate) struct Flag {
    /// The arm that committed first; `None` while the select is still active.
    committed: Cell<Option<usize>>,
    /// Whom to wake when an arm parked in some channel commits: the task polling the select.
    waiter: RefCell<Option<Waiter>>,
}

impl Flag {
    pub(crate) fn is_active(&self) -> bool {
        self.committed.get().is_none()
    }

    /// Commits arm `arm`: every other arm becomes inactive. Returns whom to wake.
    pub(crate) fn commit(&self, arm: usize) -> Option<Waiter> {
        debug_assert!(self.is_active(), "a select committed twice");
        self.committed.set(Some(arm));
        self.waiter.borrow_mut().take()
    }

    /// How traces name the select's task.
    pub(crate) fn label(&self, core: &crate::runtime::core::Core) -> String {
        match self.waiter.borrow().as_ref() {
            Some(waiter) => core.waiter_label(waiter),
            None => "a select".to_string(),
        }
    }

    /// The task of this loop that polls the select, if it is one.
    pub(crate) fn task(&self) -> Option<crate::runtime::task::TaskId> {
        match self.waiter.borrow().as_ref() {
            Some(Waiter::Task(task)) => Some(*task),
            _ => None,
        }
    }

    /// The arm that committed, if one has.
    pub(crate) fn committed(&self) -> Option<usize> {
        self.committed.get()
    }

    /// Makes sure a later commit wakes whoever polls with `cx`.
    pub(crate) fn set_waiter(&self, cx: &Context<'_>) {
        let mut waiter = self.waiter.borrow_mut();
        if !waiter.as_ref().is_some_and(|w| w.wakes(cx)) {
            *waiter = Some(Waiter::of(cx));
        }
    }
}

/// The party that started an operation, as the channel sees it while the operation runs.
pub(crate) enum Who<'a, R> {
    /// A `put`/`get` future polled with this waker; parks with it.
    Future(&'a Waker),
    /// A callback form: the callback is taken out to park, and left in place otherwise.
    Callback(&'a mut Option<Callback<R>>),
    /// `add`: parks with nobody to tell when it completes.
    Background,
    /// `try_put` / `try_get`, and the first pass of a select: never parks.
    Try,
}

/// A callback of the callback forms, run with the result of the operation.
pub(crate) type Callback<R> = Box<dyn FnOnce(R)>;

impl<R> Who<'_, R> {
    /// core.async's `blockable?`, and what to leave in the channel if it is: the parked party.
    pub(crate) fn park(self) -> Option<Party<R>> {
        match self {
            Who::Future(waker) => Some(Party::Future(Waiter::of_waker(waker))),
            Who::Callback(cb) => cb.take().map(Party::Callback),
            Who::Background => Some(Party::Background),
            Who::Try => None,
        }
    }
}

/// A parked party.
pub(crate) enum Party<R> {
    /// A `put`/`get` future; its task is woken to collect the result.
    Future(Waiter),
    /// Arm `arm` of a select.
    Select { flag: Rc<Flag>, arm: usize },
    /// A callback form.
    Callback(Callback<R>),
    /// A put of `add`: nobody waits for it.
    Background,
}

impl<R> Party<R> {
    /// Whether the party still wants the operation.
    pub(crate) fn is_active(&self) -> bool {
        match self {
            Party::Select { flag, .. } => flag.is_active(),
            Party::Future(_) | Party::Callback(_) | Party::Background => true,
        }
    }
}

impl<R> Party<R> {
    /// How traces name the party.
    pub(crate) fn label(&self, core: &crate::runtime::core::Core) -> String {
        match self {
            Party::Future(waiter) => core.waiter_label(waiter),
            Party::Select { flag, .. } => flag.label(core),
            Party::Callback(_) => "a callback".to_string(),
            Party::Background => "a background put".to_string(),
        }
    }
}

impl<R> fmt::Debug for Party<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Future(w) => f.debug_tuple("Future").field(w).finish(),
            Party::Select { arm, .. } => f.debug_struct("Select").field("arm", arm).finish(),
            Party::Callback(_) => f.write_str("Callback"),
            Party::Background => f.write_str("Background"),
        }
    }
}

/// What to do once the channel's state is no longer borrowed: wake parties, run callbacks, drop
/// values a buffer discarded.
/// Most operations notify at most one party, a task of the loop, which is scheduled at once; the
/// first notification that must wait is kept inline.
#[derive(Default)]
pub(crate) struct Wakes {
    first: Option<Notify>,
    rest: Vec<Notify>,
}

/// One notification.
enum Notify {
    Wake(Waiter),
    Call(Box<dyn FnOnce()>),
    /// A value to drop: its `Drop` may use the channel.
    Drop(Box<dyn Any>),
}

impl Wakes {
    /// Wakes `waiter`. A task of the loop is scheduled at once: that only queues its id and runs
    /// none of its code, so it is safe while the channel is borrowed. Other wakers may run foreign
    /// code and wait for `run`, as does every wake after one that waits, to keep their order.
    #[inline]
    pub(crate) fn wake(&mut self, waiter: Waiter) {
        match waiter {
            Waiter::Task(_) if self.first.is_none() => waiter.wake(),
            waiter => self.push(Notify::Wake(waiter)),
        }
    }

    pub(crate) fn call(&mut self, f: impl FnOnce() + 'static) {
        self.push(Notify::Call(Box::new(f)));
    }

    /// Drops `value` once the state is no longer borrowed: a value the buffer discarded, whose
    /// `Drop` may use the channel. (A put hands its discarded value back in its outcome instead,
    /// without this allocation.)
    pub(crate) fn drop_later<V: 'static>(&mut self, value: V) {
        self.push(Notify::Drop(Box::new(value)));
    }

    fn push(&mut self, n: Notify) {
        if self.first.is_none() {
            self.first = Some(n);
        } else {
            self.rest.push(n);
        }
    }

    /// Delivers the notifications in order, leaving the list empty and unallocated. Callbacks of
    /// parked operations run as tasks of the loop in a later turn (or right away when no loop runs),
    /// never inside the operation that completed them.
    #[inline(always)]
    pub(crate) fn run(&mut self) {
        // Most operations notify nobody (a buffered put or get): that path must cost nothing, so
        // the check reads the one field in place rather than moving the whole list.
        if self.first.is_some() {
            self.deliver();
        }
    }

    #[inline(never)]
    fn deliver(&mut self) {
        if let Some(first) = self.first.take() {
            first.deliver();
        }
        if !self.rest.is_empty() {
            for n in std::mem::take(&mut self.rest) {
                n.deliver();
            }
        }
    }
}

impl Notify {
    fn deliver(self) {
        match self {
            Notify::Wake(waiter) => waiter.wake(),
            Notify::Call(f) => crate::runtime::defer(f),
            Notify::Drop(value) => drop(value),
        }
    }
}
