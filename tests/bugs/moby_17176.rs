//! GoKer moby17176: a cleanup that finds nothing to do returns without releasing the device set's
//! lock, and the next goroutine to take it waits for ever.
//
// Go file: moby17176_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/moby/17176/moby17176_test.go
// Upstream: https://github.com/moby/moby/pull/17176
//
// `cleanupDeletedDevices` takes the lock and, with no deleted device, returns early without
// `Unlock`. The test then starts a goroutine that takes the lock and reports on `doneChan`, and
// waits for it at most a millisecond (`time.After`): it gives up, and the goroutine is left
// waiting for the lock. A guard forgotten with `mem::forget` is Go's missing `Unlock`. The fix
// releases the lock on the early return too.

use std::rc::Rc;
use std::time::Duration;

use aiochan::sync::Mutex;
use aiochan::{go_named, select, timeout, Chan};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 5;

struct DeviceSet {
    /// The lock, guarding nrDeletedDevices.
    lock: Mutex<u32>,
}

impl DeviceSet {
    async fn cleanup_deleted_devices(&self) -> Result<(), &'static str> {
        let nr_deleted_devices = self.lock.lock().await;
        if *nr_deleted_devices == 0 {
            // Missing Unlock: the lock stays held for ever.
            std::mem::forget(nr_deleted_devices);
            return Ok(());
        }
        drop(nr_deleted_devices);
        Err("Error")
    }

    async fn cleanup_deleted_devices_fixed(&self) -> Result<(), &'static str> {
        let nr_deleted_devices = self.lock.lock().await;
        if *nr_deleted_devices == 0 {
            return Ok(()); // the guard is dropped: Unlock
        }
        drop(nr_deleted_devices);
        Err("Error")
    }
}

async fn test_devmapper_lock_released_device_deletion(fixed: bool) {
    let ds = Rc::new(DeviceSet {
        lock: Mutex::new(0).named("DeviceSet"),
    });
    let _ = if fixed {
        ds.cleanup_deleted_devices_fixed().await
    } else {
        ds.cleanup_deleted_devices().await
    };
    // With the lock fixed, timing perturbation finds a second leak: when the test gives up after
    // its millisecond, a rendezvous `doneChan` strands the goroutine on its send (Go's kernel has
    // it too whenever the goroutine is slower than the timer). The fixed kernel gives `doneChan`
    // a buffer of one, Go's usual fix, so the goroutine always finishes.
    let done_chan = if fixed { Chan::fixed(1) } else { Chan::new() }.named("doneChan");
    let done = done_chan.clone();
    let d = ds.clone();
    go_named("lockDevices", async move {
        let _guard = d.lock.lock().await;
        done.put(true).await;
    });
    let after = timeout::<()>(Duration::from_millis(1));
    select! {
        _ = get(after) => {},
        _ = get(done_chan) => {},
    }
}

/// The kernel as it was.
pub async fn buggy() {
    test_devmapper_lock_released_device_deletion(false).await;
}

/// The fix: the early return releases the lock.
pub async fn fixed() {
    test_devmapper_lock_released_device_deletion(true).await;
}

#[test]
fn buggy_leaks() {
    crate::found(buggy, SEEDS, "leak:", &["lockDevices"]);
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
