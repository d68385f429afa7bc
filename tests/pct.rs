//! PCT schedules: a seed replays its order, priorities hold within a run, a depth-1 bug falls to
//! `pct(1)`, a depth-2 bug to `pct(2)` at no less than the promised rate, spin-waits end, and the
//! leak check and the deadlock report work as under the other schedules.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use aiochan::sync::Mutex;
use aiochan::testing::Explore;
use aiochan::{go, nop, sleep, Chan, JoinHandle, Runtime, Schedule};
use common::panic_message;

/// A runtime under virtual time with a PCT schedule.
fn pct(seed: u64, depth: usize, steps: usize) -> Runtime {
    Runtime::builder()
        .virtual_time(true)
        .seed(seed)
        .schedule(Schedule::Pct { depth, steps })
        .build()
}

/// Three tasks, each logging its name at three points split by a yield and a timer: the log of
/// the order in which their steps ran.
async fn three_steps_each() -> Vec<&'static str> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let tasks: Vec<JoinHandle<()>> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let log = log.clone();
            go(async move {
                log.borrow_mut().push(name);
                nop().await;
                log.borrow_mut().push(name);
                sleep(Duration::from_millis(1)).await;
                log.borrow_mut().push(name);
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
    log.take()
}

#[test]
fn the_same_seed_and_depth_give_the_same_order() {
    for depth in 1..=3 {
        for seed in 0..30 {
            let first = pct(seed, depth, 12).run(three_steps_each());
            assert_eq!(first.len(), 9);
            assert_eq!(
                pct(seed, depth, 12).run(three_steps_each()),
                first,
                "seed {seed}, depth {depth}"
            );
        }
    }
}

#[test]
fn seeds_give_different_orders_and_not_only_the_fifo_one() {
    let fifo = Runtime::builder()
        .virtual_time(true)
        .seed(0)
        .build()
        .run(three_steps_each());
    let orders: BTreeSet<Vec<&str>> = (0..30)
        .map(|seed| pct(seed, 2, 12).run(three_steps_each()))
        .collect();
    assert!(orders.len() >= 4, "{orders:?}");
    assert!(orders.iter().any(|order| *order != fifo), "{orders:?}");
}

/// Three tasks that wake at the same instants, three times, and never yield: the order in which
/// they ran at each instant.
fn orders_per_instant(runtime: &Runtime) -> Vec<Vec<u8>> {
    runtime.run(async {
        let log = Rc::new(RefCell::new(vec![Vec::new(); 3]));
        let tasks: Vec<JoinHandle<()>> = (0..3u8)
            .map(|id| {
                let log = log.clone();
                go(async move {
                    for instant in 0..3 {
                        log.borrow_mut()[instant].push(id);
                        sleep(Duration::from_millis(1)).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        log.take()
    })
}

#[test]
fn at_depth_1_the_priorities_hold_for_the_whole_run_and_every_order_comes_up() {
    let mut first_orders = BTreeSet::new();
    for seed in 0..60 {
        let orders = orders_per_instant(&pct(seed, 1, 1));
        // Tasks woken together run by priority, which does not change without a change point.
        assert!(
            orders.iter().all(|o| *o == orders[0]),
            "seed {seed}: {orders:?}"
        );
        first_orders.insert(orders[0].clone());
    }
    assert_eq!(first_orders.len(), 6, "{first_orders:?}");
}

#[test]
fn at_depth_3_a_change_point_reorders_some_later_instant() {
    let changed = (0..60).any(|seed| {
        let orders = orders_per_instant(&pct(seed, 3, 12));
        orders.iter().any(|o| *o != orders[0])
    });
    assert!(changed);
}

/// Two withdrawals from a balance of 100: the large one checks, yields, then acts on its stale
/// check. A bug of depth 1: it shows whenever the large one runs first, since its yield lets
/// the small one in.
async fn withdrawals() {
    let balance = Rc::new(Cell::new(100i64));
    let b = balance.clone();
    let small = go(async move {
        if b.get() >= 50 {
            b.set(b.get() - 50);
        }
    });
    let b = balance.clone();
    let large = go(async move {
        if b.get() >= 100 {
            nop().await;
            b.set(b.get() - 100);
        }
    });
    small.await;
    large.await;
    assert!(balance.get() >= 0, "overdrawn: balance {}", balance.get());
}

#[test]
fn depth_1_finds_a_check_then_act_race_within_a_few_seeds_and_the_seed_replays_it() {
    let found = Explore::new()
        .pct(1)
        .seeds(0..10)
        .find(withdrawals)
        .expect("pct(1) finds the check-then-act race within 10 seeds");
    assert!(found.message.contains("overdrawn"), "{}", found.message);
    let again = Explore::new()
        .pct(1)
        .seeds([found.seed])
        .find(withdrawals)
        .expect("the seed replays the failure");
    assert_eq!(again.message, found.message);
    // Half the seeds or so: the large withdrawal outranks the small one in half the draws.
    let failing = (0..200)
        .filter(|&s| Explore::new().pct(1).seeds([s]).find(withdrawals).is_some())
        .count();
    assert!((60..=140).contains(&failing), "{failing} of 200");
}

/// Counts the polls of the future it wraps.
struct Polls<F> {
    /// The wrapped future.
    inner: Pin<Box<F>>,
    /// Incremented at every poll; shared by every future of one run.
    count: Rc<Cell<usize>>,
}

impl<F: Future> Future for Polls<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.count.set(self.count.get() + 1);
        self.inner.as_mut().poll(cx)
    }
}

/// A bug of depth 2 that needs a priority change in the middle of a task. A marks its work half
/// done, then, a millisecond later, done; B looks when it starts and again a millisecond later,
/// and fails if it saw the half-done state both times. That needs A to run before B at the first
/// instant and after B at the second, while both are ready: no fixed priority does both, so
/// `pct(1)` never finds it; a change point on A's first step does.
///
/// A `nop()` between A's two halves would not do: a task that yields drops below the others
/// at once, so A yielding after its first half would always let B in, a bug of depth 1.
///
/// `polls` counts the polls of the run: its steps.
async fn half_done(polls: Rc<Cell<usize>>) {
    let state = Rc::new(Cell::new("idle"));
    let s = state.clone();
    let a = go(counted(&polls, async move {
        s.set("half");
        sleep(Duration::from_millis(1)).await;
        s.set("done");
    }));
    let s = state.clone();
    let b = go(counted(&polls, async move {
        let first = s.get();
        sleep(Duration::from_millis(1)).await;
        assert!(
            !(first == "half" && s.get() == "half"),
            "B saw a half-done state twice"
        );
    }));
    a.await;
    b.await;
}

/// `future`, its polls counted in `polls`.
fn counted<F: Future>(polls: &Rc<Cell<usize>>, future: F) -> Polls<F> {
    Polls {
        inner: Box::pin(future),
        count: polls.clone(),
    }
}

/// `half_done` with its main future counted too: the polls of every task of the run.
fn counted_half_done(polls: &Rc<Cell<usize>>) -> impl Future<Output = ()> {
    counted(polls, half_done(polls.clone()))
}

#[test]
fn depth_2_finds_a_bug_that_needs_a_priority_change_and_depth_1_never_does() {
    let polls = Rc::new(Cell::new(0));
    let body = || counted_half_done(&polls);
    assert_eq!(Explore::new().pct(1).seeds(0..300).find(body), None);
    assert_eq!(Explore::new().perturb(false).seeds(0..20).find(body), None);
    let found = Explore::new()
        .pct(2)
        .seeds(0..200)
        .find(body)
        .expect("pct(2) finds the depth-2 bug within 200 seeds");
    assert!(found.message.contains("half-done"), "{}", found.message);
    let again = Explore::new().pct(2).seeds([found.seed]).find(body);
    assert_eq!(again.map(|f| f.message), Some(found.message));
}

#[test]
fn depth_2_finds_the_bug_at_least_at_the_rate_pct_promises() {
    const SEEDS: u64 = 1000;
    // Main, A and B.
    const TASKS: usize = 3;
    let polls = Rc::new(Cell::new(0));
    let mut most_steps = 0;
    let mut failing = 0;
    for seed in 0..SEEDS {
        // The steps of a run, measured at depth 1 (which never fails) as `Explore::pct` does.
        polls.set(0);
        pct(seed, 1, 1).run(counted_half_done(&polls));
        most_steps = most_steps.max(polls.get());
        if Explore::new()
            .pct(2)
            .seeds([seed])
            .find(|| counted_half_done(&polls))
            .is_some()
        {
            failing += 1;
        }
    }
    assert!((6..=7).contains(&most_steps), "{most_steps} steps");
    // At least 1/(k n) of the runs fail, n the most steps any run took.
    let bound = SEEDS as f64 / (TASKS * most_steps) as f64;
    assert!(
        failing as f64 >= bound,
        "{failing} of {SEEDS} runs failed, fewer than the bound {bound:.1} \
         (k = {TASKS}, n = {most_steps})"
    );
}

/// `spinner` loops on `nop()` until `setter`, which first yields `setter_yields` times, sets the
/// flag; returns how many times the spinner spun.
async fn spin_wait(setter_yields: usize) -> usize {
    let flag = Rc::new(Cell::new(false));
    let f = flag.clone();
    let spinner = go(async move {
        let mut spins = 0;
        while !f.get() {
            nop().await;
            spins += 1;
            assert!(spins < 1000, "the spinner starved the setter");
        }
        spins
    });
    let f = flag.clone();
    let setter = go(async move {
        for _ in 0..setter_yields {
            nop().await;
        }
        f.set(true);
    });
    let spins = spinner.await;
    setter.await;
    spins
}

#[test]
fn a_spin_wait_ends_under_every_seed_and_depth() {
    for depth in 1..=3 {
        for seed in 0..300 {
            let spins = pct(seed, depth, 20).run(spin_wait(3));
            // A task that yields drops below the others, so each spin lets the setter step once.
            assert!(spins <= 4, "seed {seed}, depth {depth}: {spins} spins");
        }
    }
}

#[test]
fn main_spinning_on_a_task_s_flag_ends_too() {
    for seed in 0..200 {
        pct(seed, 2, 10).run(async {
            let flag = Rc::new(Cell::new(false));
            let f = flag.clone();
            go(async move {
                nop().await;
                f.set(true);
            });
            let mut spins = 0;
            while !flag.get() {
                nop().await;
                spins += 1;
                assert!(spins <= 2, "seed {seed}: main spun {spins} times");
            }
        });
    }
}

#[test]
fn the_leak_check_reports_a_blocked_task_under_pct() {
    let leaky = || async {
        let results = Chan::<u32>::new().named("results");
        let stuck = results.clone();
        go(async move { stuck.put(1).await });
        nop().await;
    };
    let found = Explore::new()
        .pct(2)
        .seeds(0..5)
        .find(leaky)
        .expect("the leak check fails the first seed");
    assert_eq!(found.passed, 0);
    assert!(
        found
            .message
            .starts_with("leak: 1 task still blocked after main returned\n  task #1: waits on put to channel 'results'"),
        "{}",
        found.message
    );
    assert_eq!(
        Explore::new()
            .pct(2)
            .leak_check(false)
            .seeds(0..5)
            .find(leaky),
        None
    );
}

#[test]
fn a_deadlock_is_reported_under_pct_with_its_seed() {
    let message = panic_message(|| {
        Explore::new().pct(3).seeds(0..5).run(|| async {
            let (left, right) = (
                Chan::<u8>::new().named("left"),
                Chan::<u8>::new().named("right"),
            );
            let (l, r) = (left.clone(), right.clone());
            let a = go(async move {
                l.get().await;
                r.put(1).await;
            });
            let b = go(async move {
                right.get().await;
                left.put(1).await;
            });
            a.await;
            b.await;
        });
    });
    assert!(
        message.starts_with("explore: failed under seed "),
        "{message}"
    );
    assert!(
        message.contains("deadlock: all tasks are asleep"),
        "{message}"
    );
    assert!(
        message.contains("task #1: waits on get from channel 'left'"),
        "{message}"
    );
}

/// Two tasks take two locks in opposite orders: a deadlock only if each gets its first lock
/// before the other gets its second.
async fn opposite_lock_orders() {
    let first = Rc::new(Mutex::new(()).named("first"));
    let second = Rc::new(Mutex::new(()).named("second"));
    let (f, s) = (first.clone(), second.clone());
    let a = go(async move {
        let _one = f.lock().await;
        let _two = s.lock().await;
    });
    let b = go(async move {
        let _two = second.lock().await;
        let _one = first.lock().await;
    });
    a.await;
    b.await;
}

#[test]
fn sync_acquires_are_scheduling_points_under_pct() {
    // In FIFO order each task takes both locks in one poll: no deadlock.
    assert_eq!(
        Explore::new()
            .perturb(false)
            .seeds(0..20)
            .find(opposite_lock_orders),
        None
    );
    let found = Explore::new()
        .pct(1)
        .seeds(0..100)
        .find(opposite_lock_orders)
        .expect("pct(1) makes the two tasks interleave at an acquire");
    assert!(
        found.message.contains("deadlock: all tasks are asleep"),
        "{}",
        found.message
    );
}

#[test]
fn timers_fire_in_deadline_order_under_pct() {
    for seed in 0..50 {
        let order = pct(seed, 3, 10).run(async {
            let order = Rc::new(RefCell::new(Vec::new()));
            let tasks: Vec<_> = [30u64, 10, 20]
                .into_iter()
                .map(|ms| {
                    let order = order.clone();
                    go(async move {
                        sleep(Duration::from_millis(ms)).await;
                        order.borrow_mut().push(ms);
                    })
                })
                .collect();
            for t in tasks {
                t.await;
            }
            order.take()
        });
        assert_eq!(order, [10, 20, 30], "seed {seed}");
    }
}

#[test]
fn tasks_ready_when_main_completes_get_their_last_turn_under_pct() {
    for seed in 0..50 {
        let log = pct(seed, 2, 5).run(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            for id in 0..3 {
                let log = log.clone();
                go(async move { log.borrow_mut().push(id) });
            }
            log
        });
        let mut ran = log.take();
        ran.sort_unstable();
        assert_eq!(ran, [0, 1, 2], "seed {seed}");
    }
}

#[test]
fn a_task_aborted_while_ready_never_runs_under_pct() {
    for seed in 0..50 {
        let (ran, other) = pct(seed, 2, 4).run(async {
            let ran = Rc::new(Cell::new(false));
            let r = ran.clone();
            go(async move { r.set(true) }).abort();
            let other = go(async { 7 });
            nop().await;
            (ran.get(), other.await)
        });
        assert!(!ran, "seed {seed}");
        assert_eq!(other, 7);
    }
}

#[test]
#[should_panic(expected = "a PCT schedule needs a depth of at least 1")]
fn a_depth_of_0_is_refused() {
    let _ = Explore::new().pct(0);
}
