//! The single-threaded event loop: tasks, turns, timers, virtual time and seeds.
//!
//! [`run`] starts a loop on the calling thread and drives one main future to completion;
//! [`go`] spawns tasks on it; [`nop`](nop()) yields; [`sleep`] waits on the loop's timer wheel.
//!
//! # Ordering rules
//!
//! The loop is deterministic: the order in which tasks run follows from these rules alone (and,
//! where a choice is random, from the seed). Under virtual time a program therefore prints the same
//! thing on every run.
//!
//! 1. **The ready queue is FIFO.** A *turn* runs the tasks that were ready when the turn began, in
//!    the order they became ready; a task woken during a turn runs in a later turn. A spawned task
//!    never runs inline at spawn time: it joins the back of the queue.
//! 2. **Timers.** Among timers with the same deadline, those set at an earlier instant fire first,
//!    as if the work between instants took a little time; timers with the same deadline set at the
//!    same instant fire together, making their tasks ready in the order they were set. After each
//!    such group fires, turns run until no task is ready; only then does the next group fire (or
//!    after at most 32 turns, by rule 5, if tasks keep each other ready that long). An *instant* is
//!    the loop's clock as of the start of the turn, in whole milliseconds (the wheel's resolution).
//! 3. **No interleaving unless await.** A task runs until it awaits something that is not ready;
//!    nothing else runs in between.
//! 4. **`run` returns once the main future's completion has been seen by the loop.** The loop sees
//!    it at the end of the turn that follows the one in which the main future completed: the tasks
//!    that were ready when it completed, and those woken later in that same turn, get that one
//!    last turn, as in Python's asyncio, whose loop stops on a callback queued when the main task
//!    finishes. The main future is never polled again, whatever wakes it. Then the callbacks of
//!    operations that completed (`put_then`, `get_then`, a cross-thread put) and have not run yet
//!    run, in the order they were queued; the tasks still pending are dropped, and their
//!    destructors run.
//!
//! A callback of `put_then` or `get_then` whose operation completes when another task acts (a get
//! that takes the parked put's value, say) runs as a task of its own in a later turn, never inside
//! that task's operation (Python's aiochan runs it inside); an operation that completes at once
//! runs its callback before `put_then`/`get_then` returns.
//!
//! 5. **No starvation.** A task that yields in a loop cannot starve timers or I/O: after at most 32
//!    turns in a row the loop looks at due timers and I/O even while tasks are still ready. Under
//!    virtual time the clock moves only when nothing is ready.
//!
//! # Schedules
//!
//! [`Builder::schedule`] chooses how the loop orders its ready tasks. Only the default keeps rule
//! 1; rule 3 holds under every schedule, and rules 2, 4 and 5 hold except as said below.
//!
//! - [`Schedule::Fifo`] (the default) is rule 1 as stated.
//! - [`Schedule::Perturb`] (what [`Builder::perturb`] and
//!   [`testing::explore`](crate::testing::explore) use) keeps the turns of rule 1 but runs the
//!   tasks of each turn in an order drawn from the seed. Under virtual time it also relaxes rules
//!   2 and 5: after a turn the clock may jump to the next timer and fire its group while tasks are
//!   still ready (one chance in four per turn while a timer is armed, at most one group per turn,
//!   always in deadline order), so that a timer or ticker can fire between two steps of busy
//!   work.
//! - [`Schedule::Pct`] (probabilistic concurrency testing) gives up turns. Each *step* polls one
//!   task: the ready task of highest priority, wherever it stands in the queue, a task woken by
//!   the previous step included. Every task, the main future too, gets a random priority, drawn
//!   from the seed, when the loop first sees it ready (a spawned task still never runs inline);
//!   priorities only ever drop, in two ways. At each of the `depth - 1` *change points*, steps
//!   drawn from the seed, the task just polled drops below every task that still has its first
//!   priority. A task that wakes itself during its poll (it awaits [`nop`](nop()), a `sync` acquire
//!   yields before it tries, it spins until another task sets a flag) drops below every other
//!   task, as `nop` promises: every task ready then runs before it resumes, and a spin-wait lets
//!   the task it waits on run. For rule 4, the last turn after the main future completed polls
//!   each task ready then once, highest priority first; for rule 5 each step counts as a turn.
//!
//! # Failures
//!
//! A panic in a task ends the run: the other tasks are dropped and `run` panics with the task's
//! name, the message and the seed. So does a panic anywhere else the loop runs code: in a
//! [`Handle::call`] closure or a [`Handle::spawn_with`] constructor ("a remote call"), in a
//! destructor as the loop ends ("the destructor of task 'worker'"), or in the main future (named
//! "main"; a payload that is not a string, from `panic_any`, is resumed unchanged). However a run
//! ends, it ends the same way: other threads see it ended ([`Handle::is_ended`]), queued remote
//! calls and threads blocked in [`ChanSender::put_blocking`](crate::ChanSender::put_blocking) get
//! `LoopEnded` with their values handed back, and every destructor runs. When the main future is pending and nothing can ever wake anything, `run`
//! panics with `deadlock: all tasks are asleep` followed by one line per blocked task saying what it
//! waits on, and the seed to replay the run with.
//!
//! "Nothing can wake anything" means: no task is ready, no timer is armed, and no clone of a task's
//! waker is alive. aiochan's own futures (channels, select, timers, join handles) park bare task ids
//! and never clone wakers, so a deadlock among them is always reported. A foreign future that clones
//! the waker might hand the clone to another thread, so while such a clone lives the loop waits
//! instead: a deadlock involving a foreign future that keeps a waker (another crate's channel, a
//! combinator that wraps the waker) makes `run` wait forever rather than report.
//!
//! A [`Handle`] (and so a [`ChanSender`](crate::ChanSender), which holds one) counts the same way:
//! while one is alive, another thread may still send the loop work, so an idle loop waits for it
//! instead of reporting a deadlock. A test that wants the report should drop its handles and
//! senders once the other threads are done with them, or run its logic without threads under
//! [`testing::check`](crate::testing::check) or [`Builder::virtual_time`].
//!
//! # Threads
//!
//! Wakers work from any thread: a wake-up from the loop's own thread goes straight onto the ready
//! queue, one from another thread through a locked queue that wakes the sleeping loop. Foreign
//! futures (other crates' channels, combinators, a oneshot completed by a thread) run as on any
//! executor.
//!
//! # Under another executor
//!
//! Channels, select and `select_then` need no loop: under another executor (tokio's `LocalSet`,
//! a hand-written one) they work as they are. What starts a task ([`go`], the operators,
//! [`timeout`](crate::timeout), [`tick_tock`](crate::tick_tock)) needs a way to spawn there:
//! [`use_spawner`] installs one for the thread; sleeps then run in real time on a timer thread.
//! What reads the loop itself ([`now`], [`seed`], [`Handle::current`],
//! [`Chan::sender`](crate::Chan::sender)) panics outside a loop, naming the function called.

