//! The fan-in operators `merge`, `zip_chans` and `combine_latest`: their results, and closing in
//! both directions (inputs ending close the output; a closed output stops the taking).

use std::future::Future;
use std::time::Duration;

use aiochan::ops::{combine_latest, merge, zip_chans, Out};
use aiochan::{from_iter, go, nop, sleep, Chan};

mod common;
use common::run_seeded;

/// Runs `future` under virtual time with a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(7, future)
}

/// Lets every task that can run do so for a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

/// Every value until the channel is closed and drained.
async fn drain<T: 'static>(chan: &Chan<T>) -> Vec<T> {
    let mut got = Vec::new();
    while let Some(v) = chan.get().await {
        got.push(v);
    }
    got
}

/// The values a channel holds now, taken without waiting.
fn leftovers<T: 'static>(chan: &Chan<T>) -> Vec<T> {
    std::iter::from_fn(|| chan.try_get().ok()).collect()
}

/// Puts each value after sleeping its delay in milliseconds, then closes the channel.
async fn paced<T: 'static>(chan: Chan<T>, items: Vec<(u64, T)>) {
    for (delay, value) in items {
        sleep(Duration::from_millis(delay)).await;
        chan.put(value).await;
    }
    chan.close();
}

#[test]
fn merge_passes_values_in_the_order_they_come() {
    let got = run_virtual(async {
        let (a, b) = (Chan::new(), Chan::new());
        let merged = merge([a.clone(), b.clone()], Out::new());
        go(paced(a, vec![(10, "a1"), (20, "a2")]));
        go(paced(b, vec![(20, "b1"), (20, "b2")]));
        drain(&merged).await
    });
    assert_eq!(got, ["a1", "b1", "a2", "b2"]);
}

#[test]
fn merge_delivers_every_value_once_keeping_each_inputs_order() {
    let got = run_virtual(async {
        let inputs: Vec<Chan<(usize, u32)>> = (0..5).map(|_| Chan::new()).collect();
        let merged = merge(inputs.clone(), Out::fixed(3));
        for (n, input) in inputs.into_iter().enumerate() {
            go(async move {
                for i in 0..100 {
                    input.put((n, i)).await;
                    if i as usize % (n + 2) == 0 {
                        nop().await;
                    }
                }
                input.close();
            });
        }
        drain(&merged).await
    });
    assert_eq!(got.len(), 500);
    for n in 0..5 {
        let of_n: Vec<u32> = got.iter().filter(|v| v.0 == n).map(|v| v.1).collect();
        assert_eq!(of_n, (0..100).collect::<Vec<_>>(), "input {n}");
    }
}

#[test]
fn merge_closes_the_output_only_after_every_input_is_closed_and_drained() {
    run_virtual(async {
        let a = Chan::fixed(2).add([1, 2]).close();
        let b = Chan::new();
        let merged = merge([a, b.clone()], Out::fixed(4));
        settle().await;
        assert!(!merged.is_closed());
        assert_eq!(leftovers(&merged), [1, 2]);
        b.close();
        assert_eq!(merged.get().await, None);
        assert!(merged.is_closed());
    });
}

#[test]
fn merge_keep_open_leaves_the_output_open() {
    run_virtual(async {
        let shared = Chan::fixed(4);
        merge(
            [from_iter([1, 2]), from_iter([3])],
            Out::to(&shared).keep_open(),
        );
        settle().await;
        assert!(!shared.is_closed());
        let mut got = leftovers(&shared);
        got.sort();
        assert_eq!(got, [1, 2, 3]);
    });
}

#[test]
fn merge_of_no_inputs_closes_at_once() {
    run_virtual(async {
        let merged = merge(Vec::<Chan<u8>>::new(), Out::new());
        assert_eq!(merged.get().await, None);
    });
}

#[test]
fn merge_takes_a_repeated_input_as_one() {
    let got = run_virtual(async {
        let a = Chan::fixed(3).add([1, 2, 3]).close();
        drain(&merge([a.clone(), a], Out::new())).await
    });
    assert_eq!(got, [1, 2, 3]);
}

#[test]
fn merge_stops_taking_when_the_output_is_closed() {
    run_virtual(async {
        let a = Chan::fixed(5).add([1, 2, 3, 4, 5]);
        let b = Chan::fixed(5).add([6, 7, 8, 9, 10]);
        let out = Chan::new();
        merge([a.clone(), b.clone()], Out::to(&out));
        let first = out.get().await.expect("a value");
        out.close();
        settle().await;
        // The put of the second value was waiting: it still drains from the closed output.
        let second = out.try_get().expect("the waiting put");
        settle().await;
        assert_eq!(out.try_get().ok(), None);
        let mut left = leftovers(&a);
        left.extend(leftovers(&b));
        assert_eq!(left.len(), 8);
        assert!(!left.contains(&first) && !left.contains(&second));
    });
}

#[test]
fn merge_into_a_closed_output_takes_nothing() {
    run_virtual(async {
        let a = Chan::fixed(3).add([1, 2, 3]);
        merge([a.clone()], Out::to(&Chan::new().close()));
        settle().await;
        assert_eq!(leftovers(&a), [1, 2, 3]);
    });
}

