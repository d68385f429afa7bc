//! GoKer kubernetes62464: a CPU-manager state takes its read lock again while holding it, and a
//! writer that queues in between makes the second read wait for ever.
//
// Go file: kubernetes62464_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/kubernetes/62464/kubernetes62464_test.go
// Upstream: https://github.com/kubernetes/kubernetes/pull/62464
//
// `GetCPUSetOrDefault` holds `RLock` while it calls `GetCPUSet` and `GetDefaultCPUSet`, each of
// which takes `RLock` again. Go's `RWMutex`, like `aiochan::sync::RwLock`, makes new readers wait
// behind a waiting writer, so `SetDefaultCPUSet`'s `Lock` arriving between the two read locks
// deadlocks them. The fix, as upstream's, drops the outer `RLock`: each getter locks on its own.

use std::rc::Rc;

use aiochan::sync::RwLock;
use aiochan::{go_named, random_below};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 50;

struct StateMemory {
    lock: RwLock<()>,
}

impl StateMemory {
    async fn get_cpu_set_or_default(&self) {
        let _r = self.lock.read().await;
        if self.get_cpu_set().await {
            return;
        }
        self.get_default_cpu_set().await;
    }

    /// The fix: no outer read lock.
    async fn get_cpu_set_or_default_fixed(&self) {
        if self.get_cpu_set().await {
            return;
        }
        self.get_default_cpu_set().await;
    }

    async fn get_cpu_set(&self) -> bool {
        let _r = self.lock.read().await;
        random_below(10) > 5
    }

    async fn get_default_cpu_set(&self) {
        let _r = self.lock.read().await;
    }

    async fn set_default_cpu_set(&self) {
        let _w = self.lock.write().await;
    }
}

struct StaticPolicy;

impl StaticPolicy {
    async fn remove_container(&self, s: &StateMemory) {
        s.get_default_cpu_set().await;
        s.set_default_cpu_set().await;
    }
}

struct Manager {
    state: Rc<StateMemory>,
}

impl Manager {
    async fn reconcile_state(&self, fixed: bool) {
        if fixed {
            self.state.get_cpu_set_or_default_fixed().await;
        } else {
            self.state.get_cpu_set_or_default().await;
        }
    }
}

async fn run(fixed: bool) {
    let s = Rc::new(StateMemory {
        lock: RwLock::new(()).named("stateMemory"),
    });
    let (p, m) = (StaticPolicy, Manager { state: s.clone() });
    let g1 = go_named("reconcileState", async move { m.reconcile_state(fixed).await });
    let g2 = go_named("RemoveContainer", async move { p.remove_container(&s).await });
    g1.await;
    g2.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// Upstream's fix: no read lock is taken while another is held.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(
        buggy,
        SEEDS,
        "deadlock:",
        &["reconcileState", "RemoveContainer"],
    );
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
