//! The `select!` macro: channels of different types, exactly once under contention, `biased;`,
//! `default`, future arms, `if` guards, closed channels and cancel safety.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use aiochan::{go, nop, select, sleep, Chan, Runtime};

mod common;
use common::{panic_message, run_seeded};

/// Four producers on their own unbuffered channels (two of numbers, two of strings), one consumer
/// selecting over the ones still open with guards: every value arrives exactly once.
fn fan_in(seed: u64, per_producer: u64) -> (Vec<u64>, Vec<String>) {
    run_seeded(seed, async move {
        let numbers: [Chan<u64>; 2] = [Chan::new(), Chan::new()];
        let words: [Chan<String>; 2] = [Chan::new(), Chan::new()];
        for (p, c) in numbers.iter().enumerate() {
            let c = c.clone();
            go(async move {
                for i in 0..per_producer {
                    assert!(c.put(p as u64 * 1_000_000 + i).await);
                    if i % 7 == 0 {
                        nop().await;
                    }
                }
                c.close();
            });
        }
        for (p, c) in words.iter().enumerate() {
            let c = c.clone();
            go(async move {
                for i in 0..per_producer {
                    assert!(c.put(format!("w{p}-{i}")).await);
                }
                c.close();
            });
        }
        let [n0, n1] = numbers;
        let [w0, w1] = words;
        let mut open = [true; 4];
        let (mut got_numbers, mut got_words) = (Vec::new(), Vec::new());
        while open.contains(&true) {
            select! {
                v = get(n0), if open[0] => match v {
                    Some(v) => got_numbers.push(v),
                    None => open[0] = false,
                },
                v = get(n1), if open[1] => match v {
                    Some(v) => got_numbers.push(v),
                    None => open[1] = false,
                },
                v = get(w0), if open[2] => match v {
                    Some(v) => got_words.push(v),
                    None => open[2] = false,
                },
                v = get(w1), if open[3] => match v {
                    Some(v) => got_words.push(v),
                    None => open[3] = false,
                },
            }
        }
        (got_numbers, got_words)
    })
}

#[test]
fn a_guarded_loop_over_four_channels_gets_every_value_exactly_once() {
    // Under Miri, where every step costs about a thousand times more, one seed and fewer values.
    let (seeds, per_producer) = if cfg!(miri) { (1, 30) } else { (5, 2_000) };
    for seed in 0..seeds {
        let (numbers, words) = fan_in(seed, per_producer);
        let total = 2 * per_producer as usize;
        assert_eq!(numbers.len(), total, "seed {seed}");
        assert_eq!(words.len(), total, "seed {seed}");
        let numbers: HashSet<u64> = numbers.into_iter().collect();
        let words: HashSet<String> = words.into_iter().collect();
        assert_eq!(numbers.len(), total, "seed {seed}: a number came twice");
        assert_eq!(words.len(), total, "seed {seed}: a word came twice");
        for p in 0..2u64 {
            for i in 0..per_producer {
                assert!(numbers.contains(&(p * 1_000_000 + i)), "seed {seed}: lost");
                assert!(words.contains(&format!("w{p}-{i}")), "seed {seed}: lost");
            }
        }
    }
}

