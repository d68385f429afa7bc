//! `select!` patterns: a refutable pattern switches its arm off for the rest of the select when the
//! value does not match (the value is consumed), `else` runs once every arm is off, and `mut`/`ref`
//! bindings, or-patterns and `@` bindings work in arms.

use std::time::Duration;

use aiochan::{go, select, sleep, Chan, Runtime};

mod common;
use common::panic_message;

/// Runs `main` on a loop with virtual time.
fn run_virtual<F: std::future::Future + 'static>(main: F) -> F::Output {
    Runtime::builder().virtual_time(true).build().run(main)
}

#[test]
fn a_closed_channel_switches_its_arm_off_and_the_select_waits_on_the_others() {
    run_virtual(async {
        let start = aiochan::now();
        let closed: Chan<u32> = Chan::new().close();
        let later: Chan<&str> = Chan::new();
        let feeder = later.clone();
        go(async move {
            sleep(Duration::from_secs(3)).await;
            assert!(feeder.put("late").await);
        });
        let got = select! {
            biased;
            Some(n) = get(closed) => format!("number {n}"),
            Some(w) = get(later) => format!("word {w}"),
        };
        assert_eq!(got, "word late");
        assert_eq!(
            aiochan::now() - start,
            Duration::from_secs(3),
            "the select waited for the other arm"
        );
    });
}

#[test]
fn a_loop_with_else_drains_every_channel_then_leaves() {
    run_virtual(async {
        let letters = Chan::fixed(3).add(["a", "b", "c"]).close();
        let digits = Chan::fixed(2).add(["1", "2"]).close();
        let mut got = Vec::new();
        let mut rounds = 0;
        loop {
            rounds += 1;
            select! {
                Some(v) = get(letters) => got.push(v),
                Some(v) = get(digits) => got.push(v),
                else => break,
            }
        }
        got.sort_unstable();
        assert_eq!(got, ["1", "2", "a", "b", "c"]);
        assert_eq!(
            rounds, 6,
            "five values, then one select that finds both closed"
        );
    });
}

#[test]
fn else_runs_when_every_guard_is_false() {
    run_virtual(async {
        let c: Chan<u32> = Chan::fixed(1).add([5]);
        let got = select! {
            v = get(c), if false => v,
            else => Some(0),
        };
        assert_eq!(got, Some(0));
        assert_eq!(
            c.try_get(),
            Ok(5),
            "the disabled arm left its channel alone"
        );
    });
}

#[test]
fn a_value_that_does_not_match_is_consumed() {
    run_virtual(async {
        let c: Chan<u32> = Chan::fixed(2).add([2, 1]);
        let got = select! {
            Some(1) = get(c) => "one",
            else => "no one",
        };
        assert_eq!(got, "no one", "the 2 switched the only arm off");
        assert_eq!(c.try_get(), Ok(1), "the 2 was taken; the 1 is still there");
    });
}

#[test]
fn every_arm_off_without_else_panics_naming_the_select() {
    let line = line!() + 5;
    let message = panic_message(|| {
        run_virtual(async {
            let a: Chan<u32> = Chan::new().close();
            let b: Chan<u32> = Chan::new().close();
            select! {
                Some(v) = get(a) => v,
                Some(v) = get(b) => v,
            }
        })
    });
    assert!(
        message.contains(&format!(
            "select! at tests/select_macro_patterns.rs:{line}:"
        )),
        "{message}"
    );
    assert!(message.contains("every arm is disabled"), "{message}");
    assert!(message.contains("add an `else => ...` branch"), "{message}");
}

#[test]
fn default_runs_when_an_enabled_arm_is_not_ready_and_else_when_none_is_enabled() {
    run_virtual(async {
        let open: Chan<u32> = Chan::new();
        let got = select! {
            Some(v) = get(open) => v,
            default => 1,
            else => 2,
        };
        assert_eq!(got, 1);
        open.close();
        let got = select! {
            Some(v) = get(open) => v,
            default => 1,
            else => 2,
        };
        assert_eq!(got, 2, "the closed channel switched the arm off");
    });
}

#[test]
fn a_put_arm_pattern_on_its_bool_switches_it_off_when_closed() {
    run_virtual(async {
        let closed: Chan<u32> = Chan::new().close();
        let got = select! {
            true = put(closed, 7) => "put",
            else => "closed",
        };
        assert_eq!(got, "closed");
    });
}

