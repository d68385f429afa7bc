//! GoKer cockroach10214: the store's coalesced-heartbeat lock and a replica's raft lock taken in
//! opposite orders by two goroutines.
//
// Go file: cockroach10214_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/cockroach/10214/cockroach10214_test.go
// Upstream: https://github.com/cockroachdb/cockroach/pull/10214
//
// `sendQueuedHeartbeats` holds `coalescedMu` while it takes each replica's `raftMu`; `tick` holds
// its replica's `raftMu` (and `mu`) while it takes `coalescedMu`. Each may get its first lock
// before the other's second: lock-order inversion. The fix, as upstream's, takes the queued
// heartbeats under `coalescedMu` and releases it before sending them (taking `raftMu`).

use std::rc::{Rc, Weak};

use aiochan::go_named;
use aiochan::sync::Mutex;

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 10;

struct Store {
    /// coalescedMu, guarding heartbeatResponses.
    coalesced_mu: Mutex<Vec<i32>>,
    replicas: Vec<Rc<Replica>>,
}

impl Store {
    async fn send_queued_heartbeats(&self) {
        let responses = self.coalesced_mu.lock().await; // LockA
        for _ in 0..responses.len() {
            self.send_queued_heartbeats_to_node().await; // LockB
        }
    }

    /// Upstream's fix: sends the heartbeats once `coalescedMu` is released.
    async fn send_queued_heartbeats_fixed(&self) {
        let responses = std::mem::take(&mut *self.coalesced_mu.lock().await); // LockA, released
        for _ in 0..responses.len() {
            self.send_queued_heartbeats_to_node().await; // LockB
        }
    }

    async fn send_queued_heartbeats_to_node(&self) {
        for r in &self.replicas {
            r.report_unreachable().await;
        }
    }
}

struct Replica {
    raft_mu: Mutex<()>,
    mu: Mutex<()>,
    store: Weak<Store>,
}

impl Replica {
    async fn report_unreachable(&self) {
        let _raft = self.raft_mu.lock().await; // LockB
    }

    async fn tick(&self) {
        let _raft = self.raft_mu.lock().await; // LockB
        self.tick_raft_mu_locked().await;
    }

    async fn tick_raft_mu_locked(&self) {
        let _mu = self.mu.lock().await;
        self.maybe_quiesce_locked().await;
    }

    async fn maybe_quiesce_locked(&self) -> bool {
        for _ in 0..2 {
            if !self.maybe_coalesce_heartbeat().await {
                return true;
            }
        }
        false
    }

    async fn maybe_coalesce_heartbeat(&self) -> bool {
        let store = self
            .store
            .upgrade()
            .expect("the store outlives its replicas");
        let _coalesced = store.coalesced_mu.lock().await; // LockA
        true
    }
}

fn new_store() -> Rc<Store> {
    Rc::new_cyclic(|store| Store {
        coalesced_mu: Mutex::new(vec![1, 2]).named("coalescedMu"),
        replicas: ["rp1", "rp2"]
            .into_iter()
            .map(|name| {
                Rc::new(Replica {
                    raft_mu: Mutex::new(()).named(format!("{name}.raftMu")),
                    mu: Mutex::new(()).named(format!("{name}.mu")),
                    store: store.clone(),
                })
            })
            .collect(),
    })
}

async fn run(fixed: bool) {
    let store = new_store();
    let s = store.clone();
    let heartbeats = go_named("sendQueuedHeartbeats", async move {
        if fixed {
            s.send_queued_heartbeats_fixed().await;
        } else {
            s.send_queued_heartbeats().await;
        }
    });
    let rp1 = store.replicas[0].clone();
    let tick = go_named("tick", async move { rp1.tick().await });
    heartbeats.await;
    tick.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// Upstream's fix: `coalescedMu` is released before the raft locks are taken.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["sendQueuedHeartbeats", "tick"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
