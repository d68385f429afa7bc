//! The workloads on the `futures` crate's single-threaded `LocalPool`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use async_io::Timer;
use futures::channel::mpsc::{channel, Receiver};
use futures::executor::LocalPool;
use futures::stream::select_all;
use futures::task::LocalSpawnExt;
use futures::{SinkExt, StreamExt};
use futures_lite::future::yield_now;

use crate::workload::{
    fanin_values, timer_delay, BlockingSample, ChannelClock, ChannelSample, Contender, PeakClock,
    PeakSample, SpawnClock, SpawnSample, Tally, SELECT_CHANNELS,
};

pub struct Futures;

// A `channel(buffer)` holds `buffer` values plus one per sender, so "unbuffered" `channel(0)` lets
// each sender run one value ahead, and `fanin`'s 1000 senders share 64 + 1000 slots.
impl Contender for Futures {
    fn pipeline(n: u64, buffer: usize) -> ChannelSample {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(async move {
            let clock = ChannelClock::start();
            let (mut source_tx, mut source_rx) = channel(buffer);
            let (mut doubled_tx, mut doubled_rx) = channel(buffer);
            let (mut kept_tx, kept_rx) = channel(buffer);
            let producer = spawner
                .spawn_local_with_handle(async move {
                    for i in 0..n {
                        source_tx.send(i).await.expect("closed early");
                    }
                })
                .expect("spawn onto a running LocalPool");
            let double = spawner
                .spawn_local_with_handle(async move {
                    while let Some(v) = source_rx.next().await {
                        doubled_tx.send(v * 2).await.expect("closed early");
                    }
                })
                .expect("spawn onto a running LocalPool");
            let keep = spawner
                .spawn_local_with_handle(async move {
                    while let Some(v) = doubled_rx.next().await {
                        if v % 3 == 0 {
                            kept_tx.send(v).await.expect("closed early");
                        }
                    }
                })
                .expect("spawn onto a running LocalPool");
            let tally = spawner
                .spawn_local_with_handle(consume(kept_rx))
                .expect("spawn onto a running LocalPool")
                .await;
            for stage in [producer, double, keep] {
                stage.await;
            }
            clock.stop(tally)
        })
    }

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
    /// `futures` has executors but no pool for blocking calls: its cell stays empty.
    fn spawn_blocking(_n: u64) -> Option<BlockingSample> {
        None
    }

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

    fn pingpong(n: u64) -> ChannelSample {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(async move {
            let clock = ChannelClock::start();
            let (mut a_tx, mut a_rx) = channel(0);
            let (mut b_tx, mut b_rx) = channel(0);
            let ping = spawner
                .spawn_local_with_handle(async move {
                    let mut tally = Tally::default();
                    for i in 0..n {
                        a_tx.send(i).await.expect("a closed early");
                        tally.add(b_rx.next().await.expect("b closed early"));
                    }
                    tally
                })
                .expect("spawn onto a running LocalPool");
            let pong = spawner
                .spawn_local_with_handle(async move {
                    while let Some(v) = a_rx.next().await {
                        b_tx.send(v).await.expect("b closed early");
                    }
                })
                .expect("spawn onto a running LocalPool");
            let tally = ping.await;
            pong.await;
            clock.stop(tally)
        })
    }

    fn spsc(n: u64, buffer: usize) -> ChannelSample {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(async move {
            let clock = ChannelClock::start();
            let (mut tx, rx) = channel(buffer);
            let producer = spawner
                .spawn_local_with_handle(async move {
                    for i in 0..n {
                        tx.send(i).await.expect("closed early");
                    }
                })
                .expect("spawn onto a running LocalPool");
            let consumer = spawner
                .spawn_local_with_handle(consume(rx))
                .expect("spawn onto a running LocalPool");
            let tally = consumer.await;
            producer.await;
            clock.stop(tally)
        })
    }

