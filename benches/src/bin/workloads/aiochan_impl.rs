//! The workloads on aiochan's own runtime.

use std::time::{Duration, Instant};

use crate::workload::{timer_delay, Contender, SpawnClock, SpawnSample};

pub struct Aiochan;

impl Contender for Aiochan {
    fn spawn(n: u64) -> SpawnSample {
        aiochan::run(async move {
            let clock = SpawnClock::start();
            let handles: Vec<_> = (0..n).map(|i| aiochan::go(async move { i })).collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await;
            }
            clock.stop(n, sum)
        })
    }

    fn timers(n: u64) -> Duration {
        aiochan::run(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..n)
                .map(|i| aiochan::go(aiochan::sleep(timer_delay(i))))
                .collect();
            for handle in handles {
                handle.await;
            }
            start.elapsed()
        })
    }
}
