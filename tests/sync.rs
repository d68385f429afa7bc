//! `aiochan::sync`: FIFO hand-off, cancel safety, deadlock and leak reports that name the
//! primitive and its holder, and acquires as scheduling points under schedule exploration only.

mod common;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use aiochan::sync::{Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore, WaitGroup};
use aiochan::testing::{check, Explore};
use aiochan::{go, go_named, nop, select, sleep, Chan};
use common::{log, ms, panic_message, push, run_seeded, Log};

/// Polls `future` once, and returns whether it completed (its output is dropped).
async fn poll_once<F: Future>(future: &mut Pin<Box<F>>) -> bool {
    poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_ready())).await
}

/// Lets every ready task run a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

fn entries(log: &Log) -> Vec<String> {
    log.borrow().clone()
}

// ---------------------------------------------------------------------------------------------
// Mutex

#[test]
fn waiters_get_the_lock_in_the_order_they_asked() {
    let order = run_seeded(1, async {
        let m = Rc::new(Mutex::new(Vec::new()));
        let guard = m.lock().await;
        let mut tasks = Vec::new();
        for i in 0..5 {
            let m = m.clone();
            tasks.push(go(async move {
                let mut g = m.lock().await;
                nop().await; // holding it across an await keeps the others out
                g.push(i);
            }));
        }
        settle().await;
        drop(guard);
        for t in tasks {
            t.await;
        }
        Rc::try_unwrap(m).unwrap().into_inner()
    });
    assert_eq!(order, [0, 1, 2, 3, 4]);
}

#[test]
fn releasing_hands_the_lock_to_the_oldest_waiter_not_to_the_releaser() {
    run_seeded(2, async {
        let m = Rc::new(Mutex::new(String::new()));
        let guard = m.lock().await;
        let m2 = m.clone();
        let waiter = go(async move { m2.lock().await.push_str("waiter ") });
        settle().await;
        drop(guard);
        // The lock is the waiter's now, though it has not run yet: no barging.
        assert!(m.is_locked());
        assert!(m.try_lock().is_none());
        m.lock().await.push_str("main");
        waiter.await;
        assert_eq!(*m.lock().await, "waiter main");
    });
}

#[test]
fn an_uncontended_lock_does_not_yield_under_the_plain_schedule() {
    for seed in 0..10 {
        let entries = run_seeded(seed, async {
            let log = log();
            let m = Mutex::new(0);
            let l = log.clone();
            let other = go(async move { push(&l, "other") });
            push(&log, "before lock");
            *m.lock().await += 1;
            push(&log, "after lock");
            other.await;
            entries(&log)
        });
        assert_eq!(
            entries,
            ["before lock", "after lock", "other"],
            "seed {seed}"
        );
    }
}

#[test]
fn a_lock_handed_to_an_aborted_task_passes_on_to_the_next_waiter() {
    run_seeded(3, async {
        let log = log();
        let m = Rc::new(Mutex::new(()).named("m"));
        let guard = m.lock().await;
        let (m1, l1) = (m.clone(), log.clone());
        let first = go(async move {
            let _g = m1.lock().await;
            push(&l1, "first");
        });
        let (m2, l2) = (m.clone(), log.clone());
        let second = go(async move {
            let _g = m2.lock().await;
            push(&l2, "second");
        });
        settle().await;
        drop(guard); // hands the lock to `first`, which is woken but has not run
        first.abort(); // its lock future is dropped holding the lock
        second.await;
        assert_eq!(entries(&log), ["second"]);
        assert!(!m.is_locked());
    });
}

#[test]
fn a_dropped_waiting_lock_future_leaves_the_queue() {
    run_seeded(4, async {
        let m = Mutex::new(1);
        let guard = m.lock().await;
        let mut waiting = Box::pin(m.lock());
        assert!(!poll_once(&mut waiting).await);
        assert!(format!("{m:?}").contains("waiters: 1"), "{m:?}");
        drop(waiting);
        assert!(format!("{m:?}").contains("waiters: 0"), "{m:?}");
        drop(guard);
        assert!(!m.is_locked(), "nobody waits: the lock is free again");
        assert_eq!(*m.lock().await, 1);
    });
}

