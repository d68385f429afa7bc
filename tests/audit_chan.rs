//! Regression tests for the channel layer's audit: withdrawn joins, values whose `Drop` uses their
//! own channel, and a `select!` whose future arm completes one of its own channel arms.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use aiochan::{go, nop, select, Buffer, Chan, Op, TryGetError};

mod common;
use common::{log, push, run_seeded, Log};

/// A waker that counts how often it was woken.
#[derive(Default)]
struct CountingWake(AtomicUsize);

impl CountingWake {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counting waker: each one is a different waker.
fn counting_waker() -> (Arc<CountingWake>, Waker) {
    let count = Arc::new(CountingWake::default());
    (count.clone(), Waker::from(count))
}

/// Polls `future` once with `waker`.
fn poll_once<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    std::pin::Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// How many joins the channel's `Debug` says are waiting on it.
fn pending_joins<T: 'static>(c: &Chan<T>) -> usize {
    let debug = format!("{c:?}");
    let (_, rest) = debug
        .split_once("pending_joins: ")
        .unwrap_or_else(|| panic!("no pending_joins in {debug}"));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a count")
}

// ---------------------------------------------------------------------------------------------
// Joins withdraw when dropped
// ---------------------------------------------------------------------------------------------

#[test]
fn dropped_joins_of_short_tasks_leave_no_waiter_in_a_long_lived_channel() {
    for seed in 0..3 {
        run_seeded(seed, async {
            let long_lived: Chan<u32> = Chan::new().named("long-lived");
            let tasks: Vec<_> = (0..200)
                .map(|i| {
                    let long_lived = long_lived.clone();
                    go(async move {
                        let ready = Chan::fixed(1).add([i]);
                        // The join is polled first, waits, and loses to the ready get.
                        select! {
                            biased;
                            _ = long_lived.join() => None,
                            v = get(ready) => v,
                        }
                    })
                })
                .collect();
            for (i, task) in tasks.into_iter().enumerate() {
                assert_eq!(task.await, Some(i as u32));
            }
            assert_eq!(pending_joins(&long_lived), 0, "{long_lived:?}");
            // The channel still serves joins that stay.
            let stays = go({
                let long_lived = long_lived.clone();
                async move { long_lived.join().await }
            });
            aiochan::nop().await;
            assert_eq!(pending_joins(&long_lived), 1);
            long_lived.close();
            stays.await;
            assert_eq!(pending_joins(&long_lived), 0);
        });
    }
}

#[test]
fn join_polled_by_several_wakers_waits_once_and_wakes_only_the_latest() {
    let c: Chan<u8> = Chan::new();
    let mut join = c.join();
    let wakers: Vec<_> = (0..3).map(|_| counting_waker()).collect();
    for (_, waker) in &wakers {
        assert_eq!(poll_once(&mut join, waker), Poll::Pending);
    }
    assert_eq!(pending_joins(&c), 1);
    c.close();
    let woken: Vec<usize> = wakers.iter().map(|(count, _)| count.wakes()).collect();
    assert_eq!(woken, [0, 0, 1]);
    assert_eq!(poll_once(&mut join, &wakers[2].1), Poll::Ready(()));
    assert_eq!(pending_joins(&c), 0);
}

#[test]
fn join_dropped_before_another_leaves_that_one_waiting() {
    let c: Chan<u8> = Chan::fixed(1).add([1]);
    let (first_count, first) = counting_waker();
    let (second_count, second) = counting_waker();
    let mut withdrawn = c.join();
    assert_eq!(poll_once(&mut withdrawn, &first), Poll::Pending);
    drop(withdrawn);
    assert_eq!(pending_joins(&c), 0);
    let mut stays = c.join();
    assert_eq!(poll_once(&mut stays, &second), Poll::Pending);
    c.close();
    assert_eq!(second_count.wakes(), 0, "the channel still holds a value");
    assert_eq!(c.try_get(), Ok(1));
    assert_eq!((first_count.wakes(), second_count.wakes()), (0, 1));
    assert_eq!(poll_once(&mut stays, &second), Poll::Ready(()));
}

#[test]
fn join_woken_then_dropped_unpolled_leaves_no_waiter() {
    let c: Chan<u8> = Chan::new();
    let (count, waker) = counting_waker();
    let mut join = c.join();
    assert_eq!(poll_once(&mut join, &waker), Poll::Pending);
    c.close();
    assert_eq!(count.wakes(), 1);
    drop(join);
    assert_eq!(pending_joins(&c), 0);
    let mut again = c.join();
    assert_eq!(poll_once(&mut again, &waker), Poll::Ready(()));
    assert_eq!(pending_joins(&c), 0);
}

