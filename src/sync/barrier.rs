//! `Barrier`: `n` tasks wait for each other, then all go on together; reusable.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::queue::{with_wakes, yield_first, WaitQueue};
use crate::runtime::{Progress, SyncSite};

/// Makes `n` tasks meet: each calls [`wait`](Barrier::wait), and the first `n - 1` wait until the
/// `n`th arrives; then all `n` go on, and the barrier starts over for the next round (a new
/// *generation*). The task whose arrival completed the round is its *leader*: exactly one per
/// round, for work that one task should do between rounds.
///
/// A cheap handle: clones share the same barrier.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use aiochan::{go, sync::Barrier};
///
/// let log = aiochan::run(async {
///     let barrier = Barrier::new(3).named("phase");
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let mut workers = Vec::new();
///     for id in 0..3 {
///         let (barrier, log) = (barrier.clone(), log.clone());
///         workers.push(go(async move {
///             log.borrow_mut().push(format!("load {id}"));
///             let leader = barrier.wait().await.is_leader();
///             log.borrow_mut().push(format!("compute {id}"));
///             leader
///         }));
///     }
///     let mut leaders = 0;
///     for worker in workers {
///         leaders += usize::from(worker.await);
///     }
///     assert_eq!(leaders, 1);
///     log.take()
/// });
/// // Nobody computes before everyone has loaded.
/// assert!(log[..3].iter().all(|l| l.starts_with("load")));
/// assert!(log[3..].iter().all(|l| l.starts_with("compute")));
/// ```
#[derive(Clone)]
pub struct Barrier {
    /// The round in progress, shared by every clone.
    state: Rc<RefCell<BarrierState>>,
    /// How reports name it, with how many tasks have arrived.
    site: Rc<SyncSite>,
}

/// The state of a barrier.
#[derive(Debug)]
struct BarrierState {
    /// How many tasks each round waits for.
    parties: usize,
    /// How many tasks of the current round have arrived (and still wait).
    arrived: usize,
    /// How many rounds have completed.
    generation: u64,
    /// The tasks of the current round that wait for the rest.
    waiters: WaitQueue<(), ()>,
}

impl Barrier {
    /// A barrier for rounds of `n` tasks.
    ///
    /// # Panics
    /// If `n` is 0: a round needs at least one task (`Barrier::new(1)` never makes a task wait).
    #[track_caller]
    pub fn new(n: usize) -> Barrier {
        assert!(
            n > 0,
            "aiochan: Barrier::new(0): a barrier's rounds need at least one task; \
             give the number of tasks that call wait in each round"
        );
        let site = SyncSite::new("barrier", Location::caller());
        site.set_progress(Progress::Arrived(0, n));
        Barrier {
            state: Rc::new(RefCell::new(BarrierState {
                parties: n,
                arrived: 0,
                generation: 0,
                waiters: WaitQueue::default(),
            })),
            site: Rc::new(site),
        }
    }

    /// Names the barrier, for `Debug` and deadlock reports (`waits on barrier 'phase'`).
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> Barrier {
        self.site.set_name(name.into());
        self
    }

    /// The name given with [`named`](Barrier::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.site.name()
    }

    /// Arrives at the barrier and waits until the round's other tasks have arrived too.
    ///
    /// # Cancel safety
    /// Dropping the future before its round completes withdraws its arrival: the round then waits
    /// for one more task. Once the round has completed, dropping the future changes nothing.
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            started: false,
            key: None,
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("Barrier")
            .field("barrier", &self.site.label())
            .field("parties", &st.parties)
            .field("arrived", &st.arrived)
            .field("generation", &st.generation)
            .finish()
    }
}

/// What [`Barrier::wait`] gives each task of a completed round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    /// Whether this task's arrival completed the round.
    leader: bool,
}

impl BarrierWaitResult {
    /// Whether this task's arrival completed the round: true for exactly one task of each round.
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

/// The future of [`Barrier::wait`]: completes once the round is complete.
///
/// # Cancel safety
/// Dropping it before the round completes withdraws its arrival.
#[must_use = "a barrier wait does nothing unless awaited"]
pub struct BarrierWait<'a> {
    /// The barrier.
    barrier: &'a Barrier,
    /// Whether the scheduling point before arriving is behind it.
    started: bool,
    /// Its entry in the queue, while it waits.
    key: Option<usize>,
}

impl Future for BarrierWait<'_> {
    type Output = BarrierWaitResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let barrier = self.barrier;
        if let Some(key) = self.key {
            let polled = barrier.state.borrow_mut().waiters.poll(key, cx);
            if polled.is_ready() {
                self.key = None;
                return Poll::Ready(BarrierWaitResult { leader: false });
            }
            super::note_wait(cx, &barrier.site);
            return Poll::Pending;
        }
        if yield_first(&mut self.started, cx) {
            return Poll::Pending;
        }
        let site = &barrier.site;
        let key = with_wakes(&barrier.state, |st, wakes| {
            st.arrived += 1;
            if st.arrived < st.parties {
                site.set_progress(Progress::Arrived(st.arrived, st.parties));
                return Some(st.waiters.push((), cx));
            }
            st.arrived = 0;
            st.generation += 1;
            site.set_progress(Progress::Arrived(0, st.parties));
            while st.waiters.grant_front((), wakes).is_some() {}
            None
        });
        match key {
            Some(key) => {
                self.key = Some(key);
                super::note_wait(cx, site);
                Poll::Pending
            }
            None => Poll::Ready(BarrierWaitResult { leader: true }),
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else {
            return;
        };
        let mut st = self.barrier.state.borrow_mut();
        let ((), granted) = st.waiters.withdraw(key);
        if granted.is_none() {
            st.arrived -= 1;
            self.barrier
                .site
                .set_progress(Progress::Arrived(st.arrived, st.parties));
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("barrier", self.barrier)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