#[test]
fn try_lock_get_mut_and_into_inner() {
    let mut m = Mutex::new(vec![1]);
    {
        let mut g = m.try_lock().expect("free");
        g.push(2);
        assert!(m.try_lock().is_none());
        assert!(format!("{g:?}").contains("value: [1, 2]"), "{g:?}");
    }
    m.get_mut().push(3);
    assert_eq!(m.into_inner(), [1, 2, 3]);
}

#[test]
fn a_mutex_shows_its_holder_and_waiters() {
    run_seeded(5, async {
        let m = Rc::new(Mutex::new(0).named("counter"));
        let m1 = m.clone();
        let holder = go_named("holder", async move {
            let _g = m1.lock().await;
            sleep(ms(10)).await;
        });
        let m2 = m.clone();
        let waiter = go(async move { *m2.lock().await += 1 });
        settle().await;
        let shown = format!("{m:?}");
        assert!(
            shown.contains("lock: \"lock 'counter'\"")
                && shown.contains("locked: true")
                && shown.contains("held_by: [\"task 'holder'\"]")
                && shown.contains("waiters: 1"),
            "{shown}"
        );
        holder.await;
        waiter.await;
        assert!(format!("{m:?}").contains("held_by: []"));
    });
}

#[test]
fn a_lock_that_loses_a_select_to_a_timer_is_withdrawn() {
    run_seeded(6, async {
        let m = Rc::new(Mutex::new(0));
        let m1 = m.clone();
        let holder = go(async move {
            let mut g = m1.lock().await;
            sleep(ms(20)).await;
            *g += 1;
        });
        nop().await;
        let got_it = select! {
            _guard = m.lock() => true,
            _ = sleep(ms(5)) => false,
        };
        assert!(!got_it);
        assert!(format!("{m:?}").contains("waiters: 0"), "{m:?}");
        holder.await;
        assert!(!m.is_locked(), "the withdrawn wait was not handed the lock");
        assert_eq!(*m.lock().await, 1);
    });
}

/// Two tasks take two locks in opposite orders, yielding in between.
async fn inversion(yield_between: bool) {
    let m1 = Rc::new(Mutex::new(0).named("m1"));
    let m2 = Rc::new(Mutex::new(0).named("m2"));
    let (a1, a2) = (m1.clone(), m2.clone());
    let a = go_named("a", async move {
        let mut g1 = a1.lock().await;
        if yield_between {
            nop().await;
        }
        let mut g2 = a2.lock().await;
        *g1 += 1;
        *g2 += 1;
    });
    let (b1, b2) = (m1.clone(), m2.clone());
    let b = go_named("b", async move {
        let mut g2 = b2.lock().await;
        if yield_between {
            nop().await;
        }
        let mut g1 = b1.lock().await;
        *g1 += 1;
        *g2 += 1;
    });
    a.await;
    b.await;
    assert_eq!((*m1.lock().await, *m2.lock().await), (2, 2));
}

#[test]
fn a_lock_order_inversion_is_reported_with_who_holds_what() {
    let report = panic_message(|| run_seeded(21, inversion(true)));
    assert_eq!(
        report,
        "deadlock: all tasks are asleep\n  \
         main: waits on the end of task 'a'\n  \
         task 'a': waits on lock 'm2' held by task 'b' (spawned at tests/sync.rs:208)\n  \
         task 'b': waits on lock 'm1' held by task 'a' (spawned at tests/sync.rs:218)\n\
         (seed 21, fixed with Builder::seed: the run repeats exactly)"
    );
}

#[test]
fn exploration_finds_a_lock_order_inversion_that_the_plain_schedule_hides() {
    for seed in 0..20 {
        check(seed, inversion(false));
    }
    let failure = Explore::new()
        .seeds(0..200)
        .find(|| inversion(false))
        .expect("some schedule deadlocks");
    assert!(
        failure.message.contains("deadlock") && failure.message.contains("waits on lock"),
        "{}",
        failure.message
    );
    assert!(
        failure
            .message
            .contains("task 'a': waits on lock 'm2' held by task 'b'")
            && failure
                .message
                .contains("task 'b': waits on lock 'm1' held by task 'a'"),
        "{}",
        failure.message
    );
}

