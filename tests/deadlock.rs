//! Deadlock reports: who waits on what, and no report while a timer or outside waker may wake.

use std::future::Future;
use std::time::{Duration, Instant};

use aiochan::{go, go_named, nop, sleep, Runtime};

mod common;
use common::{ms, oneshot, panic_message, slack};

#[test]
fn a_task_stuck_forever_is_reported_with_what_main_waits_on() {
    let report = panic_message(|| {
        Runtime::builder().seed(11).build().run(async {
            go_named("stuck", std::future::pending::<()>()).await;
        })
    });
    assert!(
        report.starts_with("deadlock: all tasks are asleep"),
        "{report}"
    );
    insta::assert_snapshot!(report, @r"
    deadlock: all tasks are asleep
      main: waits on the end of task 'stuck'
      task 'stuck': waits on a future outside aiochan that kept no waker, so nothing can wake it (spawned at tests/deadlock.rs:15)
    (seed 11, fixed with Builder::seed: the random choices repeat, the timing may not; a run repeats exactly under virtual time)
    ");
}

#[test]
fn a_deadlock_is_reported_under_virtual_time_too() {
    let report = panic_message(|| {
        Runtime::builder()
            .virtual_time(true)
            .seed(12)
            .build()
            .run(async {
                sleep(Duration::from_secs(10)).await;
                std::future::pending::<()>().await;
            })
    });
    assert!(
        report.starts_with(
            "deadlock: all tasks are asleep\n  main: waits on a future outside aiochan"
        ),
        "{report}"
    );
}

#[test]
fn a_deadlock_report_lists_the_tasks_in_spawn_order() {
    let report = panic_message(|| {
        Runtime::builder().seed(13).build().run(async {
            // `quick` finishes and frees its slot, which the unnamed task #3 then reuses: the
            // report must still follow spawn order, not slot order.
            let quick = go_named("quick", async {});
            let first = go_named("first", std::future::pending::<()>());
            nop().await;
            quick.await;
            let unnamed = go(std::future::pending::<()>());
            let waiting = go_named("waiting", first);
            let last = go_named("last", async move {
                unnamed.await;
            });
            let sleeper = go_named("sleeper", sleep(ms(1)));
            sleeper.await; // finished tasks are not listed
            last.await;
            drop(waiting);
        })
    });
    insta::assert_snapshot!(report, @r"
    deadlock: all tasks are asleep
      main: waits on the end of task 'last'
      task 'first': waits on a future outside aiochan that kept no waker, so nothing can wake it (spawned at tests/deadlock.rs:57)
      task #3: waits on a future outside aiochan that kept no waker, so nothing can wake it (spawned at tests/deadlock.rs:60)
      task 'waiting': waits on the end of task 'first' (spawned at tests/deadlock.rs:61)
      task 'last': waits on the end of task #3 (spawned at tests/deadlock.rs:62)
    (seed 13, fixed with Builder::seed: the random choices repeat, the timing may not; a run repeats exactly under virtual time)
    ");
}

#[test]
fn the_report_names_the_seed_to_replay_the_run() {
    let report = panic_message(|| {
        Runtime::builder()
            .seed(123_456_789)
            .build()
            .run(std::future::pending::<()>())
    });
    assert!(
        report.contains("(seed 123456789, fixed with Builder::seed"),
        "{report}"
    );

    // With no seed given, the report names the fresh one the run drew, and how to replay it.
    let report = panic_message(|| aiochan::run(std::future::pending::<()>()));
    assert!(report.contains("not its timing"), "{report}");
    let seed = report
        .split("AIOCHAN_SEED=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the report names AIOCHAN_SEED=<seed>");
    assert!(seed.parse::<u64>().is_ok(), "{report}");
}

#[test]
fn no_deadlock_while_a_waker_lives_on_another_thread() {
    let begin = Instant::now();
    let value = aiochan::run(async {
        let (tx, rx) = oneshot();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(ms(50));
            tx.send("from the thread");
        });
        let value = go_named("receiver", rx).await;
        thread.join().unwrap();
        value
    });
    assert_eq!(value, "from the thread");
    assert!(begin.elapsed() >= ms(50));
}

