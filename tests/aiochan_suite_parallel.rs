//! The parallel-pipe and thread tests of Python aiochan's test suite (aiochan/test/test_channel.py), ported to `parallel_pipe` and `to_iter`.

// Source: https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py: the
// test_parallel_pipe* tests, test_fake_initializer, test_fake_initializer_process and test_sync_op,
// one Rust test each, with the same name.
//
// Translation: `Chan()` is `Chan::new()`; `Chan().add(*range(n)).close()` is
// `Chan::new().add(0..n).close()`; `c.parallel_pipe(n, work, d)` is
// `c.parallel_pipe(n, work, Out::to(&d))`, and `flatten=True` is `parallel_pipe_flat`;
// `await d.collect()` is `d.collect().await`, `await d.collect(n)` is `d.collect_n(n).await`.
// Deviations:
// - Python runs `f` on a thread pool (`mode='thread'`) or a process pool (`mode='process'`). Rust
//   has one mode, OS threads; the `*_process` tests run on threads too and check the same results.
// - Python's `random.uniform(0, x)` sleeps become a pseudo-random number of microseconds derived
//   from the value, drawn on the worker thread, which has no loop to draw from.
// - test_sync_op: `to_iter` must be called on the loop's thread, so the loop thread makes the
//   iterator and hands it to the test's thread; and the loop waits for the channel to be drained
//   before it ends, since ending the loop ends the feed of the iterator.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::mpsc;
use std::time::Duration;

use aiochan::ops::{Out, Parallel};
use aiochan::{random_below, sleep, Chan, Runtime};

/// A pseudo-random duration below `max_micros` microseconds, fixed by `n` (Python's
/// `random.uniform(0, max)` on the worker thread).
fn jitter(n: i64, max_micros: u64) -> Duration {
    let mut h = n as u64 ^ 0x9E37_79B9_7F4A_7C15;
    h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Duration::from_micros((h ^ (h >> 31)) % max_micros)
}

fn doubled(n: i64) -> Vec<i64> {
    (0..n).map(|i| i * 2).collect()
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_pipe
#[test]
fn test_parallel_pipe() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..10).close();
        let d = Chan::new();
        c.parallel_pipe(5, |n| n * 2, Out::to(&d));
        d.collect().await
    });
    assert_eq!(got, doubled(10));
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_flat_pipe
#[test]
fn test_parallel_flat_pipe() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..10).close();
        let d = Chan::new();
        c.parallel_pipe_flat(10, |n| [n * 2], Out::to(&d));
        d.collect().await
    });
    assert_eq!(got, doubled(10));
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_pipe_big
#[test]
fn test_parallel_pipe_big() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..100).close();
        let d = Chan::new();
        c.parallel_pipe(2, |n| n * 2, Out::to(&d));
        d.collect().await
    });
    assert_eq!(got, doubled(100));
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_pipe_unordered
#[test]
fn test_parallel_pipe_unordered() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..10).close();
        let d = Chan::new();
        let work = |n| {
            std::thread::sleep(jitter(n, 50_000));
            n * 2
        };
        c.parallel_pipe_unordered(10, work, Out::to(&d));
        d.collect().await
    });
    assert_eq!(
        got.into_iter().collect::<BTreeSet<_>>(),
        doubled(10).into_iter().collect()
    );
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_flat_pipe_unordered
#[test]
fn test_parallel_flat_pipe_unordered() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..10).close();
        let d = Chan::new();
        let work = |n| {
            std::thread::sleep(jitter(n, 50_000));
            [n * 2]
        };
        c.parallel_pipe_flat_with(Parallel::threads(10).unordered(), work, Out::to(&d));
        d.collect().await
    });
    assert_eq!(
        got.into_iter().collect::<BTreeSet<_>>(),
        doubled(10).into_iter().collect()
    );
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_pipe_unordered_big
#[test]
fn test_parallel_pipe_unordered_big() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..100).close();
        let d = Chan::new();
        let work = |n| {
            std::thread::sleep(jitter(n, 100));
            n * 2
        };
        c.parallel_pipe_unordered(2, work, Out::to(&d));
        d.collect().await
    });
    assert_eq!(
        got.into_iter().collect::<BTreeSet<_>>(),
        doubled(100).into_iter().collect()
    );
}

