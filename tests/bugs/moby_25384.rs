//! GoKer moby25384: a plugin manager waits on its wait group inside the loop that starts the
//! plugins, so the first wait needs plugins that are not started yet.
//
// Go file: moby25384_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/moby/25384/moby25384_test.go
// Upstream: https://github.com/moby/moby/pull/25384
//
// `init` adds one to the group per plugin, then in the loop starts a goroutine per plugin that
// calls `Done` and waits on the group after each start. With two plugins, the first `Wait` needs
// both `Done`s but only one goroutine has been started. The fix waits once, after the loop.

use std::rc::Rc;

use aiochan::go_named;
use aiochan::sync::WaitGroup;

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 5;

struct Plugin;

struct Manager {
    plugins: Vec<Plugin>,
}

impl Manager {
    async fn init(&self) {
        let group = WaitGroup::new().named("group");
        group.add(self.plugins.len());
        for _p in &self.plugins {
            let g = group.clone();
            go_named("init.func1", async move { g.done() });
            group.wait().await; // blocks here
        }
    }

    async fn init_fixed(&self) {
        let group = WaitGroup::new().named("group");
        group.add(self.plugins.len());
        for _p in &self.plugins {
            let g = group.clone();
            go_named("init.func1", async move { g.done() });
        }
        group.wait().await;
    }
}

async fn run(fixed: bool) {
    let pm = Rc::new(Manager {
        plugins: vec![Plugin, Plugin],
    });
    go_named("init", async move {
        if fixed {
            pm.init_fixed().await;
        } else {
            pm.init().await;
        }
    })
    .await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// The fix: one wait, once every plugin is started.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["init"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