#[test]
fn no_deadlock_while_a_timer_is_armed() {
    // Main waits on a task that waits on a timer; another task is stuck forever meanwhile.
    for virtual_time in [false, true] {
        let out = Runtime::builder()
            .virtual_time(virtual_time)
            .seed(14)
            .build()
            .run(async {
                drop(go_named("forever", std::future::pending::<()>()));
                go(async {
                    sleep(ms(20)).await;
                    "woke"
                })
                .await
            });
        assert_eq!(out, "woke");
    }
}

#[test]
fn a_deadlock_is_reported_once_the_last_waker_held_elsewhere_is_dropped() {
    let begin = Instant::now();
    let report = panic_message(|| {
        Runtime::builder().seed(15).build().run(async {
            let (tx, rx) = oneshot::<()>();
            let thread = std::thread::spawn(move || {
                // Wait for the receiver to park, then drop its waker without waking it.
                while !tx.drop_waker() {
                    std::thread::sleep(ms(1));
                }
            });
            go_named("receiver", rx).await;
            drop(thread);
        })
    });
    let elapsed = begin.elapsed();
    assert!(
        report.starts_with(
            "deadlock: all tasks are asleep\n  main: waits on the end of task 'receiver'"
        ),
        "{report}"
    );
    assert!(elapsed < slack(Duration::from_secs(5)), "took {elapsed:?}");
}

#[test]
fn a_task_waiting_in_two_channels_at_once_is_reported_on_both() {
    let report = panic_message(|| {
        Runtime::builder().seed(14).build().run(async {
            let a: aiochan::Chan<u8> = aiochan::Chan::new().named("a");
            let b: aiochan::Chan<u8> = aiochan::Chan::new().named("b");
            // Both gets are polled, and both park: the task waits in two channels.
            let mut ga = std::pin::pin!(a.get());
            let mut gb = std::pin::pin!(b.get());
            std::future::poll_fn(|cx| {
                let _ = ga.as_mut().poll(cx);
                gb.as_mut().poll(cx)
            })
            .await
        })
    });
    assert!(
        report.contains("main: waits on get from channel 'a', and on get from channel 'b' at tests/deadlock.rs:177\n"),
        "{report}"
    );
}

#[test]
fn many_short_lived_channels_leave_the_report_exact() {
    // Each round parks a select on a fresh timeout channel that is then dropped: the loop's list
    // of channels is pruned as it grows, and the final report names only what is waited on now.
    let report = panic_message(|| {
        Runtime::builder()
            .virtual_time(true)
            .seed(15)
            .build()
            .run(async {
                let quiet: aiochan::Chan<u8> = aiochan::Chan::new().named("quiet");
                // Under Miri, where every step costs about a thousand times more, fewer rounds;
                // still enough for the list to be pruned (at 64 channels) twice.
                for _ in 0..if cfg!(miri) { 150 } else { 5_000 } {
                    let deadline = aiochan::timeout(ms(1));
                    let chosen =
                        aiochan::select([aiochan::Op::get(&quiet), aiochan::Op::get(&deadline)])
                            .await;
                    assert_eq!(chosen.index, 1);
                }
                quiet.get().await
            })
    });
    insta::assert_snapshot!(report, @r"
    deadlock: all tasks are asleep
      main: waits on get from channel 'quiet' at tests/deadlock.rs:211
    (seed 15, fixed with Builder::seed: the run repeats exactly)
    ");
}

#[test]
fn a_channel_used_again_by_a_later_loop_is_named_in_its_report() {
    let c: aiochan::Chan<u8> = aiochan::Chan::new().named("kept");
    // The first loop parks a get on `c` (and learns of the channel), then ends normally.
    Runtime::builder().seed(16).build().run({
        let c = c.clone();
        async move {
            let feeder = go({
                let c = c.clone();
                async move { c.put(1).await }
            });
            assert_eq!(c.get().await, Some(1));
            assert!(feeder.await);
        }
    });
    // A second loop on the same thread blocks on it for good.
    let report = panic_message(|| Runtime::builder().seed(17).build().run(c.get()));
    assert!(
        report.contains("main: waits on get from channel 'kept' at tests/deadlock.rs:237\n"),
        "{report}"
    );
}
