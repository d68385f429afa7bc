//! `Runtime` and its builder: virtual time, the seed, the blocking pool's sizes, and `run`.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::blocking_pool::BlockingConfig;
use super::context;
use super::core::{Core, Failure};
use super::rng;
use super::schedule::Schedule;
use super::thread::LoopThread;
use super::trace::{self, Trace};

/// The environment variable that replays a run: it gives its seed to every runtime whose seed
/// would otherwise be drawn afresh (one built without [`Builder::seed`]), and
/// [`explore`](crate::testing::explore) tries its seed before the others. A runtime with a fixed
/// seed keeps it, so a test suite whose tests fix their seeds behaves the same with the variable
/// set.
pub const SEED_VAR: &str = "AIOCHAN_SEED";

/// How to run an event loop: real or virtual time, the seed of its random choices, and the sizes of
/// its [`spawn_blocking`](crate::spawn_blocking) pool.
///
/// ```
/// use aiochan::Runtime;
///
/// let rt = Runtime::builder().virtual_time(true).seed(7).build();
/// let draws = rt.run(async { (aiochan::seed(), aiochan::random_below(1000)) });
/// assert_eq!(rt.run(async { (aiochan::seed(), aiochan::random_below(1000)) }), draws);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Runtime {
    /// Whether the clock jumps to the next timer whenever no task is ready.
    virtual_time: bool,
    /// The seed set with the builder; `AIOCHAN_SEED` overrides it, and without either every run
    /// draws a fresh one.
    seed: Option<u64>,
    /// The order in which the loop runs its ready tasks.
    schedule: Schedule,
    /// Whether a run whose `main` returns with tasks still blocked fails with a leak report.
    leak_check: bool,
    /// The thread cap and keep-alive of each run's blocking pool.
    blocking: BlockingConfig,
    /// With [`Builder::trace`]: the traces of the runs since the last [`Runtime::take_trace`].
    traces: Option<TraceStore>,
}

/// The runs a tracing runtime has recorded, shared by its clones (a runtime moved to another
/// thread by `run_in_thread` records into the same store).
#[derive(Clone, Default)]
struct TraceStore(Arc<Mutex<Recorded>>);

/// What a [`TraceStore`] holds.
#[derive(Default)]
struct Recorded {
    /// The events of the runs recorded since the last take, concatenated.
    trace: Trace,
    /// How many runs `trace` holds.
    runs: usize,
}

impl TraceStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        // A run that panicked stored its trace before panicking: the data is whole.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for TraceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let recorded = self.lock();
        f.debug_struct("TraceStore")
            .field("runs", &recorded.runs)
            .field("events", &recorded.trace.events().len())
            .finish()
    }
}

/// Configures a [`Runtime`].
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until build() is called"]
pub struct Builder {
    runtime: Runtime,
}

impl Builder {
    /// Under virtual time the clock stands still while tasks are ready and jumps to the next timer
    /// when none is: timers fire in the same order as in real time, a program that sleeps for an hour
    /// finishes at once, and the same way every time.
    pub fn virtual_time(mut self, on: bool) -> Builder {
        self.runtime.virtual_time = on;
        self
    }

    /// Fixes the seed of every random choice the loop and its channels make, so that every run
    /// makes the same choices (under virtual time, exactly the same run). `AIOCHAN_SEED` does not
    /// override a fixed seed: it replaces only seeds that would be drawn.
    pub fn seed(mut self, seed: u64) -> Builder {
        self.runtime.seed = Some(seed);
        self
    }

