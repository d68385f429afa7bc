//! The workloads on smol's building blocks: `async_executor::LocalExecutor`, `async_io` timers
//! and `blocking`'s thread pool.

use std::cell::Cell;
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use async_channel::{bounded, Receiver};
use async_executor::LocalExecutor;
use async_io::Timer;
use futures::stream::select_all;
use futures::{Stream, StreamExt};
use futures_lite::future::{pending, race, yield_now};

use crate::workload::{
    blocking_job, fanin_values, timer_delay, BlockingClock, BlockingSample, ChannelClock,
    ChannelSample, Contender, PeakClock, PeakSample, SpawnClock, SpawnSample, Tally,
    BLOCKING_IN_FLIGHT, SELECT_CHANNELS,
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
    fn pipeline(n: u64, buffer: usize) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (source_tx, source_rx) = bounded(buffer);
            let (doubled_tx, doubled_rx) = bounded(buffer);
            let (kept_tx, kept_rx) = bounded(buffer);
            let producer = ex.spawn(async move {
                for i in 0..n {
                    source_tx.send(i).await.expect("closed early");
                }
            });
            let double = ex.spawn(async move {
                while let Ok(v) = source_rx.recv().await {
                    doubled_tx.send(v * 2).await.expect("closed early");
                }
            });
            let keep = ex.spawn(async move {
                while let Ok(v) = doubled_rx.recv().await {
                    if v % 3 == 0 {
                        kept_tx.send(v).await.expect("closed early");
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

    /// `blocking::unblock` (what `smol::unblock` is): one pool for the whole process, with its
    /// default cap of 500 threads.
    fn spawn_blocking(n: u64) -> Option<BlockingSample> {
        let ex = LocalExecutor::new();
        Some(futures_lite::future::block_on(ex.run(async {
            let clock = BlockingClock::start();
            let mut in_flight = VecDeque::with_capacity(BLOCKING_IN_FLIGHT);
            let mut sum = 0;
            for i in 0..n {
                if in_flight.len() == BLOCKING_IN_FLIGHT {
                    sum += in_flight.pop_front().expect("a call in flight").await;
                }
                in_flight.push_back(blocking::unblock(move || blocking_job(i)));
            }
            for call in in_flight {
                sum += call.await;
            }
            clock.stop(sum)
        })))
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

    fn select4(n: u64) -> ChannelSample {
        let ex = LocalExecutor::new();
        futures_lite::future::block_on(ex.run(async {
            let clock = ChannelClock::start();
            let (senders, receivers): (Vec<_>, Vec<_>) =
                (0..SELECT_CHANNELS).map(|_| bounded(capacity(0))).unzip();
            let handles: Vec<_> = (0..SELECT_CHANNELS)
                .zip(senders)
                .map(|(p, tx)| {
                    // Dropping `tx` at the end closes this producer's channel.
                    ex.spawn(async move {
                        for i in fanin_values(p, SELECT_CHANNELS, n) {
                            tx.send(i).await.expect("closed early");
                        }
                    })
                })
                .collect();
            let consumer = ex.spawn(async move {
                let mut tally = Tally::default();
                let mut open = [true; 4];
                while open.contains(&true) {
                    // `recv` is cancel safe: a value leaves the channel only in the poll that
                    // returns it, so the losers of a race are dropped without losing one.
                    match race4(open, |i| receivers[i].recv()).await {
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
        select_wide_on::<Smol>(n, channels)
    }

    fn idle(n: u64) -> PeakSample {
        idle_on::<Smol>(n)
    }
}

/// The channel API that `idle` and `select_wide` use on smol's executor, which async-channel
/// (`Smol`) and flume (`Flume`) both offer: their runs differ only in the channel.
pub trait LocalChannel {
    type Sender: 'static;
    type Receiver: 'static;
    /// A channel as near to unbuffered as the crate has (async-channel: one slot).
    fn unbuffered() -> (Self::Sender, Self::Receiver);
    /// Sends `v`; the channel must be open.
    async fn send(tx: &Self::Sender, v: u64);
    /// The next value, or `None` once every sender is gone and the channel is drained.
    async fn recv(rx: &Self::Receiver) -> Option<u64>;
    /// The receiver as a stream that `select_all` can hold.
    fn stream(rx: Self::Receiver) -> impl Stream<Item = u64> + Unpin + 'static;
}

impl LocalChannel for Smol {
    type Sender = async_channel::Sender<u64>;
    type Receiver = Receiver<u64>;

    fn unbuffered() -> (Self::Sender, Self::Receiver) {
        bounded(capacity(0))
    }

    async fn send(tx: &Self::Sender, v: u64) {
        tx.send(v).await.expect("closed early");
    }

    async fn recv(rx: &Self::Receiver) -> Option<u64> {
        rx.recv().await.ok()
    }

    /// `select_all` needs `Unpin` streams, which async-channel's receiver is not: boxed.
    fn stream(rx: Self::Receiver) -> impl Stream<Item = u64> + Unpin + 'static {
        Box::pin(rx)
    }
}

/// `select_wide` on smol's executor with channel `C`. futures-lite has no select over a set of
/// streams known only at run time, so the consumer uses the `futures` crate's `select_all` (see
/// `Futures::select4`) over the receivers' streams.
pub fn select_wide_on<C: LocalChannel>(n: u64, channels: u64) -> ChannelSample {
    let ex = LocalExecutor::new();
    futures_lite::future::block_on(ex.run(async {
        let clock = ChannelClock::start();
        let (senders, receivers): (Vec<_>, Vec<_>) = (0..channels).map(|_| C::unbuffered()).unzip();
        let handles: Vec<_> = (0..channels)
            .zip(senders)
            .map(|(p, tx)| {
                // Dropping `tx` at the end closes this producer's channel.
                ex.spawn(async move {
                    for i in fanin_values(p, channels, n) {
                        C::send(&tx, i).await;
                    }
                })
            })
            .collect();
        let consumer = ex.spawn(async move {
            let mut tally = Tally::default();
            let mut all = select_all(receivers.into_iter().map(C::stream));
            while let Some(v) = all.next().await {
                tally.add(v);
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

/// `idle` on smol's executor with channel `C`.
pub fn idle_on<C: LocalChannel>(n: u64) -> PeakSample {
    let ex = LocalExecutor::new();
    futures_lite::future::block_on(ex.run(async {
        let clock = PeakClock::start();
        let parked = Rc::new(Cell::new(0));
        let (senders, handles): (Vec<_>, Vec<_>) = (0..n)
            .map(|_| {
                let (tx, rx) = C::unbuffered();
                let parked = parked.clone();
                let handle = ex.spawn(async move {
                    parked.set(parked.get() + 1);
                    C::recv(&rx).await.expect("closed early")
                });
                (tx, handle)
            })
            .unzip();
        while parked.get() < n {
            yield_now().await;
        }
        for (i, tx) in (0..n).zip(&senders) {
            C::send(tx, i).await;
        }
        let mut tally = Tally::default();
        for handle in handles {
            tally.add(handle.await);
        }
        clock.stop(tally)
    }))
}

/// `select4`'s select for the futures-lite world: awaits `recv(i)` for each `i` that is `open`, and
/// returns the index and output of the first to complete. futures-lite has no n-way select, so this
/// nests its two-way `race`, which polls a randomly chosen one of its two futures first: no arm is
/// preferred, though with some arms pending the odds among the ready ones are not exactly equal.
/// A closed arm races as `pending()`, which never wins.
pub async fn race4<F, Fut>(open: [bool; 4], recv: F) -> (usize, Fut::Output)
where
    F: Fn(usize) -> Fut,
    Fut: Future,
{
    let arm = |i: usize| {
        let fut = recv(i);
        async move {
            if open[i] {
                (i, fut.await)
            } else {
                pending().await
            }
        }
    };
    race(race(arm(0), arm(1)), race(arm(2), arm(3))).await
}

/// Receives until every sender is gone.
async fn consume(rx: Receiver<u64>) -> Tally {
    let mut tally = Tally::default();
    while let Ok(v) = rx.recv().await {
        tally.add(v);
    }
    tally
}
