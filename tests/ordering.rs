//! The loop's five ordering rules (module doc of `aiochan::runtime`), rule by rule.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aiochan::{go, nop, now, sleep, Runtime};

mod common;
use common::{log, ms, push, run_seeded, within};

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(1, future)
}

/// Parks its task until someone takes the waker out of `slot` and wakes it.
struct Park {
    slot: Rc<RefCell<Option<Waker>>>,
    parked: bool,
}

fn park(slot: &Rc<RefCell<Option<Waker>>>) -> Park {
    Park {
        slot: slot.clone(),
        parked: false,
    }
}

impl Future for Park {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.parked && self.slot.borrow().is_none() {
            return Poll::Ready(());
        }
        self.parked = true;
        *self.slot.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

fn wake(slot: &Rc<RefCell<Option<Waker>>>) {
    let waker = slot.borrow_mut().take().expect("a parked task to wake");
    waker.wake();
}

/// Counts its drops.
struct DropCount(Rc<Cell<u32>>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 1: the ready queue is FIFO.
// ---------------------------------------------------------------------------------------------

#[test]
fn rule1_spawned_tasks_run_in_spawn_order() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let handles: Vec<_> = ["a", "b", "c", "d", "e"]
                .into_iter()
                .map(|name| {
                    let log = log.clone();
                    go(async move { push(&log, name) })
                })
                .collect();
            for h in handles {
                h.await;
            }
        }
    });
    assert_eq!(*log.borrow(), ["a", "b", "c", "d", "e"]);
}

#[test]
fn rule1_a_task_woken_or_spawned_during_a_turn_runs_after_the_tasks_already_ready() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let slot = Rc::new(RefCell::new(None));
            let parked = go({
                let (log, slot) = (log.clone(), slot.clone());
                async move {
                    push(&log, "p parks");
                    park(&slot).await;
                    push(&log, "p resumes");
                }
            });
            nop().await; // p has parked
            let a = go({
                let (log, slot) = (log.clone(), slot.clone());
                async move {
                    push(&log, "a");
                    wake(&slot);
                    let c = go({
                        let log = log.clone();
                        async move { push(&log, "c") }
                    });
                    push(&log, "a after waking p and spawning c");
                    c.await;
                }
            });
            let b = go({
                let log = log.clone();
                async move { push(&log, "b") }
            });
            a.await;
            b.await;
            parked.await;
        }
    });
    assert_eq!(
        *log.borrow(),
        [
            "p parks",
            "a",
            "a after waking p and spawning c",
            "b",
            "p resumes",
            "c"
        ]
    );
}

#[test]
fn rule1_spawn_never_runs_the_task_inline() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let task = go({
                let log = log.clone();
                async move { push(&log, "task") }
            });
            push(&log, "main after go");
            assert!(!task.is_finished());
            push(&log, "main before its first await");
            nop().await;
            push(&log, "main after nop");
            assert!(task.is_finished());
        }
    });
    assert_eq!(
        *log.borrow(),
        [
            "main after go",
            "main before its first await",
            "task",
            "main after nop"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 2: timers.
// ---------------------------------------------------------------------------------------------

#[test]
fn rule2_timers_with_one_deadline_set_at_one_instant_fire_together_in_the_order_set() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let start = now();
            // Spawned a, b, c; a yields once before setting its timer, so the timers are set in the
            // order b, c, a, all at instant 0 (virtual time stands still while tasks are ready).
            let spawn = |name: &'static str, yield_first: bool| {
                let log = log.clone();
                go(async move {
                    if yield_first {
                        nop().await;
                    }
                    assert_eq!(now(), start);
                    sleep(ms(10)).await;
                    assert_eq!(now() - start, ms(10));
                    push(&log, name);
                    // Spawned by the first of the group: runs after the whole group, which
                    // became ready together.
                    let log = log.clone();
                    go(async move { push(&log, format!("spawned by {name}")) });
                })
            };
            let handles = [spawn("a", true), spawn("b", false), spawn("c", false)];
            for h in handles {
                h.await;
            }
            sleep(ms(1)).await;
        }
    });
    assert_eq!(
        *log.borrow(),
        [
            "b",
            "c",
            "a",
            "spawned by b",
            "spawned by c",
            "spawned by a"
        ]
    );
}

