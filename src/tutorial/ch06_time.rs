//! Chapter 6: time.
//!
//! The loop has a clock, and everything in this chapter reads it: [`now`](crate::now) tells the
//! time of the current turn; [`sleep`](crate::sleep()) and [`sleep_until`](crate::sleep_until)
//! wait; [`timeout`](crate::timeout) and [`tick_tock`](crate::tick_tock) turn time into channels, so
//! that it can take part in a select like any other event. Under virtual time all of them follow
//! the virtual clock, which is how the examples below can assert exact times. (Timers have a
//! resolution of one millisecond; shorter durations are rounded up.)
//!
//! # A deadline for a whole conversation
//!
//! Chapter 4 bounded a single wait with a `sleep` arm. That sleep starts afresh each time the
//! select runs, so in a loop it limits the *silence* between two messages, not the whole loop. For
//! a limit on the whole loop, make the deadline once, as a channel: [`timeout`](crate::timeout)
//! returns a channel that closes itself after the given time. A get from it waits until then and
//! gives `None`; every select that includes it shares the same deadline.
//!
//! Below, a chatty server sends a message every 300 ms, forever. A 500 ms limit on silence would
//! never trigger; a one-second deadline stops the listener after three messages:
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{go, now, select, sleep, timeout, Chan, Runtime};
//!
//! Runtime::builder().virtual_time(true).build().run(async {
//!     let messages = Chan::new();
//!     let server = messages.clone();
//!     go(async move {
//!         for i in 1.. {
//!             sleep(Duration::from_millis(300)).await;
//!             if !server.put(i).await {
//!                 break;
//!             }
//!         }
//!     });
//!
//!     let start = now();
//!     let deadline = timeout::<()>(Duration::from_secs(1));
//!     let mut heard = Vec::new();
//!     loop {
//!         select! {
//!             m = get(messages) => heard.push(m.unwrap()),
//!             _ = get(deadline) => break,
//!         }
//!     }
//!     assert_eq!(heard, [1, 2, 3]); // at 300, 600 and 900 ms
//!     assert_eq!(now() - start, Duration::from_secs(1));
//!     messages.close();
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- time-1-deadline --virtual`.
//!
//! The type parameter of `timeout` is the type of values the channel would carry; it never
//! carries any, so pick whatever fits the select (`()` with [`select!`](crate::select!), the type
//! of the other channels with [`select`](crate::select())).
//!
//! # A limit on silence
//!
//! When what you want is "give up if nothing happens for a while", a fresh `sleep` arm on every
//! round is exactly right. Here the server sends three messages 100 ms apart and then goes quiet;
//! the listener stops 500 ms after the last one:
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{go, now, select, sleep, Chan, Runtime};
//!
//! Runtime::builder().virtual_time(true).build().run(async {
//!     let messages = Chan::new();
//!     let server = messages.clone();
//!     go(async move {
//!         for i in 1..=3 {
//!             sleep(Duration::from_millis(100)).await;
//!             server.put(i).await;
//!         }
//!         sleep(Duration::from_secs(3600)).await; // silence
//!     });
//!
//!     let start = now();
//!     let mut heard = Vec::new();
//!     loop {
//!         select! {
//!             m = get(messages) => heard.push(m.unwrap()),
//!             _ = sleep(Duration::from_millis(500)) => break,
//!         }
//!     }
//!     assert_eq!(heard, [1, 2, 3]);
//!     assert_eq!(now() - start, Duration::from_millis(800)); // 300 + 500
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- time-2-silence --virtual`.
//!
//! A `sleep` arm can bound any future, not only channel operations:
//! `select! { r = fetch() => Some(r), _ = sleep(limit) => None }` is a general "with timeout";
//! the losing future is dropped.
//!
//! # Ticking
//!
//! [`tick_tock`](crate::tick_tock)`(interval)` is a channel of ticks, one per interval: each tick
//! is the pair `(n, instant)`, counting from 1, with the time it was put. A tick waits to be taken
//! like any put, so ticks never pile up: a consumer that falls behind finds at most one tick
//! waiting, and then receives the overdue ones one per get, none skipped, until it has caught up.
//! Close the channel to stop the ticking.
//!
//! Below, the consumer is busy for the first 350 ms. It then receives tick 1 (put at 100 ms),
//! ticks 2 and 3 at once (they were due, and are put as soon as the previous one is taken), and
//! tick 4 on time at 400 ms:
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{now, sleep, tick_tock, Runtime};
//!
//! let ticks = Runtime::builder().virtual_time(true).build().run(async {
//!     let start = now();
//!     let ticks = tick_tock(Duration::from_millis(100));
//!     sleep(Duration::from_millis(350)).await; // busy
//!     let mut seen = Vec::new();
//!     for _ in 0..4 {
//!         let (n, at) = ticks.get().await.unwrap();
//!         seen.push((n, (at - start).as_millis(), (now() - start).as_millis()));
//!     }
//!     ticks.close();
//!     seen
//! });
//! // (tick, put at ms, received at ms)
//! assert_eq!(ticks, [(1, 100, 350), (2, 350, 350), (3, 350, 350), (4, 400, 400)]);
//! ```
//!
//! Run it: `cargo run --example tutorial -- time-3-ticks --virtual`.
//!
//! # Keeping a steady pace
//!
//! A loop that does some work and then sleeps for its period drifts: each round takes the period
//! *plus* the work. To start a round every period no matter how long the work takes, sleep until
//! the next multiple of the period with [`sleep_until`](crate::sleep_until):
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{now, sleep, sleep_until, Runtime};
//!
//! let rt = Runtime::builder().virtual_time(true).build();
//! let period = Duration::from_millis(100);
//! let work = || sleep(Duration::from_millis(30)); // every round takes 30 ms of work
//!
//! let drifting = rt.run(async {
//!     let start = now();
//!     let mut starts = Vec::new();
//!     for _ in 0..4 {
//!         starts.push((now() - start).as_millis());
//!         work().await;
//!         sleep(period).await;
//!     }
//!     starts
//! });
//! assert_eq!(drifting, [0, 130, 260, 390]);
//!
//! let steady = rt.run(async {
//!     let start = now();
//!     let mut starts = Vec::new();
//!     for round in 1..=4 {
//!         starts.push((now() - start).as_millis());
//!         work().await;
//!         sleep_until(start + period * round).await;
//!     }
//!     starts
//! });
//! assert_eq!(steady, [0, 100, 200, 300]);
//! ```
//!
//! Run it: `cargo run --example tutorial -- time-4-steady-pace --virtual`.
//!
//! To recap:
//! - [`timeout`](crate::timeout) makes a deadline once, as a channel that closes; select on it to
//!   bound a whole sequence of waits;
//! - a [`sleep`](crate::sleep()) arm bounds one wait, which in a loop means the silence between
//!   events;
//! - [`tick_tock`](crate::tick_tock) ticks without piling up or skipping;
//! - [`sleep_until`](crate::sleep_until) keeps a steady pace where `sleep` would drift.
//!
//! Next, [chapter 7](super::ch07_operators): operators that build pipelines out of channels.
