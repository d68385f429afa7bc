//! GoKer grpc1460: the keepalive goroutine waits to be woken while holding the transport's lock,
//! which the new stream that would wake it must take first.
//
// Go file: grpc1460_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/grpc/1460/grpc1460_test.go
// Upstream: https://github.com/grpc/grpc-go/pull/1460
//
// With no active stream, `keepalive` waits on `awakenKeepalive` with `mu` held; `NewStream` takes
// `mu` before it offers the wake-up, so if `keepalive` goes first both block. The fix follows
// upstream's: `awakenKeepalive` has a buffer of one that starts full, `keepalive` empties it under
// the lock (making it writable) and waits for the wake-up after releasing the lock, and
// `NewStream` offers the wake-up without waiting, refilling the buffer after a successful offer.

use std::cell::RefCell;
use std::rc::Rc;

use aiochan::sync::Mutex;
use aiochan::{go_named, select, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 25;

struct Stream;

struct Http2Client {
    mu: Mutex<()>,
    awaken_keepalive: Chan<()>,
    active_streams: RefCell<Vec<Stream>>,
}

impl Http2Client {
    fn new(awaken_keepalive: Chan<()>) -> Rc<Http2Client> {
        Rc::new(Http2Client {
            mu: Mutex::new(()).named("mu"),
            awaken_keepalive: awaken_keepalive.named("awakenKeepalive"),
            active_streams: RefCell::new(Vec::new()),
        })
    }

    async fn keepalive(&self) {
        let guard = self.mu.lock().await;
        if self.active_streams.borrow().is_empty() {
            self.awaken_keepalive.get().await;
            drop(guard);
        } else {
            drop(guard);
        }
    }

    async fn new_stream(&self) {
        let _guard = self.mu.lock().await;
        self.active_streams.borrow_mut().push(Stream);
        if self.active_streams.borrow().len() == 1 {
            select! {
                _ = put(self.awaken_keepalive, ()) => {},
                default => {},
            }
        }
    }

    async fn keepalive_fixed(&self) {
        let guard = self.mu.lock().await;
        if self.active_streams.borrow().is_empty() {
            // Makes awakenKeepalive writable.
            self.awaken_keepalive.get().await;
            drop(guard);
            self.awaken_keepalive.get().await;
        } else {
            drop(guard);
        }
    }

    async fn new_stream_fixed(&self) {
        let _guard = self.mu.lock().await;
        self.active_streams.borrow_mut().push(Stream);
        if self.active_streams.borrow().len() == 1 {
            select! {
                _ = put(self.awaken_keepalive, ()) => {
                    // Fills awakenKeepalive again: it stays full except while keepalive waits.
                    self.awaken_keepalive.put(()).await;
                },
                default => {},
            }
        }
    }
}

/// The kernel as it was.
pub async fn buggy() {
    let client = Http2Client::new(Chan::new());
    let c = client.clone();
    let g1 = go_named("keepalive", async move { c.keepalive().await });
    let c = client.clone();
    let g2 = go_named("NewStream", async move { c.new_stream().await });
    g1.await;
    g2.await;
}

/// Upstream's fix: a full buffer of one, emptied under the lock, waited on outside it.
pub async fn fixed() {
    let client = Http2Client::new(Chan::fixed(1).add([()]));
    let c = client.clone();
    let g1 = go_named("keepalive", async move { c.keepalive_fixed().await });
    let c = client.clone();
    let g2 = go_named("NewStream", async move { c.new_stream_fixed().await });
    g1.await;
    g2.await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(buggy, SEEDS, "deadlock:", &["keepalive", "NewStream"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
