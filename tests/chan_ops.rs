//! `try_*`, callbacks, `add`, iterator channels, stats, readiness, timer channels and names.

use std::cell::Cell;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Bound;
use std::rc::Rc;

use aiochan::{
    from_iter, from_range, from_range_step, go, nop, now, sleep, tick_tock, tick_tock_at, timeout,
    Chan, ChanState, ChanStats, TryGetError, TryPutError,
};

mod common;
use common::{log, ms, push, run_seeded};

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(5, future)
}

/// Takes every value of a channel until it is closed and drained.
async fn collect<T: 'static>(c: &Chan<T>) -> Vec<T> {
    let mut got = Vec::new();
    while let Some(v) = c.get().await {
        got.push(v);
    }
    got
}

fn stats(state: ChanState, buffered: u64, queued: u64, immediate: u64) -> ChanStats {
    ChanStats {
        state,
        buffered,
        queued,
        immediate,
    }
}

// ---------------------------------------------------------------------------------------------
// try_put / try_get
// ---------------------------------------------------------------------------------------------

#[test]
fn try_put_accepts_then_hands_the_value_back_when_full_or_closed() {
    let c = Chan::fixed(1);
    assert_eq!(c.try_put("a".to_string()), Ok(()));
    let full = c.try_put("b".to_string()).unwrap_err();
    assert!(!full.is_closed());
    assert_eq!(full.to_string(), "putting on a full channel");
    assert_eq!(full.into_inner(), "b", "the refused value comes back");
    c.close();
    let closed = c.try_put("c".to_string()).unwrap_err();
    assert!(closed.is_closed());
    assert_eq!(closed.to_string(), "putting on a closed channel");
    assert_eq!(closed, TryPutError::Closed("c".to_string()));
    assert_eq!(c.try_get(), Ok("a".to_string()));
}

#[test]
fn try_put_on_a_rendezvous_channel_succeeds_only_with_a_waiting_get() {
    let c = Chan::new();
    assert_eq!(c.try_put(1), Err(TryPutError::Full(1)));
    let got = Rc::new(Cell::new(None));
    let seen = got.clone();
    c.get_then(move |v| seen.set(v));
    assert_eq!(c.try_put(2), Ok(()));
    assert_eq!(got.get(), Some(2));
    assert_eq!(c.try_put(3), Err(TryPutError::Full(3)));
}

#[test]
fn try_get_gives_a_value_or_says_empty_or_closed() {
    let c = Chan::fixed(2);
    assert_eq!(c.try_get(), Err(TryGetError::Empty));
    assert_eq!(
        TryGetError::Empty.to_string(),
        "getting from an empty channel"
    );
    c.add([1, 2]);
    assert_eq!(c.try_get(), Ok(1));
    c.close();
    assert_eq!(
        c.try_get(),
        Ok(2),
        "a closed channel still gives its values"
    );
    assert_eq!(c.try_get(), Err(TryGetError::Closed));
    assert_eq!(
        TryGetError::Closed.to_string(),
        "getting from a closed and drained channel"
    );
}

#[test]
fn try_get_takes_from_a_waiting_put_and_completes_it() {
    let c = Chan::new();
    let accepted = Rc::new(Cell::new(None));
    let seen = accepted.clone();
    c.put_then(7, move |ok| seen.set(Some(ok)));
    assert_eq!(accepted.get(), None);
    assert_eq!(c.try_get(), Ok(7));
    assert_eq!(accepted.get(), Some(true));
    assert_eq!(c.try_get(), Err(TryGetError::Empty));
}

// ---------------------------------------------------------------------------------------------
// put_then / get_then
// ---------------------------------------------------------------------------------------------

#[test]
fn callbacks_run_synchronously_when_the_operation_completes_at_once() {
    run_virtual(async {
        let log = log();
        let c = Chan::fixed(1);
        c.put_then(1, {
            let log = log.clone();
            move |ok| push(&log, format!("put {ok}"))
        });
        push(&log, "after put_then");
        c.get_then({
            let log = log.clone();
            move |v| push(&log, format!("get {v:?}"))
        });
        push(&log, "after get_then");
        c.close();
        c.put_then(2, {
            let log = log.clone();
            move |ok| push(&log, format!("put {ok}"))
        });
        c.get_then({
            let log = log.clone();
            move |v| push(&log, format!("get {v:?}"))
        });
        push(&log, "end");
        assert_eq!(
            *log.borrow(),
            [
                "put true",
                "after put_then",
                "get Some(1)",
                "after get_then",
                "put false",
                "get None",
                "end"
            ]
        );
    });
}

