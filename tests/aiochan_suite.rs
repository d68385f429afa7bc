//! The channel and buffer tests of Python aiochan, ported.
//!
//! Ported here, one Rust test per Python test and under the same name:
//!
//! - `test_buffer.py`: `test_fixed_buffer`, `test_dropping_buffer`, `test_sliding_buffer`,
//!   `test_promise_buffer`, `test_it_buffer`.
//! - `test_channel.py`: `test_channel_creation`, `test_channel_closing`,
//!   `test_writes_block_on_full_buffer`, `test_unfulfilled_readers_block`,
//!   `test_get_and_put_nowait`, `test_put_and_get_nowait`,
//!   `test_limit_async_get_nowait_and_put_nowait1` to `4`, `test_puts_fulfill_when_buffer_available`,
//!   `test_offer_poll`, `test_promise_chan`, `test_iter`, `test_immediate_callback`,
//!   `test_coroutine_dispatch`, `test_putting_none`, `test_timeout`, `test_async_iterator`,
//!   `test_stats`, `test_join`, `test_tick_tock`.
//!
//! The rest of `test_channel.py` is ported beside this file, under the same names:
//!
//! - select (`test_select_works_at_all`, `test_select_default`, `test_select_puts`,
//!   `test_without_asyncio`): `aiochan_suite_select.rs`.
//! - operators (`test_map` ... `test_combine_latest`, `test_pipe_and_list`, `test_async_pipe*`):
//!   `aiochan_suite_ops_a.rs` and `aiochan_suite_ops_b.rs`.
//! - parallel pipelines (`test_parallel_*`, `test_fake_initializer*`) and `test_sync_op`:
//!   `aiochan_suite_parallel.rs`.
//! - the runtime's `test_go`, `test_go_thread1`, `test_run` and `test_run__cancel_tasks` are not
//!   ported one by one: what they check (spawning, running in a thread, cancelling pending tasks
//!   at the end of `run`) is covered by `tasks.rs` and `ordering.rs`.
//! - not applicable: `test_has_asyncio` (checks that a Python test plugin is installed).
//!
//! Python's `put_nowait(v, cb, immediate_only=False)` and `get_nowait(cb, immediate_only=False)`
//! are `put_then`/`get_then` (or `add` when there is no callback); with `immediate_only=True` they
//! are `try_put`/`try_get`. Python's `f_result(...) == BLOCKED` is "the task doing the operation
//! has not finished".

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use aiochan::buffer::{DroppingBuffer, FixedBuffer, PromiseBuffer, SlidingBuffer};
use aiochan::{
    from_iter, from_range, go, nop, now, sleep, tick_tock, timeout, Buffer, Chan, ChanState,
    ChanStats, TryGetError, TryPutError,
};

mod common;
use common::run_seeded;

/// Python's `MAX_OP_QUEUE_SIZE`.
const MAX_OP_QUEUE_SIZE: usize = 1024;

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(9, future)
}

/// Python's `await c.collect()`: every value until the channel is closed and drained.
async fn collect<T: 'static>(c: &Chan<T>) -> Vec<T> {
    let mut got = Vec::new();
    while let Some(v) = c.get().await {
        got.push(v);
    }
    got
}

/// Python's `await c.collect(n)`.
async fn collect_n<T: 'static>(c: &Chan<T>, n: usize) -> Vec<T> {
    let mut got = Vec::new();
    for _ in 0..n {
        got.push(c.get().await.expect("a value"));
    }
    got
}

struct NoopWake;

