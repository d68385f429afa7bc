//! Cancel safety: dropped gets give committed values back, dropped puts and gets are withdrawn.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use aiochan::{go, nop, random_below, Chan, ChanState, TryGetError};

mod common;
use common::run_seeded;

fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(6, future)
}

/// Lets every ready task run a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

/// Polls a future once, then drops it: its output if it completed in that one poll.
struct PollOnce<F>(Option<F>);

fn poll_once<F: Future + Unpin>(future: F) -> PollOnce<F> {
    PollOnce(Some(future))
}

impl<F: Future + Unpin> Future for PollOnce<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let mut future = self.0.take().expect("PollOnce polled after completion");
        Poll::Ready(match Pin::new(&mut future).poll(cx) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        })
    }
}

/// A select between `future` and a deadline of `turns` turns, which is looked at first (as a
/// timeout arm listed first would be): once the deadline passes, `future` is dropped unpolled, even
/// if what it waits for has meanwhile happened. Giving up gives `Err(changed)`, where `changed`
/// says whether `probe` went from false to true across the drop.
struct Impatient<F, P> {
    future: Option<F>,
    turns: u64,
    probe: P,
}

fn impatient<F, P>(future: F, turns: u64, probe: P) -> Impatient<F, P>
where
    F: Future + Unpin,
    P: FnMut() -> bool + Unpin,
{
    Impatient {
        future: Some(future),
        turns,
        probe,
    }
}