mod blocking;
mod blocking_pool;
mod builder;
pub(crate) mod callback_future;
mod clock;
mod context;
pub(crate) mod core;
mod deadlock;
mod foreign;
mod io;
mod join;
mod nop;
mod remote;
pub(crate) mod rng;
mod schedule;
mod shared;
pub(crate) mod task;
mod thread;
pub(crate) mod timer;
pub mod trace;
pub(crate) mod waker;

use std::any::Any;
use std::rc::Rc;
use std::task::Context;
use std::time::Instant;

pub use blocking::{spawn_blocking, Blocking};
pub(crate) use builder::{message_of, seed_from_env};
pub use builder::{run, run_in_thread, Builder, Runtime, SEED_VAR};
pub use foreign::{use_spawner, LocalTask, SpawnerGuard};
pub use io::Async;
pub use join::{go, go_named, JoinHandle};
pub use nop::{nop, Nop};
pub use remote::{Handle, LoopEnded, RemoteJoinHandle};
pub use schedule::Schedule;
pub use thread::LoopThread;
pub use timer::{sleep, sleep_until, Sleep};
pub use timer::{timeout_future, Elapsed, TimeoutFuture};

pub(crate) use context::{calling, next_number};
pub(crate) use deadlock::{ChanOp, ParkedIn, ParkedWait, Progress, SyncSite, WaitSite, WaitsOn};
pub(crate) use task::TaskId;

/// The loop's clock: the instant of the current turn. Under virtual time it moves only when no task
/// is ready, so `now()` then reads the same before and after any amount of work.
///
/// # Panics
/// Outside a running loop.
#[track_caller]
pub fn now() -> Instant {
    context::with_core("now", |core| core.clock().now())
}

/// The loop's clock inside a loop, the real one outside (under another executor, where sleeps run
/// in real time).
pub(crate) fn now_or_real() -> Instant {
    context::with_current(|core| core.clock().now()).unwrap_or_else(Instant::now)
}

/// The seed of the running loop's random choices; `AIOCHAN_SEED=<seed>` replays them in a run
/// whose seed is not fixed (see [`SEED_VAR`]).
///
/// # Panics
/// Outside a running loop.
#[track_caller]
pub fn seed() -> u64 {
    context::with_core("seed", |core| core.seed())
}

/// A random `u64` from the running loop's seeded generator.
///
/// # Panics
/// Outside a running loop.
#[track_caller]
pub fn random_u64() -> u64 {
    context::with_core("random_u64", |core| core.with_rng(rng::Rng::next_u64))
}

/// A uniformly random number in `0..n` from the running loop's seeded generator.
///
/// ```
/// let roll = aiochan::run(async { aiochan::random_below(6) + 1 });
/// assert!((1..=6).contains(&roll));
/// ```
///
/// # Panics
/// Outside a running loop, or if `n` is 0.
#[track_caller]
pub fn random_below(n: u64) -> u64 {
    context::with_core("random_below", |core| core.with_rng(|rng| rng.below(n)))
}

