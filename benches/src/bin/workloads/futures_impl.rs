//! The workloads on the `futures` crate's single-threaded `LocalPool`.

use std::time::{Duration, Instant};

use async_io::Timer;
use futures::executor::LocalPool;
use futures::task::LocalSpawnExt;

use crate::workload::{timer_delay, Contender, SpawnClock, SpawnSample};

pub struct Futures;

impl Contender for Futures {
    fn spawn(n: u64) -> SpawnSample {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(async move {
            let clock = SpawnClock::start();
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    spawner
                        .spawn_local_with_handle(async move { i })
                        .expect("spawn onto a running LocalPool")
                })
                .collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await;
            }
            clock.stop(n, sum)
        })
    }

    // `futures` has no timer, so sleeps use `async_io::Timer`; with no async-io reactor on this
    // thread, async-io's helper thread fires them and wakes the pool.
    fn timers(n: u64) -> Duration {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    spawner
                        .spawn_local_with_handle(async move {
                            Timer::after(timer_delay(i)).await;
                        })
                        .expect("spawn onto a running LocalPool")
                })
                .collect();
            for handle in handles {
                handle.await;
            }
            start.elapsed()
        })
    }
}