#[test]
fn zip_reads_in_lockstep_leaving_gaps_until_every_input_ends() {
    run_virtual(async {
        let a = Chan::fixed(3).add([1, 2, 3]);
        let b = Chan::new();
        let zipped = zip_chans([a.clone(), b.clone()], Out::new());
        settle().await;
        // Waiting on `b`, the zip has taken one value from `a` and no more.
        assert!(zipped.try_get().is_err());
        assert_eq!(a.stats().buffered, 1);
        b.put(10).await;
        assert_eq!(zipped.get().await, Some(vec![Some(1), Some(10)]));
        b.close();
        assert_eq!(zipped.get().await, Some(vec![Some(2), None]));
        assert_eq!(zipped.get().await, Some(vec![Some(3), None]));
        settle().await;
        assert!(!zipped.is_closed(), "`a` has not finished");
        a.close();
        assert_eq!(zipped.get().await, None);
    });
}

#[test]
fn zip_stops_taking_when_the_output_is_closed() {
    run_virtual(async {
        let a = Chan::fixed(5).add([1, 2, 3, 4, 5]);
        let b = Chan::fixed(5).add([1, 2, 3, 4, 5]);
        let out = Chan::new();
        zip_chans([a.clone(), b.clone()], Out::to(&out));
        assert_eq!(out.get().await, Some(vec![Some(1), Some(1)]));
        out.close();
        settle().await;
        assert_eq!(
            out.try_get().ok(),
            Some(vec![Some(2), Some(2)]),
            "the waiting put"
        );
        settle().await;
        assert_eq!(leftovers(&a), [3, 4, 5]);
        assert_eq!(leftovers(&b), [3, 4, 5]);
    });
}

#[test]
fn zip_drops_the_row_being_assembled_when_the_output_closes() {
    run_virtual(async {
        let a = Chan::fixed(2).add([1, 2]);
        let b = Chan::new();
        let out = Chan::new();
        zip_chans([a.clone(), b.clone()], Out::to(&out));
        settle().await;
        out.close();
        b.put(10).await;
        settle().await;
        assert_eq!(out.try_get().ok(), None);
        assert_eq!(leftovers(&a), [2]);
        assert!(!b.is_put_ready(), "nothing takes from `b` any more");
    });
}

#[test]
fn zip_keep_open_leaves_the_output_open() {
    run_virtual(async {
        let out = Chan::fixed(4);
        zip_chans([from_iter([1]), from_iter([2])], Out::to(&out).keep_open());
        settle().await;
        assert_eq!(leftovers(&out), [vec![Some(1), Some(2)]]);
        assert!(!out.is_closed());
    });
}

#[test]
fn zip_of_no_inputs_closes_at_once() {
    run_virtual(async {
        let zipped = zip_chans(Vec::<Chan<u8>>::new(), Out::new());
        assert_eq!(zipped.get().await, None);
    });
}

#[test]
fn combine_latest_emits_every_inputs_latest_value_each_time_one_yields() {
    let got = run_virtual(async {
        let (a, b) = (Chan::new(), Chan::new());
        let latest = combine_latest([a.clone(), b.clone()], Out::new());
        go(paced(a, vec![(10, 1), (20, 2)]));
        go(paced(b, vec![(20, 10), (30, 20)]));
        drain(&latest).await
    });
    assert_eq!(
        got,
        [
            vec![Some(1), None],
            vec![Some(1), Some(10)],
            vec![Some(2), Some(10)],
            // `a` has finished and keeps its last value.
            vec![Some(2), Some(20)],
        ]
    );
}

#[test]
fn combine_latest_fills_every_column_of_a_repeated_input() {
    run_virtual(async {
        let (a, b) = (Chan::new(), Chan::new());
        let latest = combine_latest([a.clone(), b.clone(), a.clone()], Out::fixed(2));
        a.put(1).await;
        assert_eq!(latest.get().await, Some(vec![Some(1), None, Some(1)]));
        b.put(2).await;
        assert_eq!(latest.get().await, Some(vec![Some(1), Some(2), Some(1)]));
        a.close();
        b.close();
        assert_eq!(latest.get().await, None);
    });
}

#[test]
fn combine_latest_stops_taking_when_the_output_is_closed() {
    run_virtual(async {
        let a = Chan::fixed(5).add([1, 2, 3, 4, 5]);
        let out = Chan::new();
        combine_latest([a.clone()], Out::to(&out));
        assert_eq!(out.get().await, Some(vec![Some(1)]));
        out.close();
        settle().await;
        assert_eq!(out.try_get().ok(), Some(vec![Some(2)]), "the waiting put");
        settle().await;
        assert_eq!(leftovers(&a), [3, 4, 5]);
    });
}

#[test]
fn combine_latest_keep_open_leaves_the_output_open() {
    run_virtual(async {
        let out = Chan::fixed(4);
        combine_latest([from_iter(['x'])], Out::to(&out).keep_open());
        settle().await;
        assert_eq!(leftovers(&out), [vec![Some('x')]]);
        assert!(!out.is_closed());
    });
}

#[test]
fn combine_latest_of_no_inputs_closes_at_once() {
    run_virtual(async {
        let latest = combine_latest(Vec::<Chan<u8>>::new(), Out::new());
        assert_eq!(latest.get().await, None);
    });
}