#[test]
fn main_waiting_on_a_lock_held_by_a_blocked_task_is_a_deadlock() {
    let report = panic_message(|| {
        run_seeded(22, async {
            let m = Rc::new(Mutex::new(()).named("state"));
            let never = Chan::<()>::new().named("never");
            let m1 = m.clone();
            go_named("holder", async move {
                let _g = m1.lock().await;
                never.get().await;
            });
            nop().await;
            let _g = m.lock().await;
        })
    });
    assert!(
        report.starts_with("deadlock: all tasks are asleep")
            && report.contains("main: waits on lock 'state' held by task 'holder'")
            && report.contains("task 'holder': waits on get from channel 'never'"),
        "{report}"
    );
}

#[test]
fn a_lock_held_by_main_is_named_in_reports() {
    let report = panic_message(|| {
        run_seeded(23, async {
            let m = Rc::new(Mutex::new(()).named("state"));
            let _g = m.lock().await;
            let m1 = m.clone();
            go_named("waiter", async move { drop(m1.lock().await) }).await;
        })
    });
    assert!(
        report.contains("task 'waiter': waits on lock 'state' held by main"),
        "{report}"
    );
}

#[test]
fn a_task_left_waiting_on_a_lock_is_a_leak() {
    let message = panic_message(|| {
        check(24, async {
            let m = Rc::new(Mutex::new(()).named("m"));
            let m1 = m.clone();
            go_named("holder", async move {
                let _g = m1.lock().await;
                std::future::pending::<()>().await;
            })
            .daemon();
            nop().await;
            let m2 = m.clone();
            go_named("waiter", async move { drop(m2.lock().await) });
        })
    });
    assert!(
        message.starts_with("leak: 1 task still blocked after main returned")
            && message.contains("task 'waiter': waits on lock 'm' held by task 'holder'"),
        "{message}"
    );
}

#[test]
fn an_unnamed_primitive_is_named_by_where_it_was_made() {
    let made_at = Cell::new(0);
    let report = panic_message(|| {
        run_seeded(25, async {
            let (m, line) = (Mutex::new(()), line!());
            made_at.set(line);
            let _g = m.lock().await;
            let _again = m.lock().await; // waits on itself
        })
    });
    let expected = format!(
        "main: waits on lock made at tests/sync.rs:{} held by main",
        made_at.get()
    );
    assert!(report.contains(&expected), "{report}");
}

// ---------------------------------------------------------------------------------------------
// RwLock

#[test]
fn readers_share_the_lock_and_a_writer_has_it_alone() {
    run_seeded(31, async {
        let lock = RwLock::new(1);
        let r1 = lock.try_read().expect("free");
        let r2 = lock.read().await;
        assert_eq!(*r1 + *r2, 2);
        assert!(lock.try_write().is_none(), "readers hold it");
        drop((r1, r2));
        let mut w = lock.try_write().expect("free again");
        *w = 5;
        assert!(lock.try_read().is_none() && lock.try_write().is_none());
        drop(w);
        assert_eq!(*lock.read().await, 5);
    });
}

#[test]
fn a_waiting_writer_makes_later_readers_wait_so_it_is_not_starved() {
    let entries = run_seeded(32, async {
        let log = log();
        let lock = Rc::new(RwLock::new(()));
        let first_reader = lock.read().await;
        let (l, w) = (lock.clone(), log.clone());
        let writer = go(async move {
            let _w = l.write().await;
            push(&w, "writer");
            nop().await;
            push(&w, "writer done");
        });
        settle().await;
        let (l, r) = (lock.clone(), log.clone());
        let late_reader = go(async move {
            let _r = l.read().await;
            push(&r, "late reader");
        });
        settle().await;
        assert!(lock.try_read().is_none(), "a writer waits ahead");
        assert_eq!(entries(&log), Vec::<String>::new());
        drop(first_reader);
        writer.await;
        late_reader.await;
        entries(&log)
    });
    assert_eq!(entries, ["writer", "writer done", "late reader"]);
}