#[test]
fn rule2_a_timer_set_at_an_earlier_instant_fires_first_and_its_group_runs_out_first() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let start = now();
            let slot = Rc::new(RefCell::new(None));
            // A task parked since the start, woken by x's group.
            let parked = go({
                let (log, slot) = (log.clone(), slot.clone());
                async move {
                    park(&slot).await;
                    push(&log, "parked task woken by x");
                    nop().await;
                    push(&log, "parked task after a nop");
                }
            });
            // y is spawned first (so neither spawn order nor task ids put x first), sleeps 5ms,
            // then at t=5 sleeps 5ms more: deadline 10, set at instant 5.
            let y = go({
                let log = log.clone();
                async move {
                    sleep(ms(5)).await;
                    assert_eq!(now() - start, ms(5));
                    sleep(ms(5)).await;
                    assert_eq!(now() - start, ms(10));
                    push(&log, "y");
                }
            });
            // x sleeps 10ms at t=0: deadline 10, set at instant 0.
            let x = go({
                let (log, slot) = (log.clone(), slot.clone());
                async move {
                    sleep(ms(10)).await;
                    assert_eq!(now() - start, ms(10));
                    push(&log, "x");
                    wake(&slot);
                    // A chain of turns started by x's group: all of it runs before y's group.
                    go({
                        let log = log.clone();
                        async move {
                            for i in 0..5 {
                                push(&log, format!("z{i}"));
                                nop().await;
                            }
                        }
                    });
                }
            });
            x.await;
            y.await;
            parked.await;
        }
    });
    assert_eq!(
        *log.borrow(),
        [
            "x",
            "parked task woken by x",
            "z0",
            "parked task after a nop",
            "z1",
            "z2",
            "z3",
            "z4",
            "y"
        ]
    );
}

#[test]
fn rule2_timers_fire_in_deadline_order_whatever_the_order_they_were_set_in() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let handles: Vec<_> = [30u64, 10, 20, 0, 25]
                .into_iter()
                .map(|d| {
                    let log = log.clone();
                    go(async move {
                        sleep(ms(d)).await;
                        push(&log, d.to_string());
                    })
                })
                .collect();
            for h in handles {
                h.await;
            }
        }
    });
    assert_eq!(*log.borrow(), ["0", "10", "20", "25", "30"]);
}

// ---------------------------------------------------------------------------------------------
// Rule 3: no interleaving unless await.
// ---------------------------------------------------------------------------------------------

#[test]
fn rule3_a_synchronous_section_is_never_interrupted() {
    // Real time: a timer falls due and other tasks are ready during the section, yet nothing runs
    // in between; awaiting futures that are already ready does not give up the turn either.
    let log = log();
    Runtime::builder().seed(3).build().run({
        let log = log.clone();
        async move {
            let yielder = go({
                let log = log.clone();
                async move {
                    for _ in 0..3 {
                        push(&log, "yielder");
                        nop().await;
                    }
                }
            });
            let sleeper = go({
                let log = log.clone();
                async move {
                    sleep(ms(1)).await;
                    push(&log, "sleeper");
                }
            });
            let done = go(async { 5 });
            nop().await; // every task has run once; `done` has finished
            assert!(done.is_finished());
            push(&log, "section start");
            let begin = Instant::now();
            let mut iterations = 0u32;
            while begin.elapsed() < ms(20) {
                std::future::ready(()).await;
                iterations += 1;
            }
            assert_eq!(done.await, 5); // already finished: ready at once
            assert!(iterations > 0);
            push(&log, "section end");
            yielder.await;
            sleeper.await;
        }
    });
    let log = log.borrow();
    let start = log.iter().position(|e| e == "section start").unwrap();
    assert_eq!(
        log[start + 1],
        "section end",
        "something ran inside the section: {log:?}"
    );
    assert!(log.iter().any(|e| e == "sleeper"));
}

// ---------------------------------------------------------------------------------------------
// Rule 4: `run` returns once the main future's completion has been seen.
// ---------------------------------------------------------------------------------------------

#[test]
fn rule4_tasks_ready_when_main_completes_get_exactly_one_more_turn() {
    let log = log();
    let output = run_virtual({
        let log = log.clone();
        async move {
            let slot = Rc::new(RefCell::new(None));
            go({
                let (log, slot) = (log.clone(), slot.clone());
                async move {
                    park(&slot).await;
                    push(&log, "woken task");
                    nop().await;
                    push(&log, "woken task after nop");
                }
            });
            nop().await; // the task has parked
            wake(&slot);
            go({
                let log = log.clone();
                async move {
                    push(&log, "spawned task");
                    go({
                        let log = log.clone();
                        async move { push(&log, "spawned by the spawned task") }
                    });
                }
            });
            push(&log, "main returns");
            "output"
        }
    });
    assert_eq!(output, "output");
    assert_eq!(
        *log.borrow(),
        ["main returns", "woken task", "spawned task"]
    );
}