impl Wake for NoopWake {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once with a waker that does nothing and asserts that it waits.
fn park<F: Future + Unpin>(future: &mut F) {
    let waker = Waker::from(Arc::new(NoopWake));
    let poll = Pin::new(future).poll(&mut Context::from_waker(&waker));
    assert!(poll.is_pending(), "expected the operation to wait");
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
// test_buffer.py
// ---------------------------------------------------------------------------------------------

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_buffer.py
// test_fixed_buffer. `can_add` is `!is_full()`, `can_take` is `!is_empty()`, `__repr__` is `Debug`.
#[test]
fn test_fixed_buffer() {
    let mut buffer = FixedBuffer::new(3);
    assert!(!buffer.is_full());
    assert!(buffer.is_empty());
    buffer.add(1);
    buffer.add(2);
    assert!(!buffer.is_full());
    assert!(!buffer.is_empty());
    buffer.add(3);
    assert!(buffer.is_full());
    assert!(!buffer.is_empty());
    assert_eq!(buffer.remove(), Some(1));
    assert!(!buffer.is_full());
    assert!(!buffer.is_empty());
    assert_eq!(buffer.remove(), Some(2));
    assert_eq!(buffer.remove(), Some(3));
    assert!(!buffer.is_full());
    assert!(buffer.is_empty());
    assert!(!format!("{buffer:?}").is_empty());
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_buffer.py
// test_dropping_buffer
#[test]
fn test_dropping_buffer() {
    let mut buffer = DroppingBuffer::new(2);
    assert!(!buffer.is_full());
    assert!(buffer.is_empty());
    buffer.add(1);
    buffer.add(2);
    assert!(!buffer.is_full(), "a dropping buffer is never full");
    assert!(!buffer.is_empty());
    assert_eq!(buffer.remove(), Some(1));
    buffer.add(3);
    buffer.add(4); // discarded
    assert_eq!(buffer.remove(), Some(2));
    assert_eq!(buffer.remove(), Some(3));
    assert!(!buffer.is_full());
    assert!(buffer.is_empty());
    assert!(!format!("{buffer:?}").is_empty());
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_buffer.py
// test_sliding_buffer
#[test]
fn test_sliding_buffer() {
    let mut buffer = SlidingBuffer::new(2);
    assert!(!buffer.is_full());
    assert!(buffer.is_empty());
    buffer.add(1);
    buffer.add(2);
    assert!(!buffer.is_full(), "a sliding buffer is never full");
    assert!(!buffer.is_empty());
    assert_eq!(buffer.remove(), Some(1));
    buffer.add(3);
    buffer.add(4); // discards 2
    assert_eq!(buffer.remove(), Some(3));
    assert_eq!(buffer.remove(), Some(4));
    assert!(!buffer.is_full());
    assert!(buffer.is_empty());
    assert!(!format!("{buffer:?}").is_empty());
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_buffer.py
// test_promise_buffer
#[test]
fn test_promise_buffer() {
    let mut buffer = PromiseBuffer::new();
    assert!(!buffer.is_full());
    assert!(buffer.is_empty());
    buffer.add(1);
    assert!(!buffer.is_full());
    assert!(!buffer.is_empty());
    assert_eq!(buffer.remove(), Some(1));
    buffer.add(2); // ignored
    assert!(!buffer.is_full());
    assert!(!buffer.is_empty());
    assert_eq!(buffer.remove(), Some(1));
    assert!(!format!("{buffer:?}").is_empty());
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_buffer.py
// test_it_buffer. The iterator buffer is private to the crate: it is tested through `from_iter`,
// whose channel refuses puts (Python's `not can_add`) and has a value exactly while the iterator
// does (`can_take`).
#[test]
fn test_it_buffer() {
    let empty = from_iter(Vec::<u32>::new());
    assert_eq!(empty.try_put(9), Err(TryPutError::Closed(9)));
    assert_eq!(empty.try_get(), Err(TryGetError::Closed));

    let c = from_iter(0..2);
    assert_eq!(c.try_put(9), Err(TryPutError::Closed(9)));
    assert_eq!(c.try_get(), Ok(0));
    assert_eq!(c.try_put(9), Err(TryPutError::Closed(9)));
    assert_eq!(c.try_get(), Ok(1));
    assert_eq!(c.try_put(9), Err(TryPutError::Closed(9)));
    assert_eq!(c.try_get(), Err(TryGetError::Closed));
}

// ---------------------------------------------------------------------------------------------
// test_channel.py
// ---------------------------------------------------------------------------------------------

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_channel_creation. Python's `Chan(loop='no_loop')` has no loop: a Rust channel belongs to no
// loop at all, so this test runs none. The kind of buffer, private in Python, shows in `Debug`.
#[test]
fn test_channel_creation() {
    let kind = |c: Chan<u8>| format!("{c:?}");
    assert!(kind(Chan::new()).contains(r#"buffer: "none (rendezvous)""#));
    assert!(kind(Chan::fixed(1)).contains(r#"buffer: "fixed(1), holding 0""#));
    assert!(kind(Chan::dropping(1)).contains(r#"buffer: "dropping(1), holding 0""#));
    assert!(kind(Chan::sliding(1)).contains(r#"buffer: "sliding(1), holding 0""#));

    let c = Chan::fixed(1);
    assert_eq!(c.try_put(1), Ok(()));
    assert_eq!(c.try_get(), Ok(1));
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_channel_closing. `put_nowait(v, immediate_only=False)` returning None (the put waits) is
// `add`; returning False on a closed channel is `put_then` calling back with `false`.
#[test]
fn test_channel_closing() {
    run_virtual(async {
        let c = Chan::fixed(2);
        assert!(c.put(1).await);
        assert_eq!(c.try_put(2), Ok(()));
        assert_eq!(c.get().await, Some(1));
        c.close();
        assert!(c.is_closed());
        assert_eq!(c.get().await, Some(2));

        let c = Chan::new();
        c.add([1]);
        c.add([2]);
        assert_eq!(c.stats().state, ChanState::PendingPuts);
        assert_eq!(c.get().await, Some(1));
        c.close();
        assert!(c.is_closed());
        c.close();
        let refused = Rc::new(Cell::new(None));
        let seen = refused.clone();
        c.put_then(1, move |ok| seen.set(Some(ok)));
        assert_eq!(refused.get(), Some(false));
        assert_eq!(c.get().await, Some(2));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_writes_block_on_full_buffer
#[test]
fn test_writes_block_on_full_buffer() {
    run_virtual(async {
        let c = Chan::fixed(1);
        assert!(c.put(42).await);
        let r = go({
            let c = c.clone();
            async move { c.put(43).await }
        });
        nop().await;
        assert!(!r.is_finished(), "the put blocks");
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_unfulfilled_readers_block. Python allows either reader to get the value; aiochan's loop is
// FIFO, so it is the first.
#[test]
fn test_unfulfilled_readers_block() {
    run_virtual(async {
        let c = Chan::fixed(1);
        let get = |c: &Chan<u32>| {
            let c = c.clone();
            go(async move { c.get().await })
        };
        let r1 = get(&c);
        let r2 = get(&c);
        nop().await;
        assert!(c.put(42).await);
        nop().await;
        assert!(r1.is_finished());
        assert!(!r2.is_finished(), "the second reader blocks");
        assert_eq!(r1.await, Some(42));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_get_and_put_nowait
#[test]
fn test_get_and_put_nowait() {
    run_virtual(async {
        let executed = Rc::new(Cell::new(None));
        let test_chan = Chan::new();
        let seen = executed.clone();
        test_chan.put_then("test_val", move |ok| seen.set(Some(ok)));
        nop().await;
        assert_eq!(executed.get(), None);
        assert_eq!(test_chan.get().await, Some("test_val"));
        nop().await;
        assert_eq!(executed.get(), Some(true));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_put_and_get_nowait
#[test]
fn test_put_and_get_nowait() {
    run_virtual(async {
        let read_promise = Rc::new(Cell::new(None));
        let test_chan = Chan::new();
        let seen = read_promise.clone();
        test_chan.get_then(move |v| seen.set(Some(v)));
        nop().await;
        assert_eq!(read_promise.get(), None);
        assert!(test_chan.put("test_val").await);
        nop().await;
        assert_eq!(read_promise.get(), Some(Some("test_val")));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_limit_async_get_nowait_and_put_nowait1. Python's AssertionError is a panic.
#[test]
fn test_limit_async_get_nowait_and_put_nowait1() {
    let c = Chan::new();
    for i in 0..MAX_OP_QUEUE_SIZE {
        c.put_then(i, |_| {});
    }
    let over = catch_unwind(AssertUnwindSafe(|| c.put_then(42, |_| {})));
    assert!(over.is_err(), "the put over the limit panics");
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_limit_async_get_nowait_and_put_nowait2
#[test]
fn test_limit_async_get_nowait_and_put_nowait2() {
    let c = Chan::<u32>::new();
    for _ in 0..MAX_OP_QUEUE_SIZE {
        c.get_then(|_| {});
    }
    let over = catch_unwind(AssertUnwindSafe(|| c.get_then(|_| {})));
    assert!(over.is_err(), "the get over the limit panics");
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_limit_async_get_nowait_and_put_nowait3. Python makes every odd put an arm of one select and
// commits the select elsewhere, leaving 512 inactive puts; in Rust an operation is abandoned by
// dropping its future, which is what the odd puts do here. Python's dirty counters are private and
// counted differently (aiochan sweeps after a count of parks, as core.async does); what the
// test checks is kept: the inactive puts leave room for one more, and are never delivered.
#[test]
fn test_limit_async_get_nowait_and_put_nowait3() {
    run_virtual(async {
        let c = Chan::new();
        let mut abandoned = Vec::new();
        for i in 0..MAX_OP_QUEUE_SIZE {
            if i % 2 == 0 {
                c.add([i.to_string()]);
            } else {
                let mut put = Box::pin(c.put(i.to_string()));
                park(&mut put);
                abandoned.push(put);
            }
        }
        drop(abandoned);
        c.add(["last".to_string()]);
        c.close();
        let results = collect(&c).await;
        let mut expected: Vec<String> = (0..1024).step_by(2).map(|i| i.to_string()).collect();
        expected.push("last".to_string());
        assert_eq!(results, expected);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_limit_async_get_nowait_and_put_nowait4. As in `...3`, the odd gets are abandoned by dropping
// their futures rather than by a select committed elsewhere.
#[test]
fn test_limit_async_get_nowait_and_put_nowait4() {
    run_virtual(async {
        let c = Chan::new();
        let results = Rc::new(RefCell::new(Vec::new()));
        let record = |label: String| {
            let results = results.clone();
            move |v: Option<usize>| results.borrow_mut().push((label, v))
        };
        let mut abandoned = Vec::new();
        for i in 0..MAX_OP_QUEUE_SIZE {
            if i % 2 == 0 {
                c.get_then(record(i.to_string()));
            } else {
                let mut get = Box::pin(c.get());
                park(&mut get);
                abandoned.push(get);
            }
        }
        drop(abandoned);
        c.get_then(record("end".to_string()));
        c.add(0..MAX_OP_QUEUE_SIZE);
        nop().await;
        let labels = (0..1024)
            .step_by(2)
            .map(|i: usize| i.to_string())
            .chain(["end".to_string()]);
        let expected: Vec<_> = labels.zip((0..513).map(Some)).collect();
        assert_eq!(*results.borrow(), expected);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_puts_fulfill_when_buffer_available
#[test]
fn test_puts_fulfill_when_buffer_available() {
    run_virtual(async {
        let c = Chan::fixed(1);
        let p = Rc::new(Cell::new(None));
        assert!(c.put("full").await);
        let seen = p.clone();
        c.put_then("enqueues", move |_| seen.set(Some("proceeded")));
        c.get().await;
        nop().await;
        assert_eq!(p.get(), Some("proceeded"));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_offer_poll. `put_nowait(v)` is `try_put`: Python's None (not put) is `Err(Full(v))`;
// `get_nowait()` is `try_get`: Python's None (nothing there) is `Err(Empty)`.
#[test]
fn test_offer_poll() {
    run_virtual(async {
        let c = Chan::fixed(2);
        assert_eq!(c.try_put(1), Ok(()));
        assert_eq!(c.try_put(2), Ok(()));
        assert_eq!(c.try_put(3), Err(TryPutError::Full(3)));
        assert_eq!(c.get().await, Some(1));
        assert_eq!(c.try_get(), Ok(2));
        assert_eq!(c.try_get(), Err(TryGetError::Empty));

        let c = Chan::new();
        assert_eq!(c.try_put(1), Err(TryPutError::Full(1)));
        assert_eq!(c.try_get(), Err(TryGetError::Empty));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_promise_chan
#[test]
fn test_promise_chan() {
    run_virtual(async {
        let c = Chan::promise();
        let get = |c: &Chan<&'static str>| {
            let c = c.clone();
            go(async move { c.get().await })
        };
        let t1 = get(&c);
        let t2 = get(&c);
        nop().await;
        assert!(!t1.is_finished());
        assert!(c.put("val").await);
        assert_eq!(t1.await, Some("val"));
        assert_eq!(t2.await, Some("val"));

        assert!(c.put("LOST").await);
        assert_eq!(c.get().await, Some("val"));
        for _ in 0..3 {
            assert_eq!(c.get().await, Some("val"));
        }
        c.close();
        nop().await;
        for _ in 0..3 {
            assert_eq!(c.get().await, Some("val"));
        }
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_iter. Rust's `from_range` counts up by one; Python's steps (`from_range(10, 20, 2)`,
// `from_range(4, -1, -1)`) are `from_iter` of a stepped or reversed range.
#[test]
fn test_iter() {
    run_virtual(async {
        let c = from_iter([1, 2, 3]);
        let mut r = Vec::new();
        while let Some(i) = c.get().await {
            r.push(i);
        }
        assert_eq!(r, [1, 2, 3]);
        assert!(c.is_closed());

        let c = from_iter((10..20).step_by(2));
        assert_eq!(collect(&c).await, [10, 12, 14, 16, 18]);

        let c = from_range(..);
        assert_eq!(collect_n(&c, 10).await, (0..10).collect::<Vec<i64>>());

        let c = from_iter((0..=4).rev());
        assert_eq!(collect(&c).await, [4, 3, 2, 1, 0]);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_immediate_callback. Rust calls back at once, before `nop`; Python checks after it.
#[test]
fn test_immediate_callback() {
    run_virtual(async {
        let p = Rc::new(Cell::new(Some(0)));
        let c = Chan::<u8>::new().close();
        let seen = p.clone();
        c.get_then(move |v| seen.set(v));
        assert_eq!(p.get(), None);
        nop().await;
        assert_eq!(p.get(), None);

        let p = Rc::new(Cell::new(None));
        let c = Chan::fixed(1);
        let seen = p.clone();
        c.put_then(1, move |ok| seen.set(Some(ok)));
        nop().await;
        assert_eq!(p.get(), Some(true));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_coroutine_dispatch. Python accepts a coroutine function as the callback and runs it as a
// task; in Rust the callback spawns the task.
#[test]
fn test_coroutine_dispatch() {
    run_virtual(async {
        let v = Rc::new(Cell::new(None));
        let c = Chan::fixed(1);
        let cb = {
            let v = v.clone();
            move |r: bool| {
                go(async move { v.set(Some(r)) });
            }
        };
        c.put_then("val", cb);
        sleep(Duration::from_millis(20)).await;
        assert_eq!(v.get(), Some(true));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_putting_none. Python refuses None because a get gives None once the channel is closed. In
// Rust a get gives `Option<T>`, so `None` is a value like any other and never mistaken for the end.
#[test]
fn test_putting_none() {
    let c = Chan::<Option<u8>>::fixed(1);
    assert_eq!(c.try_put(None), Ok(()));
    c.close();
    assert_eq!(c.try_get(), Ok(None), "the value None");
    assert_eq!(c.try_get(), Err(TryGetError::Closed), "the end");
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_timeout. Under virtual time the elapsed time is exact (Python: at least the timeout).
#[test]
fn test_timeout() {
    run_virtual(async {
        let tout = Duration::from_millis(20);
        let start = now();
        let c = timeout::<u8>(tout);
        c.get().await;
        let elapsed = now() - start;
        assert_eq!(elapsed, tout);
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_async_iterator. `async for` is `while let Some(v) = c.get().await`.
#[test]
fn test_async_iterator() {
    run_virtual(async {
        let c = Chan::new().add(0..10).close();
        let mut result = Vec::new();
        while let Some(v) = c.get().await {
            result.push(v);
        }
        assert_eq!(result, (0..10).collect::<Vec<_>>());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_stats
#[test]
fn test_stats() {
    run_virtual(async {
        let c = Chan::fixed(1);
        assert_eq!(c.stats(), stats(ChanState::Fluent, 0, 0, 0));
        c.get_then(|_| {});
        assert_eq!(c.stats(), stats(ChanState::PendingGets, 0, 0, 0));

        c.put(1).await;
        assert_eq!(c.stats(), stats(ChanState::Fluent, 0, 1, 0));

        c.put(1).await;
        assert_eq!(c.stats(), stats(ChanState::Fluent, 0, 1, 0));

        c.add([1]);
        assert_eq!(c.stats(), stats(ChanState::PendingPuts, 0, 1, 0));

        c.get().await;
        assert_eq!(c.stats(), stats(ChanState::Fluent, 1, 1, 0));

        c.get().await;
        assert_eq!(c.stats(), stats(ChanState::Fluent, 2, 1, 0));

        let c = Chan::new();
        c.add([1]);
        c.get().await;
        assert_eq!(c.stats(), stats(ChanState::Fluent, 0, 0, 1));
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_join. Python looks at the private close event; Rust awaits `join()` in a task and looks at
// whether it finished.
#[test]
fn test_join() {
    run_virtual(async {
        let join = |c: &Chan<&'static str>| {
            let c = c.clone();
            go(async move { c.join().await })
        };
        let c = Chan::new();
        c.add(["1"]);
        c.close();
        let j = join(&c);
        nop().await;
        assert!(!j.is_finished());

        let c = Chan::fixed(1);
        assert!(c.put("a").await);
        c.close();
        let j = join(&c);
        nop().await;
        assert!(!j.is_finished());

        assert_eq!(c.get().await, Some("a"));
        assert_eq!(c.get().await, None);
        nop().await;
        assert!(j.is_finished());
    });
}

// https://github.com/zh217/aiochan/blob/master/aiochan/test/test_channel.py
// test_tick_tock
#[test]
fn test_tick_tock() {
    run_virtual(async {
        let c = tick_tock(Duration::from_millis(1));
        let counts: Vec<u64> = collect_n(&c, 10).await.into_iter().map(|t| t.0).collect();
        assert_eq!(counts, (1..=10).collect::<Vec<_>>());
        c.close();
        sleep(Duration::from_millis(10)).await;
    });
}
