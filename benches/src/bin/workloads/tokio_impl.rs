//! The workloads on tokio's current-thread runtime with a `LocalSet`.

use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};
use tokio::task::{spawn_local, LocalSet};

use crate::workload::{timer_delay, Contender, SpawnClock, SpawnSample};

pub struct Tokio;

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("build tokio runtime")
}

impl Contender for Tokio {
    fn spawn(n: u64) -> SpawnSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = SpawnClock::start();
            let handles: Vec<_> = (0..n).map(|i| spawn_local(async move { i })).collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await.expect("task panicked");
            }
            clock.stop(n, sum)
        })
    }

    fn timers(n: u64) -> Duration {
        LocalSet::new().block_on(&runtime(), async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..n)
                .map(|i| spawn_local(tokio::time::sleep(timer_delay(i))))
                .collect();
            for handle in handles {
                handle.await.expect("task panicked");
            }
            start.elapsed()
        })
    }
}
