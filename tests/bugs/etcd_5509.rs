//! GoKer etcd5509: a client's acquire loop returns on a closed connection without releasing its
//! read lock, and closing the client waits for the write lock for ever.
//
// Go file: etcd5509_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/etcd/5509/etcd5509_test.go
// Upstream: https://github.com/etcd-io/etcd/pull/5509
//
// `acquire` spins taking the client's read lock until it sees the client closed, and then returns
// `ErrConnClosed` still holding the read lock (a guard forgotten with `mem::forget` is Go's missing
// `RUnlock`). `Close` cancels the client, then releases and retakes the write lock (as the kernel
// does): if `acquire` took its read lock in between, `Close` waits for ever, and so does the test
// waiting for it. The fix releases the read lock before the early return.

use std::cell::Cell;
use std::rc::Rc;

use aiochan::sync::{Mutex, RwLock};
use aiochan::{go_named, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 50;

#[derive(Debug)]
struct ErrConnClosed;

struct Client {
    /// mu, guarding whether the client still has its cancel function.
    mu: RwLock<Cell<bool>>,
}

impl Client {
    async fn close(&self) {
        let mu = self.mu.write().await;
        if !mu.get() {
            return;
        }
        mu.set(false); // c.cancel(); c.cancel = nil
        drop(mu); // c.mu.Unlock()
        let _mu = self.mu.write().await; // c.mu.Lock(), blocks here
    }
}

struct RemoteClient {
    client: Rc<Client>,
    mu: Mutex<()>,
    /// Whether the early return releases the read lock (the fix).
    fixed: bool,
}

impl RemoteClient {
    async fn acquire(&self) -> Result<(), ErrConnClosed> {
        loop {
            let client = self.client.mu.read().await;
            let closed = !client.get();
            drop(self.mu.lock().await);
            if closed {
                if !self.fixed {
                    // Missing RUnlock before return.
                    std::mem::forget(client);
                }
                return Err(ErrConnClosed);
            }
            drop(client);
        }
    }
}

struct Kv {
    rc: RemoteClient,
}

impl Kv {
    async fn get(&self) -> Result<(), ErrConnClosed> {
        self.rc.acquire().await
    }
}

async fn run(fixed: bool) {
    let cli = Rc::new(Client {
        mu: RwLock::new(Cell::new(true)).named("c.mu"),
    });
    let kv = Kv {
        rc: RemoteClient {
            client: cli.clone(),
            mu: Mutex::new(()).named("r.mu"),
            fixed,
        },
    };
    let donec = Chan::<()>::new().named("donec");
    let d = donec.clone();
    go_named("Get", async move {
        let err = kv.get().await;
        assert!(err.is_err(), "expect ErrConnClosed");
        d.close();
    });
    cli.close().await;
    donec.get().await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// The fix: `acquire` releases its read lock before returning the error.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    // The goroutine that kept the read lock has returned: the report names the test's own
    // goroutine, blocked in Close, and a lock whose holder is gone.
    let failure = crate::found(buggy, SEEDS, "deadlock:", &[]);
    assert!(
        failure.message.contains(
            "main: waits on read-write lock 'c.mu' held by a task that no longer exists"
        ),
        "{}",
        failure.message
    );
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
