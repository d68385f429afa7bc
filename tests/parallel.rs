//! Parallel pipes on OS threads: ordering, back-pressure, panics, thread hygiene, and the thread-facing handles around them.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use aiochan::ops::{Out, Parallel};
use aiochan::{from_iter, from_range, random_below, sleep, spawn_blocking, Chan, Handle, Runtime};

mod common;
use common::ms;

/// Tests here count the process's threads, so they run one at a time: libtest runs the tests of a
/// file on threads of one process.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    // A test that panics on purpose poisons the lock; the next one may still go.
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The name of a pipe's worker threads as `/proc` shows it: the kernel keeps 15 bytes of
/// `aiochan-parallel`.
const WORKER: &str = "aiochan-paralle";

/// The threads of this process whose name starts with `prefix`, read from `/proc/self/task`.
///
/// Only named threads are counted: libtest starts and ends its own test threads at any moment, so
/// the total would move under a test's feet.
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end().starts_with(prefix))
        .count()
}

/// Waits (up to two seconds) until `ok` holds for the number of threads named `prefix`, and returns
/// that number: a thread names itself once started, and a thread that has been told to stop takes a
/// moment to be gone from `/proc`.
fn settle(prefix: &str, ok: impl Fn(usize) -> bool) -> usize {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let now = threads_named(prefix);
        if ok(now) || Instant::now() > deadline {
            return now;
        }
        thread::sleep(ms(5));
    }
}

/// Waits until no worker thread of a pipe is left.
fn no_workers_left() -> usize {
    settle(WORKER, |n| n == 0)
}

#[test]
fn results_keep_input_order_despite_random_delays() {
    let _serial = serial();
    let (got, expected) = aiochan::run(async {
        // Delays drawn on the loop: the worker threads have no loop to draw from.
        let jobs: Vec<(i64, u64)> = (0..40).map(|i| (i, random_below(5))).collect();
        let expected: Vec<i64> = jobs.iter().map(|&(i, _)| i * 3).collect();
        let out = from_iter(jobs).parallel_pipe(
            4,
            |(i, delay)| {
                thread::sleep(ms(delay));
                i * 3
            },
            Out::new(),
        );
        (out.collect().await, expected)
    });
    assert_eq!(got, expected);
}

#[test]
fn unordered_results_come_in_completion_order() {
    let _serial = serial();
    let got = aiochan::run(async {
        let out = from_iter([150, 10, 80]).parallel_pipe_unordered(
            3,
            |delay: u64| {
                thread::sleep(ms(delay));
                delay
            },
            Out::new(),
        );
        out.collect().await
    });
    assert_eq!(got, [10, 80, 150]);
}

#[test]
fn unordered_delivers_every_value_once() {
    let _serial = serial();
    let mut got = aiochan::run(async {
        let jobs: Vec<(i64, u64)> = (0..60).map(|i| (i, random_below(3))).collect();
        let out = from_iter(jobs).parallel_pipe_unordered(
            5,
            |(i, delay)| {
                thread::sleep(ms(delay));
                i
            },
            Out::fixed(3),
        );
        out.collect().await
    });
    got.sort_unstable();
    assert_eq!(got, (0..60).collect::<Vec<_>>());
}

#[test]
fn batched_results_do_not_wait_for_a_slow_job() {
    let _serial = serial();
    let started = Instant::now();
    let (first_after, got) = aiochan::run(async {
        // A deep queue (16 jobs, the default for 2 threads): results are handed back in batches.
        // One thread is stuck in the slow job; the other's results must still arrive long before
        // it ends, as soon as that thread has worked the queue down.
        let delays = std::iter::once(300).chain(std::iter::repeat_n(0, 30));
        let out = from_iter(delays).parallel_pipe_unordered(
            2,
            |delay: u64| {
                thread::sleep(ms(delay));
                delay
            },
            Out::new(),
        );
        let first = out.get().await;
        let first_after = started.elapsed();
        let mut got: Vec<u64> = first.into_iter().collect();
        got.extend(out.collect().await);
        (first_after, got)
    });
    assert!(
        first_after < ms(200),
        "the first result came after {first_after:?}"
    );
    assert_eq!(got.len(), 31);
    assert_eq!(got.last(), Some(&300));
}

