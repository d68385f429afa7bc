//! The limit on waiting operations per channel and direction (1024 unless `max_pending` says
//! otherwise); sweeping withdrawn ones.

use std::cell::RefCell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use aiochan::{go, nop, Chan};

mod common;
use common::run_seeded;

/// The most operations that may wait on one channel in each direction.
const MAX_PENDING: usize = 1024;

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(7, future)
}

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

fn noop_waker() -> Waker {
    Waker::from(Arc::new(NoopWake))
}

/// Polls `future` once with a waker that does nothing and asserts that it waits.
fn park<F: Future + Unpin>(future: &mut F, waker: &Waker) {
    let poll = Pin::new(future).poll(&mut Context::from_waker(waker));
    assert!(poll.is_pending(), "expected the operation to wait");
}

#[test]
fn a_channel_takes_1024_waiting_puts() {
    run_virtual(async {
        let c = Chan::new().named("jobs");
        c.add(0..MAX_PENDING);
        assert!(format!("{c:?}").contains("pending_puts: 1024"));
        c.close();
        let mut got = Vec::new();
        while let Some(v) = c.get().await {
            got.push(v);
        }
        assert_eq!(got, (0..MAX_PENDING).collect::<Vec<_>>());
    });
}

#[test]
#[should_panic(
    expected = "channel 'jobs': more than 1024 puts are waiting on it. Give it a buffer (Chan::fixed(n)"
)]
fn the_1025th_waiting_put_panics_naming_the_channel_and_suggesting_a_buffer() {
    let c = Chan::new().named("jobs");
    c.add(0..MAX_PENDING);
    c.add([MAX_PENDING]);
}

#[test]
#[should_panic(expected = "channel 'jobs': more than 1024 puts are waiting on it")]
fn the_1025th_waiting_put_future_panics_its_run() {
    run_virtual(async {
        let c = Chan::new().named("jobs");
        for i in 0..=MAX_PENDING {
            let c = c.clone();
            go(async move { c.put(i).await });
        }
        nop().await;
    });
}

#[test]
fn a_channel_takes_1024_waiting_gets() {
    let c = Chan::new();
    let got = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..MAX_PENDING {
        let got = got.clone();
        c.get_then(move |v| got.borrow_mut().push(v));
    }
    c.add(0..MAX_PENDING);
    let expected: Vec<_> = (0..MAX_PENDING).map(Some).collect();
    assert_eq!(*got.borrow(), expected);
}

#[test]
#[should_panic(expected = "channel 'jobs': more than 1024 gets are waiting on it")]
fn the_1025th_waiting_get_panics_naming_the_channel() {
    let c = Chan::<u8>::new().named("jobs");
    for _ in 0..=MAX_PENDING {
        c.get_then(|_| {});
    }
}

#[test]
#[should_panic(expected = "channel #1: more than 1024 gets are waiting on it")]
fn the_limit_names_an_unnamed_channel_by_its_number() {
    run_virtual(async {
        let c = Chan::<u8>::new();
        for _ in 0..=MAX_PENDING {
            c.get_then(|_| {});
        }
    });
}

#[test]
fn withdrawn_gets_are_swept_so_the_queue_stays_short() {
    let c = Chan::<u32>::new();
    let waker = noop_waker();
    let mut longest = 0;
    for _ in 0..100_000 {
        let mut get = c.get();
        park(&mut get, &waker);
        drop(get);
        longest = longest.max(c.queue_lens().1);
    }
    assert!(longest <= 70, "the get queue grew to {longest}");
    assert_eq!(c.queue_lens().0, 0);
    assert!(c.try_put(1).is_err(), "no get is left waiting");
}

#[test]
fn withdrawn_puts_are_swept_so_the_queue_stays_short() {
    let c = Chan::<u32>::fixed(1);
    c.add([0]);
    let waker = noop_waker();
    let mut longest = 0;
    for i in 0..100_000 {
        let mut put = c.put(i);
        park(&mut put, &waker);
        drop(put);
        longest = longest.max(c.queue_lens().0);
    }
    assert!(longest <= 70, "the put queue grew to {longest}");
    assert_eq!(c.try_get(), Ok(0));
    assert!(c.try_get().is_err(), "no withdrawn put was delivered");
}

#[test]
fn sweeping_keeps_the_waiting_gets_in_order() {
    let c = Chan::new();
    let got = Rc::new(RefCell::new(Vec::new()));
    let waker = noop_waker();
    for i in 0..500 {
        let got = got.clone();
        c.get_then(move |v| got.borrow_mut().push((i, v)));
        for _ in 0..3 {
            let mut get = c.get();
            park(&mut get, &waker);
        }
    }
    assert!(c.queue_lens().1 < 600, "withdrawn gets were swept");
    c.add(0..500);
    let expected: Vec<_> = (0..500).map(|i| (i, Some(i))).collect();
    assert_eq!(*got.borrow(), expected);
}

#[test]
fn withdrawn_puts_do_not_count_toward_the_limit() {
    // 512 puts wait and 512 were withdrawn: a 513th waiting put is well within the limit.
    let c = Chan::new().named("jobs");
    let waker = noop_waker();
    let mut withdrawn = Vec::new();
    for i in 0..MAX_PENDING {
        if i % 2 == 0 {
            c.add([i]);
        } else {
            let mut put = Box::pin(c.put(i));
            park(&mut put, &waker);
            withdrawn.push(put);
        }
    }
    drop(withdrawn);
    c.add([MAX_PENDING]);
    assert!(format!("{c:?}").contains("pending_puts: 513"));
}

