//! `AIOCHAN_SEED` replays drawn seeds and goes first in `explore`, but leaves fixed seeds alone
//! (alone in this binary: the environment is global).

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use aiochan::testing::Explore;
use aiochan::{random_u64, seed, Runtime, SEED_VAR};

#[test]
fn the_seed_variable_replaces_drawn_seeds_only_and_must_be_a_number() {
    assert_eq!(SEED_VAR, "AIOCHAN_SEED");
    let unseeded = Runtime::builder().virtual_time(true).build();
    let fixed = Runtime::builder().virtual_time(true).seed(5).build();
    let by_builder = Runtime::builder()
        .seed(99)
        .build()
        .run(async { random_u64() });

    std::env::set_var(SEED_VAR, "99");
    assert_eq!(unseeded.next_seed(), 99);
    assert_eq!(unseeded.run(async { seed() }), 99);
    assert_eq!(
        unseeded.run(async { random_u64() }),
        by_builder,
        "the run replays the stream of seed 99"
    );
    assert_eq!(fixed.run(async { seed() }), 5, "a fixed seed is kept");
    std::env::set_var(SEED_VAR, " 17\n");
    assert_eq!(
        unseeded.run(async { seed() }),
        17,
        "surrounding blanks are ignored"
    );

    // `explore` tries the variable's seed first, then its own; `find` tries exactly its own.
    std::env::set_var(SEED_VAR, "42");
    let tried = RefCell::new(Vec::new());
    Explore::new().seeds([1, 2, 42]).run(|| {
        let tried = &tried;
        async move { tried.borrow_mut().push(seed()) }
    });
    assert_eq!(*tried.borrow(), [42, 1, 2]);
    tried.borrow_mut().clear();
    assert_eq!(
        Explore::new().seeds([1, 2]).find(|| {
            let tried = &tried;
            async move { tried.borrow_mut().push(seed()) }
        }),
        None
    );
    assert_eq!(*tried.borrow(), [1, 2]);

    std::env::set_var(SEED_VAR, "not-a-seed");
    let payload = catch_unwind(AssertUnwindSafe(|| unseeded.run(async { seed() })))
        .expect_err("an invalid seed variable panics");
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_default();
    assert!(text.contains("AIOCHAN_SEED"), "{text}");
    assert!(text.contains("not-a-seed"), "{text}");
    assert_eq!(fixed.run(async { seed() }), 5, "not read for a fixed seed");

    std::env::remove_var(SEED_VAR);
    assert_ne!(unseeded.next_seed(), 42);
    a_report_tells_whether_the_seed_replays_the_timing_too();
}

/// Part of the test above, which owns the environment: with the variable unset, reports say how
/// to replay, and whether that replays the timing too.
fn a_report_tells_whether_the_seed_replays_the_timing_too() {
    let real = catch_unwind(|| aiochan::run(async { panic!("boom") })).unwrap_err();
    let real = real.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        real.contains("replays this run's random choices, not its timing"),
        "{real}"
    );
    let virt = catch_unwind(|| {
        Runtime::builder()
            .virtual_time(true)
            .build()
            .run(async { panic!("boom") })
    })
    .unwrap_err();
    let virt = virt.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(virt.contains("to replay this run)"), "{virt}");
    assert!(!virt.contains("timing"), "{virt}");
    let fixed = catch_unwind(|| aiochan::testing::check(3, async { panic!("boom") })).unwrap_err();
    let fixed = fixed.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        fixed.ends_with("(seed 3, fixed with Builder::seed: the run repeats exactly)"),
        "{fixed}"
    );
}
