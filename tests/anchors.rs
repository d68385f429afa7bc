//! The anchors' last features: `timeout_future` (tokio's `time::timeout`), `select_then`
//! (core.async's `do-alts`), `select_blocking` (core.async's `alts!!`) and the error channel of
//! `parallel_pipe_try` (Python aiochan's `error_cb`).

use std::time::Duration;

use aiochan::{go, now, sleep, timeout_future, Chan, Elapsed, Runtime, TryGetError};

/// Runs `future` on a loop with virtual time.
fn run_virtual<F: std::future::Future>(future: F) -> F::Output {
    Runtime::builder()
        .virtual_time(true)
        .seed(7)
        .build()
        .run(future)
}

#[test]
fn timeout_future_gives_the_output_of_a_future_that_completes_in_time() {
    let (got, took) = run_virtual(async {
        let start = now();
        let c = Chan::new();
        let sender = c.clone();
        go(async move {
            sleep(Duration::from_millis(30)).await;
            sender.put(5).await;
        });
        let got = timeout_future(Duration::from_millis(100), c.get()).await;
        (got, now() - start)
    });
    assert_eq!(got, Ok(Some(5)));
    assert_eq!(took, Duration::from_millis(30));
}

#[test]
fn timeout_future_elapses_on_the_virtual_clock_and_drops_the_future() {
    let (got, took, left) = run_virtual(async {
        let start = now();
        let c = Chan::new();
        // The put waits for a get that never comes; the timeout drops it, withdrawing the value.
        let got = timeout_future(Duration::from_secs(60), c.put("late")).await;
        (got, now() - start, c.try_get())
    });
    assert_eq!(got, Err(Elapsed::after(Duration::from_secs(60))));
    assert_eq!(took, Duration::from_secs(60));
    assert_eq!(
        left,
        Err(TryGetError::Empty),
        "the dropped put left no value behind"
    );
}

#[test]
fn elapsed_is_an_error_that_says_how_long_was_waited() {
    let e = Elapsed::after(Duration::from_millis(250));
    assert_eq!(e.duration(), Duration::from_millis(250));
    assert_eq!(e.to_string(), "the future did not complete within 250ms");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(boxed.source().is_none());
}

#[test]
fn a_ready_future_wins_against_a_zero_timeout() {
    let got = run_virtual(async { timeout_future(Duration::ZERO, async { 1 }).await });
    assert_eq!(got, Ok(1));
}

// --- select_then ---

use std::cell::RefCell;
use std::rc::Rc;

use aiochan::{nop, select_then, Op, Outcome};

/// A callback for `select_then` that records the index and outcome it was called with.
fn recorder<T: 'static>() -> (
    Rc<RefCell<Vec<(usize, Outcome<T>)>>>,
    impl FnOnce(aiochan::Selected<T>) + 'static,
) {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let record = calls.clone();
    (calls, move |chosen: aiochan::Selected<T>| {
        record.borrow_mut().push((chosen.index, chosen.outcome))
    })
}

#[test]
fn select_then_calls_back_before_returning_when_an_operation_completes_at_once() {
    run_virtual(async {
        let (empty, full) = (Chan::<i32>::new(), Chan::fixed(1).add([4]));
        let (calls, then) = recorder();
        select_then([Op::get(&empty), Op::get(&full)], false, then);
        assert_eq!(*calls.borrow(), [(1, Outcome::Got(Some(4)))]);
    });
}

#[test]
fn a_waiting_select_then_calls_back_once_in_a_later_turn_and_withdraws_the_other_puts() {
    run_virtual(async {
        let (out, input) = (Chan::new(), Chan::new());
        let (calls, then) = recorder();
        select_then([Op::put(&out, 1), Op::get(&input)], false, then);
        assert!(calls.borrow().is_empty());
        input.put(5).await;
        assert!(
            calls.borrow().is_empty(),
            "the callback waits for a later turn"
        );
        nop().await;
        assert_eq!(*calls.borrow(), [(1, Outcome::Got(Some(5)))]);
        // The put that lost was withdrawn: nothing waits on `out`.
        assert_eq!(out.try_get(), Err(TryGetError::Empty));
        // Another value for `input` is not taken by the select that completed.
        input.put_then(6, |_| {});
        assert_eq!(input.try_get(), Ok(6));
        assert_eq!(calls.borrow().len(), 1);
    });
}

#[test]
fn select_then_with_priority_takes_the_first_ready_operation() {
    run_virtual(async {
        let chans: Vec<Chan<u32>> = (0..4).map(|i| Chan::fixed(1).add([i])).collect();
        for _ in 0..20 {
            let (calls, then) = recorder();
            select_then(chans.iter().rev().map(Op::get), true, then);
            assert_eq!(*calls.borrow(), [(0, Outcome::Got(Some(3)))]);
            chans[3].try_put(3).unwrap();
        }
    });
}

/// Counts its drops, to see that a value is dropped exactly once.
struct Counted(Rc<RefCell<u32>>);

impl Drop for Counted {
    fn drop(&mut self) {
        *self.0.borrow_mut() += 1;
    }
}

#[test]
fn the_loop_end_drops_a_waiting_select_then_without_calling_it_and_no_leak_is_reported() {
    let drops = Rc::new(RefCell::new(0));
    let called = Rc::new(RefCell::new(false));
    let (d, c) = (drops.clone(), called.clone());
    aiochan::testing::check(3, async move {
        let nobody = Chan::new();
        select_then([Op::put(&nobody, Counted(d))], false, move |_| {
            *c.borrow_mut() = true;
        });
    });
    assert!(!*called.borrow());
    assert_eq!(
        *drops.borrow(),
        1,
        "the put's value was dropped once, at the end"
    );
}

#[test]
#[should_panic(expected = "select_then of no operations")]
fn select_then_of_nothing_panics() {
    run_virtual(async { select_then(Vec::<Op<u8>>::new(), false, |_| {}) });
}