    /// Schedule exploration: each turn runs the tasks that are ready in an order drawn from the
    /// seed instead of the order they became ready, and under virtual time the clock may also jump
    /// to the next timer while tasks are still ready (drawn from the seed too), so that a timer can
    /// fire between two steps of busy work. Timers still fire in deadline order, a task is never
    /// interrupted between awaits, and a woken task waits for a later turn, so a program correct
    /// by those rules behaves under every seed; one that silently relies on FIFO order among tasks
    /// ready at once, or on work finishing before the clock moves, can be caught by trying many
    /// seeds (see [`testing`](crate::testing), and the ordering rules in
    /// [`runtime`](crate::runtime)). Every acquire of a [`sync`](crate::sync) primitive is then a
    /// scheduling point too.
    ///
    /// `perturb(true)` is `schedule(Schedule::Perturb)` and `perturb(false)`
    /// `schedule(Schedule::Fifo)`: the last of the two calls wins.
    pub fn perturb(mut self, on: bool) -> Builder {
        self.runtime.schedule = if on {
            Schedule::Perturb
        } else {
            Schedule::Fifo
        };
        self
    }

    /// The order in which the loop runs its ready tasks: [`Schedule::Fifo`] unless set (see
    /// [`Schedule`], and the ordering rules in [`runtime`](crate::runtime)). Under
    /// [`Schedule::Pct`] each step polls the ready task of highest priority; the priorities and
    /// the steps at which they change are drawn from the seed, so a seed, a depth and a step
    /// estimate give the same run every time under virtual time.
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use aiochan::{go, nop, Runtime, Schedule};
    ///
    /// let order = |seed| {
    ///     let rt = Runtime::builder()
    ///         .virtual_time(true)
    ///         .seed(seed)
    ///         .schedule(Schedule::Pct { depth: 2, steps: 10 })
    ///         .build();
    ///     rt.run(async {
    ///         let log = Rc::new(RefCell::new(Vec::new()));
    ///         let tasks: Vec<_> = ["a", "b", "c"]
    ///             .into_iter()
    ///             .map(|name| {
    ///                 let log = log.clone();
    ///                 go(async move {
    ///                     log.borrow_mut().push(name);
    ///                     nop().await;
    ///                     log.borrow_mut().push(name);
    ///                 })
    ///             })
    ///             .collect();
    ///         for task in tasks {
    ///             task.await;
    ///         }
    ///         log.take()
    ///     })
    /// };
    /// assert_eq!(order(7), order(7));
    /// ```
    ///
    /// # Panics
    /// If a PCT schedule has a depth or a step estimate of 0.
    #[track_caller]
    pub fn schedule(mut self, schedule: Schedule) -> Builder {
        schedule.validate();
        self.runtime.schedule = schedule;
        self
    }

    /// The leak check (off by default for a plain run; on in [`testing`](crate::testing)): once
    /// `main` has returned and the loop has given the ready tasks their last turn, a task still
    /// parked on something no timer can end (a channel operation, a select with no `timeout` arm,
    /// a join of such a task) is a leak, and `run` panics with
    /// `leak: 2 tasks still blocked after main returned`, one line per task saying what it waits
    /// on, and the seed. A task waiting only for a timer (a `sleep`, a select with a `timeout`
    /// arm) is not a leak: it would finish on its own. Mark a task meant to outlive `main` (a
    /// server loop, a ticker) with [`JoinHandle::daemon`](crate::JoinHandle::daemon).
    ///
    /// ```
    /// use aiochan::{go, Chan, Runtime};
    ///
    /// let rt = Runtime::builder().virtual_time(true).leak_check(true).build();
    /// let leaked = std::panic::catch_unwind(|| {
    ///     rt.run(async {
    ///         let c = Chan::<u32>::new().named("results");
    ///         let stuck = c.clone();
    ///         go(async move { stuck.put(1).await }); // nobody ever gets it
    ///     })
    /// });
    /// let message = *leaked.unwrap_err().downcast::<String>().unwrap();
    /// assert!(message.starts_with("leak: 1 task still blocked after main returned\n  task #1: waits on put to channel 'results'"));
    /// ```
    pub fn leak_check(mut self, on: bool) -> Builder {
        self.runtime.leak_check = on;
        self
    }

