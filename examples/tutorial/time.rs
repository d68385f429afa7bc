//! Chapter 6 of the crate tutorial, "Time" (`aiochan::tutorial::ch06_time`): a deadline made once,
//! a limit on silence, ticks that catch up, and a steady pace.

use std::future::Future;
use std::time::{Duration, Instant};

use aiochan::{go_named, now, select, sleep, sleep_until, tick_tock, timeout, Chan, Runtime};

use super::ms_since;

/// A server that puts 1, 2, 3, ... on `messages`, one every `every`; it stops after `count`
/// messages or when the channel is closed, then stays silent for an hour.
fn serve(messages: &Chan<u32>, every: Duration, count: u32) {
    let server = messages.clone();
    go_named("server", async move {
        for i in 1..=count {
            sleep(every).await;
            if !server.put(i).await {
                return;
            }
        }
        sleep(Duration::from_secs(3600)).await;
    });
}

/// One deadline for the whole conversation: a `timeout` channel made once, selected on every
/// round. The server talks every 300 ms, forever; the listener hears three messages and stops at
/// one second.
pub fn deadline(rt: &Runtime) {
    rt.run(async {
        let messages = Chan::new().named("messages");
        serve(&messages, Duration::from_millis(300), u32::MAX);
        let start = now();
        let deadline = timeout::<()>(Duration::from_secs(1)).named("deadline");
        loop {
            select! {
                m = get(messages) => println!("{:>4} ms  heard {}", ms_since(start), m.unwrap_or_default()),
                _ = get(deadline) => break,
            }
        }
        println!("{:>4} ms  the deadline has passed: stop listening", ms_since(start));
        messages.close();
    });
}

/// A limit on silence: a fresh `sleep` arm every round. The server sends three messages 100 ms
/// apart and goes quiet; the listener gives up 500 ms after the last one.
pub fn silence(rt: &Runtime) {
    rt.run(async {
        let messages = Chan::new().named("messages");
        serve(&messages, Duration::from_millis(100), 3);
        let start = now();
        loop {
            select! {
                m = get(messages) => println!("{:>4} ms  heard {}", ms_since(start), m.unwrap_or_default()),
                _ = sleep(Duration::from_millis(500)) => break,
            }
        }
        println!("{:>4} ms  500 ms of silence: give up", ms_since(start));
    });
}

/// Ticks never pile up and none is skipped: busy for the first 350 ms, the consumer receives tick 1
/// late, ticks 2 and 3 at once, and tick 4 on time.
pub fn ticks(rt: &Runtime) {
    rt.run(async {
        let start = now();
        let ticks = tick_tock(Duration::from_millis(100)).named("ticks");
        sleep(Duration::from_millis(350)).await; // busy
        for _ in 0..4 {
            let Some((n, at)) = ticks.get().await else {
                break;
            };
            println!(
                "tick {n}: put at {:>3} ms, received at {:>3} ms",
                (at - start).as_millis(),
                ms_since(start)
            );
        }
        ticks.close();
    });
}

/// Work of 30 ms then a sleep of the period drifts; sleeping until the next multiple of the
/// period keeps a steady pace.
pub fn steady_pace(rt: &Runtime) {
    let period = Duration::from_millis(100);
    rounds(rt, "drifting:", |_, _| sleep(period));
    rounds(rt, "steady:  ", |start, round| {
        sleep_until(start + period * round)
    });
}

/// Four rounds of 30 ms of work, each followed by `pace(start, round)`; prints when each starts.
fn rounds<F: Future<Output = ()>>(rt: &Runtime, label: &str, pace: impl Fn(Instant, u32) -> F) {
    rt.run(async {
        let start = now();
        for round in 1..=4 {
            println!("{label} round {round} starts at {:>3} ms", ms_since(start));
            sleep(Duration::from_millis(30)).await; // the work
            pace(start, round).await;
        }
    });
}
