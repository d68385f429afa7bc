//! GoKer moby28462: a container's health monitor takes the container lock on every probe, while a
//! state change holds that lock and sends the monitor its stop signal.
//
// Go file: moby28462_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/moby/28462/moby28462_test.go
// Upstream: https://github.com/moby/moby/pull/28462
//
// `monitor` polls its `stop` channel with a `default` case and otherwise handles a probe result
// under the container lock. `StateChanged` takes the container lock and sends on `stop`: if the
// monitor is waiting for the lock rather than polling, neither goes on. The minimal fix closes
// `stop` instead of sending on it, which never waits.

use std::cell::RefCell;
use std::rc::Rc;

use aiochan::sync::Mutex;
use aiochan::{go_named, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 15;

struct Health {
    stop: RefCell<Option<Chan<()>>>,
}

impl Health {
    fn open_monitor_channel(&self) -> Option<Chan<()>> {
        self.stop.borrow().clone()
    }

    async fn close_monitor_channel(&self) {
        let stop = self.stop.borrow().clone();
        if let Some(stop) = stop {
            stop.put(()).await;
        }
    }

    /// The fix: closes `stop`, which never waits.
    fn close_monitor_channel_fixed(&self) {
        if let Some(stop) = self.stop.borrow_mut().take() {
            stop.close();
        }
    }
}

struct Container {
    /// The container's lock (Go embeds a sync.Mutex in Container).
    lock: Mutex<()>,
    health: Health,
}

struct Daemon {
    container: Rc<Container>,
    /// Whether the monitor is stopped by closing its channel (the fix).
    fixed: bool,
}

impl Daemon {
    async fn state_changed(&self) {
        let c = &self.container;
        let _guard = c.lock.lock().await;
        self.update_health_monitor_else_branch(c).await;
    }

    async fn update_health_monitor_else_branch(&self, c: &Container) {
        if self.fixed {
            c.health.close_monitor_channel_fixed();
        } else {
            c.health.close_monitor_channel().await;
        }
    }
}

async fn monitor(c: Rc<Container>, stop: Chan<()>) {
    loop {
        select! {
            _ = get(stop) => return,
            default => handle_probe_result(&c).await,
        }
    }
}

async fn handle_probe_result(c: &Container) {
    let _guard = c.lock.lock().await;
}

async fn run(fixed: bool) {
    let c = Rc::new(Container {
        lock: Mutex::new(()).named("Container"),
        health: Health {
            stop: RefCell::new(Some(Chan::new().named("stop"))),
        },
    });
    let d = Daemon {
        container: c.clone(),
        fixed,
    };
    let stop = c.health.open_monitor_channel().expect("the monitor channel is open");
    let g1 = go_named("monitor", monitor(c, stop));
    let g2 = go_named("StateChanged", async move { d.state_changed().await });
    g1.await;
    g2.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// The minimal fix: the stop channel is closed, not sent on.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["monitor", "StateChanged"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
