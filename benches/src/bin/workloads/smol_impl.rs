//! The workloads on smol's building blocks: `async_executor::LocalExecutor` and `async_io` timers.

use std::time::{Duration, Instant};

use async_channel::{bounded, Receiver};
use async_executor::LocalExecutor;
use async_io::Timer;

use crate::workload::{
    fanin_values, timer_delay, ChannelClock, ChannelSample, Contender, SpawnClock, SpawnSample,
    Tally,
};

pub struct Smol;

/// async-channel has no rendezvous channel: "unbuffered" gets its smallest, one slot.
fn capacity(buffer: usize) -> usize {
    buffer.max(1)
}

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

    fn pingpong(n: u64) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (a_tx, a_rx) = bounded(capacity(0));
            let (b_tx, b_rx) = bounded(capacity(0));
            let ping = ex.spawn(async move {
                let mut tally = Tally::default();
                for i in 0..n {
                    a_tx.send(i).await.expect("a closed early");
                    tally.add(b_rx.recv().await.expect("b closed early"));
                }
                tally
            });
            let pong = ex.spawn(async move {
                while let Ok(v) = a_rx.recv().await {
                    b_tx.send(v).await.expect("b closed early");
                }
            });
            let tally = ping.await;
            pong.await;
            clock.stop(tally)
        }))
    }

    fn spsc(n: u64, buffer: usize) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (tx, rx) = bounded(capacity(buffer));
            let producer = ex.spawn(async move {
                for i in 0..n {
                    tx.send(i).await.expect("closed early");
                }
            });
            let consumer = ex.spawn(consume(rx));
            let tally = consumer.await;
            producer.await;
            clock.stop(tally)
        }))
    }

    fn fanin(n: u64, producers: u64, buffer: usize) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (tx, rx) = bounded(capacity(buffer));
            let handles: Vec<_> = (0..producers)
                .map(|p| {
                    let tx = tx.clone();
                    ex.spawn(async move {
                        for i in fanin_values(p, producers, n) {
                            tx.send(i).await.expect("closed early");
                        }
                    })
                })
                .collect();
            drop(tx);
            let consumer = ex.spawn(consume(rx));
            let tally = consumer.await;
            for handle in handles {
                handle.await;
            }
            clock.stop(tally)
        }))
    }
}

/// Receives until every sender is gone.
async fn consume(rx: Receiver<u64>) -> Tally {
    let mut tally = Tally::default();
    while let Ok(v) = rx.recv().await {
        tally.add(v);
    }
    tally
}