impl<F, P> Future for Impatient<F, P>
where
    F: Future + Unpin,
    P: FnMut() -> bool + Unpin,
{
    type Output = Result<F::Output, bool>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.turns == 0 {
            let before = (self.probe)();
            self.future = None;
            let after = (self.probe)();
            return Poll::Ready(Err(!before && after));
        }
        self.turns -= 1;
        let future = self
            .future
            .as_mut()
            .expect("Impatient polled after completion");
        match Pin::new(future).poll(cx) {
            Poll::Ready(v) => Poll::Ready(Ok(v)),
            Poll::Pending => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

/// Counts its drops.
struct Token(u32, Rc<Cell<u32>>);

impl Drop for Token {
    fn drop(&mut self) {
        self.1.set(self.1.get() + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// A get dropped after a value was committed to it
// ---------------------------------------------------------------------------------------------

#[test]
fn an_aborted_get_gives_its_committed_value_back_ahead_of_the_buffer() {
    run_virtual(async {
        let c = Chan::fixed(2);
        let a = go({
            let c = c.clone();
            async move { c.get().await }
        });
        settle().await; // a waits in its get
        assert!(c.put(1).await, "committed to a's get");
        assert!(!a.is_finished(), "a was woken but has not run");
        c.add([2, 3]); // buffered behind it
        a.abort(); // a's get is dropped holding 1
        assert_eq!(
            c.get().await,
            Some(1),
            "the value went back to the head of the channel"
        );
        assert_eq!(c.get().await, Some(2));
        assert_eq!(c.get().await, Some(3));
        assert_eq!(c.try_get(), Err(TryGetError::Empty));
    });
}

#[test]
fn a_value_given_back_goes_to_the_oldest_waiting_get() {
    run_virtual(async {
        let c = Chan::new();
        let spawn_get = |c: &Chan<u8>| {
            let c = c.clone();
            go(async move { c.get().await })
        };
        let a = spawn_get(&c);
        let b = spawn_get(&c);
        let d = spawn_get(&c);
        settle().await;
        assert!(c.put(1).await, "committed to a");
        a.abort();
        assert!(c.put(2).await);
        assert_eq!(
            b.await,
            Some(1),
            "b, the oldest waiting get, received a's value"
        );
        assert_eq!(d.await, Some(2));
    });
}

#[test]
fn a_get_dropped_by_a_select_after_its_value_came_gives_the_value_back() {
    run_virtual(async {
        let c = Chan::fixed(1);
        let a = go({
            let c = c.clone();
            let probe = c.clone();
            async move { impatient(c.get(), 1, move || probe.is_get_ready()).await }
        });
        nop().await; // a's get waits; its deadline passes next turn
        assert!(
            c.put("v").await,
            "committed to a's get within the same turn"
        );
        assert!(!c.is_get_ready());
        assert_eq!(
            a.await,
            Err(true),
            "a gave up without looking at its get, which held a value"
        );
        c.add(["w"]);
        assert_eq!(c.get().await, Some("v"));
        assert_eq!(c.get().await, Some("w"));
    });
}

#[test]
fn a_value_given_back_to_a_closed_channel_still_drains() {
    run_virtual(async {
        let c = Chan::new();
        let a = go({
            let c = c.clone();
            async move { c.get().await }
        });
        settle().await;
        assert!(c.put(1).await);
        c.close();
        let j = go({
            let c = c.clone();
            async move { c.join().await }
        });
        a.abort();
        settle().await;
        assert!(
            !j.is_finished(),
            "the given-back value is still in the channel"
        );
        assert_eq!(c.get().await, Some(1));
        assert_eq!(c.get().await, None);
        j.await;
    });
}

#[test]
fn a_get_completed_with_none_by_close_gives_nothing_back_when_dropped() {
    run_virtual(async {
        let c = Chan::<u8>::new();
        let a = go({
            let c = c.clone();
            async move { c.get().await }
        });
        settle().await;
        c.close();
        a.abort();
        assert_eq!(c.try_get(), Err(TryGetError::Closed));
    });
}

// ---------------------------------------------------------------------------------------------
// Withdrawn puts and gets
// ---------------------------------------------------------------------------------------------

#[test]
fn a_dropped_waiting_put_is_withdrawn_and_its_value_never_delivered() {
    run_virtual(async {
        let drops = Rc::new(Cell::new(0));
        let c = Chan::new();
        let p = go({
            let (c, drops) = (c.clone(), drops.clone());
            async move { c.put(Token(1, drops)).await }
        });
        settle().await;
        assert_eq!(c.stats().state, ChanState::PendingPuts);
        p.abort();
        assert_eq!(drops.get(), 1, "the withdrawn value was dropped");
        assert_eq!(c.stats().state, ChanState::Fluent);
        assert!(!c.is_get_ready());
        assert!(matches!(c.try_get(), Err(TryGetError::Empty)));
        assert!(format!("{c:?}").contains("pending_puts: 0"));
        // The channel still works.
        c.add([Token(2, drops.clone())]);
        assert_eq!(c.get().await.map(|t| t.0), Some(2));
        assert_eq!(drops.get(), 2);
    });
}

#[test]
fn a_withdrawn_put_is_skipped_by_later_gets() {
    run_virtual(async {
        let c = Chan::new();
        c.add([1]);
        let p = go({
            let c = c.clone();
            async move { c.put(2).await }
        });
        c.add([3]);
        settle().await;
        p.abort();
        c.close();
        let mut got = Vec::new();
        while let Some(v) = c.get().await {
            got.push(v);
        }
        assert_eq!(got, [1, 3]);
    });
}

#[test]
fn a_put_that_completed_keeps_its_promise_though_dropped_unpolled() {
    run_virtual(async {
        let c = Chan::new();
        let p = go({
            let c = c.clone();
            async move { c.put(1).await }
        });
        settle().await;
        assert_eq!(c.get().await, Some(1), "the put completed");
        p.abort(); // its future is dropped before it could see that
        assert_eq!(c.try_get(), Err(TryGetError::Empty), "no value duplicated");
        assert_eq!(c.stats().state, ChanState::Fluent);
    });
}

#[test]
fn a_dropped_waiting_get_is_withdrawn() {
    run_virtual(async {
        let c = Chan::new();
        assert_eq!(
            poll_once(c.get()).await,
            None,
            "the get waited, then was dropped"
        );
        assert!(!c.is_put_ready(), "no get waits any more");
        assert_eq!(c.stats().state, ChanState::Fluent);
        assert_eq!(c.try_put(1).unwrap_err().into_inner(), 1);
        let b = go({
            let c = c.clone();
            async move { c.get().await }
        });
        settle().await;
        assert!(c.put(2).await);
        assert_eq!(b.await, Some(2), "the value skipped the withdrawn get");
    });
}

#[test]
fn a_dropped_waiting_put_is_withdrawn_when_polled_once() {
    run_virtual(async {
        let c = Chan::fixed(1);
        c.add([1]);
        assert_eq!(poll_once(c.put(2)).await, None);
        assert_eq!(c.stats().state, ChanState::Fluent);
        assert_eq!(c.get().await, Some(1));
        assert_eq!(
            c.try_get(),
            Err(TryGetError::Empty),
            "2 was never delivered"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// Churn
// ---------------------------------------------------------------------------------------------

// Under Miri, where every step costs about a thousand times more, fewer values.
const N: u32 = if cfg!(miri) { 60 } else { 2000 };

/// Consumers that keep starting gets and giving up on them after a random number of turns, some
/// right after a value was committed, while a producer puts `0..N` and closes: returns every
/// value received, and how many gets were given up while holding a value.
fn churn(seed: u64, c: Chan<u32>) -> (Vec<u32>, u32) {
    run_seeded(seed, async move {
        let received = Rc::new(RefCell::new(Vec::new()));
        let gave_back = Rc::new(Cell::new(0));
        let consumers: Vec<_> = (0..8)
            .map(|_| {
                let (c, received, gave_back) = (c.clone(), received.clone(), gave_back.clone());
                go(async move {
                    loop {
                        let turns = random_below(4);
                        let got = if turns == 0 {
                            poll_once(c.get()).await
                        } else {
                            // Nothing to get just before the drop, a value just after: the dropped
                            // get held a committed value, now given back.
                            let probe = c.clone();
                            let probe = move || probe.is_get_ready() && !probe.is_closed();
                            match impatient(c.get(), turns, probe).await {
                                Ok(v) => Some(v),
                                Err(held_a_value) => {
                                    if held_a_value {
                                        gave_back.set(gave_back.get() + 1);
                                    }
                                    None
                                }
                            }
                        };
                        match got {
                            Some(Some(v)) => received.borrow_mut().push(v),
                            Some(None) => break,
                            None => nop().await,
                        }
                    }
                })
            })
            .collect();
        for i in 0..N {
            assert!(c.put(i).await);
            if random_below(3) == 0 {
                nop().await;
            }
        }
        c.close();
        for consumer in consumers {
            consumer.await;
        }
        let got = received.take();
        (got, gave_back.get())
    })
}

fn assert_each_value_once(mut got: Vec<u32>) {
    got.sort_unstable();
    assert_eq!(got, (0..N).collect::<Vec<_>>(), "every value exactly once");
}

#[test]
fn no_value_is_lost_or_duplicated_under_get_churn_on_a_rendezvous_channel() {
    let mut gave_back = 0;
    for seed in 1..=if cfg!(miri) { 2 } else { 4 } {
        let (got, n) = churn(seed, Chan::new());
        assert_each_value_once(got);
        gave_back += n;
    }
    assert!(
        gave_back > 0,
        "the churn never dropped a get holding a value"
    );
}

#[test]
fn no_value_is_lost_or_duplicated_under_get_churn_on_a_buffered_channel() {
    for seed in 1..=if cfg!(miri) { 2 } else { 4 } {
        let (got, _) = churn(seed, Chan::fixed(3));
        assert_each_value_once(got);
    }
}