/// Records, for the deadlock report, what the task polled with `cx` is about to wait on (if it is a
/// task of the running loop).
/// `same` says whether the current record already says so, saving the rewrite.
pub(crate) fn note_wait(
    cx: &Context<'_>,
    what: impl FnOnce() -> WaitsOn,
    same: impl FnOnce(&WaitsOn) -> bool,
) {
    if let Some(task) = waker::task_of(cx) {
        context::with_current(|core| core.note_wait(task, what, same));
    }
}

/// The task of the running loop being polled (`None` outside a loop, or for a future polled by
/// another executor).
pub(crate) fn current_task() -> Option<TaskId> {
    context::with_current(|core| core.current())
}

/// How messages name `task` of the running loop (`task 'worker'`, `task #3`, `main`).
pub(crate) fn task_label(task: TaskId) -> String {
    context::with_current(|core| core.task_label(task))
        .unwrap_or_else(|| "a task of a loop that has ended".to_string())
}

/// Whether the running loop explores schedules (`Builder::perturb`, or PCT) and draws, from its
/// seed, that the task should yield before it acquires a primitive of `sync`: so that under
/// exploration every acquire is a scheduling point, while under the plain schedule an
/// uncontended acquire never yields.
pub(crate) fn yields_before_acquire() -> bool {
    context::with_current(|core| {
        core.explores_schedules() && core.with_rng(|rng| rng.below(2) == 0)
    })
    .unwrap_or(false)
}

/// Records, for reports, where the wait of the task polled with `cx` was written (`at`, the
/// caller of `put`, `get`, `sleep`, `select`); a future calls this when it returns `Pending`.
/// It costs a store: the site goes into the poll's own context, which the loop reads back once
/// the poll returns.
#[inline]
pub(crate) fn note_wait_site(cx: &Context<'_>, at: &'static std::panic::Location<'static>) {
    waker::note_wait_site(cx, at);
}

/// Lets the running loop name `chan`'s parked operations in a deadlock report. A channel calls
/// this when a task first parks in it; `false` outside a loop, where there is nothing to tell.
pub(crate) fn register_channel(chan: std::rc::Weak<dyn ParkedIn>) -> bool {
    context::with_current(|core| core.register_channel(chan)).is_some()
}

/// A 64-bit draw from the running loop's generator, or, outside a loop (a channel used under a
/// foreign executor), from a generator of this thread seeded afresh.
pub(crate) fn next_random() -> u64 {
    thread_local! {
        static OUTSIDE: std::cell::Cell<rng::Rng> = std::cell::Cell::new(rng::Rng::new(rng::fresh_seed()));
    }
    context::with_current(|core| core.with_rng(rng::Rng::next_u64)).unwrap_or_else(|| {
        OUTSIDE.with(|cell| {
            let mut rng = cell.get();
            let word = rng.next_u64();
            cell.set(rng);
            word
        })
    })
}

/// Keeps `object` on the running loop under a key that a `Handle` call can use to find it again.
///
/// # Panics
/// Outside a running loop.
#[track_caller]
pub(crate) fn insert_local(what: &'static str, object: Rc<dyn Any>) -> usize {
    context::with_core(what, |core| core.insert_local(object))
}

/// The object kept under `key` on the running loop.
pub(crate) fn local(key: usize) -> Option<Rc<dyn Any>> {
    context::with_current(|core| core.local(key)).flatten()
}

/// Forgets the object kept under `key` on the running loop.
pub(crate) fn remove_local(key: usize) {
    context::with_current(|core| core.remove_local(key));
}

/// Whether `handle` points at the loop running on this thread.
pub(crate) fn is_current(handle: &Handle) -> bool {
    context::with_current(|core| handle.is_for(core.shared())).unwrap_or(false)
}

/// Records a trace event if the running loop traces (a thread-local flag test otherwise).
#[inline]
pub(crate) fn record(event: impl FnOnce(&core::Core) -> trace::Event) {
    if trace::is_on() {
        context::with_current(|core| core.record(event));
    }
}

/// Runs `f` on the running loop in a later turn, as a task of its own (and at the latest as the
/// loop ends); right away if no loop runs.
pub(crate) fn defer(f: Box<dyn FnOnce()>) {
    if context::is_running() {
        context::with_core("defer", |core| core.spawn_callback(f));
    } else {
        f();
    }
}

/// Keeps `hook` to run when the running loop ends (see `Core::shutdown`); `None` outside a loop.
pub(crate) fn on_end(hook: core::EndHook) -> Option<usize> {
    context::with_current(|core| core.on_end(hook))
}

/// Forgets a hook kept by `on_end`.
pub(crate) fn forget_end_hook(key: usize) {
    context::with_current(|core| core.forget_end_hook(key));
}
