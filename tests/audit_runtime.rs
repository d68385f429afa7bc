//! Regressions found by an audit of the runtime: a finished main polled again, a panic outside any
//! task stranding other threads, a cross-thread put stuck in a channel that outlived its loop, and
//! callbacks lost at the end of a run.

mod common;

use std::cell::Cell;
use std::future::poll_fn;
use std::future::Future;
use std::rc::Rc;
use std::sync::mpsc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use aiochan::{go, nop, spawn_blocking, Chan, ChanState, Handle, LoopEnded, SendError};
use common::{ms, panic_message, run_seeded, slack, within};

/// The handle a run sent out before it ended.
fn handle_of(rx: &mpsc::Receiver<Handle>) -> Handle {
    rx.recv_timeout(slack(Duration::from_secs(1)))
        .expect("the run sent its handle")
}

#[test]
fn main_woken_during_its_last_poll_is_not_polled_again() {
    let out = run_seeded(1, async {
        poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::Ready(())
        })
        .await;
        1
    });
    assert_eq!(out, 1);
}

#[test]
fn main_ending_after_a_dropped_join_whose_channel_closes_later_is_not_polled_again() {
    let out = run_seeded(3, async {
        let c = Chan::<i32>::new();
        let closer = c.clone();
        go(async move {
            aiochan::sleep(ms(1)).await;
            // Runs right after main completes, in the same turn (their timers fire together).
            closer.close();
        });
        // A join polled once, then dropped.
        let mut join = std::pin::pin!(c.join());
        poll_fn(|cx| {
            let _ = join.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        aiochan::sleep(ms(1)).await;
        2
    });
    assert_eq!(out, 2);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "forgets a future on purpose (the stale waiter), a leak that Miri reports"
)]
fn main_of_a_later_run_is_not_polled_again_through_a_stale_waiter() {
    // The first run leaves a get of main's parked in a channel that outlives it (the future is
    // forgotten, so nothing withdraws it).
    let c = run_seeded(4, async {
        let c = Chan::<i32>::new();
        let mut get = Box::pin(c.get());
        poll_fn(|cx| {
            let _ = get.as_mut().poll(cx);
            Poll::Ready(())
        })
        .await;
        std::mem::forget(get);
        c
    });
    // The second run completes it in main's last poll, waking whoever the stale entry names.
    let out = run_seeded(4, async move {
        assert_eq!(c.try_put(1), Ok(()));
        5
    });
    assert_eq!(out, 5);
}

#[test]
fn a_panic_in_a_remote_call_ends_the_loop_for_every_handle_and_names_the_call_and_seed() {
    let (handles, handle_rx) = mpsc::channel();
    let message = within(Duration::from_secs(5), move || {
        panic_message(|| {
            aiochan::Runtime::builder()
                .seed(11)
                .build()
                .run(async move {
                    let handle = Handle::current();
                    handles.send(handle.clone()).unwrap();
                    thread::spawn(move || handle.call(|| panic!("remote boom")));
                    // Waits for ever: only the remote call can end the run.
                    Chan::<()>::new().get().await;
                })
        })
    });
    assert!(
        message.contains("remote call") && message.contains("panicked: remote boom"),
        "{message}"
    );
    assert!(message.contains("seed 11"), "{message}");
    let handle = handle_of(&handle_rx);
    assert!(handle.is_ended(), "the loop's shared side is closed");
    let joined = within(Duration::from_secs(2), move || {
        handle.spawn(async { 1 }).join()
    });
    assert_eq!(joined, Err(LoopEnded));
}

#[test]
fn a_panic_in_spawn_with_constructor_ends_the_loop_for_every_handle() {
    let (handles, handle_rx) = mpsc::channel();
    let message = within(Duration::from_secs(5), move || {
        panic_message(|| {
            aiochan::run(async move {
                let handle = Handle::current();
                handles.send(handle.clone()).unwrap();
                let thread = thread::spawn(move || {
                    handle
                        .spawn_with(|| -> std::future::Ready<u8> { panic!("constructor boom") })
                        .join()
                });
                spawn_blocking(move || thread.join().unwrap()).await
            })
        })
    });
    assert!(message.contains("panicked: constructor boom"), "{message}");
    assert!(message.contains("(seed "), "{message}");
    assert!(handle_of(&handle_rx).is_ended());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "1100 threads, past the fixed limit of 1024 pending puts: over 5 minutes under Miri"
)]
fn remote_puts_beyond_the_pending_limit_end_the_loop_and_answer_every_sender() {
    const THREADS: usize = 1100;
    let (results_tx, results_rx) = mpsc::channel();
    let message = within(Duration::from_secs(30), move || {
        panic_message(move || {
            aiochan::run(async move {
                // Nobody ever gets from it: every put parks until the 1025th hits the limit.
                let chan = Chan::<usize>::new().named("sink");
                for i in 0..THREADS {
                    let sender = chan.sender();
                    let results = results_tx.clone();
                    thread::spawn(move || results.send((i, sender.put_blocking(i))).unwrap());
                }
                std::future::pending::<()>().await;
            })
        })
    });
    assert!(
        message.contains("remote call") && message.contains("channel 'sink'"),
        "{message}"
    );
    let results: Vec<(usize, Result<(), SendError<usize>>)> =
        within(Duration::from_secs(10), move || {
            (0..THREADS)
                .map(|_| results_rx.recv().expect("every sender answers"))
                .collect()
        });
    let mut lost = 0;
    for (i, result) in results {
        match result {
            Err(SendError::LoopEnded(Some(v))) => assert_eq!(v, i, "a sender got its own value"),
            Err(SendError::LoopEnded(None)) => lost += 1,
            other => panic!("sender {i}: {other:?}"),
        }
    }
    assert_eq!(lost, 1, "only the put whose call panicked lost its value");
}

