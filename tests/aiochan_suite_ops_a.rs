//! The operator tests of Python aiochan's test suite (aiochan/test/test_channel.py), ported to the
//! operators of `aiochan::ops`, one Rust test per Python test, under the same name.

// Source: https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
//
// Translation notes, for all tests:
// - Python's `.method(..., out=None)` becomes `.method(..., Out::new())`.
// - Python's `from_range(n)` (a `range(n)`) is `from_range(0..n)`; `from_range()` (a count) is
//   `from_range(0..)`.
// - The tests run on a loop with virtual time and a fixed seed instead of asyncio's real clock:
//   the sleeps take no wall time, and the random choices are the same on every run.

use std::collections::BTreeSet;
use std::time::Duration;

use aiochan::ops::Out;
use aiochan::{from_iter, from_range, random_below, sleep, tick_tock, Chan};

mod common;
use common::run_seeded;

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_iter
#[test]
fn test_iter() {
    run_seeded(1, async {
        // Python: c = from_iter([1, 2, 3]); async for i in c: ...; assert c.closed
        let c = from_iter([1, 2, 3]);
        let mut r = Vec::new();
        while let Some(i) = c.get().await {
            r.push(i);
        }
        assert_eq!(r, [1, 2, 3]);
        assert!(c.is_closed());

        // Python: from_range(10, 20, 2). `from_range` here takes a range and counts by one, so
        // the stepped range goes through `from_iter`.
        let c = from_iter((10..20).step_by(2));
        assert_eq!(c.collect().await, (10..20).step_by(2).collect::<Vec<_>>());

        // Python: from_range() counts forever; collect(10) takes the first ten.
        let c = from_range(..);
        assert_eq!(c.collect_n(10).await, (0..10).collect::<Vec<_>>());

        // Python: from_range(4, -1, -1), counting down.
        let c = from_iter((0..=4).rev());
        assert_eq!(c.collect().await, [4, 3, 2, 1, 0]);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_pipe_and_list
#[test]
fn test_pipe_and_list() {
    run_seeded(2, async {
        // Python: c.async_apply() with no function pipes the values through (its default
        // worker). Here that is `pipe`; `async_apply` always takes its function.
        let c = Chan::new().add(0..5).close();
        let o = c.pipe(Out::new());
        assert_eq!(o.collect().await, [0, 1, 2, 3, 4]);

        // Python: proc puts v * 2 and v * 2 + 1, then closes o itself. Here async_apply also
        // closes o once proc returns; closing twice is harmless.
        let c = Chan::new().add(0..5).close();
        let o = Chan::new();
        c.async_apply(
            |i: Chan<i32>, o: Chan<i32>| async move {
                while let Some(v) = i.get().await {
                    o.put(v * 2).await;
                    o.put(v * 2 + 1).await;
                }
                o.close();
            },
            Out::to(&o),
        );
        assert_eq!(o.collect().await, (0..10).collect::<Vec<_>>());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_async_pipe
#[test]
fn test_async_pipe() {
    run_seeded(3, async {
        let c = Chan::new().add(0..10).close();
        let d = Chan::new();
        c.async_pipe(10, |n| async move { n * 2 }, Out::to(&d));
        assert_eq!(d.collect().await, (0..20).step_by(2).collect::<Vec<_>>());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_async_pipe_big
#[test]
fn test_async_pipe_big() {
    run_seeded(4, async {
        let c = Chan::new().add(0..100).close();
        let d = Chan::new();
        c.async_pipe(2, |n| async move { n * 2 }, Out::to(&d));
        assert_eq!(d.collect().await, (0..200).step_by(2).collect::<Vec<_>>());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_async_pipe_unordered
#[test]
fn test_async_pipe_unordered() {
    run_seeded(5, async {
        let c = Chan::new().add(0..100).close();
        let d = Chan::new();
        // Python: await asyncio.sleep(random.uniform(0, 0.05)); here a whole number of
        // milliseconds below 50 from the loop's seeded generator.
        c.async_pipe_unordered(
            10,
            |n| async move {
                sleep(Duration::from_millis(random_below(50))).await;
                n * 2
            },
            Out::to(&d),
        );
        let r = d.collect().await;
        let expected: Vec<i32> = (0..200).step_by(2).collect();
        assert_eq!(
            r.iter().copied().collect::<BTreeSet<_>>(),
            expected.iter().copied().collect::<BTreeSet<_>>()
        );
        assert_eq!(r.len(), expected.len());
        assert_ne!(r, expected);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_map
#[test]
fn test_map() {
    run_seeded(6, async {
        let c = from_range(0..10).map(|v| v * 2, Out::new());
        assert_eq!(c.collect().await, (0..20).step_by(2).collect::<Vec<_>>());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_flat_map
#[test]
fn test_flat_map() {
    run_seeded(7, async {
        // Python: map(lambda v: [v * 2], flatten=True) is flat_map here.
        let c = from_range(0..10).flat_map(|v| [v * 2], Out::new());
        assert_eq!(c.collect().await, (0..20).step_by(2).collect::<Vec<_>>());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_group
#[test]
fn test_group() {
    run_seeded(8, async {
        let c = from_range(0..10).group(3, Out::new());
        assert_eq!(
            c.collect().await,
            [vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8], vec![9]]
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_group_by
#[test]
fn test_group_by() {
    run_seeded(9, async {
        // Python's group_by puts (key, run) pairs; here it puts the runs alone, so the key is
        // computed again from a run's first value to compare with the same pairs.
        let c = from_range(0..10)
            .group_by(|v| v / 3, Out::new())
            .map(|run| (run[0] / 3, run), Out::new());
        assert_eq!(
            c.collect().await,
            [
                (0, vec![0, 1, 2]),
                (1, vec![3, 4, 5]),
                (2, vec![6, 7, 8]),
                (3, vec![9])
            ]
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_reduce
#[test]
fn test_reduce() {
    run_seeded(10, async {
        // Python: reduce(f) starts from the first value; reduce(f, init) is fold here.
        let c = from_range(0..101).reduce(|acc, v| acc + v, Out::new());
        assert_eq!(c.get().await, Some(5050));

        let c = from_range(0..100).fold(100, |acc, v| acc + v, Out::new());
        assert_eq!(c.get().await, Some(5050));

        let c = Chan::<i64>::new()
            .close()
            .reduce(|acc, v| acc + v, Out::new());
        assert_eq!(c.get().await, None);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_scan
#[test]
fn test_scan() {
    run_seeded(11, async {
        // Python: scan(f) starts from the first value (scan_first here); scan(f, init) puts init
        // first.
        let c = from_range(0..11).scan_first(|acc, v| acc + v, Out::new());
        assert_eq!(c.collect().await, [0, 1, 3, 6, 10, 15, 21, 28, 36, 45, 55]);

        let c = from_range(0..11).scan(0, |acc, v| acc + v, Out::new());
        assert_eq!(
            c.collect().await,
            [0, 0, 1, 3, 6, 10, 15, 21, 28, 36, 45, 55]
        );

        let c = Chan::<i64>::new()
            .close()
            .scan_first(|acc, v| acc + v, Out::new());
        assert_eq!(c.collect().await, []);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_filter
#[test]
fn test_filter() {
    run_seeded(12, async {
        let c = from_range(0..100).filter(|v| v % 2 == 0, Out::new());
        assert_eq!(c.collect().await, (0..100).step_by(2).collect::<Vec<_>>());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_distinct
#[test]
fn test_distinct() {
    run_seeded(13, async {
        let c = Chan::new()
            .add([1, 1, 1, 1, 2, 2, 3, 3, 3, 4, 5, 5, 5])
            .close()
            .distinct(Out::new());
        assert_eq!(c.collect().await, [1, 2, 3, 4, 5]);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_take
#[test]
fn test_take() {
    run_seeded(14, async {
        let c = from_range(0..);
        assert_eq!(
            c.take(10, Out::new()).collect().await,
            (0..10).collect::<Vec<_>>()
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_drop
#[test]
fn test_drop() {
    run_seeded(15, async {
        // Python's drop is skip here (`drop` would clash with Rust's `Drop`).
        let c = from_range(0..10);
        assert_eq!(
            c.skip(5, Out::new()).collect().await,
            (5..10).collect::<Vec<_>>()
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_take_while
#[test]
fn test_take_while() {
    run_seeded(16, async {
        let c = from_range(0..);
        assert_eq!(
            c.take_while(|&v| v < 10, Out::new()).collect().await,
            (0..10).collect::<Vec<_>>()
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_drop_while
#[test]
fn test_drop_while() {
    run_seeded(17, async {
        // Python's drop_while is skip_while here.
        let c = from_range(0..10);
        assert_eq!(
            c.skip_while(|&v| v < 5, Out::new()).collect().await,
            (5..10).collect::<Vec<_>>()
        );
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_tick_tock
#[test]
fn test_tick_tock() {
    run_seeded(18, async {
        // Python: tick_tock(0.001); the counts of the first ten ticks are 1..=10.
        let c = tick_tock(Duration::from_millis(1));
        let counts: Vec<u64> = c.collect_n(10).await.into_iter().map(|(i, _)| i).collect();
        assert_eq!(counts, (1..=10).collect::<Vec<_>>());
        c.close();
        sleep(Duration::from_millis(10)).await;
    });
}