#[test]
fn a_waiting_get_callback_runs_in_a_later_turn_behind_tasks_already_ready() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let c = Chan::new();
            c.get_then({
                let log = log.clone();
                move |v| push(&log, format!("callback {v:?}"))
            });
            let other = go({
                let log = log.clone();
                async move { push(&log, "task spawned before the put") }
            });
            assert!(
                c.put(5).await,
                "the waiting callback takes the value at once"
            );
            push(&log, "put completed");
            nop().await;
            push(&log, "main after one turn");
            other.await;
        }
    });
    assert_eq!(
        *log.borrow(),
        [
            "put completed",
            "task spawned before the put",
            "callback Some(5)",
            "main after one turn"
        ]
    );
}

#[test]
fn a_waiting_put_callback_runs_in_a_later_turn_after_its_value_is_taken() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let c = Chan::fixed(1);
            c.add(["full"]);
            c.put_then("waits", {
                let log = log.clone();
                move |ok| push(&log, format!("callback {ok}"))
            });
            nop().await;
            push(&log, "still waiting");
            let first = c.get().await;
            push(&log, format!("got {first:?}"));
            nop().await;
            push(&log, "main after one turn");
            assert_eq!(c.get().await, Some("waits"));
        }
    });
    assert_eq!(
        *log.borrow(),
        [
            "still waiting",
            "got Some(\"full\")",
            "callback true",
            "main after one turn"
        ]
    );
}

#[test]
fn callbacks_of_waiting_operations_run_in_completion_order() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let c = Chan::new();
            for name in ["a", "b", "c"] {
                let log = log.clone();
                c.get_then(move |v| push(&log, format!("{name} {v:?}")));
            }
            c.add([1, 2]);
            c.close();
            nop().await;
        }
    });
    assert_eq!(*log.borrow(), ["a Some(1)", "b Some(2)", "c None"]);
}

// ---------------------------------------------------------------------------------------------
// add
// ---------------------------------------------------------------------------------------------

#[test]
fn add_chains_into_a_ready_made_channel() {
    run_virtual(async {
        let lock = Chan::fixed(1).add([true]).close();
        assert_eq!(lock.get().await, Some(true));
        assert_eq!(lock.get().await, None);
    });
}

#[test]
fn add_returns_the_same_channel_and_keeps_values_in_order_as_waiting_puts() {
    run_virtual(async {
        let c = Chan::new();
        let same = c.add([1, 2]).add([3]);
        assert!(same == c);
        assert_eq!(c.stats().state, ChanState::PendingPuts);
        assert!(format!("{c:?}").contains("pending_puts: 3"));
        c.close();
        assert_eq!(collect(&c).await, [1, 2, 3]);
    });
}

#[test]
fn add_to_a_closed_channel_drops_the_values() {
    let c = Chan::unbounded().close();
    c.add([1, 2]);
    assert_eq!(c.try_get(), Err(TryGetError::Closed));
}

// ---------------------------------------------------------------------------------------------
// from_iter / from_range
// ---------------------------------------------------------------------------------------------

#[test]
fn from_iter_yields_the_items_then_none_and_is_closed_from_the_start() {
    run_virtual(async {
        let c = from_iter(vec!["x", "y"]);
        assert!(c.is_closed());
        assert!(!c.put("z").await, "puts are refused");
        assert_eq!(collect(&c).await, ["x", "y"]);
        c.join().await;
        assert_eq!(collect(&from_iter(Vec::<u8>::new())).await, []);
    });
}

#[test]
fn from_iter_draws_lazily_so_an_unbounded_iterator_is_fine() {
    run_virtual(async {
        let drawn = Rc::new(Cell::new(0));
        let counter = drawn.clone();
        let c = from_iter((0u64..).map(move |i| {
            counter.set(counter.get() + 1);
            i * i
        }));
        assert!(
            drawn.get() <= 1,
            "nothing is drawn ahead of the gets but one"
        );
        let mut got = Vec::new();
        for _ in 0..5 {
            got.push(c.get().await.unwrap());
        }
        assert_eq!(got, [0, 1, 4, 9, 16]);
        assert_eq!(drawn.get(), 6, "one item ahead of the five taken");
        assert!(c.is_get_ready());
    });
}