/// Panics when dropped.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !thread::panicking() {
            panic!("drop boom");
        }
    }
}

#[test]
fn a_destructor_panicking_at_shutdown_still_ends_the_loop_and_names_the_task() {
    let (handles, handle_rx) = mpsc::channel();
    let message = within(Duration::from_secs(5), move || {
        panic_message(|| {
            run_seeded(21, async move {
                handles.send(Handle::current()).unwrap();
                let guard = PanicsOnDrop;
                go_named_pending("holder", guard);
                nop().await;
            })
        })
    });
    assert!(
        message.starts_with("the destructor of task 'holder' panicked: drop boom"),
        "{message}"
    );
    assert!(message.contains("seed 21"), "{message}");
    assert!(handle_of(&handle_rx).is_ended());
}

/// Spawns a task named `name` that holds `value` and never ends.
fn go_named_pending<T: 'static>(name: &str, value: T) {
    aiochan::go_named(name, async move {
        let _held = value;
        std::future::pending::<()>().await;
    });
}

#[test]
fn put_blocking_parked_in_a_channel_that_outlives_its_loop_returns_loop_ended_with_its_value() {
    let (chan, producer) = aiochan::run(async {
        let chan = Chan::<u32>::new();
        let sender = chan.sender();
        let producer = thread::spawn(move || sender.put_blocking(7));
        while chan.queue_lens().0 == 0 {
            aiochan::sleep(ms(1)).await;
        }
        (chan, producer)
    });
    // The channel is still alive, with no loop: the blocked thread is released all the same.
    let result = within(Duration::from_secs(2), move || producer.join().unwrap());
    assert_eq!(result, Err(SendError::LoopEnded(Some(7))));
    assert_eq!(
        chan.stats().state,
        ChanState::Fluent,
        "the put was withdrawn"
    );
}

#[test]
fn a_put_then_completed_in_mains_final_turn_still_runs_its_callback() {
    let accepted = Rc::new(Cell::new(None));
    let seen = accepted.clone();
    run_seeded(5, async move {
        let c = Chan::new();
        c.put_then(1, move |ok| seen.set(Some(ok)));
        let getter = c.clone();
        // Runs in the turn after main completes, main's final one.
        go(async move { getter.get().await });
    });
    assert_eq!(accepted.get(), Some(true));
}

#[test]
fn a_get_then_completed_in_mains_final_turn_still_runs_its_callback() {
    let got = Rc::new(Cell::new(None));
    let seen = got.clone();
    run_seeded(6, async move {
        let c = Chan::new();
        c.get_then(move |v| seen.set(Some(v)));
        let putter = c.clone();
        go(async move { putter.put(9).await });
    });
    assert_eq!(got.get(), Some(Some(9)));
}

#[test]
fn a_task_panic_still_names_the_task_and_the_seed() {
    let message = panic_message(|| {
        run_seeded(8, async {
            aiochan::go_named("worker", async { panic!("task boom") }).await;
        })
    });
    assert!(
        message.starts_with("task 'worker' panicked: task boom\n(seed 8"),
        "{message}"
    );
}
