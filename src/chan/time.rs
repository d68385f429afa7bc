//! Channels driven by the loop's clock: `timeout`, `tick_tock` and `tick_tock_at`.

use std::time::{Duration, Instant};

use super::Chan;
use crate::runtime::{self, go, sleep_until};

/// A channel that closes itself after `duration` on the loop's clock (virtual time included). With a
/// select it bounds how long to wait:
///
/// ```
/// use std::time::Duration;
/// use aiochan::{timeout, Chan};
///
/// aiochan::Runtime::builder().virtual_time(true).build().run(async {
///     let deadline = timeout::<()>(Duration::from_millis(50));
///     assert_eq!(deadline.get().await, None);
///     assert!(deadline.is_closed());
/// });
/// ```
///
/// Under another executor, with no loop running, it works once a spawner is installed (see
/// [`use_spawner`](crate::use_spawner)), in real time.
///
/// # Panics
/// Outside a running loop, unless a spawner is installed.
#[track_caller]
pub fn timeout<T: 'static>(duration: Duration) -> Chan<T> {
    let _api = runtime::calling("timeout");
    let c = Chan::new();
    c.state.borrow_mut().timed = true;
    let closer = c.clone();
    let deadline = runtime::now_or_real() + duration;
    go(async move {
        sleep_until(deadline).await;
        closer.close();
    });
    c
}

/// A channel of ticks every `interval`: `(n, instant)` with `n` counting from 1 and `instant` the
/// loop's clock when the tick was put. The first tick comes one interval after the call, tick `n`
/// no earlier than `n` intervals after it. A tick waits for a get, so at most one is ever pending:
/// after a slow get, the ticks whose time has passed follow one per get, none skipped. The ticking
/// stops once the channel is closed.
///
/// ```
/// use std::time::Duration;
///
/// aiochan::Runtime::builder().virtual_time(true).build().run(async {
///     let ticks = aiochan::tick_tock(Duration::from_millis(100));
///     let start = aiochan::now();
///     for n in 1..=3 {
///         let (count, at) = ticks.get().await.unwrap();
///         assert_eq!((count, at - start), (n, Duration::from_millis(100 * n)));
///     }
///     ticks.close();
/// });
/// ```
///
/// Under another executor, with no loop running, it works once a spawner is installed (see
/// [`use_spawner`](crate::use_spawner)), in real time.
///
/// # Panics
/// Outside a running loop, unless a spawner is installed.
#[track_caller]
pub fn tick_tock(interval: Duration) -> Chan<(u64, Instant)> {
    let _api = runtime::calling("tick_tock");
    tick_tock_at(runtime::now_or_real() + interval, interval)
}

/// A channel of ticks as [`tick_tock`]'s, the first at `start` on the loop's clock (tokio's
/// `interval_at`) and tick `n` at `start + (n - 1) * interval`. A start already past gives its
/// first tick at once, and the ticks whose time has passed follow one per get.
///
/// ```
/// use std::time::Duration;
///
/// aiochan::Runtime::builder().virtual_time(true).build().run(async {
///     let start = aiochan::now() + Duration::from_millis(30);
///     let ticks = aiochan::tick_tock_at(start, Duration::from_millis(100));
///     for n in 1..=3 {
///         let (count, at) = ticks.get().await.unwrap();
///         assert_eq!((count, at - start), (n, Duration::from_millis(100 * (n - 1))));
///     }
///     ticks.close();
/// });
/// ```
///
/// # Panics
/// Outside a running loop, unless a spawner is installed.
#[track_caller]
pub fn tick_tock_at(start: Instant, interval: Duration) -> Chan<(u64, Instant)> {
    let _api = runtime::calling("tick_tock_at");
    let c = Chan::new();
    c.state.borrow_mut().timed = true;
    let ticker = c.clone();
    // The ticker is part of the clock, like a timer: it outlives `main` without being a leak.
    go(async move {
        let mut count = 0u32;
        loop {
            sleep_until(start + interval * count).await;
            count += 1;
            if ticker.is_closed() || !ticker.put((u64::from(count), runtime::now_or_real())).await {
                break;
            }
        }
    })
    .daemon();
    c
}