#[test]
fn a_future_arm_whose_output_does_not_match_leaves_the_others_running() {
    run_virtual(async {
        let c: Chan<u32> = Chan::new();
        let feeder = c.clone();
        go(async move {
            sleep(Duration::from_secs(1)).await;
            assert!(feeder.put(9).await);
        });
        let got = select! {
            biased;
            Ok(n) = async { Err::<u32, &str>("refused") } => n,
            Some(n) = get(c) => n * 10,
        };
        assert_eq!(got, 90);
    });
}

#[test]
fn a_losing_put_keeps_its_value_for_the_next_round() {
    run_virtual(async {
        let start = aiochan::now();
        let wanted: Chan<u32> = Chan::new();
        let out: Chan<&str> = Chan::new();
        let (feeder, reader) = (wanted.clone(), out.clone());
        let receiver = go(async move {
            sleep(Duration::from_secs(1)).await;
            // Completes the get arm while the put arm is parked: the put withdraws, and the 1
            // does not match, so the put goes on waiting in the next round.
            assert!(feeder.put(1).await);
            sleep(Duration::from_secs(1)).await;
            reader.get().await
        });
        let got = select! {
            Some(9) = get(wanted) => "nine",
            true = put(out, "kept") => "put",
        };
        assert_eq!(got, "put");
        assert_eq!(receiver.await, Some("kept"));
        assert_eq!(aiochan::now() - start, Duration::from_secs(2));
    });
}

#[test]
fn mut_ref_or_and_at_patterns_bind_as_in_a_match() {
    run_virtual(async {
        let lists: Chan<Vec<u32>> = Chan::fixed(1).add([vec![3, 1, 2]]);
        let sorted = select! {
            Some(mut v) = get(lists) => {
                v.sort_unstable();
                v
            }
        };
        assert_eq!(sorted, [1, 2, 3]);

        let names: Chan<String> = Chan::fixed(1).add(["ada".to_string()]);
        let len = select! {
            Some(ref name) = get(names) => name.len(),
        };
        assert_eq!(len, 3);

        let small: Chan<u32> = Chan::fixed(3).add([7, 1, 2]).close();
        let mut got = Vec::new();
        loop {
            select! {
                Some(n @ (1 | 2)) = get(small) => got.push(n),
                else => break,
            }
        }
        assert_eq!(
            got,
            Vec::<u32>::new(),
            "the 7 switched the arm off in the first round"
        );
        assert_eq!(small.try_get(), Ok(1));

        let results: Chan<Result<Option<String>, u32>> = Chan::fixed(1).add([Ok(Some("x".into()))]);
        let joined = select! {
            Some(Ok(Some(mut s))) = get(results) => {
                s.push('!');
                s
            }
            else => String::new(),
        };
        assert_eq!(joined, "x!");
    });
}

#[test]
fn break_and_continue_in_a_body_mean_the_enclosing_loop() {
    run_virtual(async {
        let c: Chan<u32> = Chan::fixed(4).add([1, 2, 3, 4]).close();
        let mut odd = Vec::new();
        loop {
            select! {
                Some(n) = get(c) => {
                    if n % 2 == 0 {
                        continue;
                    }
                    odd.push(n);
                }
                else => break,
            }
        }
        assert_eq!(odd, [1, 3]);
    });
}

#[test]
fn sixteen_arms_with_patterns_and_else_fit_in_one_select() {
    run_virtual(async {
        let c: Vec<Chan<usize>> = (0..16).map(|i| Chan::fixed(1).add([i]).close()).collect();
        let mut got = Vec::new();
        loop {
            select! {
                Some(v) = get(c[0]) => got.push(v),
                Some(v) = get(c[1]) => got.push(v),
                Some(v) = get(c[2]) => got.push(v),
                Some(v) = get(c[3]) => got.push(v),
                Some(v) = get(c[4]) => got.push(v),
                Some(v) = get(c[5]) => got.push(v),
                Some(v) = get(c[6]) => got.push(v),
                Some(v) = get(c[7]) => got.push(v),
                Some(v) = get(c[8]) => got.push(v),
                Some(v) = get(c[9]) => got.push(v),
                Some(v) = get(c[10]) => got.push(v),
                Some(v) = get(c[11]) => got.push(v),
                Some(v) = get(c[12]) => got.push(v),
                Some(v) = get(c[13]) => got.push(v),
                Some(v) = get(c[14]) => got.push(v),
                Some(v) = get(c[15]) => got.push(v),
                default => unreachable!("an arm is always ready or disabled"),
                else => break,
            }
        }
        got.sort_unstable();
        assert_eq!(got, (0..16).collect::<Vec<_>>());
    });
}