#[test]
fn rule4_pending_tasks_are_dropped_exactly_once_when_run_returns() {
    let drops = Rc::new(Cell::new(0));
    let bodies_done = Rc::new(Cell::new(0));
    run_virtual({
        let (drops, bodies_done) = (drops.clone(), bodies_done.clone());
        async move {
            let guard = || DropCount(drops.clone());
            let slot = Rc::new(RefCell::new(None));
            // Pending on a foreign future, on a timer, on a parked waker, and never started.
            let g = guard();
            let done = bodies_done.clone();
            go(async move {
                let _g = g;
                std::future::pending::<()>().await;
                done.set(done.get() + 1);
            });
            let g = guard();
            let done = bodies_done.clone();
            go(async move {
                let _g = g;
                sleep(Duration::from_secs(3600)).await;
                done.set(done.get() + 1);
            });
            let g = guard();
            let (done, s) = (bodies_done.clone(), slot.clone());
            go(async move {
                let _g = g;
                park(&s).await;
                done.set(done.get() + 1);
            });
            nop().await;
            let g = guard();
            let done = bodies_done.clone();
            // Spawned just before main returns: it gets the last turn, and is pending after it.
            go(async move {
                let _g = g;
                nop().await;
                done.set(done.get() + 1);
            });
            assert_eq!(drops.get(), 0);
        }
    });
    assert_eq!(drops.get(), 4, "every pending task dropped, each once");
    assert_eq!(bodies_done.get(), 0, "no pending task ran to its end");
}

#[test]
fn rule4_tasks_spawned_by_destructors_at_shutdown_are_dropped_too() {
    /// When dropped, spawns a task that holds the next link of the chain (so its destructor runs
    /// on the loop too: `go` would panic anywhere else).
    struct SpawnOnDrop {
        links_left: u32,
        drops: Rc<Cell<u32>>,
        ran: Rc<Cell<bool>>,
    }
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            self.drops.set(self.drops.get() + 1);
            if self.links_left == 0 {
                return;
            }
            let next = SpawnOnDrop {
                links_left: self.links_left - 1,
                drops: self.drops.clone(),
                ran: self.ran.clone(),
            };
            go(async move {
                next.ran.set(true);
            });
        }
    }

    let drops = Rc::new(Cell::new(0));
    let ran = Rc::new(Cell::new(false));
    run_virtual({
        let (drops, ran) = (drops.clone(), ran.clone());
        async move {
            let on_drop = SpawnOnDrop {
                links_left: 3,
                drops,
                ran,
            };
            go(async move {
                let _on_drop = on_drop;
                std::future::pending::<()>().await;
            });
            nop().await;
        }
    });
    assert_eq!(
        drops.get(),
        4,
        "the pending task and the three spawned one after the other by destructors"
    );
    assert!(!ran.get(), "a task spawned during shutdown never runs");
}

// ---------------------------------------------------------------------------------------------
// Rule 5: no starvation.
// ---------------------------------------------------------------------------------------------

#[test]
fn rule5_a_task_yielding_forever_does_not_starve_a_timer_under_real_time() {
    let spins = within(Duration::from_secs(10), || {
        aiochan::run(async {
            let spins = Rc::new(Cell::new(0u64));
            go({
                let spins = spins.clone();
                async move {
                    loop {
                        spins.set(spins.get() + 1);
                        nop().await;
                    }
                }
            });
            let begin = Instant::now();
            sleep(ms(5)).await;
            assert!(begin.elapsed() >= ms(5));
            spins.get()
        })
    });
    assert!(spins > 0);
}

#[test]
fn rule5_a_due_timer_fires_within_32_turns_of_a_yielding_task() {
    let yields_before_timer = run_virtual(async {
        let yields = Rc::new(Cell::new(0u32));
        let yielder = go({
            let yields = yields.clone();
            async move {
                for _ in 0..1000 {
                    yields.set(yields.get() + 1);
                    nop().await;
                }
            }
        });
        sleep(Duration::ZERO).await; // due at once
        let seen = yields.get();
        yielder.abort();
        seen
    });
    assert!(
        (1..=32).contains(&yields_before_timer),
        "the due timer waited {yields_before_timer} turns"
    );
}

#[test]
fn rule5_the_virtual_clock_stands_still_while_tasks_are_ready() {
    let log = log();
    run_virtual({
        let log = log.clone();
        async move {
            let start = now();
            let yielder = go({
                let log = log.clone();
                async move {
                    // Under Miri, where every step costs about a thousand times more, fewer turns.
                    for _ in 0..if cfg!(miri) { 50 } else { 1000 } {
                        assert_eq!(now(), start, "the clock moved while a task was ready");
                        nop().await;
                    }
                    push(&log, "yielder done");
                }
            });
            sleep(ms(10)).await;
            assert_eq!(now() - start, ms(10));
            push(&log, "main woke");
            yielder.await;
        }
    });
    assert_eq!(*log.borrow(), ["yielder done", "main woke"]);
}