    /// The most threads the loop's [`spawn_blocking`](crate::spawn_blocking) pool runs at once; 512
    /// unless set. Calls beyond the cap wait in a queue and start in the order they were made.
    ///
    /// ```
    /// use aiochan::{spawn_blocking, Handle, Runtime};
    ///
    /// let rt = Runtime::builder().max_blocking_threads(2).build();
    /// let (sum, threads) = rt.run(async {
    ///     let jobs: Vec<_> = (1..=10u64).map(|i| spawn_blocking(move || i * i)).collect();
    ///     let mut sum = 0;
    ///     for job in jobs {
    ///         sum += job.await;
    ///     }
    ///     (sum, Handle::current().blocking_threads())
    /// });
    /// assert_eq!(sum, 385);
    /// assert!(threads <= 2);
    /// ```
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn max_blocking_threads(mut self, n: usize) -> Builder {
        assert!(n > 0, "aiochan: max_blocking_threads must be at least 1");
        self.runtime.blocking.max_threads = n;
        self
    }

    /// How long a thread of the loop's [`spawn_blocking`](crate::spawn_blocking) pool waits for
    /// another job before it exits; 10 s unless set. Whatever the keep-alive, the pool's threads
    /// exit as soon as they are idle once the loop has ended.
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Builder {
        self.runtime.blocking.keep_alive = keep_alive;
        self
    }

    /// Records a [`Trace`] of every run of the built runtime ([`run`](Runtime::run),
    /// [`run_traced`](Runtime::run_traced), [`run_in_thread`](Runtime::run_in_thread)), kept until
    /// [`Runtime::take_trace`] collects them: the way to watch a program whose runs are started
    /// deep inside it. A run that panics (a deadlock, a task's panic) keeps its trace too, up to
    /// the panic. Clones of the runtime record into the same store.
    ///
    /// ```
    /// use aiochan::{go, Chan, Event, Runtime};
    ///
    /// let rt = Runtime::builder().virtual_time(true).seed(1).trace(true).build();
    /// for _ in 0..2 {
    ///     rt.run(async {
    ///         let c = Chan::new();
    ///         let getter = c.clone();
    ///         go(async move { getter.get().await });
    ///         c.put(1).await;
    ///     });
    /// }
    /// let trace = rt.take_trace();
    /// let runs = trace.events().iter().filter(|e| matches!(e.event, Event::Begin { .. })).count();
    /// assert_eq!(runs, 2);
    /// assert!(rt.take_trace().is_empty(), "taking the trace empties the store");
    /// std::fs::write(std::env::temp_dir().join("two-runs.html"), trace.to_html()).unwrap();
    /// ```
    pub fn trace(mut self, on: bool) -> Builder {
        self.runtime.traces = on.then(TraceStore::default);
        self
    }

    /// The configured runtime.
    pub fn build(self) -> Runtime {
        self.runtime
    }
}

impl Runtime {
    /// A runtime on real time with a fresh seed per run (unless `AIOCHAN_SEED` is set).
    pub fn new() -> Runtime {
        Runtime::default()
    }

    /// Starts configuring a runtime.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// The seed the next run will use: the configured one, else `AIOCHAN_SEED` if set, else a
    /// fresh one.
    ///
    /// # Panics
    /// If the seed would come from `AIOCHAN_SEED` and it is not a `u64`.
    pub fn next_seed(&self) -> u64 {
        self.seed
            .or_else(seed_from_env)
            .unwrap_or_else(rng::fresh_seed)
    }

