//! The transforming operators: results, close propagation both ways, and the `Out` options.

use std::future::Future;
use std::time::Duration;

use aiochan::ops::Out;
use aiochan::{from_iter, from_range, go, sleep, Chan};

mod common;
use common::run_seeded;

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(7, future)
}

/// Lets every task run until none can move on (virtual time only moves once nothing is ready).
async fn settle() {
    sleep(Duration::from_millis(1)).await;
}

/// Takes what a channel holds right now, without waiting.
fn drain_now<T: 'static>(c: &Chan<T>) -> Vec<T> {
    std::iter::from_fn(|| c.try_get().ok()).collect()
}

/// An open input holding `0..10` in its buffer.
fn open_input() -> Chan<i32> {
    Chan::fixed(16).add(0..10)
}

/// Starts `op` on an open input holding `0..10`, takes `k` outputs, then closes the output. Returns
/// the outputs and what the input still holds; checks that the operator takes nothing afterwards.
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
    let left = drain_now(&input);
    input.add([100]);
    settle().await;
    assert_eq!(input.try_get(), Ok(100), "the operator stopped taking");
    (got, left)
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

/// Runs `op` into a channel of ours, closed at the end: gives what it put, checking the close.
async fn into_closed<O: 'static>(op: impl FnOnce(Out<O>) -> Chan<O>) -> Vec<O> {
    let sink = Chan::fixed(32);
    assert_eq!(op(Out::to(&sink)), sink);
    settle().await;
    assert!(sink.is_closed(), "the input ended, so the output is closed");
    sink.collect().await
}

/// How many values `op` takes from an open input holding `0..10` with nobody taking its output.
async fn taken_unattended<O: 'static>(op: impl FnOnce(&Chan<i32>) -> Chan<O>) -> usize {
    let input = open_input();
    let _out = op(&input);
    settle().await;
    10 - drain_now(&input).len()
}

fn upto(n: i32) -> Vec<i32> {
    (0..n).collect()
}

// ---------------------------------------------------------------------------------------------
// map / flat_map
// ---------------------------------------------------------------------------------------------

#[test]
fn map_results_and_input_close() {
    run_virtual(async {
        let out = from_range(0..5).map(|v| v * 10, Out::new());
        assert_eq!(out.collect().await, [0, 10, 20, 30, 40]);
        assert!(out.is_closed());
        let empty: Chan<i32> = Chan::new().close();
        assert_eq!(empty.map(|v| v + 1, Out::new()).collect().await, []);
    });
}

