//! GoKer etcd6873: stopping the watch broadcasts waits for their goroutine to finish while holding
//! the lock that goroutine takes for each update it still has to coalesce.
//
// Go file: etcd6873_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/etcd/6873/etcd6873_test.go
// Upstream: https://github.com/etcd-io/etcd/commit/7618fdd1d642e47cac70c03f637b0fd798a53a6e
//
// The broadcasts' goroutine ranges over `updatec`, taking `mu` to coalesce each update, and closes
// `donec` when `updatec` is closed. `stop` takes `mu`, closes `updatec` and waits on `donec` with
// `mu` still held: if an update is being coalesced, both wait. The fix, as upstream's, releases `mu`
// before waiting on `donec`.

use std::rc::Rc;

use aiochan::sync::Mutex;
use aiochan::{go_named, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 20;

struct WatchBroadcast;

struct WatchBroadcasts {
    mu: Mutex<()>,
    updatec: Chan<WatchBroadcast>,
    donec: Chan<()>,
}

impl WatchBroadcasts {
    fn new() -> Rc<WatchBroadcasts> {
        let wbs = Rc::new(WatchBroadcasts {
            mu: Mutex::new(()).named("mu"),
            updatec: Chan::fixed(1).named("updatec"),
            donec: Chan::new().named("donec"),
        });
        let w = wbs.clone();
        go_named("newWatchBroadcasts.func1", async move {
            while let Some(wb) = w.updatec.get().await {
                w.coalesce(wb).await;
            }
            w.donec.close();
        });
        wbs
    }

    async fn coalesce(&self, _wb: WatchBroadcast) {
        let _mu = self.mu.lock().await;
    }

    async fn stop(&self) {
        let _mu = self.mu.lock().await;
        self.updatec.close();
        self.donec.get().await;
    }

    async fn stop_fixed(&self) {
        let mu = self.mu.lock().await;
        self.updatec.close();
        drop(mu);
        self.donec.get().await;
    }

    async fn update(&self, wb: WatchBroadcast) {
        select! {
            _ = put(self.updatec, wb) => {},
            default => {},
        }
    }
}

async fn run(fixed: bool) {
    let wbs = WatchBroadcasts::new();
    wbs.update(WatchBroadcast).await;
    go_named("stop", async move {
        if fixed {
            wbs.stop_fixed().await;
        } else {
            wbs.stop().await;
        }
    })
    .await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// Upstream's fix: `stop` waits on `donec` without the lock.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(
        buggy,
        SEEDS,
        "deadlock:",
        &["stop", "newWatchBroadcasts.func1"],
    );
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
