//! Other threads and the loop: `Handle`, `ChanSender`, `ChanIter`, `spawn_blocking`, deadlocks.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use aiochan::{go, sleep, spawn_blocking, Chan, ChanState, Handle, LoopEnded, SendError};

mod common;
use common::{ms, panic_message, slack, within};

/// Waits, on the loop, until a put to `chan` is pending (a thread blocks in `put_blocking`).
async fn until_a_put_waits<T: 'static>(chan: &Chan<T>) {
    for _ in 0..2000 {
        if chan.stats().state == ChanState::PendingPuts {
            return;
        }
        sleep(ms(1)).await;
    }
    panic!("no put came to wait on the channel");
}

#[test]
fn a_thread_spawns_a_send_future_on_the_loop_and_joins_its_output() {
    let (output, ran_on_loop_thread) = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let loop_thread = thread::current().id();
            let handle = Handle::current();
            let worker = thread::spawn(move || {
                handle
                    .spawn(async { (6 * 7, thread::current().id()) })
                    .join()
            });
            let (output, ran_on) = spawn_blocking(move || worker.join().unwrap())
                .await
                .unwrap();
            (output, ran_on == loop_thread)
        })
    });
    assert_eq!(output, 42);
    assert!(ran_on_loop_thread);
}

#[test]
fn call_runs_the_closure_on_the_loop_thread() {
    within(Duration::from_secs(5), || {
        aiochan::run(async {
            let handle = Handle::current();
            let (tx, rx) = mpsc::channel();
            let worker = thread::spawn(move || {
                handle
                    .call(move || tx.send(thread::current().id()).unwrap())
                    .unwrap();
            });
            spawn_blocking(move || worker.join().unwrap()).await;
            // The call runs between turns: sleeping lets the loop get to it.
            let mut ran_on = None;
            for _ in 0..1000 {
                if let Ok(id) = rx.try_recv() {
                    ran_on = Some(id);
                    break;
                }
                sleep(ms(1)).await;
            }
            assert_eq!(ran_on, Some(thread::current().id()));
        });
    });
}

#[test]
fn every_handle_method_reports_loop_ended_after_the_run_and_none_blocks() {
    let (handle, sender) = aiochan::run(async { (Handle::current(), Chan::fixed(1).sender()) });
    within(Duration::from_secs(2), move || {
        assert!(handle.is_ended());
        assert_eq!(
            handle.call(|| unreachable!("the loop has ended")),
            Err(LoopEnded)
        );
        assert_eq!(handle.clone().call(|| {}), Err(LoopEnded));
        let spawned = handle.spawn(async { 1 });
        assert_eq!(spawned.try_join(), Some(Err(LoopEnded)));
        assert_eq!(spawned.join(), Err(LoopEnded));
        assert_eq!(sender.try_put(5), Err(SendError::LoopEnded(Some(5))));
        assert_eq!(sender.put_blocking(6), Err(SendError::LoopEnded(Some(6))));
    });
}

#[test]
fn a_task_spawned_through_a_handle_that_never_ends_joins_with_loop_ended() {
    let remote = aiochan::run(async {
        let handle = Handle::current();
        let thread = thread::spawn(move || handle.spawn(std::future::pending::<u8>()));
        spawn_blocking(move || thread.join().unwrap()).await
    });
    assert_eq!(
        within(Duration::from_secs(2), move || remote.join()),
        Err(LoopEnded)
    );
}

#[test]
fn put_blocking_blocks_the_thread_until_a_slow_consumer_makes_room() {
    within(Duration::from_secs(5), || {
        aiochan::run(async {
            let chan = Chan::fixed(1);
            let sender = chan.sender();
            let consuming = Arc::new(AtomicBool::new(false));
            let started = consuming.clone();
            let producer = spawn_blocking(move || {
                sender.put_blocking(1).unwrap();
                sender.put_blocking(2).unwrap();
                started.load(Ordering::SeqCst)
            });
            // The buffer holds 1; the thread is blocked with 2 until the consumer takes 1.
            until_a_put_waits(&chan).await;
            sleep(ms(20)).await;
            assert_eq!(chan.stats().state, ChanState::PendingPuts);
            consuming.store(true, Ordering::SeqCst);
            assert_eq!(chan.get().await, Some(1));
            assert_eq!(chan.get().await, Some(2));
            assert!(
                producer.await,
                "put_blocking returned only once there was room"
            );
        });
    });
}

#[test]
fn try_put_hands_the_value_back_when_full_closed_or_the_loop_ended() {
    let sender = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let chan = Chan::fixed(1);
            let sender = chan.sender();
            let s = sender.clone();
            let (first, second) = spawn_blocking(move || (s.try_put(1), s.try_put(2))).await;
            assert_eq!(first, Ok(()));
            assert_eq!(second, Err(SendError::Full(2)));
            chan.close();
            let s = sender.clone();
            let (third, fourth) = spawn_blocking(move || (s.try_put(3), s.put_blocking(4))).await;
            assert_eq!(third, Err(SendError::Closed(3)));
            assert_eq!(fourth, Err(SendError::Closed(4)));
            assert_eq!((chan.get().await, chan.get().await), (Some(1), None));
            sender
        })
    });
    assert_eq!(
        sender.try_put(5).unwrap_err().into_inner(),
        Some(5),
        "handed back after the loop ended"
    );
}

#[test]
fn put_blocking_waiting_when_the_loop_ends_returns_loop_ended() {
    let producer = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let chan = Chan::fixed(1);
            let sender = chan.sender();
            let producer = thread::spawn(move || {
                sender.put_blocking(1).unwrap();
                sender.put_blocking(2)
            });
            until_a_put_waits(&chan).await;
            producer
        })
    });
    // The value was waiting in the channel as a pending put: the loop withdrew it as it ended.
    let result = within(Duration::from_secs(2), move || producer.join().unwrap());
    assert_eq!(result, Err(SendError::LoopEnded(Some(2))));
}

