//! GoKer kubernetes1321: the watch multiplexer distributes an event with its lock held, blocked on
//! a watcher that is stopping, and stopping the watcher needs that lock.
//
// Go file: kubernetes1321_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/kubernetes/1321/kubernetes1321_test.go
// Upstream: https://github.com/kubernetes/kubernetes/pull/1321
//
// `distribute` holds `m.lock` while it sends to each watcher's `result`; `stopWatching` takes
// `m.lock` to close a watcher's `result`. A watcher that stops instead of receiving leaves both
// waiting. The fix, as GoBench describes upstream's, gives each watcher a `stopped` channel that
// `Stop` closes before it takes the lock, and `distribute` selects between the send and `stopped`.
// Go's global `globalMtx` is a field of the multiplexer here (a loop's lock is not a `static`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use aiochan::sync::Mutex;
use aiochan::{go_named, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 50;

struct MuxWatcher {
    result: Chan<()>,
    /// Closed when the watcher stops (the fix).
    stopped: Chan<()>,
    m: Rc<Mux>,
    id: i64,
}

impl MuxWatcher {
    async fn stop(&self) {
        if self.m.fixed {
            self.stopped.close();
        }
        self.m.stop_watching(self.id).await;
    }
}

struct Mux {
    lock: Mutex<()>,
    global_mtx: Mutex<()>,
    watchers: RefCell<BTreeMap<i64, Rc<MuxWatcher>>>,
    /// Whether `distribute` also waits on each watcher's `stopped` (the fix).
    fixed: bool,
}

impl Mux {
    fn new(fixed: bool) -> Rc<Mux> {
        let m = Rc::new(Mux {
            lock: Mutex::new(()).named("m.lock"),
            global_mtx: Mutex::new(()).named("globalMtx"),
            watchers: RefCell::new(BTreeMap::new()),
            fixed,
        });
        let mux = m.clone();
        go_named("loop", async move { mux.run_loop().await });
        m
    }

    async fn watch(self: &Rc<Self>) -> Rc<MuxWatcher> {
        let mw = Rc::new(MuxWatcher {
            result: Chan::new().named("result"),
            stopped: Chan::new().named("stopped"),
            m: self.clone(),
            id: self.watchers.borrow().len() as i64,
        });
        let _global = self.global_mtx.lock().await;
        self.watchers.borrow_mut().insert(mw.id, mw.clone());
        mw
    }

    async fn run_loop(&self) {
        for _ in 0..100 {
            self.distribute().await;
        }
    }

    async fn distribute(&self) {
        let _lock = self.lock.lock().await;
        let _global = self.global_mtx.lock().await;
        let watchers: Vec<_> = self.watchers.borrow().values().cloned().collect();
        for w in watchers {
            if self.fixed {
                select! {
                    _ = put(w.result, ()) => {},
                    _ = get(w.stopped) => {},
                }
            } else {
                w.result.put(()).await; // blocked here
            }
        }
    }

    async fn stop_watching(&self, id: i64) {
        let _lock = self.lock.lock().await;
        let Some(w) = self.watchers.borrow_mut().remove(&id) else {
            return;
        };
        w.result.close();
    }
}

async fn test_mux_watcher_close(fixed: bool) {
    let m = Mux::new(fixed);
    let w = m.watch().await;
    w.stop().await;
}

async fn run(fixed: bool) {
    go_named("testMuxWatcherClose", test_mux_watcher_close(fixed)).await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// The fix: a `stopped` channel, closed without the lock, ends a blocked send.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["testMuxWatcherClose", "loop"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