    /// Runs `future` to completion on a new event loop on this thread and returns its output.
    ///
    /// `run` returns once the loop has seen `future` complete: the tasks that were ready at that
    /// moment get one last turn (ordering rule 4 in [`runtime`](crate::runtime)); tasks still
    /// pending are then dropped, their destructors running. A panic in any task ends the run: the other tasks are
    /// dropped and the panic is resumed here with the task's name. If `future` is pending and nothing
    /// can ever wake anything, `run` panics with a deadlock report.
    ///
    /// # Panics
    /// Inside a running loop (await the future, or spawn it with [`go`](crate::go), instead); on a
    /// task's panic; on deadlock.
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        self.run_recording(future, false).0
    }

    /// Runs `future` like [`run`](Runtime::run) and also returns how many steps the run took
    /// under PCT (0 under other schedules), for `Explore` to estimate the steps of a run.
    pub(crate) fn run_counting_steps<F: Future>(&self, future: F) -> (F::Output, usize) {
        let (output, _, steps) = self.run_recording(future, false);
        (output, steps)
    }

    /// The events recorded by the runs since the last call (each run beginning with
    /// [`Event::Begin`](crate::Event::Begin)), leaving none; an empty trace unless the runtime was
    /// built with [`Builder::trace`].
    pub fn take_trace(&self) -> Trace {
        match &self.traces {
            Some(store) => {
                let mut recorded = store.lock();
                recorded.runs = 0;
                std::mem::take(&mut recorded.trace)
            }
            None => Trace::default(),
        }
    }

    /// Runs `future` like [`run`](Runtime::run), recording a [`Trace`] of what the tasks did
    /// (and keeping a copy for [`take_trace`](Runtime::take_trace) if the runtime was built with
    /// [`Builder::trace`]).
    ///
    /// ```
    /// use aiochan::{go, Chan, Runtime};
    ///
    /// let (_, trace) = Runtime::builder().virtual_time(true).seed(1).build().run_traced(async {
    ///     let c = Chan::new().named("c");
    ///     let getter = c.clone();
    ///     let task = go(async move { getter.get().await });
    ///     c.put(1).await;
    ///     task.await
    /// });
    /// assert!(trace.to_text().contains("main -> channel 'c' -> task #1"));
    /// ```
    pub fn run_traced<F: Future>(&self, future: F) -> (F::Output, Trace) {
        let (output, trace, _) = self.run_recording(future, true);
        (output, trace.unwrap_or_default())
    }

    /// Runs `future`, with its trace if `record`, and the steps the run took under PCT.
    fn run_recording<F: Future>(
        &self,
        future: F,
        record: bool,
    ) -> (F::Output, Option<Trace>, usize) {
        assert!(
            !context::is_running(),
            "aiochan::run called inside a running event loop: await the future, \
             or spawn it with aiochan::go, instead of starting a second loop on this thread"
        );
        let core = Core::new(
            self.virtual_time,
            Seed {
                value: self.next_seed(),
                fixed: self.seed.is_some(),
            },
            self.schedule,
            self.leak_check,
            record || self.traces.is_some(),
            self.blocking,
        );
        let run = self
            .traces
            .as_ref()
            .map_or(1, |store| store.lock().runs + 1);
        core.trace_begin(run);
        let was_tracing = trace::set(record || self.traces.is_some());
        let core = &core;
        let result = context::enter(core, || {
            // Whatever unwinds (the main future's destructor, a foreign waker, the poller), the
            // loop still ends the one way below, so that no other thread waits on it for ever.
            let result = catch_unwind(AssertUnwindSafe(move || {
                pin_utils::pin_mut!(future);
                catch_unwind(AssertUnwindSafe(|| core.block_on(future.as_mut()))).unwrap_or_else(
                    |payload| {
                        Err(Failure::panicked(
                            "the event loop (a foreign waker or the poller)",
                            payload,
                        ))
                    },
                )
            }))
            .unwrap_or_else(|payload| {
                Err(Failure::panicked(
                    "the destructor of the main future",
                    payload,
                ))
            });
            let ended = core.shutdown();
            match (result, ended) {
                (Ok(_), Some(failure)) => Err(failure),
                (result, _) => result,
            }
        });
        trace::set(was_tracing);
        let mut trace = core.take_trace();
        if let (Some(store), Some(recorded)) = (&self.traces, &trace) {
            let mut store = store.lock();
            store.runs += 1;
            store.trace.append(recorded);
        }
        if !record {
            trace = None;
        }
        match result {
            Ok(output) => (output, trace, core.pct_steps()),
            Err(Failure::Panicked { who, payload }) => {
                let message = match message_of(&*payload) {
                    Some(message) => message,
                    // The main future's typed payload (`panic_any`) goes on unchanged, for the
                    // caller of `run` to read.
                    None if who == "main" => resume_unwind(payload),
                    None => "a non-string panic payload".to_string(),
                };
                panic!(
                    "{who} panicked: {message}\n{hint}",
                    hint = core.replay_hint()
                )
            }
            Err(Failure::Deadlock(report) | Failure::Leak(report)) => panic!("{report}"),
        }
    }

    /// Starts a new event loop on a new thread and runs there the future that `main` makes;
    /// [`LoopThread::join`] blocks for its output.
    ///
    /// `main` is called on the new thread, so the future it returns need not be `Send`: it may hold
    /// channels and join handles across awaits.
    pub fn run_in_thread<M, F>(&self, main: M) -> LoopThread<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future,
        F::Output: Send + 'static,
    {
        let runtime = self.clone();
        LoopThread::spawn(move || runtime.run(main()))
    }
}

