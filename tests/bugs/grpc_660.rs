//! GoKer grpc660: the benchmark client's unary loop returns on `stop` without receiving the result
//! of the call it just started, whose goroutine then waits for ever to report it.
//
// Go file: grpc660_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/grpc/660/grpc660_test.go
// Upstream: https://github.com/grpc/grpc-go/pull/660
//
// Each round starts a goroutine that makes the call and reports on the unbuffered `done`, then
// selects between `stop` and `done`. When `stop` wins, the round's goroutine is left blocked on
// `done`. The minimal fix gives `done` a buffer of one, so the report never waits.

use std::rc::Rc;

use aiochan::{go_named, random_below, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 5;

struct BenchmarkClient {
    stop: Chan<bool>,
    /// Whether `done` has a buffer of one (the fix).
    fixed: bool,
}

impl BenchmarkClient {
    async fn do_close_loop_unary(&self) {
        loop {
            let done = if self.fixed {
                Chan::fixed(1)
            } else {
                Chan::new()
            }
            .named("done");
            let d = done.clone();
            go_named("doCloseLoopUnary.func1", async move {
                if random_below(10) > 7 {
                    d.put(false).await;
                    return;
                }
                d.put(true).await;
            });
            select! {
                _ = get(self.stop) => return,
                _ = get(done) => {},
            }
        }
    }
}

async fn run(fixed: bool) {
    let bc = Rc::new(BenchmarkClient {
        stop: Chan::new().named("stop"),
        fixed,
    });
    let b = bc.clone();
    let g1 = go_named("doCloseLoopUnary", async move { b.do_close_loop_unary().await });
    let helper = go_named("stopper", async move { bc.stop.put(true).await });
    g1.await;
    helper.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// The minimal fix: a buffered `done`.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_leaks() {
    crate::found(buggy, SEEDS, "leak:", &["doCloseLoopUnary.func1"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
