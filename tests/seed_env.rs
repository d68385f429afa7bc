//! `AIOCHAN_SEED` overrides the builder's seed (alone in this binary: the environment is global).

use std::panic::{catch_unwind, AssertUnwindSafe};

use aiochan::{random_u64, seed, Runtime, SEED_VAR};

#[test]
fn the_seed_variable_overrides_the_builders_seed_and_must_be_a_number() {
    assert_eq!(SEED_VAR, "AIOCHAN_SEED");
    let rt = Runtime::builder().virtual_time(true).seed(5).build();
    let by_builder = Runtime::builder()
        .seed(99)
        .build()
        .run(async { random_u64() });

    std::env::set_var(SEED_VAR, "99");
    assert_eq!(rt.next_seed(), 99);
    assert_eq!(rt.run(async { seed() }), 99);
    assert_eq!(
        rt.run(async { random_u64() }),
        by_builder,
        "the run replays the stream of seed 99"
    );
    std::env::set_var(SEED_VAR, " 17\n");
    assert_eq!(
        rt.run(async { seed() }),
        17,
        "surrounding blanks are ignored"
    );

    std::env::set_var(SEED_VAR, "not-a-seed");
    let payload = catch_unwind(AssertUnwindSafe(|| rt.run(async { seed() })))
        .expect_err("an invalid seed variable panics");
    let text = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_default();
    assert!(text.contains("AIOCHAN_SEED"), "{text}");
    assert!(text.contains("not-a-seed"), "{text}");

    std::env::remove_var(SEED_VAR);
    assert_eq!(rt.run(async { seed() }), 5);
}
