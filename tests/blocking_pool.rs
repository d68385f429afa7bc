//! `spawn_blocking`'s pool: its cap, its queue order, idle threads leaving, and jobs outliving their
//! futures and their loop.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use aiochan::{sleep, spawn_blocking, Handle, Runtime};

mod common;
use common::{ms, within};

/// How long a test may take before it is failed as hung (a pool that never starts a thread, or
/// whose threads never leave, would otherwise hang the test binary).
const WATCHDOG: Duration = Duration::from_secs(20);

/// Real time (the pool's threads run on the wall clock) with a fixed seed and the given pool cap
/// and keep-alive.
fn runtime(max_threads: usize, keep_alive: Duration) -> Runtime {
    Runtime::builder()
        .seed(5)
        .max_blocking_threads(max_threads)
        .blocking_keep_alive(keep_alive)
        .build()
}

/// Polls `inner`, turning a panic into an `Err` with its message, so that a task can go on after a
/// resumed panic.
struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default())),
        }
    }
}

/// Sleeps on the loop until the pool behind `handle` has no thread left.
async fn until_no_blocking_thread(handle: &Handle) {
    while handle.blocking_threads() > 0 {
        sleep(ms(2)).await;
    }
}

/// The jobs that are running at once, and the most that ever were.
#[derive(Default)]
struct Running {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Running {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

#[test]
fn a_hundred_calls_never_run_more_threads_than_the_cap_of_four() {
    let (results, most_running, most_threads) = within(WATCHDOG, || {
        runtime(4, Duration::from_secs(3600)).run(async {
            let handle = Arc::new(Handle::current());
            let running = Arc::new(Running::default());
            let most_threads = Arc::new(AtomicUsize::new(0));
            // The first four jobs wait for each other: the pool must start four threads.
            let all_four = Arc::new(Barrier::new(4));
            let jobs: Vec<_> = (0..100u64)
                .map(|i| {
                    let (handle, running) = (handle.clone(), running.clone());
                    let (most_threads, all_four) = (most_threads.clone(), all_four.clone());
                    spawn_blocking(move || {
                        running.enter();
                        most_threads.fetch_max(handle.blocking_threads(), Ordering::SeqCst);
                        if i < 4 {
                            all_four.wait();
                        }
                        thread::sleep(Duration::from_micros(200));
                        running.leave();
                        i * 10
                    })
                })
                .collect();
            let mut results = Vec::new();
            for job in jobs {
                results.push(job.await);
            }
            (
                results,
                running.most.load(Ordering::SeqCst),
                most_threads.load(Ordering::SeqCst),
            )
        })
    });
    assert_eq!(results, (0..100).map(|i| i * 10).collect::<Vec<_>>());
    assert_eq!(most_running, 4, "four jobs ran at once, never more");
    assert_eq!(most_threads, 4, "the pool grew to its cap, never beyond");
}

#[test]
fn calls_beyond_the_cap_start_in_the_order_they_were_made() {
    let started = within(WATCHDOG, || {
        runtime(1, Duration::from_secs(3600)).run(async {
            let started = Arc::new(Mutex::new(Vec::new()));
            let (open, gate) = mpsc::channel::<()>();
            // The pool's one thread waits at the gate until every other job is queued behind it.
            let first = spawn_blocking(move || gate.recv().expect("the gate opens"));
            let jobs: Vec<_> = (0..50)
                .map(|i| {
                    let started = started.clone();
                    spawn_blocking(move || started.lock().unwrap().push(i))
                })
                .collect();
            open.send(()).unwrap();
            first.await;
            for job in jobs {
                job.await;
            }
            let started = started.lock().unwrap().clone();
            started
        })
    });
    assert_eq!(started, (0..50).collect::<Vec<_>>());
}

#[test]
fn idle_blocking_threads_exit_after_the_keep_alive() {
    let (busy, after) = within(WATCHDOG, || {
        runtime(8, ms(20)).run(async {
            let handle = Arc::new(Handle::current());
            let all_three = Arc::new(Barrier::new(3));
            let jobs: Vec<_> = (0..3)
                .map(|_| {
                    let (handle, all_three) = (handle.clone(), all_three.clone());
                    spawn_blocking(move || {
                        all_three.wait();
                        handle.blocking_threads()
                    })
                })
                .collect();
            let mut busy = Vec::new();
            for job in jobs {
                busy.push(job.await);
            }
            // Nothing calls the pool any more: its threads leave once idle for 20 ms.
            until_no_blocking_thread(&handle).await;
            // An emptied pool starts a thread again for the next call.
            let after = spawn_blocking(|| 7).await;
            (busy, after)
        })
    });
    assert_eq!(
        busy,
        [3, 3, 3],
        "three threads while three jobs waited for each other"
    );
    assert_eq!(after, 7);
}

#[test]
fn a_loop_that_ends_lets_its_idle_blocking_threads_exit_at_once() {
    // An hour's keep-alive: only the end of the loop can make these threads leave.
    let left = within(WATCHDOG, || {
        let handle = runtime(4, Duration::from_secs(3600)).run(async {
            let both = Arc::new(Barrier::new(2));
            let jobs: Vec<_> = (0..2)
                .map(|_| {
                    let both = both.clone();
                    spawn_blocking(move || {
                        both.wait();
                    })
                })
                .collect();
            for job in jobs {
                job.await;
            }
            let handle = Handle::current();
            assert_eq!(handle.blocking_threads(), 2);
            handle
        });
        while handle.blocking_threads() > 0 {
            thread::sleep(ms(2));
        }
        handle
    });
    assert!(left.is_ended());
    assert_eq!(left.blocking_threads(), 0);
}

#[test]
fn a_dropped_blocking_future_still_runs_its_job_even_after_the_loop_ends() {
    let (open, ran) = within(WATCHDOG, || {
        runtime(1, Duration::from_secs(3600)).run(async {
            let (open, gate) = mpsc::channel::<()>();
            let (report, ran) = mpsc::channel();
            let first_report = report.clone();
            // The pool's one thread is held at the gate, so the second job is still queued when
            // both futures are dropped and when the loop ends.
            drop(spawn_blocking(move || {
                gate.recv().expect("the gate opens");
                first_report.send("first").unwrap();
            }));
            drop(spawn_blocking(move || report.send("second").unwrap()));
            (open, ran)
        })
    });
    open.send(()).unwrap();
    let got: Vec<_> = (0..2)
        .map(|_| ran.recv_timeout(WATCHDOG).expect("both jobs run"))
        .collect();
    assert_eq!(got, ["first", "second"]);
}

#[test]
fn a_panicking_job_reaches_its_awaiter_and_its_thread_serves_the_next_job() {
    let (first, panicked_on, next_on) = within(WATCHDOG, || {
        runtime(1, Duration::from_secs(3600)).run(async {
            let (report, thread_of) = mpsc::channel();
            let first = CatchPanic(Box::pin(spawn_blocking(move || -> u32 {
                report.send(thread::current().id()).unwrap();
                panic!("boom in the pool")
            })))
            .await;
            let next_on = spawn_blocking(|| thread::current().id()).await;
            (first, thread_of.recv().unwrap(), next_on)
        })
    });
    assert_eq!(first.unwrap_err(), "boom in the pool");
    assert_eq!(
        panicked_on, next_on,
        "the panic did not cost the pool its thread"
    );
}

#[test]
fn spawn_blocking_outside_a_loop_runs_on_the_process_pool() {
    let (from_thread, name) = within(WATCHDOG, || {
        // Called on a plain thread, with no loop running, and awaited later on a loop.
        let job = thread::spawn(|| spawn_blocking(|| thread::current().name().map(str::to_string)))
            .join()
            .unwrap();
        let name = aiochan::run(job);
        (aiochan::run(async { spawn_blocking(|| 6 * 7).await }), name)
    });
    assert_eq!(from_thread, 42);
    assert_eq!(name.as_deref(), Some("aiochan-blocking"));
}
