//! Panics: a task's panic ends the run naming the task; main's panic propagates unchanged.

use std::cell::Cell;
use std::future::Future;
use std::panic::{catch_unwind, panic_any, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use aiochan::{go, go_named, nop, sleep, Runtime};

mod common;
use common::run_seeded;

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(4, future)
}

/// Runs `f`, which must panic, and returns the panic's payload.
fn panic_of<R>(f: impl FnOnce() -> R) -> Box<dyn std::any::Any + Send> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload,
    }
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
#[should_panic(expected = "task 'worker' panicked: boom")]
fn a_panic_in_a_named_task_names_it() {
    aiochan::run(async {
        let worker = go_named("worker", async {
            nop().await;
            panic!("boom");
        });
        worker.await;
    });
}

#[test]
fn a_panic_in_an_unnamed_task_gives_its_spawn_number() {
    let payload = panic_of(|| {
        run_virtual(async {
            let first = go(async { sleep(Duration::from_secs(1)).await });
            let second = go(async { panic!("second one fails") });
            first.await;
            second.await;
        })
    });
    let text = message(&*payload);
    assert!(
        text.starts_with("task #2 panicked: second one fails"),
        "{text}"
    );
}

#[test]
fn a_task_panic_ends_the_run_even_if_nobody_awaits_the_task() {
    let payload = panic_of(|| {
        run_virtual(async {
            drop(go_named("detached", async {
                sleep(Duration::from_millis(5)).await;
                panic!("late failure");
            }));
            sleep(Duration::from_secs(3600)).await;
            unreachable!("main outlived a failed task");
        })
    });
    let text = message(&*payload);
    assert!(
        text.starts_with("task 'detached' panicked: late failure"),
        "{text}"
    );
}

#[test]
fn a_task_panic_message_carries_the_seed_to_replay_it() {
    let payload = panic_of(|| {
        Runtime::builder().seed(987).build().run(async {
            go(async { panic!("x") }).await;
        })
    });
    let text = message(&*payload);
    assert!(
        text.contains("(seed 987, fixed with Builder::seed"),
        "{text}"
    );
    let payload = panic_of(|| {
        Runtime::builder().virtual_time(true).build().run(async {
            go(async { panic!("x") }).await;
        })
    });
    let text = message(&*payload);
    let seed = text
        .split("AIOCHAN_SEED=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default();
    assert!(seed.parse::<u64>().is_ok(), "a drawn seed is named: {text}");
}

#[test]
fn the_other_tasks_are_dropped_when_a_task_panics() {
    let drops = Rc::new(Cell::new(0));
    let payload = panic_of(|| {
        run_virtual({
            let drops = drops.clone();
            async move {
                let in_main = DropCount(drops.clone());
                let g = DropCount(drops.clone());
                go(async move {
                    let _g = g;
                    std::future::pending::<()>().await;
                });
                let g = DropCount(drops.clone());
                go(async move {
                    let _g = g;
                    sleep(Duration::from_secs(60)).await;
                });
                let g = DropCount(drops.clone());
                go_named("failing", async move {
                    let _g = g;
                    nop().await;
                    panic!("boom");
                })
                .await;
                drop(in_main);
            }
        })
    });
    assert!(message(&*payload).starts_with("task 'failing' panicked: boom"));
    assert_eq!(
        drops.get(),
        4,
        "main's locals, both pending tasks and the failed task are all dropped once"
    );
}

#[test]
fn a_panic_in_main_names_main_and_the_seed_and_a_typed_payload_propagates_unchanged() {
    let payload = panic_of(|| {
        run_virtual(async {
            nop().await;
            panic!("main fails");
        })
    });
    let text = message(&*payload);
    assert!(
        text.starts_with("main panicked: main fails\n(seed "),
        "{text}"
    );

    #[derive(Debug, PartialEq)]
    struct Custom(u32);
    let payload = panic_of(|| {
        run_virtual(async {
            sleep(Duration::from_millis(3)).await;
            panic_any(Custom(17));
        })
    });
    assert_eq!(payload.downcast_ref::<Custom>(), Some(&Custom(17)));
}

#[test]
fn the_tasks_are_dropped_when_main_panics() {
    let drops = Rc::new(Cell::new(0));
    let _ = panic_of(|| {
        run_virtual({
            let drops = drops.clone();
            async move {
                let g = DropCount(drops.clone());
                go(async move {
                    let _g = g;
                    std::future::pending::<()>().await;
                });
                nop().await;
                panic!("main fails");
            }
        })
    });
    assert_eq!(drops.get(), 1);
}

#[test]
fn a_string_panic_payload_of_a_task_is_reported() {
    let payload = panic_of(|| {
        run_virtual(async {
            let n = 7;
            go_named("formatter", async move { panic!("failed with n = {n}") }).await;
        })
    });
    let text = message(&*payload);
    assert!(
        text.starts_with("task 'formatter' panicked: failed with n = 7"),
        "{text}"
    );

    let payload = panic_of(|| {
        run_virtual(async {
            go(async { panic_any(String::from("an owned String")) }).await;
        })
    });
    let text = message(&*payload);
    assert!(
        text.starts_with("task #1 panicked: an owned String"),
        "{text}"
    );
}

#[test]
fn a_non_string_panic_payload_of_a_task_is_still_reported() {
    let payload = panic_of(|| {
        run_virtual(async {
            go_named("odd", async { panic_any(42_u64) }).await;
        })
    });
    let text = message(&*payload);
    assert!(text.starts_with("task 'odd' panicked: "), "{text}");
}
