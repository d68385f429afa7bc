//! The workloads on aiochan's own runtime.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Duration, Instant};

use aiochan::ops::Out;
use aiochan::{Chan, Op};

use crate::workload::{
    blocking_job, fanin_values, timer_delay, BlockingClock, BlockingSample, ChannelClock,
    ChannelSample, Contender, PeakClock, PeakSample, SpawnClock, SpawnSample, Tally,
    BLOCKING_IN_FLIGHT, SELECT_CHANNELS,
};

/// How many operations may wait on one aiochan channel in each direction unless it is told
/// otherwise with `Chan::max_pending`.
const DEFAULT_MAX_PENDING: u64 = 1024;

pub struct Aiochan;

impl Contender for Aiochan {
    fn pipeline(n: u64, buffer: usize) -> ChannelSample {
        aiochan::run(async move {
            let clock = ChannelClock::start();
            let source = Chan::fixed(buffer);
            let producer = source.clone();
            let feeder = aiochan::go(async move {
                for i in 0..n {
                    assert!(producer.put(i).await, "closed early");
                }
                producer.close();
            });
            let kept = source
                .map(|v| v * 2, Out::fixed(buffer))
                .filter(|v| v % 3 == 0, Out::fixed(buffer));
            let consumer = aiochan::go(async move {
                let mut tally = Tally::default();
                while let Some(v) = kept.get().await {
                    tally.add(v);
                }
                tally
            });
            let tally = consumer.await;
            feeder.await;
            clock.stop(tally)
        })
    }

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

    fn spawn_blocking(n: u64) -> Option<BlockingSample> {
        Some(aiochan::run(async move {
            let clock = BlockingClock::start();
            let mut in_flight = VecDeque::with_capacity(BLOCKING_IN_FLIGHT);
            let mut sum = 0;
            for i in 0..n {
                if in_flight.len() == BLOCKING_IN_FLIGHT {
                    sum += in_flight.pop_front().expect("a call in flight").await;
                }
                in_flight.push_back(aiochan::spawn_blocking(move || blocking_job(i)));
            }
            for call in in_flight {
                sum += call.await;
            }
            clock.stop(sum)
        }))
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

    fn pingpong(n: u64) -> ChannelSample {
        aiochan::run(async move {
            let clock = ChannelClock::start();
            let (a, b) = (Chan::new(), Chan::new());
            let ping = aiochan::go({
                let (a, b) = (a.clone(), b.clone());
                async move {
                    let mut tally = Tally::default();
                    for i in 0..n {
                        assert!(a.put(i).await, "a closed early");
                        tally.add(b.get().await.expect("b closed early"));
                    }
                    a.close();
                    tally
                }
            });
            let pong = aiochan::go(async move {
                while let Some(v) = a.get().await {
                    assert!(b.put(v).await, "b closed early");
                }
            });
            let tally = ping.await;
            pong.await;
            clock.stop(tally)
        })
    }

    fn spsc(n: u64, buffer: usize) -> ChannelSample {
        aiochan::run(async move {
            let clock = ChannelClock::start();
            let c = if buffer == 0 {
                Chan::new()
            } else {
                Chan::fixed(buffer)
            };
            let producer = aiochan::go({
                let c = c.clone();
                async move {
                    for i in 0..n {
                        assert!(c.put(i).await, "closed early");
                    }
                    c.close();
                }
            });
            let consumer = aiochan::go(consume(c));
            let tally = consumer.await;
            producer.await;
            clock.stop(tally)
        })
    }

    fn fanin(n: u64, producers: u64, buffer: usize) -> ChannelSample {
        aiochan::run(async move {
            let clock = ChannelClock::start();
            let mut c = Chan::fixed(buffer);
            // Every producer but the one whose put the consumer takes may wait on the channel.
            if producers > DEFAULT_MAX_PENDING {
                c = c.max_pending(producers as usize);
            }
            // The last producer to finish closes the channel, as dropping the last sender does for
            // the peers.
            let running = Rc::new(Cell::new(producers));
            let handles: Vec<_> = (0..producers)
                .map(|p| {
                    let (c, running) = (c.clone(), running.clone());
                    aiochan::go(async move {
                        for i in fanin_values(p, producers, n) {
                            assert!(c.put(i).await, "closed early");
                        }
                        running.set(running.get() - 1);
                        if running.get() == 0 {
                            c.close();
                        }
                    })
                })
                .collect();
            let consumer = aiochan::go(consume(c));
            let tally = consumer.await;
            for handle in handles {
                handle.await;
            }
            clock.stop(tally)
        })
    }

    fn select4(n: u64) -> ChannelSample {
        aiochan::run(async move {
            let clock = ChannelClock::start();
            let chans: Vec<Chan<u64>> = (0..SELECT_CHANNELS).map(|_| Chan::new()).collect();
            let handles = producers(&chans, n);
            let [c0, c1, c2, c3]: [Chan<u64>; 4] =
                chans.try_into().expect("select4 has four channels");
            let consumer = aiochan::go(async move {
                let mut tally = Tally::default();
                let mut open = [true; 4];
                // `select!` tries its arms in random order (no `biased;`), and `if open[i]`
                // leaves closed channels out, as the tokio version does.
                while open.contains(&true) {
                    aiochan::select! {
                        v = get(c0), if open[0] => got(&mut tally, &mut open[0], v),
                        v = get(c1), if open[1] => got(&mut tally, &mut open[1], v),
                        v = get(c2), if open[2] => got(&mut tally, &mut open[2], v),
                        v = get(c3), if open[3] => got(&mut tally, &mut open[3], v),
                    }
                }
                tally
            });
            let tally = consumer.await;
            for handle in handles {
                handle.await;
            }
            clock.stop(tally)
        })
    }

    fn select_wide(n: u64, channels: u64) -> ChannelSample {
        select_dynamic(n, channels)
    }

    fn idle(n: u64) -> PeakSample {
        aiochan::run(async move {
            let clock = PeakClock::start();
            let parked = Rc::new(Cell::new(0));
            let (chans, handles): (Vec<Chan<u64>>, Vec<_>) = (0..n)
                .map(|_| {
                    let c = Chan::new();
                    let (rx, parked) = (c.clone(), parked.clone());
                    let handle = aiochan::go(async move {
                        parked.set(parked.get() + 1);
                        rx.get().await.expect("closed early")
                    });
                    (c, handle)
                })
                .unzip();
            while parked.get() < n {
                aiochan::nop().await;
            }
            for (i, c) in (0..n).zip(&chans) {
                assert!(c.put(i).await, "closed early");
            }
            let mut tally = Tally::default();
            for handle in handles {
                tally.add(handle.await);
            }
            clock.stop(tally)
        })
    }
}

/// aiochan with `select4` written with the dynamic `select` function over a `Vec` of the open
/// channels, rather than the `select!` macro; every other workload is `Aiochan`'s.
pub struct AiochanSelectFn;

impl Contender for AiochanSelectFn {
    fn pipeline(n: u64, buffer: usize) -> ChannelSample {
        Aiochan::pipeline(n, buffer)
    }