#[test]
fn to_iter_yields_every_value_then_ends_when_the_channel_closes() {
    let collected = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let chan = Chan::fixed(2);
            let values = chan.to_iter(1);
            let reader = spawn_blocking(move || values.collect::<Vec<u32>>());
            for i in 0..20 {
                chan.put(i).await;
            }
            chan.close();
            reader.await
        })
    });
    assert_eq!(collected, (0..20).collect::<Vec<_>>());
}

#[test]
fn to_iter_ends_when_the_loop_ends_waking_a_thread_blocked_in_next() {
    let reader = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let chan = Chan::new();
            let values = chan.to_iter(4);
            let reader = thread::spawn(move || values.collect::<Vec<u32>>());
            chan.put(1).await;
            chan.put(2).await;
            // Give the feeding task time to hand 2 over; the channel is never closed.
            sleep(ms(20)).await;
            reader
        })
    });
    assert_eq!(
        within(Duration::from_secs(2), move || reader.join().unwrap()),
        [1, 2]
    );
}

thread_local! {
    /// A channel of the loop running on this thread, for closures sent with `Handle::call`.
    static INBOX: RefCell<Option<Chan<u32>>> = const { RefCell::new(None) };
}

#[test]
fn an_idle_loop_waits_for_a_handle_held_by_a_thread_until_the_thread_uses_it() {
    let (got, thread) = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let inbox = Chan::fixed(1);
            INBOX.with(|slot| *slot.borrow_mut() = Some(inbox.clone()));
            let handle = Handle::current();
            let thread = thread::spawn(move || {
                thread::sleep(ms(50));
                handle
                    .call(|| {
                        INBOX.with(|slot| slot.borrow().as_ref().unwrap().add([7]));
                    })
                    .unwrap();
            });
            // Nothing on the loop can wake this get: only the thread, through its handle.
            let got = inbox.get().await;
            INBOX.with(|slot| slot.borrow_mut().take());
            (got, thread)
        })
    });
    thread.join().unwrap();
    assert_eq!(got, Some(7));
}

#[test]
fn a_deadlock_is_reported_once_a_thread_drops_its_handle_unused() {
    let report = within(Duration::from_secs(5), || {
        panic_message(|| {
            aiochan::run(async {
                let handle = Handle::current();
                let _thread = thread::spawn(move || {
                    thread::sleep(ms(30));
                    drop(handle);
                });
                Chan::<()>::new().named("never").get().await;
            })
        })
    });
    assert!(
        report.starts_with("deadlock: all tasks are asleep"),
        "{report}"
    );
    assert!(
        report.contains("main: waits on get from channel 'never'"),
        "{report}"
    );
}

#[test]
fn a_deadlock_is_reported_when_handles_and_senders_were_dropped_on_the_loop() {
    let report = within(Duration::from_secs(5), || {
        panic_message(|| {
            aiochan::run(async {
                let chan = Chan::<u8>::new().named("stuck");
                drop(Handle::current());
                drop(chan.sender());
                chan.get().await;
            })
        })
    });
    assert!(
        report.contains("main: waits on get from channel 'stuck'"),
        "{report}"
    );
}

#[test]
fn spawn_blocking_gives_its_result_while_the_loop_runs_other_tasks() {
    let (name, ticked) = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let (ticked, ticks) = mpsc::channel();
            go(async move {
                for tick in 1..=3 {
                    sleep(ms(5)).await;
                    ticked.send(tick).unwrap();
                }
            });
            // The closure blocks its thread until the ticker, on the loop, has ticked three times.
            spawn_blocking(move || {
                let ticked: Vec<u32> = (0..3)
                    .map_while(|_| ticks.recv_timeout(slack(Duration::from_secs(3))).ok())
                    .collect();
                (thread::current().name().map(str::to_string), ticked)
            })
            .await
        })
    });
    assert_eq!(name.as_deref(), Some("aiochan-blocking"));
    assert_eq!(ticked, [1, 2, 3], "the loop ran the ticker meanwhile");
}

#[test]
fn a_panic_in_spawn_blocking_is_resumed_in_the_task_that_awaits_it() {
    let in_main = panic_message(|| aiochan::run(async { spawn_blocking(|| panic!("boom")).await }));
    assert!(
        in_main.starts_with("main panicked: boom\n(seed "),
        "{in_main}"
    );
    let in_task = panic_message(|| {
        aiochan::run(async {
            go(async { spawn_blocking(|| panic!("bang")).await }).await;
        })
    });
    assert!(in_task.contains("panicked: bang"), "{in_task}");
}

#[test]
fn handle_current_outside_a_loop_panics_with_the_function_name() {
    let message = panic_message(Handle::current);
    assert!(message.contains("Handle::current"), "{message}");
}

#[test]
fn a_sender_closes_its_channel_after_feeding_it_from_a_thread() {
    let got = aiochan::run(async {
        let c = Chan::fixed(2);
        let tx = c.sender();
        let feeder = std::thread::spawn(move || {
            for i in 0..5 {
                tx.put_blocking(i).unwrap();
            }
            tx.close().unwrap();
        });
        let mut got = Vec::new();
        while let Some(v) = c.get().await {
            got.push(v);
        }
        aiochan::spawn_blocking(move || feeder.join().unwrap()).await;
        got
    });
    assert_eq!(got, [0, 1, 2, 3, 4]);
}
