//! GoKer cockroach6181: a range-cache lookup logs the cache, whose `String` takes the read lock the
//! lookup already holds, and a writer queued in between blocks the second read for ever.
//
// Go file: cockroach6181_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/cockroach/6181/cockroach6181_test.go
// Upstream: https://github.com/cockroachdb/cockroach/pull/6181
//
// Three lookups run at once, the test waiting for them on a `WaitGroup`. Each takes `RLock`, logs
// the cache with `%s` (which calls `String`, taking `RLock` again), releases it and takes `Lock`. A
// lookup waiting for `Lock` makes the second `RLock` of another wait behind it, while it waits for
// that lookup's first `RLock`. The fix logs with `stringLocked`, which takes no lock.

use std::rc::Rc;

use aiochan::sync::{RwLock, WaitGroup};
use aiochan::go_named;

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 20;

struct RangeDescriptorCache {
    range_cache_mu: RwLock<()>,
    /// Whether the lookup logs with `stringLocked` (the fix).
    fixed: bool,
}

impl RangeDescriptorCache {
    async fn lookup_range_descriptor(&self) {
        let read = self.range_cache_mu.read().await;
        let description = if self.fixed {
            self.string_locked()
        } else {
            self.string().await
        };
        let _log = format!("lookup range descriptor: {description}");
        drop(read);
        let _write = self.range_cache_mu.write().await;
    }

    async fn string(&self) -> String {
        let _read = self.range_cache_mu.read().await;
        self.string_locked()
    }

    fn string_locked(&self) -> String {
        "something here".to_string()
    }
}

struct TestDescriptorDb {
    cache: Rc<RangeDescriptorCache>,
}

async fn do_lookup_with_token(rc: &RangeDescriptorCache) {
    rc.lookup_range_descriptor().await;
}

async fn test_range_cache_coalesced_requests(fixed: bool) {
    let db = TestDescriptorDb {
        cache: Rc::new(RangeDescriptorCache {
            range_cache_mu: RwLock::new(()).named("rangeCacheMu"),
            fixed,
        }),
    };
    let pause_lookup_resume_and_assert = || async {
        let wg = WaitGroup::new().named("wg");
        for i in 1..=3 {
            wg.add(1);
            let (cache, wg) = (db.cache.clone(), wg.clone());
            go_named(format!("lookup-{i}"), async move {
                do_lookup_with_token(&cache).await;
                wg.done();
            });
        }
        wg.wait().await;
    };
    pause_lookup_resume_and_assert().await;
}

async fn run(fixed: bool) {
    go_named(
        "testRangeCacheCoalescedRquests",
        test_range_cache_coalesced_requests(fixed),
    )
    .await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// The fix: the lookup logs the cache without taking its lock again.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(
        buggy,
        SEEDS,
        "deadlock:",
        &["testRangeCacheCoalescedRquests"],
    );
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
