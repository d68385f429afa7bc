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

/// The calls a callback of `select_then` was given: each chosen index and outcome.
type Calls<T> = Rc<RefCell<Vec<(usize, Outcome<T>)>>>;

/// A callback for `select_then` that records the index and outcome it was called with.
fn recorder<T: 'static>() -> (Calls<T>, impl FnOnce(aiochan::Selected<T>) + 'static) {
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

// --- select_blocking ---

use aiochan::{select_blocking, spawn_blocking, RemoteOp, SelectBlockingError};

#[test]
fn a_thread_blocks_in_select_blocking_until_a_task_completes_one_operation() {
    let (chosen, rest) = aiochan::run(async {
        let (a, b) = (Chan::<u32>::new(), Chan::<u32>::new());
        let ops = [a.sender(), b.sender()];
        let thread = std::thread::spawn(move || {
            select_blocking([RemoteOp::get(&ops[0]), RemoteOp::get(&ops[1])], false)
        });
        // The select waits in both channels until this put.
        while b.queue_lens() != (0, 1) {
            sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(a.queue_lens(), (0, 1));
        b.put(9).await;
        let chosen = spawn_blocking(move || thread.join().unwrap()).await;
        (chosen, a.try_put(1))
    });
    let chosen = chosen.unwrap();
    assert_eq!((chosen.index, chosen.value()), (1, Some(9)));
    assert_eq!(
        rest,
        Err(aiochan::TryPutError::Full(1)),
        "the get that lost was withdrawn"
    );
}

#[test]
fn select_blocking_puts_and_completes_exactly_one_operation() {
    let (chosen, left) = aiochan::run(async {
        let (full, jobs) = (Chan::fixed(1).add([1u32]), Chan::<u32>::fixed(1));
        let (full_tx, jobs_tx) = (full.sender(), jobs.sender());
        let thread = std::thread::spawn(move || {
            select_blocking(
                [RemoteOp::put(&full_tx, 2), RemoteOp::put(&jobs_tx, 3)],
                false,
            )
        });
        let chosen = spawn_blocking(move || thread.join().unwrap()).await;
        (chosen, (full.try_get(), full.try_get(), jobs.try_get()))
    });
    let chosen = chosen.unwrap();
    assert_eq!((chosen.index, chosen.outcome), (1, Outcome::Put(true)));
    assert_eq!(left, (Ok(1), Err(TryGetError::Empty), Ok(3)));
}

#[test]
fn when_the_loop_ends_a_waiting_select_blocking_fails_and_hands_its_put_values_back() {
    let (tx, rx) = std::sync::mpsc::channel();
    aiochan::run(async move {
        let (a, b) = (Chan::<String>::new(), Chan::<String>::new());
        let (a_tx, b_tx) = (a.sender(), b.sender());
        std::thread::spawn(move || {
            let ops = [
                RemoteOp::get(&a_tx),
                RemoteOp::put(&b_tx, "kept".to_string()),
            ];
            tx.send(select_blocking(ops, false)).unwrap();
        });
        while b.queue_lens() != (1, 0) {
            sleep(Duration::from_millis(1)).await;
        }
        // `main` returns with the select still waiting: the loop ends.
    });
    let result = rx.recv_timeout(Duration::from_secs(10)).expect("an answer");
    assert_eq!(
        result,
        Err(SelectBlockingError::LoopEnded(vec![(
            1,
            "kept".to_string()
        )]))
    );
    let e = result.unwrap_err();
    assert_eq!(
        e.to_string(),
        "selecting over channels whose event loop has ended"
    );
    assert_eq!(format!("{e:?}"), "LoopEnded(..)");
}

#[test]
fn select_blocking_after_the_loop_ended_fails_at_once_with_the_values() {
    let sender = aiochan::run(async { Chan::<u8>::new().sender() });
    let result = select_blocking([RemoteOp::put(&sender, 5), RemoteOp::get(&sender)], true);
    assert_eq!(result.unwrap_err().into_values(), [(0, 5)]);
}

#[test]
#[should_panic(expected = "cannot be used on the loop's own thread")]
fn select_blocking_on_the_loop_thread_panics() {
    aiochan::run(async {
        let c = Chan::<u8>::fixed(1).add([1]);
        let _ = select_blocking([RemoteOp::get(&c.sender())], false);
    });
}

// --- parallel_pipe_try ---

use aiochan::from_range;
use aiochan::ops::{Out, Parallel, PipeError};

/// Fails on multiples of 5 (an `Err` naming the value) and panics on 7.
fn picky(v: i64) -> Result<i64, String> {
    assert!(v != 7, "seven");
    if v % 5 == 0 {
        Err(format!("{v} is a multiple of 5"))
    } else {
        Ok(v * 10)
    }
}

/// Runs `picky` over `0..20` with `how`, reading results and failures at once; returns both.
fn run_picky(how: Parallel) -> (Vec<i64>, Vec<PipeError<String>>) {
    run_virtual(async move {
        let (results, errors) =
            from_range(0..20).parallel_pipe_try(how, picky, Out::new(), Out::new());
        let failed = go(async move { errors.collect().await });
        let got = results.collect().await;
        (got, failed.await)
    })
}

/// The failures `picky` must report over `0..20`, in input order.
fn picky_failures() -> Vec<PipeError<String>> {
    let failed = |index: u64| PipeError::Failed {
        index,
        error: format!("{index} is a multiple of 5"),
    };
    let seven = PipeError::Panicked {
        index: 7,
        message: "seven".to_string(),
    };
    vec![failed(0), failed(5), seven, failed(10), failed(15)]
}

/// What `picky` must deliver over `0..20`, in input order.
fn picky_results() -> Vec<i64> {
    (0..20)
        .filter(|v| v % 5 != 0 && *v != 7)
        .map(|v| v * 10)
        .collect()
}

#[test]
fn parallel_pipe_try_routes_errors_and_panics_to_the_error_channel_in_input_order() {
    let (got, failed) = run_picky(Parallel::threads(3).pool_buffer(2));
    assert_eq!(got, picky_results());
    assert_eq!(failed, picky_failures());
    assert_eq!(failed[2].to_string(), "item #7 panicked: seven");
    assert_eq!(
        failed[1].to_string(),
        "item #5 failed: 5 is a multiple of 5"
    );
}

#[test]
fn unordered_parallel_pipe_try_reports_every_failure_once() {
    let (mut got, mut failed) = run_picky(Parallel::threads(4).unordered());
    got.sort_unstable();
    failed.sort_by_key(PipeError::index);
    assert_eq!(got, picky_results());
    assert_eq!(failed, picky_failures());
}

#[test]
fn failed_items_give_their_place_back_so_a_pipe_of_one_place_keeps_going() {
    let failed = run_virtual(async {
        let how = Parallel::threads(1).pool_buffer(0);
        let (results, errors) =
            from_range(0..10).parallel_pipe_try(how, Err::<(), _>, Out::new(), Out::fixed(1));
        let failed = go(async move { errors.collect().await });
        assert_eq!(results.collect().await, []);
        failed.await
    });
    let indices: Vec<u64> = failed.iter().map(PipeError::index).collect();
    assert_eq!(indices, (0..10).collect::<Vec<_>>());
    assert!(failed
        .iter()
        .all(|e| matches!(e, PipeError::Failed { index, error } if *index == *error as u64)));
}

#[test]
#[should_panic(expected = "parallel_pipe_try: item #2 failed and its error channel is closed")]
fn a_failure_with_its_error_channel_closed_ends_the_run() {
    run_virtual(async {
        let errors = Chan::new().close();
        let (results, _) = from_range(0..5).parallel_pipe_try(
            Parallel::threads(1),
            |v| if v == 2 { Err(v) } else { Ok(v) },
            Out::new(),
            Out::to(&errors),
        );
        results.collect().await
    });
}
