//! GoKer kubernetes6632: a frame writer blocks sending on the reset channel with the write lock
//! held, and the monitor that should close that channel needs the lock first.
//
// Go file: kubernetes6632_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/kubernetes/6632/kubernetes6632_test.go
// Upstream: https://github.com/kubernetes/kubernetes/pull/6632
//
// `WriteFrame` takes `writeLock` and sends on `resetChan`, which nobody receives from; when the
// connection closes, `monitor` takes `writeLock` to close `resetChan`. If `WriteFrame` gets the
// lock first, both wait. The fix, as upstream's, starts a goroutine that drains `resetChan` before
// `monitor` takes the lock.

use std::cell::RefCell;
use std::rc::Rc;

use aiochan::sync::Mutex;
use aiochan::{go_named, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 15;

struct Connection {
    close_chan: Chan<bool>,
}

struct IdleAwareFramer {
    reset_chan: RefCell<Option<Chan<bool>>>,
    write_lock: Mutex<()>,
    conn: Connection,
    /// Whether `monitor` drains `resetChan` before taking the lock (the fix).
    fixed: bool,
}

impl IdleAwareFramer {
    fn new(fixed: bool) -> Rc<IdleAwareFramer> {
        Rc::new(IdleAwareFramer {
            reset_chan: RefCell::new(Some(Chan::new().named("resetChan"))),
            write_lock: Mutex::new(()).named("writeLock"),
            conn: Connection {
                close_chan: Chan::new().named("closeChan"),
            },
            fixed,
        })
    }

    // The loop never loops, as in Go: its one select case breaks out of it.
    #[allow(clippy::never_loop)]
    async fn monitor(&self) {
        let reset_chan = self.reset_chan.borrow().clone().expect("resetChan is set");
        loop {
            select! {
                _ = get(self.conn.close_chan) => {
                    if self.fixed {
                        // Drains resetChan so that WriteFrame is never blocked.
                        let drain = reset_chan.clone();
                        go_named("monitor.func1", async move {
                            while drain.get().await.is_some() {}
                        });
                    }
                    let _guard = self.write_lock.lock().await;
                    reset_chan.close();
                    *self.reset_chan.borrow_mut() = None;
                    break;
                },
            }
        }
    }

    async fn write_frame(&self) {
        let _guard = self.write_lock.lock().await;
        let reset_chan = self.reset_chan.borrow().clone();
        let Some(reset_chan) = reset_chan else {
            return;
        };
        reset_chan.put(true).await;
    }
}

async fn run(fixed: bool) {
    let i = IdleAwareFramer::new(fixed);
    let f = i.clone();
    let helper = go_named("closeConn", async move { f.conn.close_chan.put(true).await });
    let f = i.clone();
    let g1 = go_named("monitor", async move { f.monitor().await });
    let f = i.clone();
    let g2 = go_named("WriteFrame", async move { f.write_frame().await });
    helper.await;
    g1.await;
    g2.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// Upstream's fix: `resetChan` is drained while `monitor` waits for the lock.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["monitor", "WriteFrame"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