    fn spawn(n: u64) -> SpawnSample {
        Aiochan::spawn(n)
    }

    fn timers(n: u64) -> Duration {
        Aiochan::timers(n)
    }

    fn pingpong(n: u64) -> ChannelSample {
        Aiochan::pingpong(n)
    }

    fn spsc(n: u64, buffer: usize) -> ChannelSample {
        Aiochan::spsc(n, buffer)
    }

    fn fanin(n: u64, producers: u64, buffer: usize) -> ChannelSample {
        Aiochan::fanin(n, producers, buffer)
    }

    fn spawn_blocking(n: u64) -> Option<BlockingSample> {
        Aiochan::spawn_blocking(n)
    }

    fn select_wide(n: u64, channels: u64) -> ChannelSample {
        Aiochan::select_wide(n, channels)
    }

    fn idle(n: u64) -> PeakSample {
        Aiochan::idle(n)
    }

    fn select4(n: u64) -> ChannelSample {
        select_dynamic(n, SELECT_CHANNELS)
    }
}

/// `channels` producers, each on its own unbuffered channel, and one consumer that selects over
/// the open ones with the dynamic `select` function, which builds its list of operations on every
/// call: `select4` of `AiochanSelectFn`, and `select_wide`.
fn select_dynamic(n: u64, channels: u64) -> ChannelSample {
    aiochan::run(async move {
        let clock = ChannelClock::start();
        let chans: Vec<Chan<u64>> = (0..channels).map(|_| Chan::new()).collect();
        let handles = producers(&chans, n);
        let consumer = aiochan::go(async move {
            let mut tally = Tally::default();
            let mut open = chans;
            while !open.is_empty() {
                // `select` picks at random among the gets that can complete (no `priority`).
                let selected = aiochan::select(open.iter().map(Op::get)).await;
                let index = selected.index;
                match selected.value() {
                    Some(v) => tally.add(v),
                    // Closed and drained: select over the others from now on.
                    None => {
                        open.swap_remove(index);
                    }
                }
            }
            tally
        });
        let tally = consumer.await;
        for handle in handles {
            handle.await;
        }
        clock.stop(tally)
    })
}

/// Starts the producers of a select workload, one per channel, which put `0..n` between them;
/// each closes its channel when done.
fn producers(chans: &[Chan<u64>], n: u64) -> Vec<aiochan::JoinHandle<()>> {
    let count = chans.len() as u64;
    (0..count)
        .zip(chans)
        .map(|(p, c)| {
            let c = c.clone();
            aiochan::go(async move {
                for i in fanin_values(p, count, n) {
                    assert!(c.put(i).await, "closed early");
                }
                c.close();
            })
        })
        .collect()
}

/// Tallies a value `select4` got, or notes that its channel is closed.
fn got(tally: &mut Tally, open: &mut bool, value: Option<u64>) {
    match value {
        Some(v) => tally.add(v),
        None => *open = false,
    }
}

/// Gets from `c` until it is closed and drained.
async fn consume(c: Chan<u64>) -> Tally {
    let mut tally = Tally::default();
    while let Some(v) = c.get().await {
        tally.add(v);
    }
    tally
}