#[test]
fn map_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.map(|v| v * 2, Out::new())).await;
        assert_eq!(got, [0, 2]);
        // 2 was taken: its put waits in the closed output. The rest stays.
        assert_eq!(left, [3, 4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn map_out_options() {
    run_virtual(async {
        let kept = into_kept_open(|o| from_range(0..3).map(|v| v + 1, o)).await;
        assert_eq!(kept, [1, 2, 3]);
        let closed = into_closed(|o| from_range(0..3).map(|v| v + 1, o)).await;
        assert_eq!(closed, [1, 2, 3]);
        // A buffer of 3, plus the value held by the waiting put.
        assert_eq!(taken_unattended(|c| c.map(|v| v, Out::fixed(3))).await, 4);
        assert_eq!(taken_unattended(|c| c.map(|v| v, Out::new())).await, 1);
    });
}

#[test]
fn map_changes_type() {
    run_virtual(async {
        let out = from_iter(["a", "bb"]).map(str::len, Out::new());
        assert_eq!(out.collect().await, [1, 2]);
    });
}

#[test]
fn flat_map_results_and_close() {
    run_virtual(async {
        let out = from_range(0..4).flat_map(|v| vec![v; v as usize], Out::new());
        assert_eq!(out.collect().await, [1, 2, 2, 3, 3, 3]);
        let kept = into_kept_open(|o| from_range(0..2).flat_map(|v| [v, -v], o)).await;
        assert_eq!(kept, [0, 0, 1, -1]);
    });
}

#[test]
fn flat_map_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(3, |c| c.flat_map(|v| [v, v], Out::new())).await;
        assert_eq!(got, [0, 0, 1]);
        // 1's second copy waits in the closed output; nothing after 1 was taken.
        assert_eq!(left, [2, 3, 4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn flat_map_to_nothing_notices_closed_output() {
    run_virtual(async {
        let input = open_input();
        let out = input.flat_map(|_| Vec::<i32>::new(), Out::new());
        settle().await;
        assert_eq!(drain_now(&input), []);
        out.close();
        input.add([1, 2, 3]);
        settle().await;
        // The parked get took 1; then the closed output was seen.
        assert_eq!(drain_now(&input), [2, 3]);
    });
}

// ---------------------------------------------------------------------------------------------
// filter
// ---------------------------------------------------------------------------------------------

#[test]
fn filter_results_and_close() {
    run_virtual(async {
        let out = from_range(0..10).filter(|v| v % 3 == 0, Out::new());
        assert_eq!(out.collect().await, [0, 3, 6, 9]);
        let kept = into_kept_open(|o| from_range(0..4).filter(|v| v % 2 == 1, o)).await;
        assert_eq!(kept, [1, 3]);
        let closed = into_closed(|o| from_range(0..4).filter(|v| v % 2 == 1, o)).await;
        assert_eq!(closed, [1, 3]);
    });
}

#[test]
fn filter_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.filter(|v| v % 2 == 0, Out::new())).await;
        assert_eq!(got, [0, 2]);
        // 3 was rejected, and then the closed output seen.
        assert_eq!(left, [4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn filter_rejecting_everything_notices_closed_output() {
    run_virtual(async {
        let input = Chan::fixed(16);
        let out = input.filter(|_| false, Out::new());
        out.close();
        input.add([1, 2, 3]);
        settle().await;
        assert_eq!(drain_now(&input), [2, 3]);
    });
}

// ---------------------------------------------------------------------------------------------
// take / skip
// ---------------------------------------------------------------------------------------------

#[test]
fn take_stops_after_n() {
    run_virtual(async {
        let input = open_input();
        let out = input.take(3, Out::new());
        assert_eq!(out.collect().await, [0, 1, 2]);
        settle().await;
        assert_eq!(drain_now(&input), [3, 4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn take_zero_finishes_at_once() {
    run_virtual(async {
        let input = open_input();
        let out = input.take(0, Out::new());
        assert!(out.is_closed(), "closed before take returns");
        settle().await;
        assert_eq!(drain_now(&input), upto(10));
        let sink = Chan::<i32>::fixed(1);
        input.take(0, Out::to(&sink).keep_open());
        assert!(!sink.is_closed());
    });
}

#[test]
fn take_more_than_there_is() {
    run_virtual(async {
        assert_eq!(
            from_range(0..3).take(10, Out::new()).collect().await,
            [0, 1, 2]
        );
        let kept = into_kept_open(|o| from_range(0..5).take(2, o)).await;
        assert_eq!(kept, [0, 1]);
    });
}

#[test]
fn take_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.take(5, Out::new())).await;
        assert_eq!(got, [0, 1]);
        assert_eq!(left, [3, 4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn skip_results_and_close() {
    run_virtual(async {
        assert_eq!(from_range(0..6).skip(4, Out::new()).collect().await, [4, 5]);
        assert_eq!(from_range(0..3).skip(5, Out::new()).collect().await, []);
        assert_eq!(
            from_range(0..3).skip(0, Out::new()).collect().await,
            [0, 1, 2]
        );
        let kept = into_kept_open(|o| from_range(0..4).skip(1, o)).await;
        assert_eq!(kept, [1, 2, 3]);
    });
}

#[test]
fn skip_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.skip(3, Out::new())).await;
        assert_eq!(got, [3, 4]);
        assert_eq!(left, [6, 7, 8, 9]);
    });
}

#[test]
fn skip_notices_closed_output_while_skipping() {
    run_virtual(async {
        let input = Chan::fixed(16);
        let out = input.skip(100, Out::new());
        settle().await;
        out.close();
        input.add([1, 2, 3]);
        settle().await;
        // The get waiting when the output was closed took 1.
        assert_eq!(drain_now(&input), [2, 3]);
        // Closed before the operator first ran: it takes nothing.
        let input = Chan::fixed(16).add([1, 2]);
        input.skip(100, Out::new()).close();
        settle().await;
        assert_eq!(drain_now(&input), [1, 2]);
    });
}

// ---------------------------------------------------------------------------------------------
// take_while / skip_while
// ---------------------------------------------------------------------------------------------

#[test]
fn take_while_results_and_close() {
    run_virtual(async {
        let input = open_input();
        let out = input.take_while(|&v| v < 4, Out::new());
        assert_eq!(out.collect().await, [0, 1, 2, 3]);
        settle().await;
        // 4 was taken to test it, and dropped.
        assert_eq!(drain_now(&input), [5, 6, 7, 8, 9]);
        assert_eq!(
            from_range(0..3)
                .take_while(|_| true, Out::new())
                .collect()
                .await,
            [0, 1, 2]
        );
        let kept = into_kept_open(|o| from_range(0..4).take_while(|&v| v < 2, o)).await;
        assert_eq!(kept, [0, 1]);
    });
}

#[test]
fn take_while_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.take_while(|_| true, Out::new())).await;
        assert_eq!(got, [0, 1]);
        assert_eq!(left, [3, 4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn skip_while_results_and_close() {
    run_virtual(async {
        let out = from_iter([0, 1, 5, 0, 6]).skip_while(|&v| v < 3, Out::new());
        assert_eq!(out.collect().await, [5, 0, 6]);
        let none = from_range(0..3).skip_while(|_| true, Out::new());
        assert_eq!(none.collect().await, []);
        let kept = into_kept_open(|o| from_range(0..4).skip_while(|&v| v < 2, o)).await;
        assert_eq!(kept, [2, 3]);
    });
}

#[test]
fn skip_while_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.skip_while(|&v| v < 3, Out::new())).await;
        assert_eq!(got, [3, 4]);
        assert_eq!(left, [6, 7, 8, 9]);
        // Closed while the first passing value waits to be put.
        let input = open_input();
        let out = input.skip_while(|&v| v < 3, Out::new());
        settle().await;
        out.close();
        settle().await;
        assert_eq!(drain_now(&input), [4, 5, 6, 7, 8, 9]);
        assert_eq!(out.collect().await, [3]);
    });
}

#[test]
fn skip_while_notices_closed_output_while_skipping() {
    run_virtual(async {
        let input = Chan::fixed(16);
        let out = input.skip_while(|_| true, Out::new());
        out.close();
        input.add([1, 2, 3]);
        settle().await;
        assert_eq!(drain_now(&input), [2, 3]);
    });
}

// ---------------------------------------------------------------------------------------------
// distinct
// ---------------------------------------------------------------------------------------------

#[test]
fn distinct_drops_consecutive_repeats_only() {
    run_virtual(async {
        let out = from_iter([1, 1, 2, 1, 1, 3, 3, 3, 2]).distinct(Out::new());
        assert_eq!(out.collect().await, [1, 2, 1, 3, 2]);
        let words = from_iter(["a".to_string(), "a".to_string(), "b".to_string()]);
        assert_eq!(words.distinct(Out::new()).collect().await, ["a", "b"]);
        let kept = into_kept_open(|o| from_iter([4, 4, 5]).distinct(o)).await;
        assert_eq!(kept, [4, 5]);
    });
}

#[test]
fn distinct_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.distinct(Out::new())).await;
        assert_eq!(got, [0, 1]);
        assert_eq!(left, [3, 4, 5, 6, 7, 8, 9]);
        // Repeats are dropped without a put: the closed output is seen there too.
        let input = Chan::fixed(16).add([1]);
        let out = input.distinct(Out::fixed(1));
        settle().await;
        out.close();
        input.add([1, 1, 1]);
        settle().await;
        assert_eq!(drain_now(&input), [1, 1]);
    });
}

