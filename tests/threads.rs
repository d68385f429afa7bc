//! Foreign futures and wakers: wake-ups from other threads, waker-wrapping combinators, clones.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use aiochan::{go, nop, now, sleep, JoinHandle, Runtime};

mod common;
use common::{ms, oneshot, run_seeded, within};

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(8, future)
}

/// The waker a [`Relay`] combinator polls its inner future with, as `FuturesUnordered` does: an
/// `Arc` of its own that counts wake-ups and passes them on to the waker of the outer context.
#[derive(Default)]
struct RelayWaker {
    outer: Mutex<Option<Waker>>,
    wakes: AtomicUsize,
}

impl Wake for RelayWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        if let Some(outer) = self.outer.lock().unwrap().as_ref() {
            outer.wake_by_ref();
        }
    }
}

/// Polls `inner` with a [`RelayWaker`] instead of the context's waker.
struct Relay<F> {
    inner: Pin<Box<F>>,
    waker: Arc<RelayWaker>,
}

fn relay<F: Future>(inner: F) -> Relay<F> {
    Relay {
        inner: Box::pin(inner),
        waker: Arc::default(),
    }
}

impl<F: Future> Future for Relay<F> {
    type Output = (F::Output, usize);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        *self.waker.outer.lock().unwrap() = Some(cx.waker().clone());
        let waker = Waker::from(self.waker.clone());
        let wakes = self.waker.wakes.load(Ordering::SeqCst);
        self.inner
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .map(|out| (out, wakes))
    }
}

/// A waker that only counts its wake-ups.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_oneshot_completed_by_a_thread_wakes_the_task_and_the_idle_loop() {
    let begin = Instant::now();
    let value = within(Duration::from_secs(10), || {
        aiochan::run(async {
            let (tx, rx) = oneshot();
            let thread = std::thread::spawn(move || {
                std::thread::sleep(ms(30)); // the loop is asleep in its poller meanwhile
                tx.send(String::from("hello from a thread"));
            });
            let value = go(rx).await;
            thread.join().unwrap();
            value
        })
    });
    assert_eq!(value, "hello from a thread");
    assert!(begin.elapsed() >= ms(30));
}

#[test]
fn eight_threads_each_complete_their_own_oneshot() {
    let total = within(Duration::from_secs(10), || {
        aiochan::run(async {
            let mut handles: Vec<JoinHandle<u64>> = Vec::new();
            let mut threads = Vec::new();
            for i in 0..8u64 {
                let (tx, rx) = oneshot();
                threads.push(std::thread::spawn(move || {
                    std::thread::sleep(ms(2 * (8 - i)));
                    tx.send(i * 10);
                }));
                handles.push(go(async move { rx.await + 1 }));
            }
            let mut total = 0;
            for h in handles {
                total += h.await;
            }
            for t in threads {
                t.join().unwrap();
            }
            total
        })
    });
    assert_eq!(total, (0..8).map(|i| i * 10 + 1).sum::<u64>());
}

#[test]
fn a_wake_from_a_thread_is_not_starved_by_a_yielding_task() {
    let value = within(Duration::from_secs(10), || {
        aiochan::run(async {
            go(async {
                loop {
                    nop().await;
                }
            });
            let (tx, rx) = oneshot();
            let thread = std::thread::spawn(move || {
                std::thread::sleep(ms(5));
                tx.send(3);
            });
            let value = rx.await;
            thread.join().unwrap();
            value
        })
    });
    assert_eq!(value, 3);
}

#[test]
fn a_sleep_under_a_combinator_that_wraps_the_waker_completes() {
    for virtual_time in [false, true] {
        let (elapsed, wakes) = within(Duration::from_secs(10), move || {
            Runtime::builder()
                .virtual_time(virtual_time)
                .seed(9)
                .build()
                .run(async {
                    let start = now();
                    let ((), wakes) = relay(sleep(ms(10))).await;
                    (now() - start, wakes)
                })
        });
        assert!(elapsed >= ms(10), "woke after {elapsed:?}");
        assert_eq!(wakes, 1, "the timer woke the combinator's own waker once");
    }
}

#[test]
fn a_join_handle_under_a_combinator_that_wraps_the_waker_completes() {
    let (out, wakes) = within(Duration::from_secs(10), || {
        aiochan::run(async {
            let task = go(async {
                sleep(ms(5)).await;
                "joined"
            });
            relay(task).await
        })
    });
    assert_eq!(out, "joined");
    assert_eq!(wakes, 1);
}

#[test]
fn a_sleep_first_polled_with_another_waker_wakes_the_one_that_polled_last() {
    let counting = Arc::new(CountingWaker::default());
    let elapsed = run_virtual({
        let counting = counting.clone();
        async move {
            let start = now();
            let mut timer = Box::pin(sleep(ms(10)));
            let other = Waker::from(counting);
            assert!(timer
                .as_mut()
                .poll(&mut Context::from_waker(&other))
                .is_pending());
            timer.await;
            now() - start
        }
    });
    assert_eq!(elapsed, ms(10));
    assert_eq!(
        counting.0.load(Ordering::SeqCst),
        0,
        "the replaced waker was woken"
    );
}

