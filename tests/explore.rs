//! Schedule exploration: a planted ordering bug passes in the default order, is found by `explore`
//! within 1000 seeds, and replays by its seed; perturbation keeps the promised ordering rules.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use aiochan::testing::{check, Explore};
use aiochan::{go, nop, select, sleep, Runtime};

/// Two withdrawals from a balance of 100. The large one checks, yields, then acts on its stale
/// check: correct only if the small one never runs in between. Spawned first, the small one runs
/// first in FIFO order, so the bug hides in the default schedule.
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
fn the_planted_bug_passes_in_the_default_order() {
    for seed in 0..20 {
        check(seed, withdrawals());
    }
}

#[test]
fn explore_finds_the_planted_bug_and_its_seed_replays_it() {
    let found = Explore::new()
        .seeds(0..1000)
        .find(withdrawals)
        .expect("explore finds the check-then-act bug within 1000 seeds");
    assert!(found.message.contains("overdrawn"), "{}", found.message);
    let replay = Explore::new().seeds([found.seed]).find(withdrawals);
    assert_eq!(replay.map(|f| f.seed), Some(found.seed));
    // Without perturbation the same seed passes: it is the schedule that matters.
    assert_eq!(
        Explore::new()
            .seeds([found.seed])
            .perturb(false)
            .find(withdrawals),
        None
    );
}

#[test]
fn a_correct_program_passes_every_seed() {
    // The same withdrawals, acting on the check they just made: no await in between.
    Explore::new().seeds(0..200).run(|| async {
        let balance = Rc::new(Cell::new(100i64));
        let handles: Vec<_> = [50, 100]
            .into_iter()
            .map(|amount| {
                let b = balance.clone();
                go(async move {
                    nop().await;
                    if b.get() >= amount {
                        b.set(b.get() - amount);
                    }
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
        assert!(balance.get() >= 0);
    });
}

#[test]
fn explore_panics_with_the_seed_and_the_replay_command() {
    let message = std::panic::catch_unwind(|| {
        Explore::new().seeds(0..1000).run(withdrawals);
    })
    .expect_err("explore reports the failure");
    let message = message
        .downcast_ref::<String>()
        .expect("a formatted message");
    assert!(
        message.starts_with("explore: failed under seed "),
        "{message}"
    );
    assert!(message.contains("replay with AIOCHAN_SEED="), "{message}");
    assert!(message.contains("overdrawn"), "{message}");
}

#[test]
fn perturbation_keeps_timers_in_deadline_order() {
    for seed in 0..50 {
        let order = Runtime::builder()
            .virtual_time(true)
            .perturb(true)
            .seed(seed)
            .build()
            .run(async {
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
fn perturbation_varies_the_order_within_a_turn_by_seed() {
    let run = |seed| {
        Runtime::builder()
            .virtual_time(true)
            .perturb(true)
            .seed(seed)
            .build()
            .run(async {
                let order = Rc::new(RefCell::new(Vec::new()));
                let tasks: Vec<_> = (0..4)
                    .map(|i| {
                        let order = order.clone();
                        go(async move { order.borrow_mut().push(i) })
                    })
                    .collect();
                for t in tasks {
                    t.await;
                }
                order.take()
            })
    };
    let orders: std::collections::BTreeSet<Vec<i32>> = (0..20).map(run).collect();
    assert!(orders.len() > 1, "every seed gave the same order");
    assert_eq!(run(3), run(3));
}

#[test]
fn under_perturbation_a_ticker_can_fire_between_two_steps_of_busy_work() {
    /// A ticker every 10 ms, and a task doing 50 steps of work with a yield between steps: the
    /// ticks seen before the work ends.
    async fn ticks_during_work() -> usize {
        let ticks = aiochan::tick_tock(Duration::from_millis(10));
        let busy = aiochan::go(async {
            for _ in 0..50 {
                aiochan::nop().await;
            }
        });
        let mut seen = 0;
        while !busy.is_finished() {
            select! {
                _ = get(ticks) => seen += 1,
                _ = aiochan::nop() => {}
            }
        }
        busy.await;
        seen
    }
    // Without perturbation the clock stands still while tasks are ready: no tick during the work.
    assert_eq!(aiochan::testing::check(1, ticks_during_work()), 0);
    // With it, some schedules let time move on meanwhile.
    let failure = Explore::new()
        .seeds(0..50)
        .find(|| async { assert_eq!(ticks_during_work().await, 0, "a tick came") });
    assert!(
        failure.is_some_and(|f| f.message.contains("a tick came")),
        "no schedule moved time during the work"
    );
}

#[test]
fn under_perturbation_a_task_waiting_for_the_clock_while_busy_ends() {
    // Busy-waiting on the clock never ends under plain virtual time; under perturbation the clock
    // moves when a timer is armed, so the wait ends.
    Explore::new().seeds(0..20).run(|| async {
        let deadline = aiochan::now() + Duration::from_millis(5);
        let _timer = aiochan::go(aiochan::sleep(Duration::from_millis(5)));
        while aiochan::now() < deadline {
            aiochan::nop().await;
        }
    });
}
