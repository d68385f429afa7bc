//! The workloads on tokio's current-thread runtime with a `LocalSet`.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};
use tokio::sync::mpsc::{channel, Receiver};
use tokio::task::{spawn_local, yield_now, JoinHandle, LocalSet};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{StreamExt, StreamMap};

use crate::workload::{
    blocking_job, fanin_values, timer_delay, BlockingClock, BlockingSample, ChannelClock,
    ChannelSample, Contender, PeakClock, PeakSample, SpawnClock, SpawnSample, Tally,
    BLOCKING_IN_FLIGHT, SELECT_CHANNELS,
};

pub struct Tokio;

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("build tokio runtime")
}

/// tokio has no rendezvous channel: "unbuffered" gets its smallest, one slot.
fn capacity(buffer: usize) -> usize {
    buffer.max(1)
}

impl Contender for Tokio {
    fn pipeline(n: u64, buffer: usize) -> ChannelSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = ChannelClock::start();
            let (source_tx, mut source_rx) = channel(buffer);
            let (doubled_tx, mut doubled_rx) = channel(buffer);
            let (kept_tx, kept_rx) = channel(buffer);
            let producer = spawn_local(async move {
                for i in 0..n {
                    source_tx.send(i).await.expect("closed early");
                }
            });
            let double = spawn_local(async move {
                while let Some(v) = source_rx.recv().await {
                    doubled_tx.send(v * 2).await.expect("closed early");
                }
            });
            let keep = spawn_local(async move {
                while let Some(v) = doubled_rx.recv().await {
                    if v % 3 == 0 {
                        kept_tx.send(v).await.expect("closed early");
                    }
                }
            });
            let tally = spawn_local(consume(kept_rx)).await.expect("task panicked");
            for stage in [producer, double, keep] {
                stage.await.expect("task panicked");
            }
            clock.stop(tally)
        })
    }

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

    /// `tokio::task::spawn_blocking` on the current-thread runtime's blocking pool, left at its
    /// defaults (512 threads, 10 s keep-alive), as aiochan's is.
    fn spawn_blocking(n: u64) -> Option<BlockingSample> {
        Some(LocalSet::new().block_on(&runtime(), async move {
            let clock = BlockingClock::start();
            let mut in_flight: VecDeque<JoinHandle<u64>> =
                VecDeque::with_capacity(BLOCKING_IN_FLIGHT);
            let mut sum = 0;
            for i in 0..n {
                if in_flight.len() == BLOCKING_IN_FLIGHT {
                    let call = in_flight.pop_front().expect("a call in flight");
                    sum += call.await.expect("the job panicked");
                }
                in_flight.push_back(tokio::task::spawn_blocking(move || blocking_job(i)));
            }
            for call in in_flight {
                sum += call.await.expect("the job panicked");
            }
            clock.stop(sum)
        }))
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

    fn pingpong(n: u64) -> ChannelSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = ChannelClock::start();
            let (a_tx, mut a_rx) = channel(capacity(0));
            let (b_tx, mut b_rx) = channel(capacity(0));
            let ping = spawn_local(async move {
                let mut tally = Tally::default();
                for i in 0..n {
                    a_tx.send(i).await.expect("a closed early");
                    tally.add(b_rx.recv().await.expect("b closed early"));
                }
                tally
            });
            let pong = spawn_local(async move {
                while let Some(v) = a_rx.recv().await {
                    b_tx.send(v).await.expect("b closed early");
                }
            });
            let tally = ping.await.expect("task panicked");
            pong.await.expect("task panicked");
            clock.stop(tally)
        })
    }

    fn spsc(n: u64, buffer: usize) -> ChannelSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = ChannelClock::start();
            let (tx, rx) = channel(capacity(buffer));
            let producer = spawn_local(async move {
                for i in 0..n {
                    tx.send(i).await.expect("closed early");
                }
            });
            let consumer = spawn_local(consume(rx));
            let tally = consumer.await.expect("task panicked");
            producer.await.expect("task panicked");
            clock.stop(tally)
        })
    }

    fn fanin(n: u64, producers: u64, buffer: usize) -> ChannelSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = ChannelClock::start();
            let (tx, rx) = channel(capacity(buffer));
            let handles: Vec<_> = (0..producers)
                .map(|p| {
                    let tx = tx.clone();
                    spawn_local(async move {
                        for i in fanin_values(p, producers, n) {
                            tx.send(i).await.expect("closed early");
                        }
                    })
                })
                .collect();
            drop(tx);
            let consumer = spawn_local(consume(rx));
            let tally = consumer.await.expect("task panicked");
            for handle in handles {
                handle.await.expect("task panicked");
            }
            clock.stop(tally)
        })
    }

    fn select4(n: u64) -> ChannelSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = ChannelClock::start();
            let (senders, receivers): (Vec<_>, Vec<_>) =
                (0..SELECT_CHANNELS).map(|_| channel(capacity(0))).unzip();
            let handles: Vec<_> = (0..SELECT_CHANNELS)
                .zip(senders)
                .map(|(p, tx)| {
                    // Dropping `tx` at the end closes this producer's channel.
                    spawn_local(async move {
                        for i in fanin_values(p, SELECT_CHANNELS, n) {
                            tx.send(i).await.expect("closed early");
                        }
                    })
                })
                .collect();
            let [mut rx0, mut rx1, mut rx2, mut rx3]: [Receiver<u64>; 4] =
                receivers.try_into().expect("select4 has four channels");
            let consumer = spawn_local(async move {
                let mut tally = Tally::default();
                let mut open = [true; 4];
                // `select!` polls its branches from a random one each time (no `biased;`), and
                // `if open[i]` leaves closed channels out. `recv` is cancel safe, so the branches
                // that lose a round drop their futures without losing a value.
                while open.contains(&true) {
                    tokio::select! {
                        v = rx0.recv(), if open[0] => got(&mut tally, &mut open[0], v),
                        v = rx1.recv(), if open[1] => got(&mut tally, &mut open[1], v),
                        v = rx2.recv(), if open[2] => got(&mut tally, &mut open[2], v),
                        v = rx3.recv(), if open[3] => got(&mut tally, &mut open[3], v),
                    }
                }
                tally
            });
            let tally = consumer.await.expect("task panicked");
            for handle in handles {
                handle.await.expect("task panicked");
            }
            clock.stop(tally)
        })
    }

    /// tokio's select over a set of receivers that is known only at run time is tokio-stream's
    /// `StreamMap`: each poll starts from a random stream, and a stream that has ended (its sender
    /// dropped) is removed. `ReceiverStream` is cancel safe, like `recv`.
    fn select_wide(n: u64, channels: u64) -> ChannelSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = ChannelClock::start();
            let mut streams = StreamMap::new();
            let handles: Vec<_> = (0..channels)
                .map(|p| {
                    let (tx, rx) = channel(capacity(0));
                    streams.insert(p, ReceiverStream::new(rx));
                    // Dropping `tx` at the end closes this producer's channel.
                    spawn_local(async move {
                        for i in fanin_values(p, channels, n) {
                            tx.send(i).await.expect("closed early");
                        }
                    })
                })
                .collect();
            let consumer = spawn_local(async move {
                let mut tally = Tally::default();
                while let Some((_, v)) = streams.next().await {
                    tally.add(v);
                }
                tally
            });
            let tally = consumer.await.expect("task panicked");
            for handle in handles {
                handle.await.expect("task panicked");
            }
            clock.stop(tally)
        })
    }

    fn idle(n: u64) -> PeakSample {
        LocalSet::new().block_on(&runtime(), async move {
            let clock = PeakClock::start();
            let parked = Rc::new(Cell::new(0));
            let (senders, handles): (Vec<_>, Vec<_>) = (0..n)
                .map(|_| {
                    let (tx, mut rx) = channel(capacity(0));
                    let parked = parked.clone();
                    let handle = spawn_local(async move {
                        parked.set(parked.get() + 1);
                        rx.recv().await.expect("closed early")
                    });
                    (tx, handle)
                })
                .unzip();
            while parked.get() < n {
                yield_now().await;
            }
            for (i, tx) in (0..n).zip(&senders) {
                tx.send(i).await.expect("closed early");
            }
            let mut tally = Tally::default();
            for handle in handles {
                tally.add(handle.await.expect("task panicked"));
            }
            clock.stop(tally)
        })
    }
}

/// Tallies a value `select4` got, or notes that its channel is closed.
fn got(tally: &mut Tally, open: &mut bool, value: Option<u64>) {
    match value {
        Some(v) => tally.add(v),
        None => *open = false,
    }
}

/// Receives until every sender is gone.
async fn consume(mut rx: Receiver<u64>) -> Tally {
    let mut tally = Tally::default();
    while let Some(v) = rx.recv().await {
        tally.add(v);
    }
    tally
}
