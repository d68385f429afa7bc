//! Deterministic testing of concurrent code: virtual time, seeds, schedule exploration and replay.
//!
//! Under virtual time and a fixed seed a program does the same thing on every run, so a test is
//! reproducible. [`explore`] goes further: it runs a test body under many seeds with schedule
//! perturbation (each turn runs its ready tasks in an order drawn from the seed), to flush out code
//! that silently relies on one particular interleaving. A failure names its seed; setting
//! `AIOCHAN_SEED` to it makes `explore` try that seed first, which replays exactly that run.
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

use crate::runtime::{seed_from_env, Runtime, SEED_VAR};

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
    /// Whether turns run their ready tasks in a seeded random order.
    perturb: bool,
    /// Whether a run that leaves tasks blocked after `main` returns fails (see
    /// [`Builder::leak_check`](crate::Builder::leak_check)).
    leak_check: bool,
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
    /// Seeds 0 to 99, with schedule perturbation.
    pub fn new() -> Explore {
        Explore {
            seeds: (0..100).collect(),
            perturb: true,
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
    /// program (select, `random_below`, ...) vary.
    #[must_use]
    pub fn perturb(mut self, on: bool) -> Explore {
        self.perturb = on;
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
            let runtime = Runtime::builder()
                .virtual_time(true)
                .perturb(self.perturb)
                .leak_check(self.leak_check)
                .seed(seed)
                .build();
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| runtime.run(body()))) {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string panic payload".to_string());
                return Some(Failure {
                    seed,
                    passed,
                    message,
                });
            }
        }
        None
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
