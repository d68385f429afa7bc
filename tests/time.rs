//! Timers and the loop clock: `sleep`, `sleep_until` and `now` under virtual and real time.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use aiochan::{go, now, random_below, sleep, sleep_until, Runtime};

mod common;
use common::{ms, oneshot, run_seeded, slack};

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(5, future)
}

/// Polls `future` once; whether it was still pending.
async fn poll_once<F: Future>(mut future: Pin<&mut F>) -> bool {
    poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_pending())).await
}

#[test]
fn under_virtual_time_an_hour_long_sleep_ends_at_once_an_hour_later() {
    let begin = Instant::now();
    let elapsed = run_virtual(async {
        let start = now();
        sleep(Duration::from_secs(3600)).await;
        now() - start
    });
    assert_eq!(elapsed, Duration::from_secs(3600));
    assert!(begin.elapsed() < slack(Duration::from_secs(1)));
}

#[test]
fn under_virtual_time_sleeps_add_up_exactly() {
    let elapsed = run_virtual(async {
        let start = now();
        for d in [1, 63, 64, 65, 4095, 4096, 300_000] {
            let before = now();
            sleep(ms(d)).await;
            assert_eq!(now() - before, ms(d));
        }
        now() - start
    });
    assert_eq!(elapsed, ms(1 + 63 + 64 + 65 + 4095 + 4096 + 300_000));
}

#[test]
fn sub_millisecond_sleeps_round_up_to_a_whole_millisecond() {
    let elapsed = run_virtual(async {
        let start = now();
        sleep(Duration::from_micros(1)).await;
        let one = now() - start;
        sleep(Duration::from_micros(1500)).await;
        (one, now() - start)
    });
    assert_eq!(elapsed, (ms(1), ms(3)));
}

#[test]
fn sleep_until_wakes_at_the_deadline() {
    let (woke_at, deadline, past) = run_virtual(async {
        let deadline = now() + ms(1500);
        sleep_until(deadline).await;
        let woke_at = now();
        // A deadline already passed ends at once, without moving the clock.
        sleep_until(deadline - ms(700)).await;
        (woke_at, deadline, now())
    });
    assert_eq!(woke_at, deadline);
    assert_eq!(past, deadline);
}

#[test]
fn sleep_zero_completes_under_both_clocks() {
    for virtual_time in [false, true] {
        let elapsed = Runtime::builder()
            .virtual_time(virtual_time)
            .seed(6)
            .build()
            .run(async {
                let start = now();
                sleep(Duration::ZERO).await;
                now() - start
            });
        if virtual_time {
            assert_eq!(elapsed, Duration::ZERO);
        }
    }
}

#[test]
fn dropping_a_sleep_cancels_its_timer() {
    // Under virtual time the clock jumps to the next armed timer whenever nothing is ready. After
    // the hour-long sleep is dropped, main waits on a thread: were the timer still armed, the clock
    // would jump an hour meanwhile.
    let (elapsed, value) = run_virtual(async {
        let start = now();
        {
            let hour = pin!(sleep(Duration::from_secs(3600)));
            assert!(poll_once(hour).await, "the sleep armed its timer");
        }
        let (tx, rx) = oneshot();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(ms(20));
            tx.send(7);
        });
        let value = rx.await;
        thread.join().unwrap();
        (now() - start, value)
    });
    assert_eq!(value, 7);
    assert_eq!(elapsed, Duration::ZERO);
}

#[test]
fn a_sleep_polled_by_one_task_and_awaited_by_another_wakes_the_second() {
    let elapsed = run_virtual(async {
        let start = now();
        let shared = Rc::new(RefCell::new(None));
        let first = go({
            let shared = shared.clone();
            async move {
                let mut timer = Box::pin(sleep(ms(30)));
                assert!(poll_once(timer.as_mut()).await);
                *shared.borrow_mut() = Some(timer);
            }
        });
        first.await;
        let timer = shared.borrow_mut().take().expect("the armed sleep");
        go(timer).await;
        now() - start
    });
    assert_eq!(elapsed, ms(30));
}