#[test]
fn each_producer_keeps_its_order_through_the_select() {
    let per_producer = if cfg!(miri) { 20 } else { 500 };
    let (numbers, _) = fan_in(9, per_producer);
    for p in 0..2u64 {
        let mine: Vec<u64> = numbers
            .iter()
            .copied()
            .filter(|v| v / 1_000_000 == p)
            .collect();
        assert_eq!(
            mine,
            (0..per_producer)
                .map(|i| p * 1_000_000 + i)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_same_seed_interleaves_the_same_way() {
    let per_producer = if cfg!(miri) { 10 } else { 300 };
    assert_eq!(fan_in(4, per_producer), fan_in(4, per_producer));
    assert_ne!(fan_in(4, per_producer), fan_in(5, per_producer));
}

#[test]
fn a_false_guard_evaluates_neither_the_put_value_nor_the_future() {
    aiochan::run(async {
        let evaluated = Cell::new(0);
        let c: Chan<u32> = Chan::fixed(1);
        let d: Chan<u32> = Chan::fixed(1).add([5]);
        let got = select! {
            ok = put(c, { evaluated.set(evaluated.get() + 1); 1 }), if false => panic!("disabled arm ran: {ok}"),
            _ = async { evaluated.set(evaluated.get() + 10) }, if false => panic!("disabled future ran"),
            v = get(d) => v,
        };
        assert_eq!(got, Some(5));
        assert_eq!(evaluated.get(), 0);
        assert_eq!(c.try_get(), Err(aiochan::TryGetError::Empty));
    });
}

#[test]
fn a_disabled_arm_is_never_chosen_even_when_ready() {
    for seed in 0..if cfg!(miri) { 3 } else { 50 } {
        run_seeded(seed, async {
            let ready: Chan<u32> = Chan::fixed(1).add([1]);
            let also_ready: Chan<u32> = Chan::fixed(1).add([2]);
            let got = select! {
                v = get(ready), if false => v,
                v = get(also_ready) => v,
            };
            assert_eq!(got, Some(2));
            assert_eq!(
                ready.try_get(),
                Ok(1),
                "the disabled arm touched its channel"
            );
        });
    }
}

#[test]
fn every_arm_disabled_without_default_panics_with_the_fix() {
    let message = panic_message(|| {
        aiochan::run(async {
            let c: Chan<u32> = Chan::new();
            select! {
                v = get(c), if false => v,
            }
        })
    });
    assert!(message.contains("every arm is disabled"), "{message}");
    assert!(message.contains("add an `else => ...` branch"), "{message}");
}

#[test]
fn every_arm_disabled_with_default_takes_the_default() {
    aiochan::run(async {
        let c: Chan<u32> = Chan::new();
        let got = select! {
            v = get(c), if false => v,
            default => Some(0),
        };
        assert_eq!(got, Some(0));
    });
}

#[test]
fn biased_takes_the_first_ready_arm_in_the_order_written() {
    for seed in 0..if cfg!(miri) { 3 } else { 50 } {
        run_seeded(seed, async {
            let a: Chan<&str> = Chan::fixed(1).add(["a"]);
            let b: Chan<u8> = Chan::fixed(1).add([2]);
            let first = select! {
                biased;
                v = get(b) => format!("{v:?}"),
                v = get(a) => format!("{v:?}"),
            };
            assert_eq!(first, "Some(2)");
            assert_eq!(a.try_get(), Ok("a"));
        });
    }
}

#[test]
fn without_biased_two_ready_arms_each_win_about_half_the_time() {
    // Under Miri, fewer rounds and so a looser bound.
    let (rounds, half) = if cfg!(miri) {
        (80, 25..55)
    } else {
        (4_000, 1_800..2_200)
    };
    let mut wins = [0u32; 2];
    run_seeded(3, async {
        for _ in 0..rounds {
            let a: Chan<u8> = Chan::fixed(1).add([0]);
            let b: Chan<u8> = Chan::fixed(1).add([1]);
            let winner = select! {
                _ = get(a) => 0,
                _ = get(b) => 1,
            };
            wins[winner] += 1;
        }
    });
    assert!(wins.iter().all(|&w| half.contains(&w)), "{wins:?}");
}

#[test]
fn only_ready_arms_win_and_they_share_the_wins_evenly() {
    // Under Miri, fewer rounds and so a looser bound.
    let (rounds, half) = if cfg!(miri) {
        (80, 25..55)
    } else {
        (6_000, 2_700..3_300)
    };
    let mut wins = [0u32; 4];
    run_seeded(8, async {
        let ready_get: Chan<u8> = Chan::fixed(1).add([0]);
        let room: Chan<String> = Chan::fixed(1);
        let empty: Chan<u8> = Chan::new();
        for _ in 0..rounds {
            // A pending future must be polled to be known not ready; an empty channel need not be
            // tried at all. Neither may win.
            let winner = select! {
                _ = std::future::pending::<()>() => 0,
                v = get(ready_get) => { assert_eq!(v, Some(0)); 1 },
                v = get(empty) => panic!("nobody put on it: {v:?}"),
                ok = put(room, "x".to_string()) => { assert!(ok); 3 },
            };
            wins[winner] += 1;
            match winner {
                1 => ready_get.try_put(0).unwrap(),
                _ => assert_eq!(room.try_get().as_deref(), Ok("x")),
            }
        }
    });
    assert_eq!(wins[0], 0);
    assert!(
        half.contains(&wins[1]) && half.contains(&wins[3]),
        "{wins:?}"
    );
}

#[test]
fn a_put_to_a_closed_channel_completes_with_false() {
    aiochan::run(async {
        let closed: Chan<u8> = Chan::new().close();
        let never: Chan<u8> = Chan::new();
        let ok = select! {
            ok = put(closed, 1) => ok,
            v = get(never) => panic!("nobody puts: {v:?}"),
        };
        assert!(!ok);
    });
}

#[test]
fn a_parked_select_withdraws_its_losing_arms() {
    aiochan::run(async {
        let a: Chan<u32> = Chan::new();
        let b: Chan<u32> = Chan::new();
        let (a2, b2) = (a.clone(), b.clone());
        let sender = go(async move {
            sleep(Duration::ZERO).await;
            assert!(a2.put(7).await);
        });
        let got = select! {
            v = get(a) => v,
            v = get(b) => v,
            ok = put(b2, 9) => panic!("a put to b completed against nobody: {ok}"),
        };
        assert_eq!(got, Some(7));
        sender.await;
        // The get and the put on `b` left nothing behind: a later put finds no get.
        assert_eq!(b.try_put(1), Err(aiochan::TryPutError::Full(1)));
        assert_eq!(b.try_get(), Err(aiochan::TryGetError::Empty));
    });
}

#[test]
fn a_future_arm_that_wins_makes_the_channel_arms_withdraw() {
    Runtime::builder().virtual_time(true).build().run(async {
        let c: Chan<u32> = Chan::new();
        let timed_out = select! {
            v = get(c) => panic!("nobody puts: {v:?}"),
            _ = sleep(Duration::from_millis(5)) => true,
        };
        assert!(timed_out);
        assert_eq!(c.try_put(1), Err(aiochan::TryPutError::Full(1)));
    });
}

#[test]
fn dropping_a_task_parked_in_select_loses_no_value() {
    aiochan::run(async {
        let c: Chan<u32> = Chan::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        let (c2, log2) = (c.clone(), log.clone());
        let waiter = go(async move {
            let other: Chan<u32> = Chan::new();
            select! {
                v = get(c2) => log2.borrow_mut().push(v),
                v = get(other) => log2.borrow_mut().push(v),
            }
        });
        nop().await;
        // The task is parked in the select; aborting it withdraws both arms.
        waiter.abort();
        nop().await;
        assert_eq!(c.try_put(3), Err(aiochan::TryPutError::Full(3)));
        assert!(log.borrow().is_empty());
    });
}

#[test]
fn a_deadlock_report_names_the_enabled_channel_arms_in_the_order_written() {
    for seed in 0..if cfg!(miri) { 2 } else { 8 } {
        let report = panic_message(|| {
            run_seeded(seed, async {
                let a: Chan<u32> = Chan::new().named("a");
                let b: Chan<&str> = Chan::new().named("b");
                let c: Chan<u32> = Chan::new().named("c");
                let d: Chan<u32> = Chan::new().named("d");
                for round in 0..2 {
                    // The same select twice: each time the put to `a` wakes it.
                    let feeder = go({
                        let a = a.clone();
                        async move { a.put(round).await }
                    });
                    select! {
                        v = get(a) => assert_eq!(v, Some(round)),
                        ok = put(b, "x") => panic!("nobody gets from b: {ok}"),
                        v = get(d), if false => panic!("disabled: {v:?}"),
                    }
                    assert!(feeder.await);
                }
                // Then one on other channels, with the guard on `d` true: a new record.
                let enabled = true;
                select! {
                    v = get(c) => panic!("nobody puts to c: {v:?}"),
                    ok = put(b, "x") => panic!("nobody gets from b: {ok}"),
                    v = get(d), if enabled => panic!("nobody puts to d: {v:?}"),
                }
            })
        });
        assert!(
            report.contains(
                "main: waits on select of get from channel 'c', put to channel 'b', get from \
                 channel 'd' at tests/select_macro.rs:351\n"
            ),
            "seed {seed}: {report}"
        );
    }
}
