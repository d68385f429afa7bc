//! GoKer etcd6857: a status request sent to a raft node that is stopping waits for ever, since the
//! node's loop has returned.
//
// Go file: etcd6857_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/etcd/6857/etcd6857_test.go
// Upstream: https://github.com/etcd-io/etcd/pull/6857
//
// `run` serves `status` requests until it receives on `stop`, then closes `done` and returns.
// `Status` sends its request on `status` unconditionally: if `Stop` got there first, nobody will
// ever receive it. The fix, as upstream's, selects between sending the request and `done`.

use std::rc::Rc;

use aiochan::{go_named, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 20;

#[derive(Debug, Default)]
struct Status;

struct Node {
    status: Chan<Chan<Status>>,
    stop: Chan<()>,
    done: Chan<()>,
}

impl Node {
    fn new() -> Rc<Node> {
        Rc::new(Node {
            status: Chan::new().named("status"),
            stop: Chan::new().named("stop"),
            done: Chan::new().named("done"),
        })
    }

    async fn status(&self) -> Option<Status> {
        let c = Chan::new().named("c");
        self.status.put(c.clone()).await;
        c.get().await
    }

    async fn status_fixed(&self) -> Option<Status> {
        let c = Chan::new().named("c");
        select! {
            _ = put(self.status, c.clone()) => c.get().await,
            _ = get(self.done) => Some(Status),
        }
    }

    async fn run(&self) {
        loop {
            select! {
                c = get(self.status) => {
                    if let Some(c) = c {
                        c.put(Status).await;
                    }
                },
                _ = get(self.stop) => {
                    self.done.close();
                    return;
                },
            }
        }
    }

    async fn stop(&self) {
        select! {
            _ = put(self.stop, ()) => {},
            _ = get(self.done) => return,
        }
        self.done.get().await;
    }
}

async fn run(fixed: bool) {
    let n = Node::new();
    let node = n.clone();
    let g1 = go_named("run", async move { node.run().await });
    let node = n.clone();
    let g2 = go_named("Status", async move {
        if fixed {
            node.status_fixed().await;
        } else {
            node.status().await;
        }
    });
    let node = n.clone();
    let g3 = go_named("Stop", async move { node.stop().await });
    g1.await;
    g2.await;
    g3.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// Upstream's fix: `Status` gives up once the node is done.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["Status"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
