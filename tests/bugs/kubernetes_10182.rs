//! GoKer kubernetes10182: a status update sends to the sync loop while it holds the lock that the
//! loop needs before it can take the next update.
//
// Go file: kubernetes10182_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/kubernetes/10182/kubernetes10182_test.go
// Upstream: https://github.com/kubernetes/kubernetes/pull/10182
//
// The sync loop takes one update from `podStatusChannel`, then takes `podStatusesLock` to delete
// the status. `SetPodStatus` takes the lock and sends on the channel while holding it. Once the
// loop has the first update, a second `SetPodStatus` that gets the lock first blocks in its send
// while the loop blocks on the lock. The fix sends after the lock is released.

use std::rc::Rc;

use aiochan::sync::RwLock;
use aiochan::{go_named, Chan, JoinHandle};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 15;

struct StatusManager {
    pod_statuses_lock: RwLock<()>,
    pod_status_channel: Chan<bool>,
    /// Whether `SetPodStatus` sends after releasing the lock (the fix).
    fixed: bool,
}

impl StatusManager {
    fn new(fixed: bool) -> Rc<StatusManager> {
        Rc::new(StatusManager {
            pod_statuses_lock: RwLock::new(()).named("podStatusesLock"),
            pod_status_channel: Chan::new().named("podStatusChannel"),
            fixed,
        })
    }

    /// Starts the sync loop, which handles two updates. (The Go test runs `Start` itself in a
    /// goroutine, which only starts this one; the port calls it directly to keep its handle.)
    fn start(self: &Rc<Self>) -> JoinHandle<()> {
        let s = self.clone();
        go_named("syncBatch", async move {
            for _ in 0..2 {
                s.sync_batch().await;
            }
        })
    }

    async fn sync_batch(&self) {
        self.pod_status_channel.get().await;
        self.delete_pod_status().await;
    }

    async fn delete_pod_status(&self) {
        let _guard = self.pod_statuses_lock.write().await;
    }

    async fn set_pod_status(&self) {
        let guard = self.pod_statuses_lock.write().await;
        if self.fixed {
            drop(guard);
            self.pod_status_channel.put(true).await;
        } else {
            self.pod_status_channel.put(true).await;
            drop(guard);
        }
    }
}

async fn run(fixed: bool) {
    let s = StatusManager::new(fixed);
    let sync_loop = s.start();
    let s2 = s.clone();
    let g2 = go_named("SetPodStatus-1", async move { s2.set_pod_status().await });
    let s3 = s.clone();
    let g3 = go_named("SetPodStatus-2", async move { s3.set_pod_status().await });
    sync_loop.await;
    g2.await;
    g3.await;
}

/// The kernel as it was: the status is sent under the lock.
pub async fn buggy() {
    run(false).await;
}

/// The fix: the status is sent once the lock is released.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["syncBatch"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
