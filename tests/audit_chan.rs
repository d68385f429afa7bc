//! Regression tests for the channel layer's audit: withdrawn joins, values whose `Drop` uses their
//! own channel, and a `select!` whose future arm completes one of its own channel arms.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use aiochan::{go, select, Chan};

mod common;
use common::run_seeded;

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
