//! Deterministic testing of concurrent code: virtual time, seeds, schedule exploration and replay.
//!
//! Under virtual time and a fixed seed a program does the same thing on every run, so a test is
//! reproducible. [`explore`] goes further: it runs a test body under many seeds with schedule
//! perturbation (each turn runs its ready tasks in an order drawn from the seed), to flush out code
//! that silently relies on one particular interleaving. A failure names its seed; setting
//! `AIOCHAN_SEED` to it makes `explore` try that seed first, which replays exactly that run.
//!
//! # Random perturbation or PCT
//!
//! Two strategies explore schedules. **Random perturbation** ([`explore`], [`Explore::new`])
//! shuffles the tasks of every turn. It is cheap (one run per seed) and broad: it reorders every
//! group of tasks ready together, so the many shallow races, where one task merely has to run
//! before another, show within a few seeds. It promises nothing, though, for an ordering that
//! needs the schedule to go one way at one moment and the other way later: its chance of
//! happening shrinks with every turn that must go right.
//!
//! **PCT** ([`Explore::pct`], probabilistic concurrency testing, after Burckhardt, Kothari,
//! Musuvathi and Nagarakatte, ASPLOS 2010) runs the ready task of highest priority at every step,
//! with random priorities that drop at `depth - 1` random steps. It has a bound: a bug that needs
//! `d <= depth` orderings (a before b, then c before d, ...) to show, in a run of `n` steps among
//! `k` tasks, fails each seed with probability at least `1 / (k * n^(d-1))`. Use it when a bug
//! needs a few specific orderings, depth 2 or 3, in a run too long for perturbation to hit them
//! by chance, or to say how hard you have looked: `N` passing seeds at depth `d` leave a bug of
//! depth `d` a chance of at most `(1 - 1/(k * n^(d-1)))^N`. Depth 1 costs one run per seed and
//! finds the bugs of one ordering, as perturbation does; a greater depth costs two (see
//! [`Explore::pct`]), and the bound falls by a factor of `n` per level, so keep it small.
//!
//! # Which seeds `AIOCHAN_SEED` replaces
//!
//! [`SEED_VAR`] gives its seed to every runtime whose seed would otherwise be
//! drawn (built without [`Builder::seed`](crate::Builder::seed)), and [`explore`] and
//! [`Explore::run`] try it before their own seeds. It never changes a fixed seed ([`check`], a
//! builder's `seed`) nor the seeds [`Explore::find`] is given, so a suite whose tests fix their
//! seeds passes the same with the variable set: replaying one failure does not break the others.
//!
//! ```should_panic
//! use std::{cell::Cell, rc::Rc};
//! use aiochan::{go, nop, testing::explore};
//!
//! // A check-then-act race: the withdrawal checks the balance, yields, then acts on a stale check.
//! explore(0..100, || async {
//!     let balance = Rc::new(Cell::new(100));
//!     let b = balance.clone();
//!     let small = go(async move {
//!         if b.get() >= 50 {
//!             b.set(b.get() - 50);
//!         }
//!     });
//!     let b = balance.clone();
//!     let large = go(async move {
//!         if b.get() >= 100 {
//!             nop().await;
//!             b.set(b.get() - 100);
//!         }
//!     });
//!     small.await;
//!     large.await;
//!     assert!(balance.get() >= 0, "overdrawn: {}", balance.get());
//! });
//! ```

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::runtime::{message_of, seed_from_env, Runtime, Schedule, SEED_VAR};

/// Runs `future` under virtual time with `seed` and returns its output: one reproducible run.
///
/// ```
/// use std::time::Duration;
///
/// let waited = aiochan::testing::check(7, async {
///     let start = aiochan::now();
///     aiochan::sleep(Duration::from_secs(60)).await;
///     aiochan::now() - start
/// });
/// assert_eq!(waited, Duration::from_secs(60));
/// ```
pub fn check<F: Future>(seed: u64, future: F) -> F::Output {
    Runtime::builder()
        .virtual_time(true)
        .seed(seed)
        .leak_check(true)
        .build()
        .run(future)
}