#[test]
fn flatten_puts_every_item_in_order() {
    let _serial = serial();
    let got = aiochan::run(async {
        // 0 gives nothing, 1 gives [10], 2 gives [20, 21], ...
        from_range(0..6)
            .parallel_pipe_flat(
                3,
                |n| {
                    thread::sleep(ms(u64::try_from(6 - n).unwrap()));
                    (0..n).map(move |k| n * 10 + k)
                },
                Out::new(),
            )
            .collect()
            .await
    });
    let expected: Vec<i64> = (0..6)
        .flat_map(|n| (0..n).map(move |k| n * 10 + k))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn flatten_unordered_keeps_the_items_of_one_result_together() {
    let _serial = serial();
    let got = aiochan::run(async {
        let how = Parallel::threads(2).unordered();
        from_iter([60u64, 1])
            .parallel_pipe_flat_with(
                how,
                |delay| {
                    thread::sleep(ms(delay));
                    vec![delay; 3]
                },
                Out::new(),
            )
            .collect()
            .await
    });
    assert_eq!(got, [1, 1, 1, 60, 60, 60]);
}

/// Runs a pipe of `how` whose consumer is slow and returns the most values seen in flight at once:
/// counted up when `f` starts on a value and down when the consumer receives its result.
fn most_in_flight(how: Parallel, flat: bool) -> usize {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (in_f, most_f) = (in_flight.clone(), most.clone());
    let count = move |v: i64| {
        let now = in_f.fetch_add(1, Ordering::SeqCst) + 1;
        most_f.fetch_max(now, Ordering::SeqCst);
        v
    };
    let received = aiochan::run(async move {
        let input = from_range(0..30);
        let out = if flat {
            input.parallel_pipe_flat_with(how, move |v| [count(v)], Out::new())
        } else {
            input.parallel_pipe_with(how, count, Out::new())
        };
        let mut received = Vec::new();
        while let Some(v) = out.get().await {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            received.push(v);
            // A slow consumer: the pipe must not race ahead of it.
            sleep(ms(2)).await;
        }
        received
    });
    let mut sorted = received.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..30).collect::<Vec<_>>());
    if how.is_ordered() {
        assert_eq!(received, sorted);
    }
    most.load(Ordering::SeqCst)
}

#[test]
fn an_empty_input_closes_the_output_and_keep_open_is_honoured() {
    let _serial = serial();
    let (empty, kept) = aiochan::run(async {
        let empty = from_iter(Vec::<i64>::new())
            .parallel_pipe(2, |x| x, Out::new())
            .collect()
            .await;
        let mine = Chan::fixed(4);
        from_range(0..3).parallel_pipe(2, |x| x * 2, Out::to(&mine).keep_open());
        let kept = mine.collect_n(3).await;
        // The pipe is done, but the channel stays open for other writers.
        assert!(!mine.is_closed());
        assert!(mine.try_put(99).is_ok());
        (empty, kept)
    });
    assert!(empty.is_empty());
    assert_eq!(kept, [0, 2, 4]);
    assert_eq!(no_workers_left(), 0);
}

#[test]
fn back_pressure_bounds_the_values_in_flight() {
    let _serial = serial();
    let cases = [
        (Parallel::threads(3).pool_buffer(2), false),
        (Parallel::threads(2), false),
        (Parallel::threads(2).pool_buffer(0), false),
        (Parallel::threads(2).unordered().pool_buffer(3), false),
        (Parallel::threads(3).pool_buffer(1), true),
    ];
    for (how, flat) in cases {
        let most = most_in_flight(how, flat);
        // The slow consumer lets the pool fill up to its limit, and never beyond.
        assert_eq!(most, how.in_flight_limit(), "{how:?}, flat: {flat}");
    }
    assert_eq!(Parallel::threads(3).pool_buffer(2).in_flight_limit(), 5);
    // The default pool buffer is 8 jobs per thread.
    assert_eq!(Parallel::threads(3).in_flight_limit(), 27);
}

#[test]
#[should_panic(expected = "parallel_pipe: f panicked on item #7: boom")]
fn a_panic_in_f_names_the_item_position() {
    let _serial = serial();
    aiochan::run(async {
        from_range(100..120)
            .parallel_pipe(
                2,
                |x| {
                    assert!(x != 107, "boom");
                    x
                },
                Out::new(),
            )
            .collect()
            .await
    });
}

