//! The leak check: tasks still blocked on what no timer can end once `main` returns fail a
//! `testing` run (and a plain run that asks for it), with a report of what each waits on.

mod common;

use std::time::Duration;

use aiochan::testing::{check, Explore};
use aiochan::{go, go_named, select, sleep, tick_tock, timeout, Chan, Runtime};
use common::{ms, panic_message};

#[test]
fn a_task_blocked_on_a_put_nobody_takes_is_a_leak_under_check() {
    let message = panic_message(|| {
        check(3, async {
            let results = Chan::<u32>::new().named("results");
            let stuck = results.clone();
            go_named("producer", async move { stuck.put(1).await });
            let idle = Chan::<u32>::new().named("jobs");
            go(async move { idle.get().await });
        })
    });
    assert_eq!(
        message,
        "leak: 2 tasks still blocked after main returned\n  \
         task 'producer': waits on put to channel 'results' at tests/leak.rs:18 (spawned at tests/leak.rs:18)\n  \
         task #2: waits on get from channel 'jobs' at tests/leak.rs:20 (spawned at tests/leak.rs:20)\n\
         (mark a task meant to outlive main with JoinHandle::daemon)\n\
         (seed 3, fixed with Builder::seed: the run repeats exactly)"
    );
}

#[test]
fn tasks_that_wait_only_for_a_timer_are_not_leaks() {
    check(1, async {
        go(async { sleep(Duration::from_secs(3600)).await });
        let never = Chan::<u8>::new();
        go(async move {
            let deadline = timeout::<()>(ms(50));
            select! {
                v = get(never) => v,
                _ = get(deadline) => None,
            }
        });
        let ticks = tick_tock(ms(10));
        drop(ticks);
    });
}

#[test]
fn a_join_of_a_leaked_task_is_a_leak_and_a_join_of_a_sleeper_is_not() {
    let message = panic_message(|| {
        check(2, async {
            let stuck = go_named("stuck", async { Chan::<u8>::new().get().await });
            go_named("joiner", stuck);
        })
    });
    assert!(
        message.contains("task 'stuck': waits on get from channel #1")
            && message.contains("task 'joiner': waits on the end of task 'stuck'"),
        "{message}"
    );
    check(2, async {
        let sleeper = go(async { sleep(ms(100)).await });
        go(sleeper);
    });
}

#[test]
fn a_daemon_is_never_reported() {
    check(4, async {
        let requests = Chan::<u32>::new();
        let server = requests.clone();
        go(async move { while server.get().await.is_some() {} }).daemon();
    });
}

#[test]
fn a_plain_run_checks_for_leaks_only_when_asked() {
    let leaky = || async {
        let c = Chan::<u8>::new();
        go(async move { c.get().await });
    };
    aiochan::run(leaky());
    let message = panic_message(|| {
        Runtime::builder()
            .virtual_time(true)
            .leak_check(true)
            .build()
            .run(leaky())
    });
    assert!(
        message.starts_with("leak: 1 task still blocked"),
        "{message}"
    );
}

#[test]
fn explore_fails_on_a_leak_unless_told_not_to() {
    let body = || async {
        let done = Chan::<()>::new();
        let worker = done.clone();
        go(async move { worker.put(()).await });
        // Forgets to wait for the worker's signal.
    };
    let failure = Explore::new().seeds(0..5).find(body).expect("a leak");
    assert!(
        failure.message.starts_with("leak: 1 task"),
        "{}",
        failure.message
    );
    assert_eq!(failure.passed, 0);
    assert_eq!(
        Explore::new().seeds(0..5).leak_check(false).find(body),
        None
    );
}

#[test]
fn a_task_that_is_ready_when_main_returns_is_not_a_leak() {
    check(5, async {
        let c = Chan::<u8>::fixed(1);
        let getter = c.clone();
        go(async move { getter.get().await });
        aiochan::nop().await;
        // The getter is parked; this put wakes it, and it finishes in the last turn.
        c.put(1).await;
    });
}
