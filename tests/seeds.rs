//! Seeds: the same seed replays the same run, another seed another one; `seed()` reports it.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use aiochan::{go, now, random_below, random_u64, seed, sleep, Runtime};

/// Ten tasks sleep a random number of milliseconds each; the order in which they wake, and when.
fn completion_order(seed: u64) -> Vec<(usize, Duration)> {
    Runtime::builder()
        .virtual_time(true)
        .seed(seed)
        .build()
        .run(async {
            let start = now();
            let order = Rc::new(RefCell::new(Vec::new()));
            let handles: Vec<_> = (0..10)
                .map(|i| {
                    let order = order.clone();
                    go(async move {
                        sleep(Duration::from_millis(random_below(100))).await;
                        order.borrow_mut().push((i, now() - start));
                    })
                })
                .collect();
            for h in handles {
                h.await;
            }
            order.take()
        })
}

#[test]
fn the_same_seed_gives_the_same_run() {
    for seed in [0, 1, 42, u64::MAX] {
        let first = completion_order(seed);
        assert_eq!(first.len(), 10);
        assert_eq!(completion_order(seed), first, "seed {seed}");
    }
}

#[test]
fn different_seeds_give_different_runs() {
    let order =
        |seed| -> Vec<usize> { completion_order(seed).into_iter().map(|(i, _)| i).collect() };
    assert_ne!(order(1), order(2));
    assert_ne!(order(42), order(43));
}

#[test]
fn seed_returns_the_builders_seed() {
    for s in [0, 7, u64::MAX] {
        let rt = Runtime::builder().seed(s).build();
        assert_eq!(rt.run(async { seed() }), s);
        assert_eq!(rt.next_seed(), s);
    }
}

#[test]
fn the_random_stream_depends_only_on_the_seed() {
    let draws = |s| {
        Runtime::builder().seed(s).build().run(async {
            let mut v: Vec<u64> = (0..5).map(|_| random_u64()).collect();
            // Drawing in a spawned task continues the loop's one stream.
            v.push(go(async { random_u64() }).await);
            v
        })
    };
    assert_eq!(draws(9), draws(9));
    assert_ne!(draws(9), draws(10));
}

#[test]
fn random_below_stays_below_its_bound() {
    Runtime::builder().seed(3).build().run(async {
        for n in [1, 2, 3, 10, 1 << 40] {
            for _ in 0..200 {
                assert!(random_below(n) < n);
            }
        }
    });
}

#[test]
fn runs_without_a_seed_draw_fresh_ones() {
    if std::env::var_os(aiochan::SEED_VAR).is_some() {
        // The variable replays one seed in every run that has none: nothing is drawn to check.
        return;
    }
    let seeds: Vec<u64> = (0..3).map(|_| aiochan::run(async { seed() })).collect();
    assert!(
        seeds[0] != seeds[1] || seeds[1] != seeds[2],
        "three runs drew the same seed {seeds:?}"
    );
}