#[test]
fn the_readers_queued_behind_a_writer_get_the_lock_together() {
    let entries = run_seeded(33, async {
        let log = log();
        let lock = Rc::new(RwLock::new(0).named("table"));
        let w = lock.write().await;
        let mut tasks = Vec::new();
        for (name, write) in [("r1", false), ("r2", false), ("w2", true), ("r3", false)] {
            let (l, log) = (lock.clone(), log.clone());
            tasks.push(go(async move {
                if write {
                    let _g = l.write().await;
                    push(&log, format!("{name} in"));
                    nop().await;
                    push(&log, format!("{name} out"));
                } else {
                    let _g = l.read().await;
                    push(&log, format!("{name} in"));
                    nop().await;
                    push(&log, format!("{name} out"));
                }
            }));
            settle().await;
        }
        assert!(format!("{lock:?}").contains("waiters: 4"), "{lock:?}");
        drop(w);
        for t in tasks {
            t.await;
        }
        entries(&log)
    });
    assert_eq!(
        entries,
        ["r1 in", "r2 in", "r1 out", "r2 out", "w2 in", "w2 out", "r3 in", "r3 out"]
    );
}

#[test]
fn a_withdrawn_writer_lets_the_readers_behind_it_in() {
    run_seeded(34, async {
        let lock = Rc::new(RwLock::new(()));
        let reading = lock.read().await;
        let mut writer = Box::pin(lock.write());
        assert!(!poll_once(&mut writer).await);
        let l = lock.clone();
        let reader = go(async move { drop(l.read().await) });
        settle().await;
        assert!(!reader.is_finished(), "it queued behind the writer");
        drop(writer);
        settle().await;
        assert!(
            reader.is_finished(),
            "the writer left: readers share with `reading`"
        );
        drop(reading);
        assert!(lock.try_write().is_some());
    });
}

#[test]
fn a_write_lock_handed_to_an_aborted_task_passes_on() {
    run_seeded(35, async {
        let lock = Rc::new(RwLock::new(0));
        let reading = lock.read().await;
        let l = lock.clone();
        let writer = go(async move { *l.write().await += 1 });
        let l = lock.clone();
        let reader = go(async move { *l.read().await });
        settle().await;
        drop(reading); // hands the lock to the writer, which has not run
        writer.abort();
        assert_eq!(reader.await, 0);
        assert!(lock.try_write().is_some());
    });
}

#[test]
fn a_writer_waiting_on_readers_is_reported_with_every_reader() {
    let report = panic_message(|| {
        run_seeded(36, async {
            let lock = Rc::new(RwLock::new(()).named("config"));
            let never = Chan::<()>::new().named("never");
            for name in ["r1", "r2"] {
                let (l, never) = (lock.clone(), never.clone());
                go_named(name, async move {
                    let _r = l.read().await;
                    never.get().await;
                });
            }
            settle().await;
            drop(lock.write().await);
        })
    });
    assert!(
        report.contains("main: waits on read-write lock 'config' held by task 'r1' and task 'r2'"),
        "{report}"
    );
}

// ---------------------------------------------------------------------------------------------
// Semaphore

#[test]
fn permits_go_to_waiters_in_order_and_a_large_request_is_not_overtaken() {
    let entries = run_seeded(41, async {
        let log = log();
        let s = Semaphore::new(2).named("pool");
        let both = s.acquire_many(2).await;
        assert_eq!((both.permits(), s.available_permits()), (2, 0));
        let mut tasks = Vec::new();
        for (name, n) in [("big", 2), ("small", 1)] {
            let (s, log) = (s.clone(), log.clone());
            tasks.push(go(async move {
                let p = s.acquire_many(n).await;
                push(&log, format!("{name} got {}", p.permits()));
                nop().await;
            }));
        }
        settle().await;
        assert!(s.try_acquire().is_none(), "others wait");
        s.add_permits(1); // enough for `small`, but `big` asked first
        settle().await;
        assert_eq!(entries(&log), Vec::<String>::new());
        assert_eq!(s.available_permits(), 1);
        drop(both);
        for t in tasks {
            t.await;
        }
        assert_eq!(s.available_permits(), 3);
        entries(&log)
    });
    assert_eq!(entries, ["big got 2", "small got 1"]);
}