/// Python's `work` of the fake-initializer tests: each thread sets up its state on its first call
/// (a per-thread initializer, which `multiprocessing.dummy.Pool` would otherwise take as
/// `initializer=`) and counts its calls.
fn fake_initialized_work(n: i64) -> (u32, i64) {
    /// Python's `_local_data.process`.
    type Process = fn(i64) -> i64;
    thread_local! {
        static COUNT: Cell<u32> = const { Cell::new(0) };
        static PROCESS: Cell<Option<Process>> = const { Cell::new(None) };
    }
    let count = COUNT.get() + 1;
    COUNT.set(count);
    let process = PROCESS.get().unwrap_or(|x| x * 2);
    PROCESS.set(Some(process));
    (count, process(n))
}

/// The body of both fake-initializer tests.
fn fake_initializer() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..100).close();
        let d = Chan::new();
        c.parallel_pipe(10, fake_initialized_work, Out::to(&d));
        d.collect_n(100).await
    });
    let values: Vec<i64> = got.iter().map(|v| v.1).collect();
    assert_eq!(values, doubled(100));
    // Python leaves its bounds on the summed counts commented out (`rc > 100`, `rc < 5050`). The
    // lower one always holds: 100 calls on at most 10 threads, each counting its own calls from 1,
    // so some thread counts past 1. The upper one needs two threads to have taken part, which
    // nothing guarantees.
    let counted: u32 = got.iter().map(|v| v.0).sum();
    assert!(counted > 100, "{counted}");
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_fake_initializer
#[test]
fn test_fake_initializer() {
    fake_initializer();
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_fake_initializer_process (processes in Python, threads here)
#[test]
fn test_fake_initializer_process() {
    fake_initializer();
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_pipe_process_unordered (processes in Python, threads here)
#[test]
fn test_parallel_pipe_process_unordered() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..10).close();
        let d = Chan::new();
        let process_slow_work = |n| {
            std::thread::sleep(jitter(n, 50_000));
            n * 2
        };
        c.parallel_pipe_unordered(10, process_slow_work, Out::to(&d));
        d.collect().await
    });
    assert_eq!(
        got.into_iter().collect::<BTreeSet<_>>(),
        doubled(10).into_iter().collect()
    );
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_pipe_process (processes in Python, threads here)
#[test]
fn test_parallel_pipe_process() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..10).close();
        let d = Chan::new();
        c.parallel_pipe(10, |n| n * 2, Out::to(&d));
        d.collect().await
    });
    assert_eq!(got, doubled(10));
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_parallel_pipe_process_big (processes in Python, threads here)
#[test]
fn test_parallel_pipe_process_big() {
    let got = aiochan::run(async {
        let c = Chan::new().add(0..100).close();
        let d = Chan::new();
        c.parallel_pipe(2, |n| n * 2, Out::to(&d));
        d.collect().await
    });
    assert_eq!(got, doubled(100));
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_sync_op
#[test]
fn test_sync_op() {
    let (iter_tx, iter_rx) = mpsc::channel();
    let looping = Runtime::new().run_in_thread(move || async move {
        let c = Chan::new();
        iter_tx
            .send(c.to_iter(10))
            .expect("the test's thread waits for the iterator");
        for i in 0..10 {
            sleep(Duration::from_micros(random_below(1000))).await;
            c.add([i]);
        }
        c.close();
        c.join().await;
    });
    let g = iter_rx.recv().expect("the loop thread sends the iterator");
    assert_eq!(g.collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    looping.join();
}
