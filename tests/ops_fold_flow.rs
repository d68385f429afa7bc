//! The folding operators and the flow operators: results, close propagation both ways, the `Out`
//! options, and `async_pipe`'s ordering and concurrency.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::ops::ControlFlow;
use std::rc::Rc;

use aiochan::ops::{onto_chan, to_chan, Out};
use aiochan::{from_iter, from_range, go, now, random_below, sleep, Chan};

mod common;
use common::{ms, run_seeded};

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(11, future)
}

/// Lets every task run until none can move on (virtual time only moves once nothing is ready).
async fn settle() {
    sleep(ms(1)).await;
}

/// Takes what a channel holds right now, without waiting.
fn drain_now<T: 'static>(c: &Chan<T>) -> Vec<T> {
    std::iter::from_fn(|| c.try_get().ok()).collect()
}

/// An open input holding `0..10` in its buffer.
fn open_input() -> Chan<i32> {
    Chan::fixed(16).add(0..10)
}

/// Checks that an operator with nothing to put before its input ends notices a closed output: the
/// output is closed while the operator waits on an open input, then 3 values come and the parked
/// get takes the first. Also checks that, closed before the operator first runs, it takes nothing.
async fn fold_like_stops<O: 'static>(op: impl Fn(&Chan<i32>) -> Chan<O>) {
    let input = Chan::fixed(16).add([1, 2]);
    let out = op(&input);
    settle().await;
    assert_eq!(drain_now(&input), []);
    out.close();
    input.add([3, 4, 5]);
    settle().await;
    assert_eq!(drain_now(&input), [4, 5]);
    assert!(out.collect().await.is_empty(), "nothing is put");

    let input = Chan::fixed(16).add([1, 2]);
    op(&input).close();
    settle().await;
    assert_eq!(drain_now(&input), [1, 2]);
}

/// Runs `op` into a channel of ours, left open: checks the operator returns that channel and leaves
/// it open after its input ended, and gives what it put.
async fn into_kept_open<O: 'static>(op: impl FnOnce(Out<O>) -> Chan<O>) -> Vec<O> {
    let sink = Chan::fixed(32);
    assert_eq!(op(Out::to(&sink).keep_open()), sink);
    settle().await;
    assert!(!sink.is_closed(), "keep_open leaves the output open");
    drain_now(&sink)
}

/// Starts `op` on an open input holding `0..10`, takes `k` outputs, closes the output and takes
/// what was left waiting in it (releasing a put that waited when it was closed). Returns the
/// outputs and what the input still holds; checks that the operator takes nothing afterwards.
async fn close_output_after<O: 'static>(
    k: usize,
    op: impl FnOnce(&Chan<i32>) -> Chan<O>,
) -> (Vec<O>, Vec<i32>) {
    let input = open_input();
    let out = op(&input);
    let got = out.collect_n(k).await;
    assert_eq!(got.len(), k);
    out.close();
    settle().await;
    drain_now(&out);
    settle().await;
    assert!(
        drain_now(&out).is_empty(),
        "nothing is put on a closed output"
    );
    let left = drain_now(&input);
    input.add([100]);
    settle().await;
    assert_eq!(input.try_get(), Ok(100), "the operator stopped taking");
    (got, left)
}

// ---------------------------------------------------------------------------------------------
// fold / reduce / try_fold
// ---------------------------------------------------------------------------------------------

#[test]
fn fold_puts_one_result_then_closes() {
    run_virtual(async {
        let out = from_range(1..=10).fold(0, |acc, v| acc + v, Out::new());
        assert_eq!(out.get().await, Some(55));
        assert_eq!(out.get().await, None);
        let empty: Chan<i32> = Chan::new().close();
        let init = empty.fold(
            vec![9],
            |mut acc, v| {
                acc.push(v);
                acc
            },
            Out::new(),
        );
        assert_eq!(init.collect().await, [vec![9]]);
        let words = from_iter(["a", "b"]).fold(String::new(), |acc, w| acc + w, Out::new());
        assert_eq!(words.collect().await, ["ab"]);
    });
}