// ---------------------------------------------------------------------------------------------
// Values whose Drop uses their own channel
// ---------------------------------------------------------------------------------------------

/// A value that runs `on_drop` when it is dropped, where it may use the channel it was put on. Its
/// clones (a promise channel hands out clones) do nothing when dropped.
struct UsesChannel {
    /// Which value it is.
    id: u32,
    /// What its drop does; `None` for a quiet value.
    on_drop: Option<Box<dyn FnOnce()>>,
}

impl Clone for UsesChannel {
    fn clone(&self) -> UsesChannel {
        quiet(self.id)
    }
}

impl Drop for UsesChannel {
    fn drop(&mut self) {
        if let Some(on_drop) = self.on_drop.take() {
            on_drop();
        }
    }
}

/// A value whose drop does nothing.
fn quiet(id: u32) -> UsesChannel {
    UsesChannel { id, on_drop: None }
}

/// A value whose drop uses `c`: it logs whether `c` is closed and what a `try_get` gives, then
/// puts the quiet value `id + 100` back and logs how that went.
fn uses_channel(id: u32, c: &Chan<UsesChannel>, log: &Log) -> UsesChannel {
    let (c, log) = (c.clone(), log.clone());
    UsesChannel {
        id,
        on_drop: Some(Box::new(move || {
            let closed = c.is_closed();
            let got = c.try_get().map(|v| v.id);
            let put = c.try_put(quiet(id + 100)).is_ok();
            push(
                &log,
                format!("{id} dropped: closed {closed}, got {got:?}, put back {put}"),
            );
        })),
    }
}

/// The ids of the values left in `c`, which it closes.
fn drain_ids(c: &Chan<UsesChannel>) -> Vec<u32> {
    c.close();
    let mut ids = Vec::new();
    loop {
        match c.try_get() {
            Ok(v) => ids.push(v.id),
            Err(TryGetError::Closed) => return ids,
            Err(TryGetError::Empty) => panic!("a closed channel is never merely empty"),
        }
    }
}

#[test]
fn sliding_eviction_of_a_value_whose_drop_uses_the_channel() {
    run_seeded(1, async {
        let log = log();
        // Through the put future's fast path.
        let c = Chan::sliding(1);
        assert!(c.put(uses_channel(1, &c, &log)).await);
        assert!(c.put(quiet(2)).await);
        assert_eq!(drain_ids(&c), [101]);
        // Through try_put.
        let c = Chan::sliding(1);
        assert!(c.try_put(uses_channel(3, &c, &log)).is_ok());
        assert!(c.try_put(quiet(4)).is_ok());
        assert_eq!(drain_ids(&c), [103]);
        assert_eq!(
            *log.borrow(),
            [
                "1 dropped: closed false, got Ok(2), put back true",
                "3 dropped: closed false, got Ok(4), put back true",
            ]
        );
    });
}

#[test]
fn dropping_discard_of_a_value_whose_drop_uses_the_channel() {
    run_seeded(1, async {
        let log = log();
        let c = Chan::dropping(1);
        assert!(c.put(quiet(1)).await);
        assert!(c.put(uses_channel(2, &c, &log)).await);
        assert!(c.try_put(quiet(3)).is_ok());
        assert!(c.try_put(uses_channel(4, &c, &log)).is_ok());
        assert_eq!(drain_ids(&c), [104]);
        assert_eq!(
            *log.borrow(),
            [
                "2 dropped: closed false, got Ok(1), put back true",
                "4 dropped: closed false, got Ok(102), put back true",
            ]
        );
    });
}

#[test]
fn promise_discard_of_a_second_value_whose_drop_uses_the_channel() {
    run_seeded(1, async {
        let log = log();
        let c = Chan::promise();
        assert!(c.put(quiet(1)).await);
        assert!(c.put(uses_channel(2, &c, &log)).await);
        assert!(c.try_put(uses_channel(3, &c, &log)).is_ok());
        // The values put back were discarded in turn: the promise keeps its first value.
        assert_eq!(c.get().await.map(|v| v.id), Some(1));
        assert_eq!(
            *log.borrow(),
            [
                "2 dropped: closed false, got Ok(1), put back true",
                "3 dropped: closed false, got Ok(1), put back true",
            ]
        );
    });
}