#[test]
fn a_join_handle_first_polled_with_another_waker_wakes_the_one_that_polled_last() {
    let counting = Arc::new(CountingWaker::default());
    let out = run_virtual({
        let counting = counting.clone();
        async move {
            let mut task = go(async {
                sleep(ms(10)).await;
                5
            });
            let other = Waker::from(counting);
            assert!(Pin::new(&mut task)
                .poll(&mut Context::from_waker(&other))
                .is_pending());
            task.await
        }
    });
    assert_eq!(out, 5);
    assert_eq!(
        counting.0.load(Ordering::SeqCst),
        0,
        "the replaced waker was woken"
    );
}

#[test]
fn a_waker_cloned_by_one_task_can_be_woken_by_another_on_the_loop_thread() {
    let log = Rc::new(RefCell::new(Vec::new()));
    run_virtual({
        let log = log.clone();
        async move {
            let slot: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
            let sleeper = go({
                let (slot, log) = (slot.clone(), log.clone());
                async move {
                    let mut parked = false;
                    poll_fn(|cx| {
                        if parked && slot.borrow().is_none() {
                            return Poll::Ready(());
                        }
                        parked = true;
                        *slot.borrow_mut() = Some(cx.waker().clone());
                        Poll::Pending
                    })
                    .await;
                    log.borrow_mut().push("sleeper woken");
                }
            });
            let waker_task = go({
                let (slot, log) = (slot.clone(), log.clone());
                async move {
                    nop().await; // the sleeper has parked
                    let waker = slot.borrow_mut().take().expect("the sleeper's waker");
                    waker.wake_by_ref();
                    waker.wake(); // a second wake-up does not queue it twice
                    log.borrow_mut().push("waker continues");
                    nop().await;
                    log.borrow_mut().push("waker after nop");
                }
            });
            sleeper.await;
            waker_task.await;
        }
    });
    assert_eq!(
        *log.borrow(),
        ["waker continues", "sleeper woken", "waker after nop"]
    );
}

#[test]
fn waking_a_task_twice_before_it_runs_polls_it_once() {
    let polls = run_virtual(async {
        let kept: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
        let polls = Rc::new(Cell::new(0));
        let parked = go({
            let (kept, polls) = (kept.clone(), polls.clone());
            poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                *kept.borrow_mut() = Some(cx.waker().clone());
                Poll::<()>::Pending
            })
        });
        nop().await;
        assert_eq!(polls.get(), 1);
        let waker = kept.borrow_mut().take().unwrap();
        waker.wake_by_ref();
        waker.wake_by_ref();
        waker.wake();
        for _ in 0..3 {
            nop().await;
        }
        parked.abort();
        polls.get()
    });
    assert_eq!(polls, 2, "woken three times while queued, it must run once");
}

#[test]
fn a_stale_waker_does_not_wake_the_task_that_reuses_its_slot() {
    let (after_stale_wake, after_own_wake) = run_virtual(async {
        let stale: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
        // The first task keeps a clone of its waker and ends; its slot is freed.
        go({
            let stale = stale.clone();
            poll_fn(move |cx| {
                *stale.borrow_mut() = Some(cx.waker().clone());
                Poll::Ready(())
            })
        })
        .await;
        // The next task takes the freed slot and parks, keeping its own waker.
        let polls = Rc::new(Cell::new(0));
        let own: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
        let second = go({
            let (polls, own) = (polls.clone(), own.clone());
            poll_fn(move |cx| {
                polls.set(polls.get() + 1);
                *own.borrow_mut() = Some(cx.waker().clone());
                Poll::<()>::Pending
            })
        });
        nop().await;
        assert_eq!(polls.get(), 1);
        stale.borrow_mut().take().unwrap().wake();
        for _ in 0..3 {
            nop().await;
        }
        let after_stale_wake = polls.get();
        // The stale wake-up must not have left the new task unwakeable either.
        own.borrow_mut().take().unwrap().wake();
        for _ in 0..3 {
            nop().await;
        }
        second.abort();
        (after_stale_wake, polls.get())
    });
    assert_eq!(
        after_stale_wake, 1,
        "the old task's waker polled the new task"
    );
    assert_eq!(
        after_own_wake, 2,
        "the new task's own waker did not poll it"
    );
}

#[test]
fn waking_a_waker_after_its_loop_ended_does_nothing() {
    let kept = run_virtual(async { poll_fn(|cx| Poll::Ready(cx.waker().clone())).await });
    kept.wake_by_ref();
    std::thread::spawn(move || kept.wake()).join().unwrap();
    // A new loop on this thread is not disturbed by the old waker.
    let kept_again = run_virtual(async { poll_fn(|cx| Poll::Ready(cx.waker().clone())).await });
    let out = run_virtual(async move {
        kept_again.wake();
        sleep(ms(1)).await;
        1
    });
    assert_eq!(out, 1);
}