#[test]
fn withdrawn_gets_do_not_count_toward_the_limit() {
    let c = Chan::<usize>::new().named("jobs");
    let waker = noop_waker();
    {
        let mut withdrawn = Vec::new();
        for i in 0..MAX_PENDING {
            if i % 2 == 0 {
                c.get_then(|_| {});
            } else {
                let mut get = Box::pin(c.get());
                park(&mut get, &waker);
                withdrawn.push(get);
            }
        }
    }
    c.get_then(|_| {});
    assert!(format!("{c:?}").contains("pending_gets: 513"));
}

#[test]
fn an_operation_that_completes_at_once_is_not_limited() {
    let c = Chan::unbounded().named("jobs");
    c.add(0..10 * MAX_PENDING);
    let mut get = pin!(c.get());
    let poll = get.as_mut().poll(&mut Context::from_waker(&noop_waker()));
    assert_eq!(poll, Poll::Ready(Some(0)));
}

#[test]
fn max_pending_lets_more_puts_wait_in_order() {
    run_virtual(async {
        let c = Chan::new().named("jobs").max_pending(5 * MAX_PENDING);
        c.add(0..5 * MAX_PENDING);
        assert!(format!("{c:?}").contains("pending_puts: 5120"));
        c.close();
        let mut got = Vec::new();
        while let Some(v) = c.get().await {
            got.push(v);
        }
        assert_eq!(got, (0..5 * MAX_PENDING).collect::<Vec<_>>());
    });
}

#[test]
fn max_pending_lets_100_000_producers_feed_one_buffered_channel() {
    const PRODUCERS: u64 = 100_000;
    let total = run_virtual(async {
        let c = Chan::fixed(64).max_pending(PRODUCERS as usize);
        for p in 0..PRODUCERS {
            let c = c.clone();
            go(async move { assert!(c.put(p).await) });
        }
        let mut total = 0;
        for _ in 0..PRODUCERS {
            total += c.get().await.expect("the channel stays open");
        }
        total
    });
    assert_eq!(total, (0..PRODUCERS).sum::<u64>());
}

#[test]
fn max_pending_lets_more_gets_wait() {
    let c = Chan::new().max_pending(3 * MAX_PENDING);
    let got = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..3 * MAX_PENDING {
        let got = got.clone();
        c.get_then(move |v| got.borrow_mut().push(v));
    }
    c.add(0..3 * MAX_PENDING);
    let expected: Vec<_> = (0..3 * MAX_PENDING).map(Some).collect();
    assert_eq!(*got.borrow(), expected);
}

#[test]
#[should_panic(
    expected = "channel 'jobs': more than 10 puts are waiting on it. Give it a buffer (Chan::fixed(n), \
                or a dropping or sliding one if values may be discarded), put from fewer tasks at \
                once, or raise the limit with Chan::max_pending"
)]
fn a_lower_max_pending_panics_at_its_limit_and_names_the_way_to_raise_it() {
    let c = Chan::new().named("jobs").max_pending(10);
    c.add(0..11);
}

#[test]
#[should_panic(
    expected = "channel 'jobs': more than 2048 gets are waiting on it. Get from fewer \
                           tasks at once (one consumer can hand values on to others), or raise \
                           the limit with Chan::max_pending"
)]
fn a_raised_max_pending_still_panics_beyond_its_limit() {
    let c = Chan::<u8>::new().named("jobs").max_pending(2 * MAX_PENDING);
    for _ in 0..=2 * MAX_PENDING {
        c.get_then(|_| {});
    }
}

#[test]
#[should_panic(
    expected = "Chan::max_pending(0) on channel 'jobs': at least one operation must be \
                           allowed to wait"
)]
fn max_pending_of_zero_panics() {
    let _ = Chan::<u8>::new().named("jobs").max_pending(0);
}

#[test]
fn withdrawing_puts_from_the_middle_of_a_long_queue_keeps_the_rest_in_order() {
    let c = Chan::new().max_pending(4 * MAX_PENDING);
    let waker = noop_waker();
    let mut puts: Vec<_> = (0..4 * MAX_PENDING)
        .map(|i| {
            let mut put = Box::pin(c.put(i));
            park(&mut put, &waker);
            Some(put)
        })
        .collect();
    // Withdraw every third put, oldest, newest and middle ones alike.
    for put in puts.iter_mut().step_by(3) {
        *put = None;
    }
    assert_eq!(
        c.queue_lens().0,
        4 * MAX_PENDING - puts.iter().filter(|p| p.is_none()).count()
    );
    let expected: Vec<_> = (0..4 * MAX_PENDING).filter(|i| i % 3 != 0).collect();
    let got: Vec<_> = expected.iter().map(|_| c.try_get().unwrap()).collect();
    assert_eq!(got, expected);
    assert!(c.try_get().is_err(), "no withdrawn put was delivered");
}

#[test]
fn arms_of_committed_selects_are_swept_when_the_limit_is_reached() {
    run_virtual(async {
        let (c, d) = (Chan::new().named("c").max_pending(4), Chan::new());
        let selects: Vec<_> = (0..4)
            .map(|i| {
                let (c, d) = (c.clone(), d.clone());
                go(async move {
                    aiochan::select([aiochan::Op::put(&c, i), aiochan::Op::put(&d, i)])
                        .await
                        .index
                })
            })
            .collect();
        nop().await;
        assert_eq!(c.queue_lens().0, 4);
        // Getting from `d` commits every select: their puts on `c` stay queued, inactive, until
        // the selecting tasks run again.
        for i in 0..4 {
            assert_eq!(d.try_get(), Ok(i));
        }
        c.add([99]);
        assert!(format!("{c:?}").contains("pending_puts: 1"), "{c:?}");
        assert_eq!(c.try_get(), Ok(99));
        for select in selects {
            assert_eq!(select.await, 1);
        }
        assert_eq!(c.queue_lens(), (0, 0));
    });
}