#[test]
fn sliding_eviction_by_select_arms_and_put_then_of_a_value_whose_drop_uses_the_channel() {
    run_seeded(1, async {
        let log = log();
        let c = Chan::sliding(1);
        assert!(c.try_put(uses_channel(1, &c, &log)).is_ok());
        let put = select! { ok = put(c, quiet(2)) => ok };
        assert!(put);
        assert!(c.try_put(uses_channel(3, &c, &log)).is_ok());
        let chosen = aiochan::select([Op::put(&c, quiet(4))]).await;
        assert_eq!(chosen.index, 0);
        assert!(c.try_put(uses_channel(5, &c, &log)).is_ok());
        let accepted = std::rc::Rc::new(std::cell::Cell::new(None));
        c.put_then(quiet(6), {
            let accepted = accepted.clone();
            move |ok| accepted.set(Some(ok))
        });
        assert_eq!(accepted.get(), Some(true));
        assert_eq!(drain_ids(&c), [105]);
        assert_eq!(
            *log.borrow(),
            [
                "1 dropped: closed false, got Ok(2), put back true",
                "3 dropped: closed false, got Ok(4), put back true",
                "5 dropped: closed false, got Ok(6), put back true",
            ]
        );
    });
}

#[test]
fn add_to_a_closed_channel_of_values_whose_drop_uses_the_channel() {
    let log = log();
    let c = Chan::sliding(1);
    c.close();
    c.add([uses_channel(1, &c, &log), uses_channel(2, &c, &log)]);
    assert_eq!(
        *log.borrow(),
        [
            "1 dropped: closed true, got Err(Closed), put back false",
            "2 dropped: closed true, got Err(Closed), put back false",
        ]
    );
}

/// Holds one value at a time, and only a value of even id: a put of an odd one is discarded.
struct EvenOnly(Option<UsesChannel>);

impl Buffer<UsesChannel> for EvenOnly {
    fn is_full(&self) -> bool {
        self.0.is_some()
    }

    fn len(&self) -> usize {
        usize::from(self.0.is_some())
    }

    fn add(&mut self, value: UsesChannel) -> Option<UsesChannel> {
        if value.id % 2 == 1 {
            return Some(value);
        }
        self.0 = Some(value);
        None
    }

    fn remove(&mut self) -> Option<UsesChannel> {
        self.0.take()
    }

    fn kind(&self) -> &'static str {
        "even only"
    }
}

#[test]
fn custom_buffer_discard_of_a_waiting_put_whose_drop_uses_the_channel() {
    let log = log();
    let c = Chan::with_buffer(EvenOnly(None));
    // 2 fills the buffer; 3 waits as a pending put until a get makes room, then is discarded.
    c.add([quiet(2), uses_channel(3, &c, &log)]);
    assert!(log.borrow().is_empty());
    assert_eq!(c.try_get().map(|v| v.id), Ok(2));
    assert_eq!(
        *log.borrow(),
        ["3 dropped: closed false, got Err(Empty), put back true"]
    );
    assert_eq!(drain_ids(&c), [] as [u32; 0]);
}

// ---------------------------------------------------------------------------------------------
// select!: a future arm that completes a channel arm of the same select
// ---------------------------------------------------------------------------------------------

/// Runs the select of `body(biased)` under several seeds, with `biased;` and without, and checks
/// which arm won and what was left in the channel. The select runs in a task of its own: a commit
/// made during the select's own poll wakes its task, which must be a task that may be woken after
/// it ended (a loop's main future is re-polled then until the runtime's fix of 0f58a79).
fn for_seeds_and_bias<F, Fut>(body: F, expected: (&str, &[u32]))
where
    F: Fn(bool) -> Fut,
    Fut: Future<Output = (String, Vec<u32>)> + 'static,
{
    for seed in 0..6 {
        for biased in [false, true] {
            let select = body(biased);
            let (won, left) = run_seeded(seed, async { go(select).await });
            assert_eq!(
                (won.as_str(), left.as_slice()),
                expected,
                "seed {seed}, biased {biased}"
            );
        }
    }
}

/// Closes `c` and takes the values left in it.
fn close_and_drain(c: &Chan<u32>) -> Vec<u32> {
    c.close();
    let mut left = Vec::new();
    while let Ok(v) = c.try_get() {
        left.push(v);
    }
    left
}

#[test]
fn select_future_arm_that_puts_to_its_own_get_arm_and_completes_wins_and_gives_the_value_back() {
    // The future's put is taken by the select's parked get arm, and the future completes in the
    // same poll: the future wins, and the value goes back to the channel for the next get.
    for_seeds_and_bias(
        |biased| async move {
            let c: Chan<u32> = Chan::new();
            let putter = async {
                nop().await;
                c.put(1).await
            };
            let won = if biased {
                select! {
                    biased;
                    v = get(c) => format!("get {v:?}"),
                    ok = putter => format!("future put {ok}"),
                }
            } else {
                select! {
                    v = get(c) => format!("get {v:?}"),
                    ok = putter => format!("future put {ok}"),
                }
            };
            (won, close_and_drain(&c))
        },
        ("future put true", &[1]),
    );
}

