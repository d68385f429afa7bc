//! The workloads on smol's building blocks: `async_executor::LocalExecutor` and `async_io` timers.

use std::time::{Duration, Instant};

use async_executor::LocalExecutor;
use async_io::Timer;

use crate::workload::{timer_delay, Contender, SpawnClock, SpawnSample};

pub struct Smol;

// `async_io::block_on` is what `smol::block_on` re-exports: it drives the timer reactor on this
// thread while idle, whereas `futures_lite::future::block_on` would leave timers to async-io's
// helper thread and so lend smol a second core that the other contenders do not get.
impl Contender for Smol {
    fn spawn(n: u64) -> SpawnSample {
        let ex = LocalExecutor::new();
        async_io::block_on(ex.run(async {
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
        async_io::block_on(ex.run(async {
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