/// Runs `body` under virtual time and schedule perturbation once per seed of `seeds`, and panics at
/// the first failure with its seed and how to replay it. With `AIOCHAN_SEED` set, tries that seed
/// first. See [`Explore`] to configure it.
pub fn explore<F, Fut>(seeds: impl IntoIterator<Item = u64>, body: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    Explore::new().seeds(seeds).run(body);
}

/// How [`explore`] runs a test body; [`Explore::find`] reports a failure instead of panicking.
#[derive(Debug, Clone)]
pub struct Explore {
    /// The seeds to try, in order.
    seeds: Vec<u64>,
    /// How each run orders its ready tasks.
    strategy: Strategy,
    /// Whether a run that leaves tasks blocked after `main` returns fails (see
    /// [`Builder::leak_check`](crate::Builder::leak_check)).
    leak_check: bool,
}

/// The schedule of the runs of an [`Explore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// First ready, first run.
    Fifo,
    /// Each turn in an order drawn from the seed.
    Perturb,
    /// Probabilistic concurrency testing of this depth, with the steps measured per seed.
    Pct {
        /// The depth of the bugs sought.
        depth: usize,
    },
}

/// A failing run found by [`Explore::find`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The seed of the failing run; `AIOCHAN_SEED=<seed>` replays it.
    pub seed: u64,
    /// How many seeds passed before it.
    pub passed: usize,
    /// The panic message of the failing run.
    pub message: String,
}

impl Default for Explore {
    fn default() -> Explore {
        Explore::new()
    }
}

impl Explore {
    /// Seeds 0 to 99, with schedule perturbation (see [`pct`](Explore::pct) for the other
    /// strategy).
    pub fn new() -> Explore {
        Explore {
            seeds: (0..100).collect(),
            strategy: Strategy::Perturb,
            leak_check: true,
        }
    }

    /// The seeds to try.
    #[must_use]
    pub fn seeds(mut self, seeds: impl IntoIterator<Item = u64>) -> Explore {
        self.seeds = seeds.into_iter().collect();
        self
    }

    /// Whether to perturb the schedule (on by default); off, only the seeded random choices of the
    /// program (select, `random_below`, ...) vary. Replaces [`pct`](Explore::pct) if it was set,
    /// and the other way round: the last of the two calls wins.
    #[must_use]
    pub fn perturb(mut self, on: bool) -> Explore {
        self.strategy = if on {
            Strategy::Perturb
        } else {
            Strategy::Fifo
        };
        self
    }

    /// Explores with probabilistic concurrency testing ([`Schedule::Pct`]) instead of random
    /// perturbation: each run polls, at every step, the ready task of highest priority, the
    /// priorities and the `depth - 1` steps at which the running task drops in priority being
    /// drawn from the run's seed. A bug that needs at most `depth` orderings to show, in a body of
    /// `k` tasks taking `n` steps, fails a run with probability at least `1 / (k * n^(depth-1))`.
    ///
    /// PCT needs `n`, the number of steps of a run. For depth 1 it makes no change and needs
    /// none; for a greater depth each seed runs the body twice: once at depth 1, counting its
    /// steps, then at `depth` with the changes drawn among that many steps. So the estimate fits
    /// each seed's own run (the run at depth 1 is exactly the run at `depth` up to its first
    /// change), the depth-1 run can find bugs too, and a seed replays alone, with
    /// `AIOCHAN_SEED`, exactly as it ran in the exploration.
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    /// use aiochan::{go, sleep, testing::Explore};
    /// # std::env::remove_var(aiochan::SEED_VAR); // explore every seed, not just one
    ///
    /// // A publishes in two steps, a millisecond apart; B looks when A starts and again a
    /// // millisecond later. B sees the half-done state twice only if A runs before B at first
    /// // and after B later: no fixed order of the two does that, one priority change does.
    /// async fn half_done() {
    ///     let state = Rc::new(Cell::new("idle"));
    ///     let s = state.clone();
    ///     let a = go(async move {
    ///         s.set("half");
    ///         sleep(Duration::from_millis(1)).await;
    ///         s.set("done");
    ///     });
    ///     let s = state.clone();
    ///     let b = go(async move {
    ///         let first = s.get();
    ///         sleep(Duration::from_millis(1)).await;
    ///         assert!(!(first == "half" && s.get() == "half"), "saw a half-done state twice");
    ///     });
    ///     a.await;
    ///     b.await;
    /// }
    ///
    /// assert_eq!(Explore::new().pct(1).seeds(0..200).find(half_done), None);
    /// let found = Explore::new().pct(2).seeds(0..200).find(half_done).expect("depth 2 finds it");
    /// assert!(found.message.contains("half-done"));
    /// ```
    ///
    /// # Panics
    /// If `depth` is 0.
    #[must_use]
    #[track_caller]
    pub fn pct(mut self, depth: usize) -> Explore {
        Schedule::Pct { depth, steps: 1 }.validate();
        self.strategy = Strategy::Pct { depth };
        self
    }