#[test]
fn permits_handed_to_an_aborted_task_go_to_the_next_waiter() {
    run_seeded(42, async {
        let s = Semaphore::new(1);
        let p = s.acquire().await;
        let s1 = s.clone();
        let first = go(async move { drop(s1.acquire().await) });
        let s2 = s.clone();
        let second = go(async move { s2.acquire().await.permits() });
        settle().await;
        drop(p); // hands the permit to `first`, which has not run
        first.abort();
        assert_eq!(second.await, 1);
        assert_eq!(s.available_permits(), 1);
    });
}

#[test]
fn a_withdrawn_large_request_lets_smaller_ones_behind_it_in() {
    run_seeded(43, async {
        let s = Semaphore::new(1);
        let mut big = Box::pin(s.acquire_many(5));
        assert!(!poll_once(&mut big).await);
        let s1 = s.clone();
        let small = go(async move { drop(s1.acquire().await) });
        settle().await;
        assert!(!small.is_finished(), "queued behind the large request");
        drop(big);
        small.await;
        assert_eq!(s.available_permits(), 1);
    });
}

#[test]
fn a_forgotten_permit_is_gone_for_good() {
    let s = Semaphore::new(3);
    let p = s.try_acquire_many(2).unwrap();
    p.forget();
    assert_eq!(s.available_permits(), 1);
    assert!(s.try_acquire_many(2).is_none());
}

#[test]
fn a_task_waiting_for_permits_is_reported_with_the_holders() {
    let report = panic_message(|| {
        run_seeded(44, async {
            let s = Semaphore::new(1).named("connections");
            let s1 = s.clone();
            let never = Chan::<()>::new();
            go_named("client", async move {
                let _p = s1.acquire().await;
                never.get().await;
            });
            settle().await;
            drop(s.acquire().await);
        })
    });
    assert!(
        report.contains("main: waits on semaphore 'connections' held by task 'client'"),
        "{report}"
    );
}

