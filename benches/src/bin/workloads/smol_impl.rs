//! The workloads on smol's building blocks: `async_executor::LocalExecutor` and `async_io` timers.

use std::time::{Duration, Instant};

use async_executor::LocalExecutor;
use async_io::Timer;

use crate::workload::{timer_delay, Contender, SpawnClock, SpawnSample};

pub struct Smol;

// WORKLOADS.md specifies `futures_lite::future::block_on`. With it, async-io's timers are driven by
// async-io's helper thread, a second core the other contenders do not get; measured here, that
// makes smol faster than under `async_io::block_on` (what `smol::block_on` is), so this is also the
// harder comparison for aiochan.
impl Contender for Smol {
    fn spawn(n: u64) -> SpawnSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = SpawnClock::start();
            let handles: Vec<_> = (0..n).map(|i| ex.spawn(async move { i })).collect();
            let mut sum = 0;
            for handle in handles {
                sum += handle.await;
            }
            clock.stop(n, sum)
        }))
    }

    fn timers(n: u64) -> Duration {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let start = Instant::now();
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    ex.spawn(async move {
                        Timer::after(timer_delay(i)).await;
                    })
                })
                .collect();
            for handle in handles {
                handle.await;
            }
            start.elapsed()
        }))
    }
}