#[test]
fn fold_out_options() {
    run_virtual(async {
        let kept = into_kept_open(|o| from_range(0..4).fold(0, |a, v| a + v, o)).await;
        assert_eq!(kept, [6]);
        // With a buffer the result waits there, and the output is closed behind it.
        let out = from_range(0..4).fold(0, |a, v| a + v, Out::fixed(1));
        settle().await;
        assert!(out.is_closed());
        assert_eq!(out.collect().await, [6]);
    });
}

#[test]
fn fold_output_closed_stops_taking() {
    run_virtual(async {
        fold_like_stops(|c| c.fold(0, |a, v| a + v, Out::new())).await;
    });
}

#[test]
fn reduce_starts_from_the_first_value() {
    run_virtual(async {
        let out = from_range(1..=4).reduce(|a, b| a * b, Out::new());
        assert_eq!(out.collect().await, [24]);
        let calls = Rc::new(Cell::new(0));
        let counted = calls.clone();
        let single = from_iter([7]).reduce(
            move |a, b| {
                counted.set(counted.get() + 1);
                a + b
            },
            Out::new(),
        );
        assert_eq!(single.collect().await, [7]);
        assert_eq!(calls.get(), 0, "one value: nothing to combine");
        let empty: Chan<i32> = Chan::new().close();
        let none = empty.reduce(|a, b| a + b, Out::new());
        assert_eq!(none.get().await, None);
        assert!(none.is_closed());
        let kept = into_kept_open(|o| from_range(1..4).reduce(|a, b| a + b, o)).await;
        assert_eq!(kept, [6]);
        let sink = Chan::<i32>::fixed(1);
        Chan::new()
            .close()
            .reduce(|a, b| a + b, Out::to(&sink).keep_open());
        settle().await;
        assert!(!sink.is_closed());
        assert_eq!(drain_now(&sink), []);
    });
}

#[test]
fn reduce_output_closed_stops_taking() {
    run_virtual(async {
        fold_like_stops(|c| c.reduce(|a, b| a + b, Out::new())).await;
    });
}

#[test]
fn try_fold_breaks_early_and_leaves_the_rest() {
    run_virtual(async {
        let input = open_input();
        let out = input.try_fold(
            Vec::new(),
            |mut seen, v| {
                seen.push(v);
                if v == 3 {
                    ControlFlow::Break(seen)
                } else {
                    ControlFlow::Continue(seen)
                }
            },
            Out::new(),
        );
        assert_eq!(out.collect().await, [vec![0, 1, 2, 3]]);
        assert_eq!(drain_now(&input), [4, 5, 6, 7, 8, 9]);
        // Never breaking, it folds to the end.
        let all = from_range(0..5).try_fold(0, |a, v| ControlFlow::Continue(a + v), Out::new());
        assert_eq!(all.collect().await, [10]);
        let empty: Chan<i32> = Chan::new().close();
        let init = empty.try_fold(-1, |_, v| ControlFlow::Break(v), Out::new());
        assert_eq!(init.collect().await, [-1]);
        let kept =
            into_kept_open(|o| from_range(0..5).try_fold(0, |_, v| ControlFlow::Break(v), o)).await;
        assert_eq!(kept, [0]);
    });
}

#[test]
fn try_fold_output_closed_stops_taking() {
    run_virtual(async {
        fold_like_stops(|c| c.try_fold(0, |a, v| ControlFlow::Continue(a + v), Out::new())).await;
    });
}

// ---------------------------------------------------------------------------------------------
// scan / scan_first
// ---------------------------------------------------------------------------------------------