#[test]
fn adding_too_many_permits_panics_naming_the_semaphore() {
    let s = Semaphore::new(usize::MAX).named("huge");
    let message = panic_message(|| s.add_permits(1));
    assert!(
        message.contains("Semaphore::add_permits(1) overflows the permits of semaphore 'huge'"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// WaitGroup

#[test]
fn wait_returns_once_every_task_called_done_and_the_group_is_reusable() {
    run_seeded(51, async {
        let wg = WaitGroup::new();
        wg.wait().await; // at zero: at once
        let finished = Rc::new(Cell::new(0));
        for round in 1..=2 {
            for i in 0..3 {
                wg.add(1);
                let (wg, finished) = (wg.clone(), finished.clone());
                go(async move {
                    sleep(ms(i)).await;
                    finished.set(finished.get() + 1);
                    wg.done();
                });
            }
            assert_eq!(wg.count(), 3);
            wg.wait().await;
            assert_eq!((finished.get(), wg.count()), (3 * round, 0));
        }
    });
}

#[test]
fn every_waiter_is_released_when_the_counter_reaches_zero() {
    run_seeded(52, async {
        let wg = WaitGroup::new();
        wg.add(2);
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let wg = wg.clone();
                go(async move {
                    wg.wait().await;
                    i
                })
            })
            .collect();
        settle().await;
        wg.done();
        settle().await;
        assert!(waiters.iter().all(|w| !w.is_finished()));
        wg.done();
        let mut released = Vec::new();
        for w in waiters {
            released.push(w.await);
        }
        assert_eq!(released, [0, 1, 2]);
    });
}

#[test]
fn done_below_zero_panics_naming_the_wait_group() {
    let message = panic_message(|| {
        run_seeded(53, async {
            let wg = WaitGroup::new().named("workers");
            wg.add(1);
            wg.done();
            wg.done();
        })
    });
    assert!(
        message.contains(
            "WaitGroup::done called on wait group 'workers' whose counter is already zero"
        ) && message.contains("call add(n)"),
        "{message}"
    );
}

#[test]
fn a_wait_that_never_ends_is_reported_with_the_counter() {
    let report = panic_message(|| {
        run_seeded(54, async {
            let wg = WaitGroup::new().named("workers");
            wg.add(2); // one worker too many counted
            let w = wg.clone();
            go(async move { w.done() });
            wg.wait().await;
        })
    });
    assert!(
        report.contains("main: waits on wait group 'workers' (1 still to call done)"),
        "{report}"
    );
}

// ---------------------------------------------------------------------------------------------
// Barrier

#[test]
fn one_leader_per_round_and_no_task_passes_before_all_arrive() {
    let entries = run_seeded(61, async {
        let log = log();
        let barrier = Barrier::new(3);
        let mut tasks = Vec::new();
        for id in 0..3u64 {
            let (barrier, log) = (barrier.clone(), log.clone());
            tasks.push(go(async move {
                let mut leaders = 0;
                for round in 0..2 {
                    sleep(ms(id + 1)).await;
                    push(&log, format!("arrive {round}"));
                    if barrier.wait().await.is_leader() {
                        leaders += 1;
                    }
                    push(&log, format!("leave {round}"));
                }
                leaders
            }));
        }
        let mut leaders = 0;
        for t in tasks {
            leaders += t.await;
        }
        assert_eq!(leaders, 2, "one leader per round");
        entries(&log)
    });
    for round in 0..2 {
        let arrivals: Vec<usize> = positions(&entries, &format!("arrive {round}"));
        let leaves: Vec<usize> = positions(&entries, &format!("leave {round}"));
        assert_eq!((arrivals.len(), leaves.len()), (3, 3), "{entries:?}");
        assert!(
            arrivals[2] < leaves[0],
            "left before all arrived: {entries:?}"
        );
    }
}

/// Where `what` appears in `entries`.
fn positions(entries: &[String], what: &str) -> Vec<usize> {
    (0..entries.len()).filter(|&i| entries[i] == what).collect()
}

#[test]
fn a_withdrawn_arrival_makes_the_round_wait_for_one_more() {
    run_seeded(62, async {
        let barrier = Barrier::new(2).named("meet");
        let mut early = Box::pin(barrier.wait());
        assert!(!poll_once(&mut early).await);
        assert!(format!("{barrier:?}").contains("arrived: 1"));
        drop(early);
        assert!(format!("{barrier:?}").contains("arrived: 0"));
        let b = barrier.clone();
        let other = go(async move { b.wait().await.is_leader() });
        settle().await;
        assert!(!other.is_finished(), "the dropped arrival does not count");
        assert!(barrier.wait().await.is_leader());
        assert!(!other.await);
    });
}

#[test]
fn a_barrier_that_never_fills_is_reported_with_its_arrivals() {
    let report = panic_message(|| {
        run_seeded(63, async {
            let barrier = Barrier::new(3).named("phase");
            let b = barrier.clone();
            go_named("worker", async move { b.wait().await });
            barrier.wait().await;
        })
    });
    assert!(
        report.contains(
            "  main: waits on barrier 'phase' (2 of 3 arrived)\n  \
             task 'worker': waits on barrier 'phase' (2 of 3 arrived) (spawned at tests/sync.rs:767)\n"
        ),
        "{report}"
    );
}

#[test]
fn a_barrier_of_no_tasks_is_refused() {
    let message = panic_message(|| Barrier::new(0));
    assert!(message.contains("Barrier::new(0)"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Notify

#[test]
fn notify_one_stores_a_single_permit_when_nobody_waits() {
    run_seeded(71, async {
        let n = Notify::new();
        n.notify_one();
        n.notify_one();
        assert!(n.has_permit());
        n.notified().await; // takes the one permit
        assert!(!n.has_permit());
        let mut second = Box::pin(n.notified());
        assert!(!poll_once(&mut second).await, "two calls stored one permit");
    });
}

#[test]
fn notify_one_wakes_the_longest_waiting_task_one_at_a_time() {
    let entries = run_seeded(72, async {
        let log = log();
        let n = Notify::new();
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (n, log) = (n.clone(), log.clone());
                go(async move {
                    n.notified().await;
                    push(&log, format!("woke {i}"));
                })
            })
            .collect();
        settle().await;
        for _ in 0..3 {
            n.notify_one();
            settle().await;
        }
        for t in tasks {
            t.await;
        }
        assert!(!n.has_permit());
        entries(&log)
    });
    assert_eq!(entries, ["woke 0", "woke 1", "woke 2"]);
}

#[test]
fn notify_waiters_wakes_everyone_waiting_and_stores_nothing() {
    run_seeded(73, async {
        let n = Notify::new();
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let n = n.clone();
                go(async move { n.notified().await })
            })
            .collect();
        settle().await;
        let made_before = n.notified(); // made, not yet polled: counts too
        n.notify_waiters();
        made_before.await;
        for w in waiting {
            w.await;
        }
        assert!(!n.has_permit());
        let mut later = Box::pin(n.notified());
        assert!(!poll_once(&mut later).await);
    });
}

