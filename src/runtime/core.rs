//! The event loop itself: the task slab, the ready queue, turns, timers, idling and shutdown.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use polling::Events;
use slab::Slab;

use super::blocking_pool::BlockingConfig;
use super::builder::Seed;
use super::clock::Clock;
use super::deadlock::{self, ParkedIn, WaitsOn};
use super::io::IoSources;
use super::rng::Rng;
use super::schedule::{Pct, Schedule};
use super::shared::{RemoteCall, Shared};
use super::task::{self, label, TaskId, TaskSlot};
use super::timer::wheel::Wheel;
use super::trace::{self, Event, TaskEnd, Trace, WaitKind};
use super::waker::{self, PollCx, Waiter};

/// Turns the loop may run back to back before it looks at timers and I/O although tasks are still
/// ready (ordering rule 5). Small enough that a task yielding in a loop cannot starve a timer for
/// long; large enough that the check costs nothing on channel-heavy work.
const TURNS_BETWEEN_CHECKS: u32 = 32;

/// The record of a poll that noted nothing: where the future that parked was written, if it
/// said (a channel operation or select, described from the channels' queues), else unknown.
fn unnoted_wait(pc: &PollCx<'_>) -> WaitsOn {
    match pc.waits_at() {
        Some(at) => WaitsOn::Site(at),
        None => WaitsOn::Unknown,
    }
}

/// Under timing perturbation, the odds (one in this many) that virtual time jumps to the next
/// timer after a turn while tasks are still ready (see `Core::maybe_jump_time`).
const TIME_JUMP_ODDS: u64 = 4;

/// Source of `Core::id`.
static NEXT_LOOP_ID: AtomicU32 = AtomicU32::new(1);

/// Why a run ended without the main future's output.
pub(crate) enum Failure {
    /// Code run by the loop panicked: `who` names it for the message ("main", "task 'worker'",
    /// "a remote call", "the destructor of task #3", ...).
    Panicked {
        who: String,
        payload: Box<dyn Any + Send>,
    },
    /// Nothing could ever wake the main future; the report says who waits on what.
    Deadlock(String),
    /// Tasks were still blocked when `main` returned, with the leak check on; the report says
    /// who waits on what.
    Leak(String),
}

impl Failure {
    /// A panic of the code that `who` names.
    pub(crate) fn panicked(who: impl Into<String>, payload: Box<dyn Any + Send>) -> Failure {
        Failure::Panicked {
            who: who.into(),
            payload,
        }
    }
}

/// A closure the loop runs when it ends, before it drops its tasks: it withdraws an operation that
/// another thread waits on, so that the thread hears `LoopEnded` and gets its value back.
pub(crate) type EndHook = Box<dyn FnOnce()>;

/// How many rounds of callbacks the loop runs as it ends (see `Core::run_pending_callbacks`): a
/// callback that completes another operation queues that one's callback for the next round.
const CALLBACK_ROUNDS_AT_END: usize = 1024;

/// The state of one running loop. It lives on the stack of `run`; the thread-local context points at
/// it while `run` executes.
pub(crate) struct Core {
    /// Unique across the process (until 2^32 loops have run), so that a timer or task handle can
    /// tell its loop from a later one.
    id: u32,
    /// The part other threads reach.
    shared: Arc<Shared>,
    /// Every spawned task that has not been dropped.
    tasks: RefCell<Slab<TaskSlot>>,
    /// The names of named tasks, by slab key; kept apart so that unnamed tasks pay nothing for them.
    names: RefCell<HashMap<u32, Rc<str>>>,
    /// Tasks to poll, in order (ordering rule 1). `TaskId::MAIN` stands for the main future.
    ready: RefCell<VecDeque<TaskId>>,
    /// Whether the main future is in `ready`.
    main_scheduled: Cell<bool>,
    /// Set once the main future has returned its output: it is never polled again, whatever wakes
    /// it (a waker it left behind, a channel it was still registered in).
    main_done: Cell<bool>,
    /// What the main future is parked on.
    main_waits_on: RefCell<WaitsOn>,
    /// Every channel a task has parked an operation in, asked for its waiting operations when a
    /// deadlock is reported. Pruned of dropped channels as it doubles.
    channels: RefCell<Vec<Weak<dyn ParkedIn>>>,
    /// The length of `channels` after its last pruning.
    channels_kept: Cell<usize>,
    /// Whether the main future's current poll recorded what it waits on.
    main_noted: Cell<bool>,
    /// Armed timers.
    timers: RefCell<Wheel>,
    /// Waiters of the timer group being fired, kept to reuse its allocation.
    fired: RefCell<Vec<Waiter>>,
    /// Wake-ups moved in from other threads, kept to reuse its allocation.
    injected: RefCell<Vec<TaskId>>,
    /// Calls moved in from other threads, kept to reuse its allocation.
    calls: RefCell<Vec<RemoteCall>>,
    /// Objects of this loop that other threads name by key (through a `Handle`): the channels behind
    /// thread-safe senders.
    locals: RefCell<Slab<Rc<dyn Any>>>,
    /// What to withdraw when the loop ends: operations that other threads block on.
    end_hooks: RefCell<Slab<EndHook>>,
    /// I/O sources registered with the poller, by poller key.
    io: RefCell<IoSources>,
    /// The poller's event buffer; made at the first wait.
    events: RefCell<Option<Events>>,
    /// Real or virtual time.
    clock: Clock,
    /// The one generator behind every random choice of the loop.
    rng: Cell<Rng>,
    /// The seed `rng` started from, and whether the builder fixed it, for reports and replay.
    seed: Seed,
    /// Tasks spawned so far; the next task's generation and default label.
    spawned: Cell<u32>,
    /// The first panic of a spawned task, to resume on the caller of `run`.
    failure: RefCell<Option<Failure>>,
    /// The task being polled (`TaskId::MAIN` between polls too).
    current: Cell<TaskId>,
    /// Whether each turn runs its ready tasks in a random order (schedule exploration).
    perturb: bool,
    /// Under PCT, the priorities that pick the one task each step runs; `None` otherwise.
    pct: Option<RefCell<Pct>>,
    /// Whether `main` returning with tasks still blocked on what no timer can end fails the run.
    leak_check: bool,
    /// The events recorded so far, when tracing.
    trace: RefCell<Option<Trace>>,
    /// Whether this loop traces: a plain field, so that a poll tests it without a thread-local
    /// access.
    tracing: bool,
}