#[test]
fn ten_thousand_random_timers_fire_in_deadline_order() {
    // Under Miri, where every step costs about a thousand times more, 100 timers.
    const TIMERS: usize = if cfg!(miri) { 100 } else { 10_000 };
    let (fired, expected) = run_virtual(async {
        let start = now();
        let fired = Rc::new(RefCell::new(Vec::with_capacity(TIMERS)));
        let mut expected = Vec::with_capacity(TIMERS);
        let mut handles = Vec::with_capacity(TIMERS);
        for i in 0..TIMERS {
            // Deadlines up to ~12 days: every level of the wheel, with ties at the short end.
            let d = if i % 2 == 0 {
                random_below(100)
            } else {
                random_below(1_000_000_000)
            };
            expected.push((d, i));
            let fired = fired.clone();
            handles.push(go(async move {
                sleep(ms(d)).await;
                assert_eq!(now() - start, ms(d), "timer {i} fired at the wrong time");
                fired.borrow_mut().push((d, i));
            }));
        }
        for h in handles {
            h.await;
        }
        // All set at instant 0 in spawn order: equal deadlines fire in spawn order.
        expected.sort();
        (fired.take(), expected)
    });
    assert_eq!(fired.len(), TIMERS);
    assert!(fired == expected, "timers fired out of deadline order");
}

#[test]
fn timers_set_at_many_instants_fire_in_deadline_then_set_instant_then_set_order() {
    // 300 tasks each sleep 10 times, a random duration (from 0 to ~12 days) after a random number
    // of yields. Whatever the mix, the timers fire in the order of (deadline, instant set, order
    // set), each exactly at its deadline. Under Miri, where every step costs about a thousand times
    // more, 10 tasks and one seed.
    let (tasks, seeds) = if cfg!(miri) { (10, 1) } else { (300, 2) };
    for seed in 1..=seeds {
        let (sets, wakes) = Runtime::builder()
            .virtual_time(true)
            .seed(seed)
            .build()
            .run(async {
                let start = now();
                let since_start = move || (now() - start).as_millis() as u64;
                // (deadline, instant set, order set), in the order set.
                let sets = Rc::new(RefCell::new(Vec::new()));
                // Indices into `sets`, in the order fired.
                let wakes = Rc::new(RefCell::new(Vec::new()));
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        let (sets, wakes) = (sets.clone(), wakes.clone());
                        go(async move {
                            for _ in 0..10 {
                                for _ in 0..random_below(3) {
                                    aiochan::nop().await;
                                }
                                let d = match random_below(4) {
                                    0 => random_below(3),
                                    1 => random_below(100),
                                    2 => random_below(5000),
                                    _ => random_below(1_000_000_000),
                                };
                                let set_at = since_start();
                                let order = sets.borrow().len();
                                sets.borrow_mut().push((set_at + d, set_at, order));
                                sleep(ms(d)).await;
                                assert_eq!(since_start(), set_at + d, "fired at the wrong time");
                                wakes.borrow_mut().push(order);
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.await;
                }
                (sets.take(), wakes.take())
            });
        let mut expected = sets;
        expected.sort_unstable();
        let expected: Vec<usize> = expected.into_iter().map(|(_, _, order)| order).collect();
        assert_eq!(wakes.len(), tasks * 10);
        assert!(wakes == expected, "seed {seed}: timers fired out of order");
    }
}

#[test]
fn a_sleep_beyond_the_wheels_span_ends_on_time() {
    // 2^36 ms is about 795 days. The wheel caps deadlines at the end of its current top-level span
    // and re-arms; at that very tick the cap is the current tick itself, so the sleep fires and
    // re-arms at the same tick forever. (Under real time: any timer crossing 795 days of uptime.)
    let span = Duration::from_millis(1 << 36);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let elapsed = run_virtual(async {
            let start = now();
            sleep(span).await;
            sleep(Duration::from_secs(3 * 365 * 86_400)).await;
            now() - start
        });
        let _ = tx.send(elapsed);
    });
    let elapsed = rx
        .recv_timeout(slack(Duration::from_secs(5)))
        .expect("the sleeps end within 5s of wall time");
    assert_eq!(elapsed, span + Duration::from_secs(3 * 365 * 86_400));
}

#[test]
fn under_real_time_a_sleep_takes_at_least_its_duration() {
    let (elapsed, loop_elapsed) = aiochan::run(async {
        let begin = Instant::now();
        let start = now();
        sleep(ms(20)).await;
        (begin.elapsed(), now() - start)
    });
    assert!(elapsed >= ms(20), "slept {elapsed:?}");
    assert!(
        loop_elapsed >= ms(20),
        "the loop clock says {loop_elapsed:?}"
    );
}

#[test]
fn under_real_time_timers_fire_in_deadline_order() {
    let order = aiochan::run(async {
        let order = Rc::new(RefCell::new(Vec::new()));
        let handles: Vec<_> = [15u64, 5, 10]
            .into_iter()
            .map(|d| {
                let order = order.clone();
                go(async move {
                    sleep(ms(d)).await;
                    order.borrow_mut().push(d);
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
        order.take()
    });
    assert_eq!(order, [5, 10, 15]);
}