#[test]
fn scan_puts_init_then_each_step() {
    run_virtual(async {
        let out = from_range(1..=4).scan(10, |a, v| a + v, Out::new());
        assert_eq!(out.collect().await, [10, 11, 13, 16, 20]);
        let empty: Chan<i64> = Chan::new().close();
        assert_eq!(empty.scan(5, |a, v| a + v, Out::new()).collect().await, [5]);
        let kept = into_kept_open(|o| from_range(1..3).scan(0, |a, v| a + v, o)).await;
        assert_eq!(kept, [0, 1, 3]);
    });
}

#[test]
fn scan_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(3, |c| c.scan(0, |a, v| a + v, Out::new())).await;
        assert_eq!(got, [0, 0, 1]);
        // 2 was folded and its put waited in the closed output; 3 was then taken and refused.
        assert_eq!(left, [4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn scan_first_starts_from_the_first_value() {
    run_virtual(async {
        let out = from_range(1..=4).scan_first(|a, v| a * v, Out::new());
        assert_eq!(out.collect().await, [1, 2, 6, 24]);
        let one = from_iter(["x"]).scan_first(|a, _| a, Out::new());
        assert_eq!(one.collect().await, ["x"]);
        let empty: Chan<i32> = Chan::new().close();
        assert_eq!(
            empty.scan_first(|a, v| a + v, Out::new()).collect().await,
            []
        );
        let kept = into_kept_open(|o| from_range(1..4).scan_first(|a, v| a + v, o)).await;
        assert_eq!(kept, [1, 3, 6]);
    });
}

#[test]
fn scan_first_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.scan_first(|a, v| a + v, Out::new())).await;
        assert_eq!(got, [0, 1]);
        // 2 was taken and folded, and its put refused.
        assert_eq!(left, [3, 4, 5, 6, 7, 8, 9]);
    });
}

// ---------------------------------------------------------------------------------------------
// collect / collect_n / into_collection
// ---------------------------------------------------------------------------------------------

#[test]
fn collect_takes_everything_until_closed() {
    run_virtual(async {
        let c = Chan::new();
        let all = go(c.collect());
        for i in 0..5 {
            c.put(i).await;
        }
        c.close();
        assert_eq!(all.await, [0, 1, 2, 3, 4]);
        let empty: Chan<u8> = Chan::new().close();
        assert_eq!(empty.collect().await, []);
    });
}

#[test]
fn collect_n_takes_at_most_n() {
    run_virtual(async {
        let input = open_input();
        assert_eq!(input.collect_n(0).await, []);
        assert_eq!(input.collect_n(3).await, [0, 1, 2]);
        assert_eq!(drain_now(&input), [3, 4, 5, 6, 7, 8, 9]);
        let short = from_range(0..2);
        assert_eq!(short.collect_n(5).await, [0, 1]);
        assert_eq!(from_range(0..).collect_n(usize::MAX >> 60).await.len(), 15);
    });
}

#[test]
fn into_collection_gives_one_collection_then_closes() {
    run_virtual(async {
        let v = from_range(0..3).into_collection(vec![-1]);
        assert_eq!(v.get().await, Some(vec![-1, 0, 1, 2]));
        assert_eq!(v.get().await, None);
        let s = from_iter("bc".chars()).into_collection(String::from("a"));
        assert_eq!(s.collect().await, ["abc"]);
        let set = from_iter([2, 1, 2]).into_collection(BTreeSet::new());
        assert_eq!(set.collect().await, [BTreeSet::from([1, 2])]);
        // The result waits in a buffer: the channel is closed without a taker.
        let waiting = from_range(0..2).into_collection(Vec::new());
        settle().await;
        assert!(waiting.is_closed());
        assert_eq!(drain_now(&waiting), [vec![0, 1]]);
    });
}

#[test]
fn into_collection_closed_early_stops_taking() {
    run_virtual(async {
        fold_like_stops(|c| c.into_collection(Vec::new())).await;
    });
}

// ---------------------------------------------------------------------------------------------
// pipe / onto_chan / to_chan
// ---------------------------------------------------------------------------------------------