impl Core {
    pub(crate) fn new(
        virtual_time: bool,
        seed: Seed,
        schedule: Schedule,
        leak_check: bool,
        trace: bool,
        blocking: BlockingConfig,
    ) -> Core {
        Core {
            id: NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed),
            shared: Arc::new(Shared::new(blocking)),
            tasks: RefCell::new(Slab::new()),
            names: RefCell::new(HashMap::new()),
            ready: RefCell::new(VecDeque::new()),
            main_scheduled: Cell::new(false),
            main_done: Cell::new(false),
            main_waits_on: RefCell::new(WaitsOn::Unknown),
            channels: RefCell::new(Vec::new()),
            channels_kept: Cell::new(0),
            main_noted: Cell::new(false),
            timers: RefCell::new(Wheel::default()),
            fired: RefCell::new(Vec::new()),
            injected: RefCell::new(Vec::new()),
            calls: RefCell::new(Vec::new()),
            locals: RefCell::new(Slab::new()),
            end_hooks: RefCell::new(Slab::new()),
            io: RefCell::new(IoSources::default()),
            events: RefCell::new(None),
            clock: Clock::new(virtual_time),
            rng: Cell::new(Rng::new(seed.value)),
            seed,
            spawned: Cell::new(0),
            failure: RefCell::new(None),
            current: Cell::new(TaskId::MAIN),
            perturb: schedule == Schedule::Perturb,
            pct: match schedule {
                Schedule::Pct { depth, steps } => {
                    Some(RefCell::new(Pct::new(depth, steps, seed.value)))
                }
                _ => None,
            },
            leak_check,
            trace: RefCell::new(trace.then(Trace::default)),
            tracing: trace,
        }
    }

    /// Records an event if this loop traces.
    pub(crate) fn record(&self, event: impl FnOnce(&Core) -> Event) {
        if trace::is_on() && self.trace.borrow().is_some() {
            let event = event(self);
            let at = self.clock.now() - self.clock.start();
            if let Some(trace) = self.trace.borrow_mut().as_mut() {
                trace.push(at, event);
            }
        }
    }

    /// The recorded trace, if this loop traces.
    pub(crate) fn take_trace(&self) -> Option<Trace> {
        self.trace.borrow_mut().take()
    }

    /// How messages name a task.
    pub(crate) fn task_label(&self, id: TaskId) -> String {
        if id == TaskId::MAIN {
            "main".to_string()
        } else {
            self.label(id.key, id.gen)
        }
    }

    /// The task being polled (`TaskId::MAIN` for the main future and between polls).
    pub(crate) fn current(&self) -> TaskId {
        self.current.get()
    }

    /// Whether the loop explores schedules: turns in a seeded random order, or PCT.
    pub(crate) fn explores_schedules(&self) -> bool {
        self.perturb || self.pct.is_some()
    }

    /// The steps a PCT run has taken so far (polls picked by priority); 0 under other schedules.
    pub(crate) fn pct_steps(&self) -> usize {
        self.pct.as_ref().map_or(0, |pct| pct.borrow().steps())
    }

    /// How messages name the task being polled.
    pub(crate) fn current_label(&self) -> String {
        self.task_label(self.current.get())
    }

    /// How messages name whoever a waiter wakes.
    pub(crate) fn waiter_label(&self, waiter: &Waiter) -> String {
        match waiter {
            Waiter::Task(id) => self.task_label(*id),
            Waiter::Waker(_) => "a foreign future".to_string(),
        }
    }

    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    pub(crate) fn timers(&self) -> &RefCell<Wheel> {
        &self.timers
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed.value
    }

    /// The line of a failure report that says how to replay this run.
    pub(crate) fn replay_hint(&self) -> String {
        self.seed.replay_hint(self.clock.is_virtual())
    }

    /// Runs `f` with the loop's generator (a copy held in a `Cell`: no borrow flag to check).
    pub(crate) fn with_rng<R>(&self, f: impl FnOnce(&mut Rng) -> R) -> R {
        let mut rng = self.rng.get();
        let out = f(&mut rng);
        self.rng.set(rng);
        out
    }

    /// Puts a task at the back of the ready queue unless it is already there. Stale ids are ignored.
    pub(crate) fn schedule(&self, id: TaskId) {
        let queued = if id == TaskId::MAIN {
            !self.main_done.get() && !self.main_scheduled.replace(true)
        } else {
            let mut tasks = self.tasks.borrow_mut();
            match tasks.get_mut(id.key as usize) {
                Some(slot) if slot.gen == id.gen && !slot.scheduled && !slot.finished => {
                    slot.scheduled = true;
                    true
                }
                _ => false,
            }
        };
        if queued {
            self.ready.borrow_mut().push_back(id);
            self.record(|core| Event::Wake {
                task: core.task_label(id),
            });
        }
    }

    /// Records what a task is parked on, for the deadlock report. A task parked on the same thing as
    /// last time (a loop getting from one channel) leaves the record as it is.
    pub(crate) fn note_wait(
        &self,
        id: TaskId,
        what: impl FnOnce() -> WaitsOn,
        same: impl FnOnce(&WaitsOn) -> bool,
    ) {
        if id == TaskId::MAIN {
            self.main_noted.set(true);
            let mut waits_on = self.main_waits_on.borrow_mut();
            if !same(&waits_on) {
                *waits_on = what();
            }
        } else if let Some(slot) = self.tasks.borrow_mut().get_mut(id.key as usize) {
            if slot.gen == id.gen {
                slot.noted = true;
                if !same(&slot.waits_on) {
                    slot.waits_on = what();
                }
            }
        }
    }

    /// Records how the poll of `id` ended with `Pending`: ready again (`scheduled`), or parked on
    /// `what` (the trace says where from the poll's wait site).
    #[cold]
    fn trace_pending(&self, id: TaskId, scheduled: bool, what: &WaitsOn, pc: &PollCx<'_>) {
        self.record(|core| {
            let task = core.task_label(id);
            if scheduled {
                return Event::Yield { task };
            }
            let (on, wait) = match what {
                WaitsOn::Unknown | WaitsOn::Site(_) => {
                    ("a future outside aiochan".to_string(), WaitKind::Other)
                }
                other => (
                    other.describe(|t| core.task_label(t)),
                    match other {
                        WaitsOn::Join(_) => WaitKind::Join,
                        WaitsOn::Timer => WaitKind::Timer,
                        WaitsOn::Chan { .. } => WaitKind::Chan,
                        WaitsOn::Select(_) => WaitKind::Select,
                        WaitsOn::Io => WaitKind::Io,
                        WaitsOn::Sync(_) => WaitKind::Sync,
                        WaitsOn::Unknown | WaitsOn::Site(_) => WaitKind::Other,
                    },
                ),
            };
            Event::Park {
                task,
                on,
                wait,
                at: pc.waits_at().or(what.site()).map(trace::site),
            }
        });
    }

    /// Records that `id` ended.
    #[cold]
    fn trace_end(&self, id: TaskId, how: TaskEnd) {
        self.record(|core| Event::End {
            task: core.task_label(id),
            how,
        });
    }

    /// Records the start of the `run`th traced run into this loop's trace.
    pub(crate) fn trace_begin(&self, run: usize) {
        if let Some(trace) = self.trace.borrow_mut().as_mut() {
            trace.push(
                Duration::ZERO,
                Event::Begin {
                    run,
                    seed: self.seed.value,
                },
            );
        }
    }

    /// Adds a task to the slab and the back of the ready queue; it first runs in a later turn.
    pub(crate) fn spawn<F>(
        &self,
        name: Option<Rc<str>>,
        future: F,
        at: &'static Location<'static>,
    ) -> TaskId
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_task(name, future, false, at)
    }

    /// Runs the callback `f` of a completed operation as a task of its own, in a later turn; if
    /// the loop ends first, it still runs before the tasks are dropped.
    pub(crate) fn spawn_callback(&self, f: Box<dyn FnOnce()>) {
        self.spawn_task(None, async move { f() }, true, Location::caller());
    }

    fn spawn_task<F>(
        &self,
        name: Option<Rc<str>>,
        future: F,
        callback: bool,
        spawned_at: &'static Location<'static>,
    ) -> TaskId
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let gen = self.spawned.get().wrapping_add(1);
        self.spawned.set(gen);
        let key = self.tasks.borrow_mut().insert(TaskSlot {
            runnable: Some(task::runnable(future)),
            gen,
            scheduled: true,
            finished: false,
            join_waiter: None,
            waits_on: WaitsOn::Unknown,
            noted: false,
            flags: if callback { task::CALLBACK } else { 0 },
            spawned_at,
        });
        let key = u32::try_from(key)
            .ok()
            .filter(|&k| k != u32::MAX)
            .expect("aiochan: more than 4 billion live tasks");
        if let Some(name) = name {
            self.names.borrow_mut().insert(key, name);
        }
        let id = TaskId { key, gen };
        self.ready.borrow_mut().push_back(id);
        self.record(|core| Event::Spawn {
            parent: core.current_label(),
            task: core.task_label(id),
            at: Some(trace::site(spawned_at)),
        });
        id
    }

    /// The name of a task, if it was given one.
    pub(crate) fn name(&self, id: TaskId) -> Option<Rc<str>> {
        let alive = self
            .tasks
            .borrow()
            .get(id.key as usize)
            .is_some_and(|s| s.gen == id.gen);
        alive
            .then(|| self.names.borrow().get(&id.key).cloned())
            .flatten()
    }

    /// ` at file:line`: where a wait was written, if known.
    fn wait_site(at: Option<&'static Location<'static>>) -> String {
        at.map(|at| format!(" at {}:{}", at.file(), at.line()))
            .unwrap_or_default()
    }

    /// How a report's line about a task ends: where the task was spawned.
    fn spawn_site(slot: &TaskSlot) -> String {
        format!(
            " (spawned at {}:{})",
            slot.spawned_at.file(),
            slot.spawned_at.line()
        )
    }

    /// How a task is shown in messages.
    fn label(&self, key: u32, gen: u32) -> String {
        label(self.names.borrow().get(&key).map(|n| &**n), gen)
    }

    /// Takes a task out of the slab (and its name out of the side table). The caller drops the slot
    /// after releasing its borrow of the slab, since dropping a future runs user code.
    fn remove(&self, tasks: &mut Slab<TaskSlot>, key: u32) -> TaskSlot {
        let slot = tasks.remove(key as usize);
        if !self.names.borrow().is_empty() {
            self.names.borrow_mut().remove(&key);
        }
        slot
    }

    /// Runs turns until the main future has completed (returning its output at the end of the turn
    /// after the one it completed in), a task panics, or nothing can ever wake the main future.
    pub(crate) fn block_on<F: Future>(&self, mut main: Pin<&mut F>) -> Result<F::Output, Failure> {
        self.schedule(TaskId::MAIN);
        let mut output = None;
        let mut turns = 0;
        loop {
            let n = self.ready.borrow().len();
            if n > 0 || output.is_some() {
                let finishing = output.is_some();
                self.clock.begin_turn();
                // The plain FIFO schedule, the hot path, orders nothing.
                let explores = self.perturb || self.pct.is_some();
                let n = if explores {
                    self.order_turn(n, finishing)
                } else {
                    n
                };
                for _ in 0..n {
                    let id = self.ready.borrow_mut().pop_front();
                    match id {
                        // Woken during its last poll: it has completed and is not polled again.
                        Some(TaskId::MAIN) if self.main_done.get() => {}
                        Some(TaskId::MAIN) => {
                            if let Poll::Ready(v) = self.poll_main(main.as_mut())? {
                                self.main_done.set(true);
                                output = Some(v);
                            }
                        }
                        Some(id) => self.poll_task(id),
                        None => break,
                    }
                    if let Some(failure) = self.failure.borrow_mut().take() {
                        return Err(failure);
                    }
                }
                if explores && !finishing {
                    self.after_pct_step();
                }
                if finishing {
                    if self.leak_check {
                        if let Some(report) = self.leak_report() {
                            return Err(Failure::Leak(report));
                        }
                    }
                    return Ok(output.expect("the main future's output is kept until run returns"));
                }
                if output.is_some() {
                    // Ordering rule 4: the tasks ready when main completed get one last turn.
                    continue;
                }
                turns += 1;
                if self.perturb {
                    self.maybe_jump_time();
                }
                if turns < TURNS_BETWEEN_CHECKS && !self.ready.borrow().is_empty() {
                    continue;
                }
            }
            turns = 0;
            self.tend()?;
        }
    }

    /// Timing perturbation (under `perturb` and virtual time): after a turn, while tasks are still
    /// ready, the clock may jump to the next timer and fire its group, drawn from the seed with
    /// odds of one in `TIME_JUMP_ODDS`, so that a timer or ticker can fire between two steps of
    /// busy work. At most one group fires per turn, in deadline order as always. Nothing is drawn
    /// while no timer is armed, so the schedules of programs without timers do not change.
    fn maybe_jump_time(&self) {
        if !self.clock.is_virtual() || self.ready.borrow().is_empty() {
            return;
        }
        let Some(tick) = self.timers.borrow().next_tick() else {
            return;
        };
        if self.with_rng(|rng| rng.below(TIME_JUMP_ODDS) == 0) {
            self.clock.advance_to(tick);
            let now = self.clock.refresh();
            self.fire_timers(now);
        }
    }

    /// Keeps the first failure of the run, which ends it.
    fn fail(&self, failure: Failure) {
        self.failure.borrow_mut().get_or_insert(failure);
    }

    /// The failure that ends the run, if there is one.
    fn take_failure(&self) -> Result<(), Failure> {
        match self.failure.borrow_mut().take() {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    /// Orders the turn about to run, whose `n` tasks were ready as it began, and returns how many
    /// tasks it runs: all `n`, in the order they became ready or (perturbed) shuffled; under PCT
    /// one, the ready task of highest priority (a step), except in the last turn after the main
    /// future completed, which runs every ready task once, highest priority first.
    #[inline(never)]
    fn order_turn(&self, n: usize, finishing: bool) -> usize {
        if let Some(pct) = &self.pct {
            self.drop_stale_ready();
            let mut ready = self.ready.borrow_mut();
            let mut pct = pct.borrow_mut();
            if finishing {
                pct.order_last_turn(&mut ready);
                return ready.len();
            }
            if ready.is_empty() {
                return 0;
            }
            pct.pick(&mut ready);
            return 1;
        }
        if self.perturb {
            self.shuffle_turn(n);
        }
        n
    }

    /// Under PCT, after a step: the task it polled drops in priority if the step is a change
    /// point, and to the bottom if it woke itself during the poll (it is ready again, and only its
    /// own code ran). Nothing to do after a turn that polled nothing.
    fn after_pct_step(&self) {
        let Some(pct) = &self.pct else {
            return;
        };
        let mut pct = pct.borrow_mut();
        if let Some(id) = pct.polled() {
            pct.after_step(self.is_scheduled(id));
        }
    }

    /// Whether `id` is in the ready queue.
    fn is_scheduled(&self, id: TaskId) -> bool {
        if id == TaskId::MAIN {
            return self.main_scheduled.get() && !self.main_done.get();
        }
        self.tasks
            .borrow()
            .get(id.key as usize)
            .is_some_and(|slot| slot.gen == id.gen && slot.scheduled && !slot.finished)
    }

    /// Takes out of the ready queue the ids that would not be polled (a task aborted or finished
    /// since it was woken, the main future once it has completed), so that PCT picks among tasks
    /// that run.
    fn drop_stale_ready(&self) {
        let tasks = self.tasks.borrow();
        self.ready.borrow_mut().retain(|&id| {
            if id == TaskId::MAIN {
                return !self.main_done.get();
            }
            tasks
                .get(id.key as usize)
                .is_some_and(|slot| slot.gen == id.gen && !slot.finished && slot.runnable.is_some())
        });
    }

    /// Schedule exploration: runs the `n` tasks of this turn in a random order from the seeded
    /// generator (ordering rule 1 is given up within the turn; the others hold).
    fn shuffle_turn(&self, n: usize) {
        let mut ready = self.ready.borrow_mut();
        let turn = &mut ready.make_contiguous()[..n];
        self.with_rng(|rng| {
            for i in (1..turn.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                turn.swap(i, j);
            }
        });
    }

    fn poll_main<F: Future>(&self, main: Pin<&mut F>) -> Result<Poll<F::Output>, Failure> {
        self.main_scheduled.set(false);
        self.main_noted.set(false);
        self.current.set(TaskId::MAIN);
        let pc = PollCx::new(&self.shared, TaskId::MAIN);
        let tracing = self.tracing;
        if tracing {
            self.record(|_| Event::Run {
                task: "main".to_string(),
            });
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            waker::with_context(&pc, |cx| main.poll(cx))
        }))
        .map_err(|payload| Failure::panicked("main", payload));
        if !self.main_noted.get() {
            *self.main_waits_on.borrow_mut() = unnoted_wait(&pc);
        }
        if tracing {
            match &result {
                Ok(Poll::Pending) => self.trace_pending(
                    TaskId::MAIN,
                    self.main_scheduled.get(),
                    &self.main_waits_on.borrow(),
                    &pc,
                ),
                Ok(Poll::Ready(_)) => self.trace_end(TaskId::MAIN, TaskEnd::Finished),
                Err(_) => self.trace_end(TaskId::MAIN, TaskEnd::Panicked),
            }
        }
        result
    }

    fn poll_task(&self, id: TaskId) {
        let mut runnable = {
            let mut tasks = self.tasks.borrow_mut();
            let Some(slot) = tasks.get_mut(id.key as usize) else {
                return;
            };
            if slot.gen != id.gen || slot.finished {
                return;
            }
            slot.scheduled = false;
            slot.noted = false;
            match slot.runnable.take() {
                Some(r) => r,
                None => return,
            }
        };
        let pc = PollCx::new(&self.shared, id);
        self.current.set(id);
        let tracing = self.tracing;
        if tracing {
            self.record(|core| Event::Run {
                task: core.task_label(id),
            });
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            waker::with_context(&pc, |cx| runnable.as_mut().poll(cx))
        }));
        self.current.set(TaskId::MAIN);
        let mut tasks = self.tasks.borrow_mut();
        let slot = &mut tasks[id.key as usize];
        if !slot.noted {
            // A loop parking at the same place leaves the record as it is (no drop, no write).
            match (&slot.waits_on, pc.waits_at()) {
                (WaitsOn::Site(old), Some(at)) if std::ptr::eq(*old, at) => {}
                (WaitsOn::Unknown, None) => {}
                _ => slot.waits_on = unnoted_wait(&pc),
            }
        }
        if tracing {
            let (scheduled, what) = (slot.scheduled, slot.waits_on.clone());
            let aborted = slot.has(task::ABORTED);
            drop(tasks);
            match &result {
                Ok(Poll::Pending) if aborted => self.trace_end(id, TaskEnd::Aborted),
                Ok(Poll::Pending) => self.trace_pending(id, scheduled, &what, &pc),
                Ok(Poll::Ready(())) => self.trace_end(id, TaskEnd::Finished),
                Err(_) => self.trace_end(id, TaskEnd::Panicked),
            }
            tasks = self.tasks.borrow_mut();
        }
        let slot = &mut tasks[id.key as usize];
        match result {
            Ok(Poll::Pending) if !slot.has(task::ABORTED) => slot.runnable = Some(runnable),
            Ok(Poll::Pending) => {
                let slot = self.remove(&mut tasks, id.key);
                drop(tasks);
                drop((runnable, slot));
            }
            Ok(Poll::Ready(())) => {
                slot.finished = true;
                let waiter = slot.join_waiter.take();
                if slot.has(task::DETACHED) || slot.has(task::ABORTED) {
                    let slot = self.remove(&mut tasks, id.key);
                    drop(tasks);
                    drop((runnable, slot));
                } else {
                    slot.runnable = Some(runnable);
                    drop(tasks);
                }
                if let Some(waiter) = waiter {
                    waiter.wake();
                }
            }
            Err(payload) => {
                slot.runnable = Some(runnable);
                let callback = slot.has(task::CALLBACK);
                drop(tasks);
                let task = if callback {
                    format!(
                        "the callback of a completed operation ({})",
                        self.label(id.key, id.gen)
                    )
                } else {
                    self.label(id.key, id.gen)
                };
                self.fail(Failure::panicked(task, payload));
            }
        }
    }

    /// Between turns: takes in wake-ups from other threads, fires due timers, and when nothing is
    /// ready, moves (virtual) time on or sleeps until something can happen. Fails on a deadlock.
    fn tend(&self) -> Result<(), Failure> {
        self.take_injected();
        self.take_failure()?;
        if !self.ready.borrow().is_empty() {
            // Tasks are still ready (ordering rule 5): give due timers and I/O their turn without
            // waiting.
            if self.io_waiting() {
                self.park(Some(Duration::ZERO));
            }
            let now = self.clock.refresh();
            self.fire_timers(now);
            return Ok(());
        }
        loop {
            let now = self.clock.refresh();
            if self.fire_timers(now) {
                return Ok(());
            }
            let next = self.timers.borrow().next_tick();
            let woke = match next {
                Some(tick) if self.clock.is_virtual() => {
                    // Look at I/O that is already ready before moving time on.
                    if self.io_waiting() && self.park(Some(Duration::ZERO)) {
                        return Ok(());
                    }
                    self.clock.advance_to(tick);
                    false
                }
                Some(tick) => self.park(Some(self.clock.until(tick))),
                None if self.shared.may_wake() || self.io_waiting() => self.park(None),
                None => return Err(Failure::Deadlock(self.deadlock_report())),
            };
            if woke || self.take_injected() {
                return self.take_failure();
            }
        }
    }

    /// Waits in the poller (at most `timeout`) and wakes the tasks waiting on the I/O sources that
    /// became ready; returns whether any task was woken.
    fn park(&self, timeout: Option<Duration>) -> bool {
        let mut events = self.events.borrow_mut();
        let events = events.get_or_insert_with(Events::new);
        self.shared.wait(events, timeout);
        let mut woken = Vec::new();
        {
            let mut io = self.io.borrow_mut();
            for event in events.iter() {
                io.fire(event.key, &mut woken);
            }
        }
        let any = !woken.is_empty();
        for waiter in woken {
            waiter.wake();
        }
        any
    }

    /// Whether a task waits on an I/O source.
    fn io_waiting(&self) -> bool {
        self.io.borrow().is_waited_on()
    }

    /// The I/O sources of this loop.
    pub(crate) fn io(&self) -> &RefCell<IoSources> {
        &self.io
    }

    /// Moves wake-ups from other threads onto the ready queue and runs the calls they sent; returns
    /// whether there were any.
    fn take_injected(&self) -> bool {
        let mut calls = std::mem::take(&mut *self.calls.borrow_mut());
        let any = {
            let mut injected = self.injected.borrow_mut();
            self.shared.drain_inbox(&mut injected, &mut calls);
            let any = !injected.is_empty() || !calls.is_empty();
            for id in injected.drain(..) {
                self.schedule(id);
            }
            any
        };
        let mut failed = false;
        for call in calls.drain(..) {
            if failed {
                // The run ends: the calls after a panic never run, and their senders hear
                // `LoopEnded` (with their values) as the calls drop.
                drop(call);
            } else if let Err(payload) = catch_unwind(AssertUnwindSafe(call)) {
                self.fail(Failure::panicked(
                    "a remote call (Handle::call, Handle::spawn_with or ChanSender)",
                    payload,
                ));
                failed = true;
            }
        }
        *self.calls.borrow_mut() = calls;
        any
    }

    /// Keeps `object` on this loop under a key that other threads can send back in a call.
    pub(crate) fn insert_local(&self, object: Rc<dyn Any>) -> usize {
        self.locals.borrow_mut().insert(object)
    }

    /// The object kept under `key`.
    pub(crate) fn local(&self, key: usize) -> Option<Rc<dyn Any>> {
        self.locals.borrow().get(key).cloned()
    }

    /// Forgets the object kept under `key`.
    pub(crate) fn remove_local(&self, key: usize) {
        let removed = self.locals.borrow_mut().try_remove(key);
        drop(removed);
    }

    /// Fires the earliest timer group due at `now` (ordering rule 2); returns whether one fired.
    fn fire_timers(&self, now: u64) -> bool {
        let mut woken = std::mem::take(&mut *self.fired.borrow_mut());
        let fired = self.timers.borrow_mut().fire_group(now, &mut woken);
        for waiter in woken.drain(..) {
            self.record(|core| Event::Timer {
                task: core.waiter_label(&waiter),
            });
            waiter.wake();
        }
        *self.fired.borrow_mut() = woken;
        fired
    }

    /// Keeps `chan` for deadlock reports: a task has parked an operation in it.
    pub(crate) fn register_channel(&self, chan: Weak<dyn ParkedIn>) {
        let mut channels = self.channels.borrow_mut();
        channels.push(chan);
        if channels.len() >= 2 * self.channels_kept.get().max(32) {
            channels.retain(|c| c.strong_count() > 0);
            self.channels_kept.set(channels.len());
        }
    }

    /// What every task parked in a channel waits on, read from the channels' queues: its
    /// description, and whether a timer will end the wait (an arm on a `timeout` channel).
    fn parked_in_channels(&self) -> HashMap<TaskId, (String, bool)> {
        let mut parked = Vec::new();
        for chan in self.channels.borrow().iter().filter_map(Weak::upgrade) {
            chan.parked(&mut parked);
        }
        deadlock::describe_parked(parked)
            .into_iter()
            .map(|(task, text, timed)| (task, (text, timed)))
            .collect()
    }

    /// How reports describe what `id` waits on: from the channels' queues (`parked`), or else
    /// from the record the task noted.
    fn describe_wait(
        &self,
        tasks: &Slab<TaskSlot>,
        parked: &HashMap<TaskId, (String, bool)>,
        id: TaskId,
        what: &WaitsOn,
    ) -> String {
        match parked.get(&id) {
            Some((text, _)) => text.clone(),
            None => what.describe(|target| match tasks.get(target.key as usize) {
                Some(slot) if slot.gen == target.gen => self.label(target.key, slot.gen),
                // The main future holds a lock another task waits on.
                _ if target == TaskId::MAIN => self.task_label(target),
                _ => "a task that no longer exists".to_string(),
            }),
        }
    }

    /// The leak check, once `main` has returned and had its last turn: the tasks (not daemons)
    /// still parked on what no timer can end (a channel operation, a select with no `timeout`
    /// arm, a join of such a task, a lock), with what each waits on; `None` if there is none.
    /// Tasks that are ready, asleep on a timer, or waiting on something outside aiochan (a
    /// socket, a thread, a foreign future) are not reported.
    fn leak_report(&self) -> Option<String> {
        let parked = self.parked_in_channels();
        let tasks = self.tasks.borrow();
        // Whether the task waits on what no timer ends; joins are settled once their target is.
        let mut blocked: HashMap<TaskId, Option<bool>> = HashMap::new();
        for (key, slot) in tasks.iter() {
            if slot.finished || slot.scheduled || slot.has(task::CALLBACK) {
                continue;
            }
            let id = TaskId {
                key: key as u32,
                gen: slot.gen,
            };
            let verdict = match parked.get(&id) {
                Some(&(_, timed)) => Some(!timed),
                None => match &slot.waits_on {
                    WaitsOn::Join(_) => None,
                    other => Some(other.blocks_for_ever()),
                },
            };
            blocked.insert(id, verdict);
        }
        // A join blocks for ever when the task it joins does (a join of a finished or gone task
        // is about to complete).
        loop {
            let mut settled = false;
            for (key, slot) in tasks.iter() {
                let id = TaskId {
                    key: key as u32,
                    gen: slot.gen,
                };
                if let (Some(None), WaitsOn::Join(target)) = (blocked.get(&id), &slot.waits_on) {
                    let verdict = match blocked.get(target) {
                        Some(Some(v)) => Some(*v),
                        Some(None) => None,
                        None => Some(false),
                    };
                    if verdict.is_some() {
                        blocked.insert(id, verdict);
                        settled = true;
                    }
                }
            }
            if !settled {
                break;
            }
        }
        let mut leaked: Vec<(u32, String)> = blocked
            .iter()
            // A ring of joins never settles: each waits for ever.
            .filter(|(id, verdict)| {
                verdict.unwrap_or(true) && !tasks[id.key as usize].has(task::DAEMON)
            })
            .map(|(&id, _)| {
                let slot = &tasks[id.key as usize];
                (
                    slot.gen,
                    format!(
                        "{}: waits on {}{}{}",
                        self.label(id.key, id.gen),
                        self.describe_wait(&tasks, &parked, id, &slot.waits_on),
                        Core::wait_site(slot.waits_on.site()),
                        Core::spawn_site(slot)
                    ),
                )
            })
            .collect();
        if leaked.is_empty() {
            return None;
        }
        leaked.sort();
        let lines: Vec<String> = leaked.into_iter().map(|(_, line)| line).collect();
        Some(deadlock::leak_report(&lines, &self.replay_hint()))
    }

    fn deadlock_report(&self) -> String {
        // What tasks wait on in channels comes from the channels' queues; the records the tasks
        // noted cover the rest (timers, joins, sockets, a channel being drained).
        let parked = self.parked_in_channels();
        let tasks = self.tasks.borrow();
        let describe = |id: TaskId, what: &WaitsOn| self.describe_wait(&tasks, &parked, id, what);
        let mut blocked = vec![(
            "main".to_string(),
            describe(TaskId::MAIN, &self.main_waits_on.borrow())
                + &Core::wait_site(self.main_waits_on.borrow().site()),
        )];
        let mut others: Vec<_> = tasks.iter().filter(|(_, s)| !s.finished).collect();
        others.sort_by_key(|(_, s)| s.gen);
        for (key, slot) in others {
            let id = TaskId {
                key: key as u32,
                gen: slot.gen,
            };
            blocked.push((
                self.label(id.key, id.gen),
                describe(id, &slot.waits_on)
                    + &Core::wait_site(slot.waits_on.site())
                    + &Core::spawn_site(slot),
            ));
        }
        deadlock::report(&blocked, &self.replay_hint())
    }

    /// Ends the loop, with it still current: runs the callbacks of operations that completed,
    /// withdraws the operations other threads block on (handing their values back), closes the
    /// side other threads reach, then drops every task (their destructors run, and may spawn or
    /// wake: those are dropped too), every timer, the channels kept for other threads and the I/O
    /// sources. Every step runs even if code in an earlier one panics; the first such panic is
    /// returned, for the run to report.
    pub(crate) fn shutdown(&self) -> Option<Failure> {
        self.run_pending_callbacks();
        loop {
            let hooks: Vec<EndHook> = self.end_hooks.borrow_mut().drain().collect();
            if hooks.is_empty() {
                break;
            }
            for hook in hooks {
                self.guarded(|| "the withdrawal of a cross-thread put".to_string(), hook);
            }
        }
        // Calls that never ran drop here: their senders hear `LoopEnded` with their values.
        let calls = self.shared.close();
        self.guarded(
            || "the values of a remote call that never ran".to_string(),
            || drop(calls),
        );
        loop {
            let drained: Vec<(String, TaskSlot)> = {
                let mut tasks = self.tasks.borrow_mut();
                let names = self.names.borrow();
                let labels: Vec<String> = tasks
                    .iter()
                    .map(|(key, slot)| label(names.get(&(key as u32)).map(|n| &**n), slot.gen))
                    .collect();
                labels.into_iter().zip(tasks.drain()).collect()
            };
            self.names.borrow_mut().clear();
            if drained.is_empty() {
                break;
            }
            for (task, slot) in drained {
                self.guarded(|| format!("the destructor of {task}"), || drop(slot));
            }
        }
        self.ready.borrow_mut().clear();
        let wheel = std::mem::take(&mut *self.timers.borrow_mut());
        self.guarded(
            || "the destructor of a timer's waker".to_string(),
            || drop(wheel),
        );
        let locals = std::mem::take(&mut *self.locals.borrow_mut());
        self.guarded(
            || "the destructor of a channel kept for another thread".to_string(),
            || drop(locals),
        );
        let io = std::mem::take(&mut *self.io.borrow_mut());
        self.guarded(
            || "the destructor of an I/O waiter".to_string(),
            || drop(io),
        );
        // A channel may outlive this loop and be used in another one, which must learn of it.
        let channels = std::mem::take(&mut *self.channels.borrow_mut());
        for chan in channels.iter().filter_map(Weak::upgrade) {
            chan.forget_loop();
        }
        self.failure.borrow_mut().take()
    }

    /// Runs `f`, keeping its panic, if any, as the run's failure under the name `who` gives.
    fn guarded(&self, who: impl FnOnce() -> String, f: impl FnOnce()) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
            self.fail(Failure::panicked(who(), payload));
        }
    }

    /// As the loop ends: runs the callbacks of operations that completed but whose callback has
    /// not run yet (`put_then`, `get_then`, a cross-thread put), in the order they were queued, so
    /// that no callback is lost. Callbacks they queue in turn run after them, for at most
    /// `CALLBACK_ROUNDS_AT_END` rounds. Other ready tasks do not run.
    fn run_pending_callbacks(&self) {
        for _ in 0..CALLBACK_ROUNDS_AT_END {
            let round: Vec<TaskId> = {
                let tasks = self.tasks.borrow();
                self.ready
                    .borrow_mut()
                    .drain(..)
                    .filter(|id| {
                        tasks.get(id.key as usize).is_some_and(|slot| {
                            slot.gen == id.gen && slot.has(task::CALLBACK) && !slot.finished
                        })
                    })
                    .collect()
            };
            if round.is_empty() {
                return;
            }
            for id in round {
                self.poll_task(id);
            }
        }
    }

    /// Keeps `hook` to run when the loop ends; the key forgets it again.
    pub(crate) fn on_end(&self, hook: EndHook) -> usize {
        self.end_hooks.borrow_mut().insert(hook)
    }

    /// Forgets the hook kept under `key`: what it would withdraw has completed.
    pub(crate) fn forget_end_hook(&self, key: usize) {
        let hook = self.end_hooks.borrow_mut().try_remove(key);
        drop(hook);
    }

    /// Polls a task's completion for its join handle: the output once finished.
    pub(crate) fn poll_join<T: 'static>(&self, id: TaskId, cx: &Context<'_>) -> Poll<T> {
        let mut tasks = self.tasks.borrow_mut();
        let slot = match tasks.get_mut(id.key as usize) {
            Some(slot) if slot.gen == id.gen => slot,
            _ => unreachable!("aiochan: a JoinHandle outlived its task's slot"),
        };
        if !slot.finished {
            if !slot.join_waiter.as_ref().is_some_and(|w| w.wakes(cx)) {
                slot.join_waiter = Some(Waiter::of(cx));
            }
            drop(tasks);
            if let Some(waiting) = waker::task_of(cx) {
                self.note_wait(
                    waiting,
                    || WaitsOn::Join(id),
                    |w| matches!(w, WaitsOn::Join(t) if *t == id),
                );
            }
            return Poll::Pending;
        }
        let mut slot = self.remove(&mut tasks, id.key);
        drop(tasks);
        let output = slot
            .runnable
            .as_mut()
            .and_then(|r| r.as_mut().output())
            .and_then(|any| any.downcast_mut::<Option<T>>())
            .and_then(Option::take);
        Poll::Ready(output.expect("aiochan: a JoinHandle's output type or state is inconsistent"))
    }

    /// Whether a task has completed.
    pub(crate) fn is_finished(&self, id: TaskId) -> bool {
        self.tasks
            .borrow()
            .get(id.key as usize)
            .is_some_and(|s| s.gen == id.gen && s.finished)
    }

    /// Forgets the join handle: a finished task's output is dropped, a running one frees its slot
    /// when it ends.
    pub(crate) fn detach(&self, id: TaskId) {
        let mut tasks = self.tasks.borrow_mut();
        if let Some(slot) = tasks.get_mut(id.key as usize) {
            if slot.gen != id.gen {
                return;
            }
            if slot.finished {
                let slot = self.remove(&mut tasks, id.key);
                drop(tasks);
                drop(slot);
            } else {
                slot.set(task::DETACHED);
                slot.join_waiter = None;
            }
        }
    }

    /// Marks a task as a daemon, which the leak check never reports.
    pub(crate) fn daemon(&self, id: TaskId) {
        if let Some(slot) = self.tasks.borrow_mut().get_mut(id.key as usize) {
            if slot.gen == id.gen {
                slot.set(task::DAEMON);
            }
        }
    }

    /// Cancels a task: its future is dropped now, or when its own poll returns if it aborts itself.
    pub(crate) fn abort(&self, id: TaskId) {
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(id.key as usize) else {
            return;
        };
        if slot.gen != id.gen {
            return;
        }
        if slot.runnable.is_none() {
            // Aborting itself: its poll's end records it.
            slot.set(task::ABORTED);
            return;
        }
        if !slot.finished {
            drop(tasks);
            self.trace_end(id, TaskEnd::Aborted);
            tasks = self.tasks.borrow_mut();
        }
        let slot = self.remove(&mut tasks, id.key);
        drop(tasks);
        drop(slot);
    }
}
