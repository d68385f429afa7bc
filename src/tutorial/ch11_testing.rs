//! Chapter 11: testing concurrent code deterministically.
//!
//! Concurrent code has a reputation for tests that are slow (they sleep), flaky (they pass or fail
//! depending on timing) and impossible to debug (the failure does not come back when you look).
//! aiochan's loop is built to avoid all three: its order is fixed by rules, not by chance
//! (chapter 2); its clock can be virtual; and the few choices it makes at random come from a seed
//! that you can set. The [`testing`](crate::testing) module packages these for tests.
//!
//! # Exact time, instantly
//!
//! Under virtual time a test of timing logic takes no real time and can assert exact instants,
//! where a real-time test would need generous margins. [`testing::check`](crate::testing::check)
//! runs a future under virtual time with a given seed: one reproducible run.
//!
//! Here is a retry loop with exponential back-off, tested to the millisecond:
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{now, sleep, testing};
//!
//! /// Calls `attempt` until it succeeds, waiting 100 ms, then 200, 400, ... in between.
//! async fn with_retries(mut attempt: impl FnMut() -> bool) -> u32 {
//!     let mut wait = Duration::from_millis(100);
//!     let mut tries = 1;
//!     while !attempt() {
//!         sleep(wait).await;
//!         wait *= 2;
//!         tries += 1;
//!     }
//!     tries
//! }
//!
//! let (tries, attempts_at) = testing::check(1, async {
//!     let start = now();
//!     let mut attempts_at = Vec::new();
//!     let tries = with_retries(|| {
//!         attempts_at.push((now() - start).as_millis());
//!         attempts_at.len() == 4 // the fourth attempt succeeds
//!     })
//!     .await;
//!     (tries, attempts_at)
//! });
//! assert_eq!(tries, 4);
//! assert_eq!(attempts_at, [0, 100, 300, 700]);
//! ```
//!
//! Run it: `cargo run --example tutorial -- testing-1-retries --virtual`.
//!
//! # Seeds: random, but repeatable
//!
//! Some choices are random on purpose: which ready operation a select completes, which input a
//! merge takes next, [`random_below`](crate::random_below). They all draw from one generator per
//! loop, started from a *seed*. Without a seed, each run draws a fresh one; with
//! [`Builder::seed`](crate::Builder::seed), the same seed makes the same choices, every time.
//! [`aiochan::seed`](crate::seed()) tells a running program its seed, so that a test can print it
//! when it fails.
//!
//! The environment variable `AIOCHAN_SEED` ([`SEED_VAR`](crate::SEED_VAR)) gives its seed to every
//! runtime whose seed is not fixed: when a run with a drawn seed fails under seed 1234, run it
//! again with `AIOCHAN_SEED=1234` and it makes the same choices, so the failure comes back (under
//! virtual time, exactly; under real time the timing may still differ, and the report says so). A
//! runtime built with a fixed seed keeps it, so the rest of a suite is unchanged while you replay.
//!
//! ```
//! use std::collections::BTreeSet;
//! use aiochan::{select, Chan, Op, Runtime};
//! # std::env::remove_var(aiochan::SEED_VAR); // this example compares seeds, so ignore the variable
//!
//! /// Two channels with a value each: which one does the select take?
//! fn pick(rt: &Runtime) -> (u64, usize) {
//!     rt.run(async {
//!         let (a, b) = (Chan::fixed(1).add([1]), Chan::fixed(1).add([2]));
//!         let chosen = select([Op::get(&a), Op::get(&b)]).await;
//!         (aiochan::seed(), chosen.index)
//!     })
//! }
//!
//! let (seed, choice) = pick(&Runtime::new()); // a fresh seed, a random choice
//! let replay = Runtime::builder().seed(seed).build();
//! for _ in 0..10 {
//!     assert_eq!(pick(&replay), (seed, choice)); // the same seed, the same choice
//! }
//!
//! let choices: BTreeSet<usize> =
//!     (0..20).map(|s| pick(&Runtime::builder().seed(s).build()).1).collect();
//! assert_eq!(choices.len(), 2); // other seeds, other choices
//! ```
//!
//! Run it: `cargo run --example tutorial -- testing-2-seeds --virtual`.
//!
//! # Exploring schedules
//!
//! The loop runs ready tasks in a fixed order (first ready, first run). A program can come to rely
//! on that order without meaning to, and break when a small change elsewhere reorders its tasks.
//! [`testing::explore`](crate::testing::explore) runs a test body under many seeds with *schedule
//! perturbation*: each turn runs its ready tasks in an order drawn from the seed (the other rules
//! still hold, and a task is still never interrupted between awaits). A body that passes under
//! every explored seed does not depend on the order of ready tasks; one that fails is reported with
//! the seed that breaks it, and `AIOCHAN_SEED` replays that exact schedule.
//! [`Explore::find`](crate::testing::Explore::find) returns the failure instead of panicking.
//!
//! Below, two customers race for the last seat. The quick one checks and books at once. The
//! careful one checks, then waits for the payment to go through, then books, trusting a check
//! that may have gone stale during the wait. In the loop's usual order the quick customer runs
//! first and the careful one finds no seat, so an ordinary run passes: exactly the kind of bug
//! that waits for production. Exploring schedules finds it. The fix is the lesson of chapter 2
//! seen from the other side: nothing changes between two awaits, but anything may change *at* an
//! await, so check again after it.
//!
//! ```
//! use std::{cell::Cell, rc::Rc};
//! use aiochan::{go, nop, testing::{self, Explore}};
//! # std::env::remove_var(aiochan::SEED_VAR); // explore every seed, not just one
//!
//! async fn book_last_seat(check_again: bool) {
//!     let seats = Rc::new(Cell::new(1));
//!     let s = seats.clone();
//!     let quick = go(async move {
//!         if s.get() > 0 {
//!             s.set(s.get() - 1);
//!         }
//!     });
//!     let s = seats.clone();
//!     let careful = go(async move {
//!         if s.get() > 0 {
//!             nop().await; // the payment: other tasks run meanwhile
//!             if !check_again || s.get() > 0 {
//!                 s.set(s.get() - 1);
//!             }
//!         }
//!     });
//!     quick.await;
//!     careful.await;
//!     assert!(seats.get() >= 0, "overbooked: {} seats", seats.get());
//! }
//!
//! testing::check(1, book_last_seat(false)); // the usual order: passes
//!
//! let explore = Explore::new().seeds(0..50);
//! let failure = explore.find(|| book_last_seat(false)).expect("some schedule overbooks");
//! assert!(failure.message.contains("overbooked: -1 seats"));
//! // `AIOCHAN_SEED=<failure.seed>` would replay exactly that schedule.
//!
//! assert_eq!(explore.find(|| book_last_seat(true)), None); // fixed under every schedule
//! ```
//!
//! Run it: `cargo run --example tutorial -- testing-3-explore --virtual`.
//!
//! Perturbation is good at bugs like this one, where one task merely has to run before another.
//! A bug that needs the schedule to go one way at first and the other way later is rarer under
//! it, and it never says how rare. [`Explore::pct`](crate::testing::Explore::pct) explores
//! differently: random task priorities that change at a few random steps, with a bound on the
//! chance of finding a bug that needs that many orderings (see [`testing`](crate::testing) for
//! when to use which). `Explore::new().pct(2)` is the usual start.
//!
//! # Deadlock reports
//!
//! A deadlock, where every task waits for another and nothing can ever wake any of them, is the
//! classic bug of channel programs. On many runtimes it shows up as a program that hangs. aiochan's
//! loop knows what each task waits on, so when the main future is waiting and nothing can ever
//! wake anything, [`run`](crate::run) panics with a report instead: one line per stuck task
//! saying what it waits on, and the seed to replay the run. Name your tasks with
//! [`go_named`](crate::go_named) and your channels with [`Chan::named`](crate::Chan::named) to make
//! the report readable.
//!
//! Below, a worker waits for a job before it reports, while `main` waits for the report before it
//! hands out the job:
//!
//! ```
//! use std::panic::catch_unwind;
//! use aiochan::{go_named, Chan};
//!
//! let panic = catch_unwind(|| {
//!     aiochan::run(async {
//!         let jobs = Chan::new().named("jobs");
//!         let reports = Chan::new().named("reports");
//!         let (j, r) = (jobs.clone(), reports.clone());
//!         go_named("worker", async move {
//!             let job: u32 = j.get().await.unwrap();
//!             r.put(job * 2).await;
//!         });
//!         let report = reports.get().await; // oops: the job was never sent
//!         jobs.put(21).await;
//!         report
//!     })
//! })
//! .unwrap_err();
//!
//! let report = panic.downcast_ref::<String>().unwrap();
//! assert!(report.starts_with("deadlock: all tasks are asleep"));
//! assert!(report.contains("main: waits on get from channel 'reports'"));
//! assert!(report.contains("task 'worker': waits on get from channel 'jobs'"));
//! assert!(report.contains("AIOCHAN_SEED="));
//! ```
//!
//! Run it: `cargo run --example tutorial -- testing-4-deadlock-report --virtual`.
//!
//! A panic inside a task ends the whole run in the same way: `run` panics with the task's name,
//! its message, and the seed. A test never silently loses a failing task:
//!
//! ```
//! let panic = std::panic::catch_unwind(|| {
//!     aiochan::run(async {
//!         let parser = aiochan::go_named("parser", async { panic!("bad input") });
//!         parser.await;
//!     })
//! })
//! .unwrap_err();
//! let message = panic.downcast_ref::<String>().unwrap();
//! assert!(message.starts_with("task 'parser' panicked: bad input"));
//! ```
//!
//! Run it: `cargo run --example tutorial -- testing-5-task-panic --virtual`.
//!
//! When a report is not enough to see what happened, [`Runtime::run_traced`](crate::Runtime::run_traced)
//! records every spawn, wait, wake-up and hand-off of a run, and renders them as a timeline.
//!
//! # A real bug, found and fixed
//!
//! GoBench collects blocking bugs from large Go projects as small *kernels*; the crate's test
//! suite (tests/bugs/) ports a set of them to aiochan, and exploration finds every one. Here is
//! Kubernetes' [#10182](https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/kubernetes/10182/kubernetes10182_test.go).
//! The kubelet's status manager runs a loop that takes a status update from a channel, then takes
//! a lock to delete the old status; setting a status takes the same lock, and sends the update
//! while it holds it:
//!
//! ```text
//! func (s *statusManager) syncBatch() {        func (s *statusManager) SetPodStatus() {
//!     <-s.podStatusChannel                         s.podStatusesLock.Lock()
//!     s.DeletePodStatus() // takes the lock        defer s.podStatusesLock.Unlock()
//! }                                                s.podStatusChannel <- true
//!                                              }
//! ```
//!
//! With two updates, the loop can receive the first while the second setter already holds the
//! lock: the setter waits for the loop to receive, the loop waits for the lock. The port keeps the
//! shape, with [`RwLock`](crate::sync::RwLock) for Go's `RWMutex` (`Lock` is `write`) and a flag
//! for the fix, which sends once the lock is released:
//!
//! ```
//! use std::rc::Rc;
//! use aiochan::{go_named, sync::RwLock, testing::Explore, Chan};
//!
//! struct StatusManager {
//!     pod_statuses_lock: RwLock<()>,
//!     pod_status_channel: Chan<bool>,
//! }
//!
//! async fn sync_batch(s: &StatusManager) {
//!     s.pod_status_channel.get().await;
//!     let _lock = s.pod_statuses_lock.write().await; // DeletePodStatus
//! }
//!
//! async fn set_pod_status(s: &StatusManager, fixed: bool) {
//!     let lock = s.pod_statuses_lock.write().await;
//!     if fixed {
//!         drop(lock); // the fix: send once the lock is released
//!     }
//!     s.pod_status_channel.put(true).await;
//! } // without the fix, the lock is released here, after the send
//!
//! async fn kubernetes10182(fixed: bool) {
//!     let s = Rc::new(StatusManager {
//!         pod_statuses_lock: RwLock::new(()).named("podStatusesLock"),
//!         pod_status_channel: Chan::new().named("podStatusChannel"),
//!     });
//!     let s1 = s.clone();
//!     let sync_loop = go_named("syncBatch", async move {
//!         for _ in 0..2 {
//!             sync_batch(&s1).await;
//!         }
//!     });
//!     let setters: Vec<_> = (1..=2)
//!         .map(|i| {
//!             let s = s.clone();
//!             go_named(format!("SetPodStatus-{i}"), async move { set_pod_status(&s, fixed).await })
//!         })
//!         .collect();
//!     sync_loop.await;
//!     for setter in setters {
//!         setter.await;
//!     }
//! }
//!
//! let failure = Explore::new().seeds(0..15).find(|| kubernetes10182(false)).expect("a deadlock");
//! assert_eq!(
//!     failure.message,
//!     "deadlock: all tasks are asleep
//!   main: waits on the end of task 'syncBatch'
//!   task 'syncBatch': waits on read-write lock 'podStatusesLock' held by task 'SetPodStatus-1' (spawned at src/tutorial/ch11_testing.rs:32)
//!   task 'SetPodStatus-1': waits on put to channel 'podStatusChannel' at src/tutorial/ch11_testing.rs:23 (spawned at src/tutorial/ch11_testing.rs:40)
//! (seed 0, fixed with Builder::seed: the run repeats exactly)"
//! );
//!
//! assert_eq!(Explore::new().seeds(0..10_000).find(|| kubernetes10182(true)), None);
//! ```
//!
//! Run it: `cargo run --example tutorial -- testing-6-kubernetes --virtual`.
//!
//! The very first schedule deadlocks, and the report tells the whole story: the loop waits for
//! the lock, the setter that holds it waits for the loop to receive. (`explore` would panic with
//! the same report, after a line naming the seed and how to replay it.) A lock acquire is a
//! scheduling point under exploration, so the interleavings that lock bugs need come up: GoBench
//! saw this kernel deadlock in 15 runs of 100 under Go's scheduler, while 714 of the first 1,000
//! explored schedules deadlock. The fixed version passes 10,000 schedules.
//!
//! To recap:
//! - virtual time makes timing tests instant and exact; [`testing::check`](crate::testing::check)
//!   runs one reproducible run;
//! - random choices follow the seed; `AIOCHAN_SEED` replays a failing run;
//! - [`testing::explore`](crate::testing::explore) tries many schedules and names the seed that
//!   breaks a test, and `Explore::pct` does so with a bound for bugs of a given depth;
//! - deadlocks, leaks and panics in tasks end the run with a report naming tasks, channels and
//!   the seed;
//! - together they find real bugs: a Kubernetes deadlock, reported and its fix checked.
//!
//! This is the end of the tutorial. The [`ops`](crate::ops) module and the rest of the API
//! reference take it from here.
