//! Each kind of buffer through a channel (built-in and custom), and a channel's `Debug`.

use std::cell::Cell;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use aiochan::{go, nop, Buffer, Chan, ChanState, TryGetError};

mod common;
use common::run_seeded;

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(3, future)
}

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once with a waker that does nothing: its output if it completes at once. A future
/// that would wait is dropped (a put or get is then withdrawn).
fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let waker = Waker::from(Arc::new(NoopWake));
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

/// Takes every value left in a closed channel, without waiting.
fn drain<T: 'static>(c: &Chan<T>) -> Vec<T> {
    let mut got = Vec::new();
    loop {
        match c.try_get() {
            Ok(v) => got.push(v),
            Err(TryGetError::Closed) => return got,
            Err(TryGetError::Empty) => panic!("drain: the channel is not closed"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendezvous
// ---------------------------------------------------------------------------------------------

#[test]
fn rendezvous_put_waits_until_a_get_takes_the_value() {
    run_virtual(async {
        let c = Chan::new();
        let done = Rc::new(Cell::new(None));
        let putter = go({
            let (c, done) = (c.clone(), done.clone());
            async move { done.set(Some(c.put(7).await)) }
        });
        for _ in 0..5 {
            nop().await;
        }
        assert_eq!(done.get(), None, "the put completed with no get");
        assert_eq!(c.stats().state, ChanState::PendingPuts);
        assert_eq!(c.get().await, Some(7));
        putter.await;
        assert_eq!(done.get(), Some(true));
        assert_eq!(c.stats().state, ChanState::Fluent);
    });
}

#[test]
fn rendezvous_get_waits_until_a_put_offers_a_value() {
    run_virtual(async {
        let c = Chan::new();
        let getter = go({
            let c = c.clone();
            async move { c.get().await }
        });
        for _ in 0..5 {
            nop().await;
        }
        assert!(!getter.is_finished(), "the get completed with no put");
        assert_eq!(c.stats().state, ChanState::PendingGets);
        assert!(c.put("hi").await, "a waiting get takes the value at once");
        assert_eq!(getter.await, Some("hi"));
    });
}

#[test]
fn rendezvous_put_with_no_get_cannot_complete_at_once() {
    let c = Chan::new();
    assert_eq!(now_or_never(c.put(1)), None);
    assert_eq!(
        c.try_get(),
        Err(TryGetError::Empty),
        "the withdrawn put left nothing"
    );
}

// ---------------------------------------------------------------------------------------------
// Fixed
// ---------------------------------------------------------------------------------------------

#[test]
fn fixed_buffer_accepts_n_puts_at_once_then_the_next_put_waits() {
    run_virtual(async {
        let c = Chan::fixed(3);
        for i in 0..3 {
            assert_eq!(
                now_or_never(c.put(i)),
                Some(true),
                "put {i} should not wait"
            );
        }
        assert!(!c.is_put_ready());
        let fourth = go({
            let c = c.clone();
            async move { c.put(3).await }
        });
        for _ in 0..5 {
            nop().await;
        }
        assert!(
            !fourth.is_finished(),
            "the 4th put completed with the buffer full"
        );
        assert_eq!(c.get().await, Some(0));
        // Taking a value made room: the waiting put moved into the buffer and completed.
        assert!(fourth.await);
        c.close();
        assert_eq!(drain(&c), [1, 2, 3]);
    });
}

#[test]
#[should_panic(expected = "Chan::new()")]
fn fixed_buffer_of_zero_is_refused() {
    let _ = Chan::<u8>::fixed(0);
}

// ---------------------------------------------------------------------------------------------
// Dropping
// ---------------------------------------------------------------------------------------------

#[test]
fn dropping_buffer_discards_the_newest_values_and_puts_never_wait() {
    let c = Chan::dropping(2);
    for i in 1..=5 {
        assert!(c.is_put_ready());
        assert_eq!(
            now_or_never(c.put(i)),
            Some(true),
            "put {i} should complete at once"
        );
    }
    c.close();
    assert_eq!(drain(&c), [1, 2]);
}

#[test]
fn dropping_buffer_keeps_taking_values_once_room_is_made() {
    let c = Chan::dropping(2);
    c.add([1, 2, 3]);
    assert_eq!(c.try_get(), Ok(1));
    c.add([4, 5]);
    c.close();
    assert_eq!(drain(&c), [2, 4]);
}

#[test]
#[should_panic(expected = "size 0")]
fn dropping_buffer_of_zero_is_refused() {
    let _ = Chan::<u8>::dropping(0);
}

// ---------------------------------------------------------------------------------------------
// Sliding
// ---------------------------------------------------------------------------------------------

#[test]
fn sliding_buffer_discards_the_oldest_values_and_puts_never_wait() {
    let c = Chan::sliding(2);
    for i in 1..=5 {
        assert!(c.is_put_ready());
        assert_eq!(
            now_or_never(c.put(i)),
            Some(true),
            "put {i} should complete at once"
        );
    }
    c.close();
    assert_eq!(drain(&c), [4, 5]);
}

#[test]
fn sliding_buffer_hands_values_straight_to_a_waiting_get() {
    run_virtual(async {
        let c = Chan::sliding(1);
        let getter = go({
            let c = c.clone();
            async move { c.get().await }
        });
        nop().await;
        c.add([1, 2, 3]);
        assert_eq!(
            getter.await,
            Some(1),
            "the waiting get takes the first value"
        );
        assert_eq!(
            c.try_get(),
            Ok(3),
            "of 2 and 3, the buffer of one kept the latest"
        );
    });
}

#[test]
#[should_panic(expected = "size 0")]
fn sliding_buffer_of_zero_is_refused() {
    let _ = Chan::<u8>::sliding(0);
}

// ---------------------------------------------------------------------------------------------
// Promise
// ---------------------------------------------------------------------------------------------

#[test]
fn promise_gives_the_first_value_to_every_get_and_ignores_later_puts() {
    run_virtual(async {
        let c = Chan::promise();
        assert!(c.put("first").await);
        assert!(
            c.put("second").await,
            "a later put completes, though ignored"
        );
        for _ in 0..3 {
            assert_eq!(c.get().await, Some("first"));
        }
        c.close();
        assert_eq!(
            c.get().await,
            Some("first"),
            "closing keeps the promised value"
        );
        assert!(!c.put("third").await);
    });
}

#[test]
fn promise_delivers_to_every_get_that_waited_for_it() {
    run_virtual(async {
        let c = Chan::promise();
        let getters: Vec<_> = (0..3)
            .map(|_| {
                let c = c.clone();
                go(async move { c.get().await })
            })
            .collect();
        nop().await;
        assert_eq!(c.stats().state, ChanState::PendingGets);
        assert_eq!(now_or_never(c.put(42)), Some(true));
        for g in getters {
            assert_eq!(g.await, Some(42));
        }
    });
}

#[test]
fn promise_closed_before_any_value_gives_none() {
    run_virtual(async {
        let c = Chan::<u8>::promise();
        let waiting = go({
            let c = c.clone();
            async move { c.get().await }
        });
        nop().await;
        c.close();
        assert_eq!(waiting.await, None);
        assert_eq!(c.get().await, None);
        assert!(!c.put(1).await);
    });
}

// ---------------------------------------------------------------------------------------------
// Unbounded
// ---------------------------------------------------------------------------------------------

#[test]
fn unbounded_buffer_never_makes_a_put_wait() {
    // Under Miri, where every step costs about a thousand times more, fewer puts.
    let n = if cfg!(miri) { 300 } else { 10_000 };
    let c = Chan::unbounded();
    for i in 0..n {
        assert_eq!(
            now_or_never(c.put(i)),
            Some(true),
            "put {i} should not wait"
        );
    }
    assert!(c.is_put_ready());
    c.close();
    assert_eq!(drain(&c), (0..n).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// A buffer of one's own
// ---------------------------------------------------------------------------------------------

/// Up to `capacity` values, the largest taken first; records that it was closed.
struct Largest {
    heap: BinaryHeap<u32>,
    capacity: usize,
    closed: Rc<Cell<bool>>,
}

impl Buffer<u32> for Largest {
    fn is_full(&self) -> bool {
        self.heap.len() >= self.capacity
    }

    fn len(&self) -> usize {
        self.heap.len()
    }

    fn add(&mut self, value: u32) -> Option<u32> {
        self.heap.push(value);
        None
    }

    fn remove(&mut self) -> Option<u32> {
        self.heap.pop()
    }

    fn close(&mut self) {
        self.closed.set(true);
    }

    fn kind(&self) -> &'static str {
        "largest"
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.capacity)
    }
}

#[test]
fn custom_buffer_decides_fullness_and_order_and_hears_of_the_close() {
    run_virtual(async {
        let closed = Rc::new(Cell::new(false));
        let c = Chan::with_buffer(Largest {
            heap: BinaryHeap::new(),
            capacity: 3,
            closed: closed.clone(),
        });
        for v in [5, 1, 9] {
            assert_eq!(now_or_never(c.put(v)), Some(true));
        }
        let fourth = go({
            let c = c.clone();
            async move { c.put(7).await }
        });
        nop().await;
        assert!(!fourth.is_finished(), "the custom buffer said it was full");
        assert!(format!("{c:?}").contains(r#"buffer: "largest(3), holding 3""#));
        assert_eq!(c.get().await, Some(9));
        assert!(
            fourth.await,
            "the room made by the get went to the waiting put"
        );
        assert!(!closed.get());
        c.close();
        assert!(closed.get(), "Buffer::close was called");
        assert_eq!(drain(&c), [7, 5, 1]);
    });
}

// ---------------------------------------------------------------------------------------------
// Debug
// ---------------------------------------------------------------------------------------------

#[test]
fn debug_shows_name_buffer_fill_pending_operations_and_closed() {
    let c = Chan::fixed(2).named("jobs");
    c.add([1]);
    insta::assert_snapshot!(format!("{c:?}"), @r#"Chan { name: "channel 'jobs'", buffer: "fixed(2), holding 1", pending_puts: 0, pending_gets: 0, pending_joins: 0, closed: false }"#);
    c.add([2, 3, 4]);
    c.close();
    insta::assert_snapshot!(format!("{c:?}"), @r#"Chan { name: "channel 'jobs'", buffer: "fixed(2), holding 2", pending_puts: 2, pending_gets: 0, pending_joins: 0, closed: true }"#);
}

#[test]
fn debug_counts_pending_gets_of_a_rendezvous_channel() {
    let c = Chan::<u8>::new().named("r");
    c.get_then(|_| {});
    c.get_then(|_| {});
    insta::assert_snapshot!(format!("{c:?}"), @r#"Chan { name: "channel 'r'", buffer: "none (rendezvous)", pending_puts: 0, pending_gets: 2, pending_joins: 0, closed: false }"#);
}

#[test]
fn debug_shows_every_kind_of_buffer() {
    let kinds = [
        format!("{:?}", Chan::<u8>::dropping(4).named("d")),
        format!("{:?}", Chan::<u8>::sliding(5).named("s")),
        format!("{:?}", Chan::<u8>::promise().named("p")),
        format!("{:?}", Chan::<u8>::unbounded().add([1, 2, 3]).named("u")),
        format!("{:?}", aiochan::from_iter(0..2).named("i")),
    ];
    insta::assert_snapshot!(kinds.join("\n"), @r#"
    Chan { name: "channel 'd'", buffer: "dropping(4), holding 0", pending_puts: 0, pending_gets: 0, pending_joins: 0, closed: false }
    Chan { name: "channel 's'", buffer: "sliding(5), holding 0", pending_puts: 0, pending_gets: 0, pending_joins: 0, closed: false }
    Chan { name: "channel 'p'", buffer: "promise(1), holding 0", pending_puts: 0, pending_gets: 0, pending_joins: 0, closed: false }
    Chan { name: "channel 'u'", buffer: "unbounded, holding 3", pending_puts: 0, pending_gets: 0, pending_joins: 0, closed: false }
    Chan { name: "channel 'i'", buffer: "iterator, holding 2", pending_puts: 0, pending_gets: 0, pending_joins: 0, closed: true }
    "#);
}

#[test]
fn debug_of_an_unnamed_channel_shows_its_number() {
    let text = run_virtual(async {
        let _first = Chan::<u8>::new();
        format!("{:?}", Chan::<u8>::new())
    });
    assert!(text.starts_with(r#"Chan { name: "channel #2""#), "{text}");
}

#[test]
fn debug_works_for_values_that_are_not_debug() {
    struct Opaque;
    let c = Chan::fixed(1).named("opaque");
    c.add([Opaque]);
    assert!(format!("{c:?}").contains("holding 1"));
}
