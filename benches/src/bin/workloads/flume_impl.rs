//! The workloads with flume channels, run on smol's executor since flume has no runtime.

use std::time::Duration;

use async_executor::LocalExecutor;
use flume::{bounded, Receiver};
use futures::Stream;

use crate::smol_impl::{idle_on, race4, select_wide_on, LocalChannel, Smol};
use crate::workload::{
    fanin_values, BlockingSample, ChannelClock, ChannelSample, Contender, PeakSample, SpawnSample,
    Tally, SELECT_CHANNELS,
};

pub struct Flume;

// Spawning and sleeping involve no channel, so flume contributes nothing of its own there: these
// rows are smol's `LocalExecutor` and `async_io` timers again, which also shows the run-to-run
// noise between two identical contenders. The channel workloads run on the same executor with
// flume's async API; `bounded(0)` is a true rendezvous, like aiochan's unbuffered channel.
impl Contender for Flume {
    fn pipeline(n: u64, buffer: usize) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (source_tx, source_rx) = bounded(buffer);
            let (doubled_tx, doubled_rx) = bounded(buffer);
            let (kept_tx, kept_rx) = bounded(buffer);
            let producer = ex.spawn(async move {
                for i in 0..n {
                    source_tx.send_async(i).await.expect("closed early");
                }
            });
            let double = ex.spawn(async move {
                while let Ok(v) = source_rx.recv_async().await {
                    doubled_tx.send_async(v * 2).await.expect("closed early");
                }
            });
            let keep = ex.spawn(async move {
                while let Ok(v) = doubled_rx.recv_async().await {
                    if v % 3 == 0 {
                        kept_tx.send_async(v).await.expect("closed early");
                    }
                }
            });
            let tally = ex.spawn(consume(kept_rx)).await;
            for stage in [producer, double, keep] {
                stage.await;
            }
            clock.stop(tally)
        }))
    }

    fn spawn(n: u64) -> SpawnSample {
        Smol::spawn(n)
    }

    fn timers(n: u64) -> Duration {
        Smol::timers(n)
    }

    /// flume is a channel crate, with no threads to lend: its cell stays empty.
    fn spawn_blocking(_n: u64) -> Option<BlockingSample> {
        None
    }

    fn pingpong(n: u64) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (a_tx, a_rx) = bounded(0);
            let (b_tx, b_rx) = bounded(0);
            let ping = ex.spawn(async move {
                let mut tally = Tally::default();
                for i in 0..n {
                    a_tx.send_async(i).await.expect("a closed early");
                    tally.add(b_rx.recv_async().await.expect("b closed early"));
                }
                tally
            });
            let pong = ex.spawn(async move {
                while let Ok(v) = a_rx.recv_async().await {
                    b_tx.send_async(v).await.expect("b closed early");
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
            let (tx, rx) = bounded(buffer);
            let producer = ex.spawn(async move {
                for i in 0..n {
                    tx.send_async(i).await.expect("closed early");
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
            let (tx, rx) = bounded(buffer);
            let handles: Vec<_> = (0..producers)
                .map(|p| {
                    let tx = tx.clone();
                    ex.spawn(async move {
                        for i in fanin_values(p, producers, n) {
                            tx.send_async(i).await.expect("closed early");
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

    // flume's own `Selector` blocks the thread, which would stall the executor, so the select is
    // the same race of async receives as smol's.
    fn select4(n: u64) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (senders, receivers): (Vec<_>, Vec<_>) =
                (0..SELECT_CHANNELS).map(|_| bounded(0)).unzip();
            let handles: Vec<_> = (0..SELECT_CHANNELS)
                .zip(senders)
                .map(|(p, tx)| {
                    // Dropping `tx` at the end closes this producer's channel.
                    ex.spawn(async move {
                        for i in fanin_values(p, SELECT_CHANNELS, n) {
                            tx.send_async(i).await.expect("closed early");
                        }
                    })
                })
                .collect();
            let consumer = ex.spawn(async move {
                let mut tally = Tally::default();
                let mut open = [true; 4];
                while open.contains(&true) {
                    // `recv_async` is cancel safe: a sender that finds a receiver waiting leaves
                    // the value in the channel's queue and wakes it, and a dropped `RecvFut`
                    // passes that wake-up on, so the losers of a race lose no value.
                    match race4(open, |i| receivers[i].recv_async()).await {
                        (_, Ok(v)) => tally.add(v),
                        (i, Err(_)) => open[i] = false,
                    }
                }
                tally
            });
            let tally = consumer.await;
            for handle in handles {
                handle.await;
            }
            clock.stop(tally)
        }))
    }

    fn select_wide(n: u64, channels: u64) -> ChannelSample {
        select_wide_on::<Flume>(n, channels)
    }

    fn idle(n: u64) -> PeakSample {
        idle_on::<Flume>(n)
    }
}

impl LocalChannel for Flume {
    type Sender = flume::Sender<u64>;
    type Receiver = Receiver<u64>;

    fn unbuffered() -> (Self::Sender, Self::Receiver) {
        bounded(0)
    }

    async fn send(tx: &Self::Sender, v: u64) {
        tx.send_async(v).await.expect("closed early");
    }

    async fn recv(rx: &Self::Receiver) -> Option<u64> {
        rx.recv_async().await.ok()
    }

    fn stream(rx: Self::Receiver) -> impl Stream<Item = u64> + Unpin + 'static {
        rx.into_stream()
    }
}

/// Receives until every sender is gone.
async fn consume(rx: Receiver<u64>) -> Tally {
    let mut tally = Tally::default();
    while let Ok(v) = rx.recv_async().await {
        tally.add(v);
    }
    tally
}