// ---------------------------------------------------------------------------------------------
// group / group_by
// ---------------------------------------------------------------------------------------------

#[test]
fn group_chunks_with_short_last() {
    run_virtual(async {
        let out = from_range(0..7).group(3, Out::new());
        assert_eq!(out.collect().await, [vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
        let exact = from_range(0..4).group(2, Out::new());
        assert_eq!(exact.collect().await, [vec![0, 1], vec![2, 3]]);
        let empty: Chan<i32> = Chan::new().close();
        assert_eq!(
            empty.group(2, Out::new()).collect().await,
            Vec::<Vec<i32>>::new()
        );
        let huge = from_range(0..3).group(usize::MAX, Out::new());
        assert_eq!(huge.collect().await, [vec![0, 1, 2]]);
        let kept = into_kept_open(|o| from_range(0..3).group(2, o)).await;
        assert_eq!(kept, [vec![0, 1], vec![2]]);
    });
}

#[test]
#[should_panic(expected = "Chan::group needs chunks of at least one value")]
fn group_of_zero_panics() {
    let _ = from_range(0..3).group(0, Out::new());
}

#[test]
fn group_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.group(2, Out::new())).await;
        assert_eq!(got, [vec![0, 1], vec![2, 3]]);
        // 4 started a chunk, and then the closed output was seen.
        assert_eq!(left, [5, 6, 7, 8, 9]);
        // While a chunk fills, nothing is put; the closed output is seen anyway.
        let input = Chan::fixed(16);
        let out = input.group(100, Out::new());
        settle().await;
        out.close();
        input.add([1, 2, 3]);
        settle().await;
        assert_eq!(drain_now(&input), [2, 3]);
    });
}