/// Runs `future` to completion on a new event loop on this thread, with real time and a fresh seed
/// (see [`Runtime::run`]).
///
/// ```
/// async fn silly(x: i32) -> i32 {
///     x + 1
/// }
/// assert_eq!(aiochan::run(silly(2)), 3);
/// ```
pub fn run<F: Future>(future: F) -> F::Output {
    Runtime::new().run(future)
}

/// Starts a new event loop on a new thread, running the future that `main` makes there (see
/// [`Runtime::run_in_thread`]).
///
/// ```
/// let loop_thread = aiochan::run_in_thread(|| async {
///     let c = aiochan::Chan::new();
///     let answer = aiochan::go(async { 40 + 2 });
///     c.add([answer.await]);
///     c.get().await
/// });
/// assert_eq!(loop_thread.join(), Some(42));
/// ```
pub fn run_in_thread<M, F>(main: M) -> LoopThread<F::Output>
where
    M: FnOnce() -> F + Send + 'static,
    F: Future,
    F::Output: Send + 'static,
{
    Runtime::new().run_in_thread(main)
}

/// The text of a panic payload, if it is a string (`panic!` with a message).
pub(crate) fn message_of(payload: &(dyn Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
}

/// The seed of `AIOCHAN_SEED`, if it is set.
///
/// # Panics
/// If it is set but is not a `u64`.
pub(crate) fn seed_from_env() -> Option<u64> {
    let text = std::env::var(SEED_VAR).ok()?;
    Some(text.trim().parse().unwrap_or_else(|_| {
        panic!(
            "{SEED_VAR}={text:?} is not a seed: give a number such as {SEED_VAR}=42, or unset it"
        )
    }))
}

/// A run's seed and where it came from, for the reports' replay hint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seed {
    /// The seed.
    pub(crate) value: u64,
    /// Whether the builder fixed it (`AIOCHAN_SEED` then cannot change it).
    pub(crate) fixed: bool,
}

impl Seed {
    /// The line of a failure report that says how to replay the run: exact under virtual time;
    /// under real time the seed replays the random choices but not the timing.
    pub(crate) fn replay_hint(self, virtual_time: bool) -> String {
        let seed = self.value;
        match (self.fixed, virtual_time) {
            (true, true) => format!("(seed {seed}, fixed with Builder::seed: the run repeats exactly)"),
            (true, false) => format!(
                "(seed {seed}, fixed with Builder::seed: the random choices repeat, the timing may \
                 not; a run repeats exactly under virtual time)"
            ),
            (false, true) => format!("(seed {seed}: run with {SEED_VAR}={seed} to replay this run)"),
            (false, false) => format!(
                "(seed {seed}: {SEED_VAR}={seed} replays this run's random choices, not its timing; \
                 a replay is exact under virtual time, as with testing::check or \
                 Builder::virtual_time)"
            ),
        }
    }
}