#[test]
fn select_future_arm_that_puts_to_its_own_get_arm_and_stays_pending_loses_to_that_arm() {
    // The future's put commits the get arm, then the future waits on: the get arm completed first
    // and wins, even though a later future arm would complete in the same poll.
    for_seeds_and_bias(
        |biased| async move {
            let c: Chan<u32> = Chan::new();
            let putter = async {
                nop().await;
                c.put(1).await;
                std::future::pending::<()>().await
            };
            let won = if biased {
                select! {
                    biased;
                    v = get(c) => format!("get {v:?}"),
                    _ = putter => "putter".to_string(),
                    _ = nop() => "late future".to_string(),
                }
            } else {
                select! {
                    v = get(c) => format!("get {v:?}"),
                    _ = putter => "putter".to_string(),
                    _ = nop() => "late future".to_string(),
                }
            };
            (won, close_and_drain(&c))
        },
        ("get Some(1)", &[]),
    );
}

#[test]
fn select_future_arm_that_closes_its_own_get_arms_channel_and_stays_pending_loses_to_that_arm() {
    for_seeds_and_bias(
        |biased| async move {
            let c: Chan<u32> = Chan::new();
            let closer = async {
                nop().await;
                c.close();
                std::future::pending::<()>().await
            };
            let won = if biased {
                select! {
                    biased;
                    v = get(c) => format!("get {v:?}"),
                    _ = closer => "closer".to_string(),
                    _ = nop() => "late future".to_string(),
                }
            } else {
                select! {
                    v = get(c) => format!("get {v:?}"),
                    _ = closer => "closer".to_string(),
                    _ = nop() => "late future".to_string(),
                }
            };
            (won, close_and_drain(&c))
        },
        ("get None", &[]),
    );
}

#[test]
fn select_future_arm_that_takes_from_its_own_put_arm_and_completes_wins_with_the_value() {
    // The future's get takes the value of the select's parked put arm and completes: the future
    // wins, holding the value; the put arm, whose value is delivered, is not reported.
    for_seeds_and_bias(
        |biased| async move {
            let c: Chan<u32> = Chan::new();
            let getter = async {
                nop().await;
                c.get().await
            };
            let won = if biased {
                select! {
                    biased;
                    ok = put(c, 7) => format!("put {ok}"),
                    v = getter => format!("future got {v:?}"),
                }
            } else {
                select! {
                    ok = put(c, 7) => format!("put {ok}"),
                    v = getter => format!("future got {v:?}"),
                }
            };
            (won, close_and_drain(&c))
        },
        ("future got Some(7)", &[]),
    );
}

#[test]
fn select_future_arm_that_takes_from_its_own_put_arm_and_stays_pending_loses_to_that_arm() {
    for_seeds_and_bias(
        |biased| async move {
            let c: Chan<u32> = Chan::new();
            let kept = std::cell::Cell::new(None);
            let getter = async {
                nop().await;
                kept.set(c.get().await);
                std::future::pending::<()>().await
            };
            let won = if biased {
                select! {
                    biased;
                    ok = put(c, 7) => format!("put {ok}"),
                    _ = getter => "getter".to_string(),
                    _ = nop() => "late future".to_string(),
                }
            } else {
                select! {
                    ok = put(c, 7) => format!("put {ok}"),
                    _ = getter => "getter".to_string(),
                    _ = nop() => "late future".to_string(),
                }
            };
            (
                format!("{won}, getter kept {:?}", kept.get()),
                close_and_drain(&c),
            )
        },
        ("put true, getter kept Some(7)", &[]),
    );
}

#[test]
fn select_future_arm_whose_get_refills_the_buffer_from_its_own_put_arm_wins_and_loses_nothing() {
    // The future takes the buffered value, which moves the select's parked put into the buffer:
    // the future wins, and the put's value stays in the channel.
    for_seeds_and_bias(
        |biased| async move {
            let c: Chan<u32> = Chan::fixed(1).add([0]);
            let getter = async {
                nop().await;
                c.get().await
            };
            let won = if biased {
                select! {
                    biased;
                    ok = put(c, 7) => format!("put {ok}"),
                    v = getter => format!("future got {v:?}"),
                }
            } else {
                select! {
                    ok = put(c, 7) => format!("put {ok}"),
                    v = getter => format!("future got {v:?}"),
                }
            };
            (won, close_and_drain(&c))
        },
        ("future got Some(0)", &[7]),
    );
}