#[test]
fn a_panic_is_reported_without_waiting_for_earlier_items() {
    let _serial = serial();
    let started = Instant::now();
    let failure = catch_unwind(AssertUnwindSafe(|| {
        aiochan::run(async {
            from_iter([400u64, 0, 0])
                .parallel_pipe(
                    2,
                    |delay| {
                        thread::sleep(ms(delay));
                        assert!(delay != 0, "no delay");
                        delay
                    },
                    Out::new(),
                )
                .collect()
                .await
        })
    }))
    .expect_err("the run panics");
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("parallel_pipe: f panicked on item #1: no delay"),
        "{message}"
    );
    // Item #0 is still asleep: an ordered pipe did not wait for it before reporting #1.
    assert!(started.elapsed() < ms(300), "{:?}", started.elapsed());
    // The thread still in `f` exits on its own once the call returns.
    assert_eq!(no_workers_left(), 0);
}

/// Worker threads of `no_thread_is_left_behind_after_run` that have run their thread-local
/// destructors, the last thing a thread does before it is gone.
static EXITED: AtomicUsize = AtomicUsize::new(0);

/// A thread-local whose destructor is slow, so that a thread not joined would still be exiting.
struct SlowExit;

impl Drop for SlowExit {
    fn drop(&mut self) {
        thread::sleep(ms(20));
        EXITED.fetch_add(1, Ordering::SeqCst);
    }
}

thread_local! {
    static SLOW_EXIT: SlowExit = const { SlowExit };
}

#[test]
fn no_thread_is_left_behind_after_run() {
    let _serial = serial();
    // Threads of earlier tests that ended in a panic may still be finishing their call.
    assert_eq!(no_workers_left(), 0);
    let marked = |x: i64| {
        SLOW_EXIT.with(|_| ());
        x
    };
    let seen_during = aiochan::run(async move {
        let a = from_range(0..50).parallel_pipe(4, move |x| marked(x) + 1, Out::new());
        let b = a.parallel_pipe_unordered(3, move |x| marked(x) * 2, Out::fixed(4));
        let c = b.parallel_pipe_flat(2, move |x| [marked(x), x], Out::new());
        let during = settle(WORKER, |n| n == 9);
        assert_eq!(c.collect().await.len(), 100);
        during
    });
    assert_eq!(seen_during, 9);
    // Each pipe joined its threads before closing its output: every thread that ran `f` has
    // finished exiting, slow destructor included, by the time `run` returns.
    let touched = EXITED.load(Ordering::SeqCst);
    assert!((3..=9).contains(&touched), "{touched} threads exited");
    // Joined threads are gone from `/proc` once the kernel has reaped them, a moment later.
    assert_eq!(no_workers_left(), 0);
    assert_eq!(EXITED.load(Ordering::SeqCst), touched);
}

#[test]
fn a_closed_output_stops_the_pipe_and_its_threads() {
    let _serial = serial();
    assert_eq!(no_workers_left(), 0);
    let next_input = aiochan::run(async {
        let input = from_range(0..);
        let how = Parallel::threads(3).pool_buffer(3);
        let out = input.parallel_pipe_with(how, |x| x, Out::new());
        assert_eq!(out.collect_n(3).await, [0, 1, 2]);
        out.close();
        // Give the collector time to see the refused put, wait for the threads and join them.
        sleep(ms(30)).await;
        input.get().await
    });
    // The pipe took at most its in-flight limit beyond what was delivered, then stopped taking.
    let next_input = next_input.expect("an unbounded input");
    assert!((3..=3 + 6).contains(&next_input), "{next_input}");
    assert_eq!(no_workers_left(), 0);
}

#[test]
fn handle_from_another_thread_starts_a_pipe_and_spawns() {
    let _serial = serial();
    let (squares, count) = aiochan::run(async {
        let handle = Handle::current();
        let worker = thread::spawn(move || {
            let (tx, rx) = mpsc::channel();
            handle
                .call(move || {
                    let out = from_range(0..20).parallel_pipe(3, |x| x * x, Out::new());
                    tx.send(out.to_iter(4)).expect("the thread waits");
                })
                .expect("the loop runs");
            let squares: Vec<i64> = rx.recv().expect("the loop answers").collect();
            let n = squares.len();
            let count = handle.spawn(async move { n }).join();
            (squares, count)
        });
        spawn_blocking(move || worker.join().expect("the thread does not panic")).await
    });
    assert_eq!(squares, (0..20).map(|x| x * x).collect::<Vec<_>>());
    assert_eq!(count, Ok(20));
}