#[test]
fn from_range_counts_up_by_one_over_any_range() {
    run_virtual(async {
        assert_eq!(collect(&from_range(0..3)).await, [0, 1, 2]);
        assert_eq!(collect(&from_range(5..=7)).await, [5, 6, 7]);
        assert_eq!(collect(&from_range(-2..0)).await, [-2, -1]);
        assert_eq!(collect(&from_range(4..4)).await, []);
        assert_eq!(collect(&from_range(..2)).await, [0, 1]);
        assert_eq!(
            collect(&from_range((Bound::Excluded(1), Bound::Included(3)))).await,
            [2, 3]
        );
        let endless = from_range(10..);
        let mut got = Vec::new();
        for _ in 0..3 {
            got.push(endless.get().await.unwrap());
        }
        assert_eq!(got, [10, 11, 12]);
    });
}

#[test]
fn from_range_excluding_the_largest_start_is_empty() {
    let c = from_range((Bound::Excluded(i64::MAX), Bound::Included(i64::MAX)));
    assert_eq!(
        c.try_get(),
        Err(TryGetError::Closed),
        "the range holds no integer"
    );
}

// ---------------------------------------------------------------------------------------------
// stats
// ---------------------------------------------------------------------------------------------

#[test]
fn stats_say_which_side_waits_and_how_values_were_delivered() {
    run_virtual(async {
        let c = Chan::fixed(1);
        assert_eq!(c.stats(), stats(ChanState::Fluent, 0, 0, 0));
        c.get_then(|_| {});
        assert_eq!(c.stats(), stats(ChanState::PendingGets, 0, 0, 0));
        c.put(1).await; // to the waiting get
        assert_eq!(c.stats(), stats(ChanState::Fluent, 0, 1, 0));
        c.put(2).await; // into the buffer
        c.add([3]); // waits
        assert_eq!(c.stats(), stats(ChanState::PendingPuts, 0, 1, 0));
        assert_eq!(c.get().await, Some(2)); // from the buffer, which 3 then refills
        assert_eq!(c.stats(), stats(ChanState::Fluent, 1, 1, 0));
        assert_eq!(c.get().await, Some(3));
        assert_eq!(c.stats(), stats(ChanState::Fluent, 2, 1, 0));

        let r = Chan::new();
        r.add([4]);
        assert_eq!(r.get().await, Some(4)); // straight from the waiting put
        assert_eq!(r.stats(), stats(ChanState::Fluent, 0, 0, 1));
    });
}