#[test]
fn a_notification_picked_for_a_dropped_future_passes_on() {
    run_seeded(74, async {
        let n = Notify::new();
        let n1 = n.clone();
        let first = go(async move { n1.notified().await });
        let n2 = n.clone();
        let second = go(async move { n2.notified().await });
        settle().await;
        n.notify_one(); // picks `first`, which has not run yet
        first.abort();
        second.await;
        assert!(!n.has_permit());
        // With nobody left waiting, a picked notification becomes the stored permit.
        let mut only = Box::pin(n.notified());
        assert!(!poll_once(&mut only).await);
        n.notify_one();
        drop(only);
        assert!(n.has_permit());
    });
}

#[test]
fn a_task_waiting_for_a_notification_is_a_leak() {
    let message = panic_message(|| {
        check(75, async {
            let n = Notify::new().named("shutdown");
            go_named("server", async move { n.notified().await });
        })
    });
    assert!(
        message.contains("task 'server': waits on notify 'shutdown'"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// OnceCell

#[test]
fn concurrent_callers_wait_for_the_first_initialiser() {
    let entries = run_seeded(81, async {
        let log = log();
        let cell = Rc::new(OnceCell::new());
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (cell, log) = (cell.clone(), log.clone());
                go(async move {
                    let v = *cell
                        .get_or_init(|| async {
                            push(&log, format!("init by {i}"));
                            sleep(ms(5)).await;
                            i * 10
                        })
                        .await;
                    push(&log, format!("{i} sees {v}"));
                })
            })
            .collect();
        settle().await;
        assert!(cell.is_initializing());
        assert_eq!(
            cell.set(99),
            Err(99),
            "set refuses while an initialiser runs"
        );
        for t in tasks {
            t.await;
        }
        assert_eq!(cell.get(), Some(&0));
        entries(&log)
    });
    assert_eq!(entries, ["init by 0", "0 sees 0", "1 sees 0", "2 sees 0"]);
}

#[test]
fn when_the_initialiser_is_dropped_the_next_waiter_takes_over() {
    let entries = run_seeded(82, async {
        let log = log();
        let cell = Rc::new(OnceCell::new().named("config"));
        let spawn = |i: u32| {
            let (cell, log) = (cell.clone(), log.clone());
            go(async move {
                let v = *cell
                    .get_or_init(|| async {
                        push(&log, format!("init by {i}"));
                        sleep(ms(5)).await;
                        i
                    })
                    .await;
                push(&log, format!("{i} sees {v}"));
            })
        };
        let first = spawn(0);
        let second = spawn(1);
        let third = spawn(2);
        settle().await;
        first.abort(); // drops its initialiser mid-way
        second.await;
        third.await;
        assert_eq!(cell.get(), Some(&1));
        entries(&log)
    });
    assert_eq!(entries, ["init by 0", "init by 1", "1 sees 1", "2 sees 1"]);
}

#[test]
fn a_turn_handed_to_a_dropped_waiter_passes_on_or_leaves_the_cell_empty() {
    run_seeded(83, async {
        let cell = Rc::new(OnceCell::new());
        let c = cell.clone();
        let init = go(async move { *c.get_or_init(std::future::pending::<u8>).await });
        let c = cell.clone();
        let waiter = go(async move { *c.get_or_init(|| async { 7 }).await });
        settle().await;
        init.abort(); // the turn goes to `waiter`, which has not run yet
        waiter.abort(); // and is dropped with it
        assert!(!cell.is_initializing());
        assert_eq!(cell.get(), None);
        assert_eq!(cell.set(3), Ok(()));
        assert_eq!(*cell.get_or_init(|| async { 4 }).await, 3);
    });
}

#[test]
fn an_initialiser_waiting_on_its_own_cell_is_reported() {
    let report = panic_message(|| {
        run_seeded(84, async {
            let cell = Rc::new(OnceCell::<u32>::new().named("config"));
            let c = cell.clone();
            go_named("loader", async move {
                let inner = c.clone();
                *c.get_or_init(|| async move { *inner.get_or_init(|| async { 1 }).await + 1 })
                    .await
            })
            .await;
        })
    });
    assert!(
        report.contains(
            "task 'loader': waits on once cell 'config' being initialised by task 'loader'"
        ),
        "{report}"
    );
}

// ---------------------------------------------------------------------------------------------
// Acquires as scheduling points

/// Every kind of acquire, each on a fresh primitive where it completes at once.
const ACQUIRES: [&str; 9] = [
    "lock",
    "read",
    "write",
    "acquire",
    "acquire_many",
    "wait group",
    "notified",
    "barrier",
    "get_or_init",
];

/// Acquires `kind` once, uncontended.
async fn uncontended(kind: &str) {
    match kind {
        "lock" => drop(Mutex::new(()).lock().await),
        "read" => drop(RwLock::new(()).read().await),
        "write" => drop(RwLock::new(()).write().await),
        "acquire" => drop(Semaphore::new(1).acquire().await),
        "acquire_many" => drop(Semaphore::new(3).acquire_many(3).await),
        "wait group" => WaitGroup::new().wait().await,
        "notified" => {
            let n = Notify::new();
            n.notify_one();
            n.notified().await;
        }
        "barrier" => assert!(Barrier::new(1).wait().await.is_leader()),
        "get_or_init" => assert_eq!(*OnceCell::new().get_or_init(|| async { 1 }).await, 1),
        other => unreachable!("no acquire {other}"),
    }
}

/// Whether another ready task runs while main acquires `kind` uncontended.
async fn another_task_runs_during(kind: &str) -> bool {
    let log = log();
    let l = log.clone();
    let other = go(async move { push(&l, "other") });
    push(&log, "before");
    uncontended(kind).await;
    push(&log, "after");
    other.await;
    entries(&log) != ["before", "after", "other"]
}

#[test]
fn no_uncontended_acquire_yields_under_the_plain_schedule() {
    for kind in ACQUIRES {
        for seed in 0..10 {
            assert!(
                !run_seeded(seed, another_task_runs_during(kind)),
                "{kind} yielded under seed {seed}"
            );
            check(seed, async move {
                assert!(!another_task_runs_during(kind).await)
            });
        }
    }
}

#[test]
fn every_acquire_is_a_scheduling_point_under_exploration() {
    for kind in ACQUIRES {
        let failure = Explore::new()
            .seeds(0..50)
            .find(|| async move {
                assert!(!another_task_runs_during(kind).await, "{kind} yielded");
            })
            .unwrap_or_else(|| panic!("{kind} never yielded in 50 seeds"));
        assert!(failure.message.contains("yielded"), "{}", failure.message);
    }
}
