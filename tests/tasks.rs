//! Tasks and `JoinHandle`s: output, detach, abort, `is_finished`, names, where `go`/`run` work.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use aiochan::{go, go_named, nop, now, sleep, JoinHandle};

mod common;
use common::{ms, run_seeded, slack, within};

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(2, future)
}

/// The text of a panic payload.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<not a string>".to_string())
}

/// Counts its drops.
struct DropCount(Rc<Cell<u32>>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn awaiting_a_join_handle_gives_the_task_output() {
    let out = run_virtual(async {
        let words = go(async {
            sleep(ms(5)).await;
            vec!["a".to_string(), "b".to_string()]
        });
        let number = go(async { 6 * 7 });
        (words.await, number.await)
    });
    assert_eq!(out, (vec!["a".to_string(), "b".to_string()], 42));
}

#[test]
fn joining_a_task_that_already_finished_gives_its_output_at_once() {
    run_virtual(async {
        let task = go(async { String::from("kept") });
        while !task.is_finished() {
            nop().await;
        }
        let start = now();
        assert_eq!(task.await, "kept");
        assert_eq!(now(), start);
    });
}

#[test]
fn a_join_handle_polled_by_one_task_and_awaited_by_another_wakes_the_second() {
    let out = run_virtual(async {
        let shared = Rc::new(RefCell::new(None));
        let first = go({
            let shared = shared.clone();
            async move {
                let mut target = go(async {
                    sleep(ms(20)).await;
                    "target done"
                });
                let polled = std::future::poll_fn(|cx| {
                    Poll::Ready(std::pin::Pin::new(&mut target).poll(cx).is_pending())
                })
                .await;
                assert!(polled);
                *shared.borrow_mut() = Some(target);
            }
        });
        first.await; // the first task is gone; the target's handle now belongs to main
        let target = shared.borrow_mut().take().expect("the handle");
        target.await
    });
    assert_eq!(out, "target done");
}

#[test]
fn a_detached_task_keeps_running_to_its_end() {
    let steps = Rc::new(Cell::new(0));
    run_virtual({
        let steps = steps.clone();
        async move {
            drop(go({
                let steps = steps.clone();
                async move {
                    for _ in 0..3 {
                        sleep(ms(10)).await;
                        steps.set(steps.get() + 1);
                    }
                }
            }));
            sleep(ms(100)).await;
        }
    });
    assert_eq!(steps.get(), 3);
}

#[test]
fn a_detached_task_output_is_dropped_when_it_finishes() {
    let drops = Rc::new(Cell::new(0));
    run_virtual({
        let drops = drops.clone();
        async move {
            let guard = DropCount(drops.clone());
            drop(go(async move {
                sleep(ms(1)).await;
                guard
            }));
            sleep(ms(5)).await;
            assert_eq!(
                drops.get(),
                1,
                "the output of a detached task is dropped at its end"
            );
        }
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn abort_drops_the_task_at_once_and_it_never_runs_again() {
    let drops = Rc::new(Cell::new(0));
    let polls = Rc::new(Cell::new(0));
    run_virtual({
        let (drops, polls) = (drops.clone(), polls.clone());
        async move {
            let guard = DropCount(drops.clone());
            let task = go({
                let polls = polls.clone();
                async move {
                    let _guard = guard;
                    loop {
                        polls.set(polls.get() + 1);
                        nop().await;
                    }
                }
            });
            nop().await;
            nop().await;
            let polled = polls.get();
            assert!(polled > 0);
            task.abort();
            assert_eq!(drops.get(), 1, "abort drops the future before returning");
            for _ in 0..5 {
                nop().await;
            }
            sleep(ms(10)).await;
            assert_eq!(polls.get(), polled, "an aborted task ran again");
        }
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn abort_before_the_first_turn_means_the_task_never_runs() {
    let ran = Rc::new(Cell::new(false));
    run_virtual({
        let ran = ran.clone();
        async move {
            let task = go({
                let ran = ran.clone();
                async move { ran.set(true) }
            });
            task.abort();
            nop().await;
            nop().await;
        }
    });
    assert!(!ran.get());
}

#[test]
fn abort_of_a_finished_task_drops_its_output() {
    let drops = Rc::new(Cell::new(0));
    run_virtual({
        let drops = drops.clone();
        async move {
            let guard = DropCount(drops.clone());
            let task = go(async move { guard });
            nop().await;
            assert!(task.is_finished());
            assert_eq!(drops.get(), 0);
            task.abort();
            assert_eq!(drops.get(), 1);
        }
    });
}

#[test]
fn abort_of_a_sleeping_task_cancels_its_timer() {
    // Real time. After the abort nothing can ever wake main: if the hour-long timer were still
    // armed, the loop would sleep on it instead of reporting the deadlock at once.
    let outcome = within(Duration::from_secs(10), || {
        let begin = Instant::now();
        let result = catch_unwind(|| {
            aiochan::run(async {
                let sleeper = go(async { sleep(Duration::from_secs(3600)).await });
                nop().await; // the sleeper has armed its timer
                sleeper.abort();
                go_named("stuck", std::future::pending::<()>()).await;
            })
        });
        (begin.elapsed(), result.map_err(|p| message(&*p)))
    });
    let (elapsed, result) = outcome;
    let report = result.expect_err("the run deadlocks once the sleeper is aborted");
    assert!(
        report.starts_with("deadlock: all tasks are asleep"),
        "{report}"
    );
    assert!(elapsed < slack(Duration::from_secs(5)), "took {elapsed:?}");
}

#[test]
fn a_task_can_abort_itself_and_is_dropped_when_its_poll_returns() {
    let drops = Rc::new(Cell::new(0));
    let log = Rc::new(RefCell::new(Vec::new()));
    run_virtual({
        let (drops, log) = (drops.clone(), log.clone());
        async move {
            let own: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::new(RefCell::new(None));
            let guard = DropCount(drops.clone());
            let task = go({
                let (own, log, drops) = (own.clone(), log.clone(), drops.clone());
                async move {
                    let _guard = guard;
                    for i in 0.. {
                        log.borrow_mut().push(format!("turn {i}"));
                        if i == 2 {
                            let me = own.borrow_mut().take().expect("my handle");
                            me.abort();
                            // The rest of this poll still runs; the drop comes when it returns.
                            assert_eq!(drops.get(), 0);
                            log.borrow_mut().push("aborted myself".to_string());
                        }
                        nop().await;
                    }
                }
            });
            *own.borrow_mut() = Some(task);
            for _ in 0..10 {
                nop().await;
            }
            assert_eq!(drops.get(), 1);
        }
    });
    assert_eq!(drops.get(), 1);
    assert_eq!(
        *log.borrow(),
        ["turn 0", "turn 1", "turn 2", "aborted myself"]
    );
}

#[test]
fn a_task_that_aborts_itself_and_then_completes_is_dropped_once() {
    let drops = Rc::new(Cell::new(0));
    run_virtual({
        let drops = drops.clone();
        async move {
            let own: Rc<RefCell<Option<JoinHandle<DropCount>>>> = Rc::new(RefCell::new(None));
            let task = go({
                let (own, drops) = (own.clone(), drops.clone());
                async move {
                    nop().await;
                    own.borrow_mut().take().expect("my handle").abort();
                    DropCount(drops)
                }
            });
            *own.borrow_mut() = Some(task);
            for _ in 0..5 {
                nop().await;
            }
            assert_eq!(
                drops.get(),
                1,
                "the output of a self-aborted task is dropped"
            );
        }
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn is_finished_turns_true_when_the_task_completes() {
    run_virtual(async {
        let task = go(async {
            sleep(ms(10)).await;
            1
        });
        assert!(!task.is_finished());
        nop().await;
        assert!(!task.is_finished(), "still sleeping");
        sleep(ms(10)).await;
        assert!(task.is_finished());
        assert_eq!(task.await, 1);
    });
}

#[test]
fn go_outside_a_loop_panics_saying_where_to_call_it() {
    let payload = catch_unwind(|| drop(go(async {}))).expect_err("go outside a loop panics");
    let text = message(&*payload);
    assert!(text.contains("inside aiochan::run"), "{text}");
}

#[test]
#[should_panic(expected = "inside a running event loop")]
fn run_inside_run_panics() {
    aiochan::run(async { aiochan::run(async {}) });
}

#[test]
fn run_in_thread_returns_the_output_of_its_loop() {
    // The future is made on the loop's thread, so it may hold a JoinHandle across an await.
    let thread = aiochan::run_in_thread(|| async {
        let answer = go(async { 42 });
        sleep(ms(2)).await;
        let on_loop_thread = std::thread::current().name().map(str::to_string);
        (answer.await + aiochan::random_below(1), on_loop_thread)
    });
    let (answer, thread_name) = thread.join();
    assert_eq!(answer, 42);
    assert_ne!(
        thread_name,
        std::thread::current().name().map(str::to_string)
    );
}

#[test]
fn run_in_thread_resumes_a_panic_of_its_loop_on_join() {
    let thread = aiochan::run_in_thread(|| async {
        nop().await;
        panic!("loop thread failed");
    });
    let payload = catch_unwind(AssertUnwindSafe(|| thread.join())).expect_err("join resumes");
    let text = message(&*payload);
    assert!(
        text.starts_with("main panicked: loop thread failed"),
        "{text}"
    );
}

#[test]
fn named_tasks_report_their_name() {
    run_virtual(async {
        let named = go_named("worker", async {});
        let unnamed = go(async {});
        assert_eq!(named.name().as_deref(), Some("worker"));
        assert_eq!(unnamed.name(), None);
        assert!(format!("{named:?}").contains("worker"));
        named.await;
        unnamed.await;
    });
}