#[test]
fn plain_threads_feed_a_pipe_through_put_blocking() {
    let _serial = serial();
    let got = aiochan::run(async {
        let input = Chan::fixed(2);
        let producers: Vec<_> = (0..3u32)
            .map(|p| {
                let tx = input.sender();
                thread::spawn(move || {
                    for i in 0..40u32 {
                        tx.put_blocking((p, i)).expect("the input is open");
                    }
                })
            })
            .collect();
        let closer = input.clone();
        aiochan::go(async move {
            spawn_blocking(move || {
                for producer in producers {
                    producer.join().expect("a producer does not panic");
                }
            })
            .await;
            closer.close();
        });
        input
            .parallel_pipe(2, |(p, i)| (p, i * 2), Out::new())
            .collect()
            .await
    });
    assert_eq!(got.len(), 120);
    // The pipe keeps input order, and each producer's puts entered the input in order.
    for p in 0..3 {
        let mine: Vec<u32> = got.iter().filter(|v| v.0 == p).map(|v| v.1).collect();
        assert_eq!(mine, (0..40).map(|i| i * 2).collect::<Vec<_>>());
    }
}

#[test]
fn to_iter_hands_the_results_to_another_thread() {
    let _serial = serial();
    let got = aiochan::run(async {
        let results = from_range(0..100)
            .parallel_pipe(3, |x| x * 2, Out::new())
            .to_iter(8);
        let reader = thread::spawn(move || results.collect::<Vec<_>>());
        spawn_blocking(move || reader.join().expect("the reader does not panic")).await
    });
    assert_eq!(got, (0..100).map(|x| x * 2).collect::<Vec<_>>());
}

#[test]
fn cpu_bound_work_runs_on_several_threads_off_the_loop() {
    let _serial = serial();
    let loop_thread = thread::current().id();
    let ids = Arc::new(Mutex::new(HashSet::new()));
    let seen = ids.clone();
    let checksums = aiochan::run(async move {
        from_range(0..32)
            .parallel_pipe(
                4,
                move |x: i64| {
                    seen.lock().unwrap().insert(thread::current().id());
                    // About a millisecond of integer mixing, so that the calls overlap.
                    let mut h = x as u64;
                    for _ in 0..200_000 {
                        h = (h ^ (h >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    }
                    h
                },
                Out::new(),
            )
            .collect()
            .await
    });
    assert_eq!(checksums.len(), 32);
    let ids = ids.lock().unwrap();
    assert!(!ids.contains(&loop_thread), "f never runs on the loop");
    assert!(
        ids.len() >= 2,
        "the work spread over {} thread(s)",
        ids.len()
    );
}

#[test]
fn works_under_virtual_time() {
    let _serial = serial();
    let got = Runtime::builder()
        .virtual_time(true)
        .seed(3)
        .build()
        .run(async {
            let out = from_range(0..10).parallel_pipe(
                2,
                |x| {
                    thread::sleep(ms(1));
                    x
                },
                Out::new(),
            );
            let mut got = Vec::new();
            while let Some(v) = out.get().await {
                // An hour of virtual time between takes: the loop jumps the clock, yet waits for the
                // threads when only they can bring the next value.
                sleep(Duration::from_secs(3600)).await;
                got.push(v);
            }
            got
        });
    assert_eq!(got, (0..10).collect::<Vec<_>>());
}

#[test]
#[should_panic(expected = "deadlock")]
fn an_idle_pipe_does_not_hide_a_deadlock() {
    let _serial = serial();
    aiochan::run(async {
        // Nobody takes the output: the pipe stalls on its put with the threads idle, and main waits
        // on a channel nobody will put to. Nothing of the pipe may keep the loop waiting.
        let _out = from_range(0..10).parallel_pipe(2, |x| x, Out::new());
        let never: Chan<()> = Chan::new();
        never.get().await
    });
}

#[test]
#[should_panic(expected = "deadlock")]
fn a_finished_pipe_does_not_hide_a_deadlock() {
    let _serial = serial();
    aiochan::run(async {
        let got = from_range(0..10)
            .parallel_pipe(2, |x| x, Out::new())
            .collect()
            .await;
        assert_eq!(got.len(), 10);
        let never: Chan<()> = Chan::new();
        never.get().await
    });
}