    /// Whether a run that leaves tasks blocked once `main` returns fails (on by default; see
    /// [`Builder::leak_check`](crate::Builder::leak_check)).
    #[must_use]
    pub fn leak_check(mut self, on: bool) -> Explore {
        self.leak_check = on;
        self
    }

    /// The first seed under which `body` panics (a failed assertion, a task's panic, a deadlock,
    /// a leak), or `None` if it passes under every seed. It tries exactly the configured seeds, in
    /// order, whatever `AIOCHAN_SEED` says.
    pub fn find<F, Fut>(&self, body: F) -> Option<Failure>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        self.find_among(&self.seeds, body)
    }

    fn find_among<F, Fut>(&self, seeds: &[u64], body: F) -> Option<Failure>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        for (passed, &seed) in seeds.iter().enumerate() {
            let outcome = match self.strategy {
                Strategy::Fifo => self.try_run(seed, Schedule::Fifo, &body),
                Strategy::Perturb => self.try_run(seed, Schedule::Perturb, &body),
                Strategy::Pct { depth: 1 } => {
                    self.try_run(seed, Schedule::Pct { depth: 1, steps: 1 }, &body)
                }
                // The run at depth 1 measures the steps that the run at `depth` spreads its
                // changes over.
                Strategy::Pct { depth } => self
                    .try_run(seed, Schedule::Pct { depth: 1, steps: 1 }, &body)
                    .and_then(|steps| {
                        let steps = steps.max(1);
                        self.try_run(seed, Schedule::Pct { depth, steps }, &body)
                    }),
            };
            if let Err(message) = outcome {
                return Some(Failure {
                    seed,
                    passed,
                    message,
                });
            }
        }
        None
    }

    /// One run of `body` under `seed` and `schedule`: the steps it took under PCT (0 under the
    /// other schedules), or its panic message.
    fn try_run<F, Fut>(&self, seed: u64, schedule: Schedule, body: &F) -> Result<usize, String>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        let runtime = Runtime::builder()
            .virtual_time(true)
            .schedule(schedule)
            .leak_check(self.leak_check)
            .seed(seed)
            .build();
        catch_unwind(AssertUnwindSafe(|| runtime.run_counting_steps(body())))
            .map(|((), steps)| steps)
            .map_err(|payload| {
                message_of(&*payload).unwrap_or_else(|| "a non-string panic payload".to_string())
            })
    }

    /// Like [`find`](Explore::find), panicking at the failure with its seed and how to replay it;
    /// with `AIOCHAN_SEED` set, its seed is tried before the configured ones.
    pub fn run<F, Fut>(&self, body: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut seeds = self.seeds.clone();
        if let Some(replay) = seed_from_env() {
            seeds.retain(|&s| s != replay);
            seeds.insert(0, replay);
        }
        if let Some(failure) = self.find_among(&seeds, body) {
            panic!(
                "explore: failed under seed {seed} after {passed} passing seed(s); \
                 replay with {SEED_VAR}={seed}\n{message}",
                seed = failure.seed,
                passed = failure.passed,
                message = failure.message
            );
        }
    }
}