#[test]
fn group_by_runs_of_equal_keys() {
    run_virtual(async {
        let out = from_iter([1, 3, 2, 2, 5, 7, 4]).group_by(|v| v % 2, Out::new());
        assert_eq!(
            out.collect().await,
            [vec![1, 3], vec![2, 2], vec![5, 7], vec![4]]
        );
        let by_len = from_iter(["a", "b", "cc", "d"]).group_by(|s| s.len(), Out::new());
        assert_eq!(
            by_len.collect().await,
            [vec!["a", "b"], vec!["cc"], vec!["d"]]
        );
        let empty: Chan<i32> = Chan::new().close();
        let none = empty.group_by(|&v| v, Out::new());
        assert_eq!(none.collect().await, Vec::<Vec<i32>>::new());
        let kept = into_kept_open(|o| from_iter([1, 1, 2]).group_by(|&v| v, o)).await;
        assert_eq!(kept, [vec![1, 1], vec![2]]);
    });
}

#[test]
fn group_by_output_closed_stops_taking() {
    run_virtual(async {
        let (got, left) = close_output_after(2, |c| c.group_by(|v| v / 2, Out::new())).await;
        assert_eq!(got, [vec![0, 1], vec![2, 3]]);
        // 4 started a run, 5 joined it, and then the closed output was seen.
        assert_eq!(left, [6, 7, 8, 9]);
        let input = Chan::fixed(16).add([1]);
        let out = input.group_by(|_| 0, Out::new());
        settle().await;
        out.close();
        input.add([1, 1, 1]);
        settle().await;
        assert_eq!(drain_now(&input), [1, 1]);
    });
}

// ---------------------------------------------------------------------------------------------
// split
// ---------------------------------------------------------------------------------------------

#[test]
fn split_sends_each_value_one_way() {
    run_virtual(async {
        let (small, big) = from_range(0..8).split(|&v| v < 3, Out::fixed(8), Out::new());
        assert_eq!(big.collect().await, [3, 4, 5, 6, 7]);
        assert_eq!(small.collect().await, [0, 1, 2]);
        assert!(small.is_closed() && big.is_closed());
    });
}

#[test]
fn split_out_options() {
    run_virtual(async {
        let (yes_sink, no_sink) = (Chan::fixed(8), Chan::fixed(8));
        let (yes, no) = from_range(0..4).split(
            |v| v % 2 == 0,
            Out::to(&yes_sink).keep_open(),
            Out::to(&no_sink),
        );
        assert_eq!((&yes, &no), (&yes_sink, &no_sink));
        settle().await;
        assert!(!yes.is_closed());
        assert!(no.is_closed());
        assert_eq!(drain_now(&yes), [0, 2]);
        assert_eq!(drain_now(&no), [1, 3]);
    });
}

#[test]
fn split_closing_one_output_keeps_feeding_the_other() {
    run_virtual(async {
        let (yes, no) = from_range(0..10).split(|v| v % 2 == 0, Out::new(), Out::new());
        yes.close();
        assert_eq!(no.collect().await, [1, 3, 5, 7, 9]);
        assert!(no.is_closed());
    });
}

#[test]
fn split_released_by_closing_and_draining_an_output() {
    run_virtual(async {
        let (yes, no) = from_range(0..10).split(|v| v % 2 == 0, Out::new(), Out::new());
        let evens = go(async move {
            let got = yes.collect_n(2).await;
            settle().await;
            // The split now waits to put 4 here. A close leaves that put waiting (a closed channel
            // still drains waiting puts), so take what is left to release it.
            yes.close();
            (got, drain_now(&yes))
        });
        assert_eq!(no.collect().await, [1, 3, 5, 7, 9]);
        assert_eq!(evens.await, (vec![0, 2], vec![4]));
    });
}