    fn fanin(n: u64, producers: u64, buffer: usize) -> ChannelSample {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(async move {
            let clock = ChannelClock::start();
            let (tx, rx) = channel(buffer);
            let handles: Vec<_> = (0..producers)
                .map(|p| {
                    let mut tx = tx.clone();
                    spawner
                        .spawn_local_with_handle(async move {
                            for i in fanin_values(p, producers, n) {
                                tx.send(i).await.expect("closed early");
                            }
                        })
                        .expect("spawn onto a running LocalPool")
                })
                .collect();
            drop(tx);
            let consumer = spawner
                .spawn_local_with_handle(consume(rx))
                .expect("spawn onto a running LocalPool");
            let tally = consumer.await;
            for handle in handles {
                handle.await;
            }
            clock.stop(tally)
        })
    }

    // `futures::select!` needs the crate's `async-await` feature (a proc-macro dependency); without
    // it, what a `futures` user writes to take from whichever of several receivers is ready is
    // `stream::select_all`. It is not random: it polls the receivers in the order they were woken
    // and puts one that yielded at the back, so it is fair round-robin with no preferred arm, and it
    // drops a receiver from the set once its channel is closed. `Receiver::poll_next` removes a
    // value only when it returns it, so no value is lost.
    fn select4(n: u64) -> ChannelSample {
        select_all_of(n, SELECT_CHANNELS)
    }

    fn select_wide(n: u64, channels: u64) -> ChannelSample {
        select_all_of(n, channels)
    }

    fn idle(n: u64) -> PeakSample {
        let mut pool = LocalPool::new();
        let spawner = pool.spawner();
        pool.run_until(async move {
            let clock = PeakClock::start();
            let parked = Rc::new(Cell::new(0));
            let (mut senders, handles): (Vec<_>, Vec<_>) = (0..n)
                .map(|_| {
                    let (tx, mut rx) = channel(0);
                    let parked = parked.clone();
                    let handle = spawner
                        .spawn_local_with_handle(async move {
                            parked.set(parked.get() + 1);
                            rx.next().await.expect("closed early")
                        })
                        .expect("spawn onto a running LocalPool");
                    (tx, handle)
                })
                .unzip();
            // `futures` has no yield of its own; futures-lite's works on any executor.
            while parked.get() < n {
                yield_now().await;
            }
            for (i, tx) in (0..n).zip(&mut senders) {
                tx.send(i).await.expect("closed early");
            }
            let mut tally = Tally::default();
            for handle in handles {
                tally.add(handle.await);
            }
            clock.stop(tally)
        })
    }
}

/// `channels` producers, each on its own `channel(0)`, and one consumer taking from them all with
/// `select_all`: `select4` and `select_wide`.
fn select_all_of(n: u64, channels: u64) -> ChannelSample {
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    pool.run_until(async move {
        let clock = ChannelClock::start();
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..channels).map(|_| channel(0)).unzip();
        let handles: Vec<_> = (0..channels)
            .zip(senders)
            .map(|(p, mut tx)| {
                // Dropping `tx` at the end closes this producer's channel.
                spawner
                    .spawn_local_with_handle(async move {
                        for i in fanin_values(p, channels, n) {
                            tx.send(i).await.expect("closed early");
                        }
                    })
                    .expect("spawn onto a running LocalPool")
            })
            .collect();
        let consumer = spawner
            .spawn_local_with_handle(async move {
                let mut tally = Tally::default();
                let mut all = select_all(receivers);
                while let Some(v) = all.next().await {
                    tally.add(v);
                }
                tally
            })
            .expect("spawn onto a running LocalPool");
        let tally = consumer.await;
        for handle in handles {
            handle.await;
        }
        clock.stop(tally)
    })
}

/// Receives until every sender is gone.
async fn consume(mut rx: Receiver<u64>) -> Tally {
    let mut tally = Tally::default();
    while let Some(v) = rx.next().await {
        tally.add(v);
    }
    tally
}