#[test]
fn pipe_moves_everything_and_closes() {
    run_virtual(async {
        let out = from_range(0..4).pipe(Out::new());
        assert_eq!(out.collect().await, [0, 1, 2, 3]);
        let kept = into_kept_open(|o| from_range(0..3).pipe(o)).await;
        assert_eq!(kept, [0, 1, 2]);
        // Two pipes into one channel left open, closed by hand when both are done.
        let sink = Chan::fixed(8);
        let a = from_range(0..2).pipe(Out::to(&sink).keep_open());
        let b = from_range(10..12).pipe(Out::to(&sink).keep_open());
        assert!(a == sink && b == sink);
        settle().await;
        sink.close();
        let mut got = sink.collect().await;
        got.sort();
        assert_eq!(got, [0, 1, 10, 11]);
    });
}

#[test]
fn pipe_buffers_ahead_with_out_fixed() {
    run_virtual(async {
        let input = open_input();
        let out = input.pipe(Out::fixed(4));
        settle().await;
        // Four in the buffer, one held by the waiting put.
        assert_eq!(drain_now(&input), [5, 6, 7, 8, 9]);
        assert_eq!(out.collect_n(5).await, [0, 1, 2, 3, 4]);
    });
}

#[test]
fn pipe_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.pipe(Out::new())).await;
        assert_eq!(got, [0, 1]);
        // 2 was taken and refused.
        assert_eq!(left, [3, 4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn onto_chan_puts_in_order_and_signals_the_end() {
    run_virtual(async {
        let c = Chan::new();
        let done = onto_chan(&c, vec![1, 2, 3], true);
        settle().await;
        assert!(!done.is_closed(), "the items wait for a taker");
        assert_eq!(c.collect().await, [1, 2, 3]);
        assert_eq!(done.get().await, None);
        assert!(c.is_closed());

        let open = Chan::fixed(3);
        let done = onto_chan(&open, 0..3, false);
        assert_eq!(done.get().await, None);
        assert!(!open.is_closed());
        assert_eq!(drain_now(&open), [0, 1, 2]);
    });
}

#[test]
fn onto_chan_stops_when_the_channel_closes() {
    run_virtual(async {
        let c = Chan::new();
        let produced = Rc::new(Cell::new(0));
        let counted = produced.clone();
        let items = (0..).inspect(move |_| counted.set(counted.get() + 1));
        let done = onto_chan(&c, items, false);
        assert_eq!(c.collect_n(2).await, [0, 1]);
        settle().await;
        c.close();
        assert_eq!(drain_now(&c), [2], "the put waiting at the close drains");
        assert_eq!(done.get().await, None);
        assert_eq!(
            produced.get(),
            4,
            "3 was refused; nothing after it was produced"
        );
    });
}

#[test]
fn to_chan_gives_the_items_then_closes() {
    run_virtual(async {
        assert_eq!(to_chan(vec!["x", "y"]).collect().await, ["x", "y"]);
        let empty = to_chan(Vec::<i32>::new());
        assert!(empty.is_closed(), "closed at once");
        assert_eq!(empty.get().await, None);
        let filtered = to_chan((0..10).filter(|v| v % 3 == 0));
        assert_eq!(filtered.collect().await, [0, 3, 6, 9]);
        // The buffer is capped at 100: with nobody taking, 100 wait in it and one more in a put.
        let many = to_chan(0..250);
        settle().await;
        assert!(!many.is_closed());
        assert_eq!(drain_now(&many), (0..101).collect::<Vec<_>>());
        assert_eq!(many.collect().await, (101..250).collect::<Vec<_>>());
    });
}

// ---------------------------------------------------------------------------------------------
// async_pipe / async_pipe_unordered
// ---------------------------------------------------------------------------------------------

/// A job that takes `delay` ms and gives `value`.
async fn job(delay: u64, value: i32) -> i32 {
    sleep(ms(delay)).await;
    value
}

/// Counts the jobs running at once, keeping the highest count seen.
#[derive(Clone, Default)]
struct InFlight {
    now: Rc<Cell<usize>>,
    max: Rc<Cell<usize>>,
}

impl InFlight {
    fn job(&self, delay: u64, value: i32) -> impl Future<Output = i32> + 'static {
        let me = self.clone();
        async move {
            me.now.set(me.now.get() + 1);
            me.max.set(me.max.get().max(me.now.get()));
            let v = job(delay, value).await;
            me.now.set(me.now.get() - 1);
            v
        }
    }
}

#[test]
fn async_pipe_keeps_input_order_when_jobs_finish_out_of_order() {
    run_virtual(async {
        let finished = Rc::new(RefCell::new(Vec::new()));
        let log = finished.clone();
        let out = from_range(0..20).map(|v| v as i32, Out::new()).async_pipe(
            4,
            move |v| {
                let log = log.clone();
                async move {
                    // Later values often finish first.
                    let v = job(((v as u64 * 7) % 10) * 3 + 1, v).await;
                    log.borrow_mut().push(v);
                    v
                }
            },
            Out::new(),
        );
        assert_eq!(out.collect().await, (0..20).collect::<Vec<_>>());
        let finished = finished.borrow();
        assert_ne!(
            *finished,
            (0..20).collect::<Vec<_>>(),
            "jobs finished out of order"
        );
    });
}

#[test]
fn async_pipe_delivers_every_value_once_in_order() {
    run_virtual(async {
        let out = from_range(0..300).async_pipe(
            7,
            |v| async move {
                sleep(ms(random_below(20))).await;
                v * 2
            },
            Out::fixed(3),
        );
        assert_eq!(
            out.collect().await,
            (0..300).map(|v| v * 2).collect::<Vec<_>>()
        );
    });
}

#[test]
fn async_pipe_unordered_gives_completion_order() {
    run_virtual(async {
        let delays = [50, 10, 40, 20, 30];
        let out = from_iter(0..5).async_pipe_unordered(
            5,
            move |i: usize| job(delays[i], i as i32),
            Out::new(),
        );
        assert_eq!(out.collect().await, [1, 3, 4, 2, 0]);
        // With two workers: 0 (30 ms) and 1 (10 ms) start; 2 (10 ms) starts when 1 ends at 10
        // and ends at 20; 3 (30 ms) starts then, ending at 50, after 0 at 30.
        let delays = [30, 10, 10, 30];
        let out = from_iter(0..4).async_pipe_unordered(
            2,
            move |i: usize| job(delays[i], i as i32),
            Out::new(),
        );
        let start = now();
        assert_eq!(out.collect().await, [1, 2, 0, 3]);
        assert_eq!(now() - start, ms(50));
    });
}

#[test]
fn async_pipe_runs_at_most_n_jobs_at_once() {
    run_virtual(async {
        for unordered in [false, true] {
            let count = InFlight::default();
            let jobs = count.clone();
            let f = move |v: i64| jobs.job(random_below(10) + 1, v as i32);
            let input = from_range(0..60);
            let out = if unordered {
                input.async_pipe_unordered(4, f, Out::fixed(2))
            } else {
                input.async_pipe(4, f, Out::fixed(2))
            };
            let mut got = out.collect().await;
            got.sort();
            assert_eq!(got, (0..60).collect::<Vec<_>>());
            assert_eq!(count.max.get(), 4, "unordered: {unordered}");
            assert_eq!(count.now.get(), 0);
        }
    });
}

#[test]
fn async_pipe_runs_jobs_concurrently() {
    run_virtual(async {
        let start = now();
        let out = from_range(0..6).async_pipe(3, |v| job(100, v as i32), Out::new());
        assert_eq!(out.collect().await, [0, 1, 2, 3, 4, 5]);
        assert_eq!(now() - start, ms(200), "two rounds of three");
    });
}

#[test]
fn async_pipe_bounds_what_waits_behind_a_slow_value() {
    run_virtual(async {
        let input = open_input();
        let out = input.async_pipe(2, |v| job(if v == 0 { 100 } else { 1 }, v), Out::new());
        sleep(ms(50)).await;
        // 2 * n values are taken while 0 is still running; the rest wait in the input.
        assert_eq!(drain_now(&input), [4, 5, 6, 7, 8, 9]);
        input.add(4..10).close();
        assert_eq!(out.collect().await, (0..10).collect::<Vec<_>>());
    });
}

#[test]
fn async_pipe_input_closed_closes_output() {
    run_virtual(async {
        for unordered in [false, true] {
            let empty: Chan<i32> = Chan::new().close();
            let out = if unordered {
                empty.async_pipe_unordered(3, |v| job(1, v), Out::new())
            } else {
                empty.async_pipe(3, |v| job(1, v), Out::new())
            };
            assert_eq!(out.collect().await, []);
            let kept = into_kept_open(|o| {
                if unordered {
                    from_iter([5]).async_pipe_unordered(3, |v| job(0, v), o)
                } else {
                    from_iter([5]).async_pipe(3, |v| job(0, v), o)
                }
            })
            .await;
            assert_eq!(kept, [5]);
        }
    });
}

#[test]
fn async_pipe_output_closed_stops_taking() {
    run_virtual(async {
        for n in [1, 3] {
            let (got, left) =
                close_output_after(2, |c| c.async_pipe(n, |v| job(1, v), Out::new())).await;
            assert_eq!(got, [0, 1]);
            // Taken beyond what was delivered: the window of 2n, one more per worker at most.
            assert!(left.len() + 2 + 3 * n >= 10, "n = {n}: {left:?} left");
            let first = 10 - left.len() as i32;
            assert_eq!(left, (first..10).collect::<Vec<_>>());
        }
        let (got, left) =
            close_output_after(2, |c| c.async_pipe(2, |v| job(0, v), Out::fixed(1))).await;
        assert_eq!(got, [0, 1]);
        assert!(left.len() >= 10 - 2 - 1 - 6, "{left:?} left");
    });
}

#[test]
fn async_pipe_unordered_output_closed_stops_taking() {
    run_virtual(async {
        for n in [1, 3] {
            let (got, left) =
                close_output_after(2, |c| c.async_pipe_unordered(n, |v| job(1, v), Out::new()))
                    .await;
            assert_eq!(got.len(), 2);
            assert!(left.len() + 2 + 2 * n >= 10, "n = {n}: {left:?} left");
            let first = 10 - left.len() as i32;
            assert_eq!(left, (first..10).collect::<Vec<_>>());
        }
    });
}

#[test]
fn async_pipe_calls_a_stateful_closure() {
    run_virtual(async {
        let mut calls = 0;
        let out = from_range(0..5).async_pipe(
            2,
            move |v| {
                calls += 1;
                let nth = calls;
                async move { (v, nth) }
            },
            Out::new(),
        );
        let got = out.collect().await;
        assert_eq!(got.iter().map(|p| p.0).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        let mut nths: Vec<_> = got.iter().map(|p| p.1).collect();
        nths.sort();
        assert_eq!(nths, [1, 2, 3, 4, 5]);
    });
}

#[test]
#[should_panic(expected = "Chan::async_pipe needs at least one worker")]
fn async_pipe_of_zero_workers_panics() {
    let _ = from_range(0..3).async_pipe(0, |v| async move { v }, Out::new());
}

#[test]
#[should_panic(expected = "Chan::async_pipe_unordered needs at least one worker")]
fn async_pipe_unordered_of_zero_workers_panics() {
    let _ = from_range(0..3).async_pipe_unordered(0, |v| async move { v }, Out::new());
}