#[test]
fn split_stops_taking_once_both_outputs_are_closed() {
    run_virtual(async {
        let input = open_input();
        let (yes, no) = input.split(|v| v % 2 == 0, Out::new(), Out::new());
        settle().await;
        // 0 waits to be put on `yes`: close it and release that put.
        yes.close();
        assert_eq!(yes.try_get(), Ok(0));
        settle().await;
        // `no` is still open: 1 was taken and waits to be put there.
        assert_eq!(input.try_get(), Ok(2));
        no.close();
        assert_eq!(no.try_get(), Ok(1));
        settle().await;
        // Both outputs are closed: nothing more is taken.
        assert_eq!(drain_now(&input), [3, 4, 5, 6, 7, 8, 9]);
        input.add([100]);
        settle().await;
        assert_eq!(input.try_get(), Ok(100));
        assert_eq!((yes.get().await, no.get().await), (None, None));
    });
}

// ---------------------------------------------------------------------------------------------
// async_apply
// ---------------------------------------------------------------------------------------------

/// A worker that puts every value twice until its output refuses one.
async fn twice(input: Chan<i32>, output: Chan<i32>) {
    while let Some(v) = input.get().await {
        if !output.put(v).await || !output.put(v).await {
            break;
        }
    }
}

#[test]
fn async_apply_runs_the_worker_and_finishes_the_output() {
    run_virtual(async {
        let out = from_range(0..3)
            .map(|v| v as i32, Out::new())
            .async_apply(twice, Out::new());
        assert_eq!(out.collect().await, [0, 0, 1, 1, 2, 2]);
        let kept = into_kept_open(|o| from_iter([7]).async_apply(twice, o)).await;
        assert_eq!(kept, [7, 7]);
        let closed = into_closed(|o| from_iter([7]).async_apply(twice, o)).await;
        assert_eq!(closed, [7, 7]);
    });
}

#[test]
fn async_apply_output_closed_stops_the_worker() {
    run_virtual(async {
        let (got, left) = close_output_after(3, |c| c.async_apply(twice, Out::new())).await;
        assert_eq!(got, [0, 0, 1]);
        assert_eq!(left, [2, 3, 4, 5, 6, 7, 8, 9]);
    });
}

#[test]
fn async_apply_finishes_when_the_worker_returns() {
    run_virtual(async {
        // The worker returns without looking at its input: the output is closed all the same.
        let input = open_input();
        let out = input.async_apply(
            |_input: Chan<i32>, output: Chan<&str>| async move {
                output.put("only").await;
            },
            Out::fixed(1),
        );
        assert_eq!(out.collect().await, ["only"]);
        assert_eq!(drain_now(&input), upto(10));
    });
}

// ---------------------------------------------------------------------------------------------
// chains
// ---------------------------------------------------------------------------------------------

#[test]
fn operators_chain_and_close_down_the_chain() {
    run_virtual(async {
        let out = from_range(0..)
            .map(|v| v * 3, Out::fixed(4))
            .filter(|v| v % 2 == 0, Out::new())
            .skip(1, Out::new())
            .take(4, Out::new())
            .group(2, Out::new());
        assert_eq!(out.collect().await, [vec![6, 12], vec![18, 24]]);
    });
}

#[test]
fn closing_the_end_of_a_chain_holds_up_the_stages_before_it() {
    run_virtual(async {
        let input = open_input();
        let mapped = input.map(|v| v + 1, Out::new());
        let out = mapped.filter(|_| true, Out::new());
        assert_eq!(out.collect_n(2).await, [1, 2]);
        out.close();
        settle().await;
        // The filter's put of 3 waits in the closed output (a closed channel still lets waiting
        // puts drain), so the filter takes no more, and the map waits to hand it 4: nothing past 3
        // leaves the input, and the channel between them stays open (as in core.async, a close
        // does not travel upstream by itself).
        assert!(!mapped.is_closed());
        assert_eq!(drain_now(&input), [4, 5, 6, 7, 8, 9]);
        // The waiting put drains to a get; the filter's next put is then refused and it stops.
        assert_eq!(out.get().await, Some(3));
        assert_eq!(out.get().await, None);
    });
}