#[test]
fn stats_ignore_refused_and_try_operations_that_deliver_nothing() {
    let c = Chan::<u8>::new();
    let _ = c.try_put(1);
    let _ = c.try_get();
    c.close();
    let _ = c.try_put(2);
    assert_eq!(c.stats(), stats(ChanState::Fluent, 0, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// Readiness
// ---------------------------------------------------------------------------------------------

#[test]
fn readiness_of_a_rendezvous_channel_follows_the_other_side() {
    let c = Chan::new();
    assert!(!c.is_put_ready() && !c.is_get_ready());
    c.get_then(|_| {});
    assert!(c.is_put_ready() && !c.is_get_ready());
    c.add([1]); // taken by the waiting get
    assert!(!c.is_put_ready() && !c.is_get_ready());
    c.add([2]); // waits
    assert!(!c.is_put_ready() && c.is_get_ready());
}

#[test]
fn readiness_of_a_fixed_channel_follows_its_buffer() {
    let c = Chan::fixed(1);
    assert!(c.is_put_ready() && !c.is_get_ready());
    c.add([1]);
    assert!(!c.is_put_ready() && c.is_get_ready());
    assert_eq!(c.try_get(), Ok(1));
    assert!(c.is_put_ready() && !c.is_get_ready());
}

#[test]
fn a_closed_channel_is_ready_both_ways() {
    let c = Chan::<u8>::new().close();
    assert!(c.is_put_ready(), "a put would complete at once, with false");
    assert!(c.is_get_ready(), "a get would complete at once, with None");
}

// ---------------------------------------------------------------------------------------------
// timeout / tick_tock
// ---------------------------------------------------------------------------------------------

#[test]
fn timeout_closes_its_channel_after_the_duration_and_not_before() {
    run_virtual(async {
        let start = now();
        let t = timeout::<u8>(ms(50));
        sleep(ms(49)).await;
        assert!(!t.is_closed());
        assert_eq!(t.get().await, None);
        assert!(t.is_closed());
        assert_eq!(now() - start, ms(50));
    });
}

#[test]
fn tick_tock_ticks_every_interval_counting_from_one() {
    run_virtual(async {
        let start = now();
        let ticks = tick_tock(ms(10));
        for n in 1..=10u64 {
            let (count, at) = ticks.get().await.expect("a tick");
            assert_eq!(count, n);
            assert_eq!(at - start, ms(10 * n));
            assert_eq!(now() - start, ms(10 * n), "the tick was received when put");
        }
        ticks.close();
        assert_eq!(ticks.get().await, None, "closing stops the ticks");
        sleep(ms(100)).await;
        assert_eq!(ticks.get().await, None);
    });
}

#[test]
fn tick_tock_waits_for_a_slow_consumer_without_losing_count() {
    run_virtual(async {
        let start = now();
        let ticks = tick_tock(ms(10));
        assert_eq!(ticks.get().await.map(|t| t.0), Some(1));
        sleep(ms(35)).await;
        let (count, at) = ticks.get().await.expect("a tick");
        assert_eq!(count, 2, "no tick is skipped");
        assert_eq!(
            at - start,
            ms(20),
            "the tick carries the instant it was put"
        );
        ticks.close();
    });
}

// ---------------------------------------------------------------------------------------------
// Names, identity
// ---------------------------------------------------------------------------------------------

#[test]
fn a_channel_has_the_name_it_is_given() {
    let c = Chan::<u8>::new();
    assert_eq!(c.name(), None);
    let c = c.named("jobs");
    assert_eq!(c.name().as_deref(), Some("jobs"));
    assert_eq!(
        c.clone().name().as_deref(),
        Some("jobs"),
        "clones share the name"
    );
    assert!(format!("{c:?}").contains("channel 'jobs'"));
}

#[test]
fn clones_are_the_same_channel_and_others_are_not() {
    let a = Chan::<u8>::new();
    let b = Chan::<u8>::new();
    assert!(a == a.clone());
    assert!(a != b);
    let hash = |c: &Chan<u8>| {
        let mut h = DefaultHasher::new();
        c.hash(&mut h);
        h.finish()
    };
    assert_eq!(hash(&a), hash(&a.clone()));
    assert_ne!(hash(&a), hash(&b));
}

#[test]
fn default_is_a_rendezvous_channel() {
    let c = Chan::<u8>::default();
    assert!(format!("{c:?}").contains("none (rendezvous)"));
}

// ---------------------------------------------------------------------------------------------
// len / capacity, from_range_step, tick_tock_at
// ---------------------------------------------------------------------------------------------

#[test]
fn len_counts_buffered_values_and_capacity_says_each_kind_of_buffer() {
    run_virtual(async {
        let rendezvous = Chan::new();
        assert_eq!((rendezvous.len(), rendezvous.capacity()), (0, Some(0)));
        rendezvous.add([1]);
        assert_eq!(rendezvous.len(), 0, "a waiting put is not in the buffer");

        let fixed = Chan::fixed(2).add([1, 2, 3]);
        assert_eq!((fixed.len(), fixed.capacity()), (2, Some(2)));
        assert!(!fixed.is_empty());
        assert_eq!(fixed.get().await, Some(1));
        assert_eq!(fixed.len(), 2, "the waiting put refilled the buffer");

        assert_eq!(Chan::dropping(3).add([1, 2, 3, 4]).len(), 3);
        assert_eq!(Chan::sliding(3).add([1, 2, 3, 4]).capacity(), Some(3));
        let unbounded = Chan::unbounded().add(0..100);
        assert_eq!((unbounded.len(), unbounded.capacity()), (100, None));
        let promise = Chan::promise().add([7, 8]);
        assert_eq!((promise.len(), promise.capacity()), (1, Some(1)));
    });
}

#[test]
fn len_counts_a_value_given_back_by_a_dropped_get() {
    run_virtual(async {
        let c = Chan::new();
        let getter = go({
            let c = c.clone();
            async move {
                // Dropped once the value is committed to it but before it collects it.
                let get = c.get();
                futures_poll_once(get).await
            }
        });
        nop().await;
        c.add([5]);
        getter.await;
        assert_eq!(c.len(), 1);
        assert_eq!(c.try_get(), Ok(5));
        assert!(c.is_empty());
    });
}

/// Polls `future` once and drops it.
async fn futures_poll_once<F: Future>(future: F) {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let _ = future.as_mut().poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
    nop().await;
}

#[test]
fn from_range_step_counts_any_integer_type_up_or_down() {
    run_virtual(async {
        assert_eq!(collect(&from_range_step(0u8..10, 3)).await, [0, 3, 6, 9]);
        assert_eq!(collect(&from_range_step(0u8..=9, 3)).await, [0, 3, 6, 9]);
        assert_eq!(collect(&from_range_step(0i16..10, -4)).await, [9, 5, 1]);
        assert_eq!(collect(&from_range_step(-3i64..=3, -3)).await, [3, 0, -3]);
        assert_eq!(collect(&from_range_step(5usize..5, 1)).await, []);
        assert_eq!(collect(&from_range_step(5usize..5, usize::MAX)).await, []);
        assert_eq!(collect(&from_range_step(..7u32, 2)).await, [0, 2, 4, 6]);
        assert_eq!(
            collect(&from_range_step(
                (Bound::Excluded(0i8), Bound::Included(6)),
                2
            ))
            .await,
            [1, 3, 5]
        );
        assert_eq!(collect(&from_range_step(..i8::MIN, -1)).await, []);
        assert_eq!(
            collect(&from_range_step(250u8.., 2)).await,
            [250, 252, 254],
            "an unbounded end is the type's largest value"
        );
        assert_eq!(
            collect(&from_range_step(i128::MAX - 1.., 1)).await,
            [i128::MAX - 1, i128::MAX]
        );
        let counted = from_range_step(-7i8..=7, -5);
        assert_eq!(counted.len(), 3, "7, 2 and -3");
        assert_eq!(from_range(0..10).len(), 10);
        assert_eq!(from_range_step(0u128.., 1).len(), usize::MAX);
        let from_the_top = from_range_step(-2i32.., -1);
        assert_eq!(from_the_top.get().await, Some(i32::MAX));
        assert_eq!(from_the_top.get().await, Some(i32::MAX - 1));
        assert_eq!(
            collect(&from_range_step(i32::MIN..=i32::MIN + 1, -1)).await,
            [i32::MIN + 1, i32::MIN],
            "counting down stops before the type overflows"
        );
        assert_eq!(collect(&from_range(i64::MAX..)).await, [i64::MAX]);
    });
}

#[test]
#[should_panic(expected = "a step of 0")]
fn from_range_step_refuses_a_step_of_zero() {
    let _ = from_range_step(0..3, 0);
}

#[test]
fn tick_tock_at_gives_its_first_tick_at_the_start() {
    run_virtual(async {
        let begin = now();
        let ticks = tick_tock_at(begin + ms(25), ms(10));
        for n in 1..=3u64 {
            let (count, at) = ticks.get().await.expect("a tick");
            assert_eq!(count, n);
            assert_eq!(at - begin, ms(25 + 10 * (n - 1)));
        }
        ticks.close();
    });
}

#[test]
fn tick_tock_at_a_past_start_ticks_at_once_then_catches_up_one_per_get() {
    run_virtual(async {
        sleep(ms(100)).await;
        let begin = now();
        let ticks = tick_tock_at(begin - ms(35), ms(10));
        // Ticks due at -35, -25, -15 and -5 ms have passed: they come at once, one per get.
        let mut counts = Vec::new();
        for _ in 0..4 {
            let (count, at) = ticks.get().await.expect("a tick");
            assert_eq!(at, begin, "a tick whose time has passed comes at once");
            counts.push(count);
        }
        assert_eq!(counts, [1, 2, 3, 4]);
        let (count, at) = ticks.get().await.expect("a tick");
        assert_eq!((count, at - begin), (5, ms(5)));
        ticks.close();
    });
}
