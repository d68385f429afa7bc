//! GoKer moby4951: deleting a device drops the global devices lock while it waits, still holding
//! the device's own lock, and a second deletion takes the two locks the other way round.
//
// Go file: moby4951_test.go, from GoBench (MIT), ported to aiochan.
// https://github.com/timmyyuan/gobench/blob/master/gobench/goker/blocking/moby/4951/moby4951_test.go
// Upstream: https://github.com/moby/moby/pull/4951
//
// `DeleteDevice` takes `devices` then `info.lock`; `removeDeviceAndWait` releases `devices`, sleeps
// and takes it again. Meanwhile a second `DeleteDevice` of the same device takes `devices` and
// waits for `info.lock`, held by the first, which waits for `devices`. The minimal fix keeps the
// global lock across the wait, so the lock order is never reversed.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use aiochan::sync::{Mutex, MutexGuard};
use aiochan::{go_named, sleep};

/// Schedules the test explores to find the bug (see `SCHEDULES` in main.rs for how many).
pub const SEEDS: u64 = 5;

struct DeviceSet {
    /// The global lock, guarding `infos`.
    devices: Mutex<HashMap<String, Rc<DevInfo>>>,
    /// Whether `removeDeviceAndWait` keeps the global lock while it waits (the fix).
    fixed: bool,
}

struct DevInfo {
    lock: Mutex<()>,
    name: String,
}

impl DeviceSet {
    fn new(fixed: bool) -> Rc<DeviceSet> {
        let infos = ["info1", "info2"]
            .into_iter()
            .map(|name| {
                let info = DevInfo {
                    lock: Mutex::new(()).named(format!("{name}.lock")),
                    name: name.to_string(),
                };
                (name.to_string(), Rc::new(info))
            })
            .collect();
        Rc::new(DeviceSet {
            devices: Mutex::new(infos).named("devices"),
            fixed,
        })
    }

    /// Go's `DeleteDevice`.
    async fn delete_device(&self, hash: &str) {
        let devices = self.devices.lock().await;
        let info = devices.get(hash).cloned().expect("the device exists");
        let _info_lock = info.lock.lock().await;
        let _devices = self.delete(devices, &info).await;
    }

    /// Go's `deleteDevice`, called with the global lock held, which it hands back.
    async fn delete<'a>(
        &'a self,
        devices: MutexGuard<'a, HashMap<String, Rc<DevInfo>>>,
        info: &DevInfo,
    ) -> MutexGuard<'a, HashMap<String, Rc<DevInfo>>> {
        self.remove_device_and_wait(devices, &info.name).await
    }

    /// Removes the device by name and waits for it to go, with the global lock released meanwhile
    /// (kept, in the fix); hands the lock back to the caller.
    async fn remove_device_and_wait<'a>(
        &'a self,
        devices: MutexGuard<'a, HashMap<String, Rc<DevInfo>>>,
        _devname: &str,
    ) -> MutexGuard<'a, HashMap<String, Rc<DevInfo>>> {
        if self.fixed {
            sleep(Duration::from_nanos(300)).await;
            return devices;
        }
        drop(devices);
        sleep(Duration::from_nanos(300)).await;
        self.devices.lock().await
    }
}

async fn run(fixed: bool) {
    let ds = DeviceSet::new(fixed);
    // Deletes the same device twice.
    let d = ds.clone();
    let first = go_named("DeleteDevice-1", async move { d.delete_device("info1").await });
    let d = ds.clone();
    let second = go_named("DeleteDevice-2", async move { d.delete_device("info1").await });
    first.await;
    second.await;
}

/// The kernel as it was.
pub async fn buggy() {
    run(false).await;
}

/// The minimal fix: the global lock is kept while the removal is waited for.
pub async fn fixed() {
    run(true).await;
}

#[test]
fn buggy_deadlocks() {
    crate::found(
        buggy,
        SEEDS,
        "deadlock:",
        &["DeleteDevice-1", "DeleteDevice-2"],
    );
}

#[test]
fn fixed_passes() {
    crate::passes(fixed);
}
