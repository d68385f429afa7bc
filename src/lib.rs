//! CSP-style concurrency for Rust: Go's channels and Clojure's core.async on a deterministic,
//! single-threaded event loop, after Python's [aiochan](https://github.com/zh217/aiochan).
//!
//! Tasks, spawned with [`go`], talk over channels ([`Chan`]): a put waits until a get takes the
//! value (unless a buffer has room), closing a channel tells both sides that no more values will
//! come, and [`select`](select()) (or the [`select!`] macro) waits on several puts and gets at once
//! and completes exactly one. All the tasks of a loop run on one thread, one at a time, in an
//! order fixed by a few rules (below), so under virtual time a program does the same thing on
//! every run, and a run whose random choices come from a seed can be replayed from it. That makes
//! aiochan good for three things: writing concurrent programs in the CSP style, testing
//! concurrent code deterministically, and learning CSP step by step, since every run can be
//! watched and repeated.
//!
//! ```
//! use aiochan::{go, Chan};
//!
//! let total = aiochan::run(async {
//!     let c = Chan::new(); // a rendezvous channel: no buffer
//!     let producer = c.clone(); // the task gets its own handle (tutorial, chapter 2)
//!     go(async move {
//!         for i in 1..=3 {
//!             producer.put(i).await; // waits until the loop below takes it
//!         }
//!         producer.close(); // no more values
//!     });
//!     let mut total = 0;
//!     while let Some(v) = c.get().await {
//!         total += v;
//!     }
//!     total // the get after the close gave `None`
//! });
//! assert_eq!(total, 6);
//! ```
//!
//! # Three ways in
//!
//! - **The [tutorial]**, eleven chapters from "what is concurrency" to testing, every example a
//!   doctest. Start there if CSP or async Rust is new to you.
//! - **The examples**, programs to run and watch, in the repository's `examples/`:
//!   - `tutorial.rs`: the programs of Python aiochan's tutorial, then one per example of
//!     chapters 6 to 11 of this crate's tutorial
//!     (`cargo run --example tutorial -- --list`);
//!   - `go_patterns.rs`: Rob Pike's Go concurrency patterns, from "boring" to Google Search 3.0;
//!   - `philosophers.rs`: the dining philosophers: a table that deadlocks, and two that do not;
//!   - `http_router.rs`: an HTTP server whose routing is channels, select and timeouts.
//!
//!   The first three share a command line: `--list` names the programs, `--virtual` runs one
//!   under virtual time, and `--trace run.html` (or `.svg`, `.mmd`) writes what happened, to step
//!   through event by event:
//!   `cargo run --example tutorial -- channels-6-fan-out --virtual --trace fan.html`.
//! - **The API**: the modules below. The items used most are also at the crate root, listed at the
//!   end of this page.
//!
//! # Modules
//!
//! | module | what it holds |
//! |---|---|
//! | [`chan`] | channels: [`Chan`] with put, get and close, [`select`](select()) and [`select!`], [`timeout`] and [`tick_tock`], channels from iterators, and the handles that let plain threads put and get |
//! | [`buffer`] | the buffers a channel can have (fixed, dropping, sliding, promise, unbounded) and the [`Buffer`] trait for your own |
//! | [`ops`] | operators that build pipelines: map, filter, fold, merge, zip, [`Dup`](ops::Dup), [`Pub`](ops::Pub), [`Mix`](ops::Mix), parallel pipes on threads |
//! | [`runtime`] | the event loop: [`run`], [`go`], [`sleep`], [`Runtime`] and its [`Builder`], the ordering rules, threads ([`spawn_blocking`], [`Handle`]), sockets ([`Async`]) and traces ([`Trace`]) |
//! | [`sync`] | locks and friends for code that shares state the way Go code does: [`Mutex`](sync::Mutex), [`RwLock`](sync::RwLock), [`Semaphore`](sync::Semaphore), [`WaitGroup`](sync::WaitGroup), ... |
//! | [`testing`] | deterministic tests: one reproducible run ([`testing::check`]), many explored schedules ([`testing::explore`], [`Explore::pct`](testing::Explore::pct)) |
//! | [`tutorial`] | the tutorial, as documentation only |
//!
//! # The ordering rules, in brief
//!
//! 1. Ready tasks run first in, first out; a spawned task joins the back of the queue and never
//!    runs on the spot.
//! 2. Timers fire in deadline order, those due together in the order they were set.
//! 3. A task is never interrupted between two awaits: no interleaving unless you await.
//! 4. [`run`] returns once the main future has completed, after one last turn for the tasks ready
//!    then; the tasks still waiting are dropped.
//! 5. A task that keeps yielding cannot starve timers or I/O.
//!
//! Where the loop must choose at random (which of several ready operations a select completes),
//! it draws from one generator started from the run's seed; `AIOCHAN_SEED=<n>` ([`SEED_VAR`])
//! replays a run. The full text, with the schedules that [`testing`] uses, is in [`runtime`].
//!
//! # Feature flags
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `stream` | on | `Chan::stream` and `Chan::sink`: channels as `futures_core::Stream` and `futures_sink::Sink` (`ChanStream`, `ChanSink`), for the combinators of the `futures` crates |
//! | `io` | on | `futures_io::AsyncRead` and `AsyncWrite` for sockets on the loop ([`Async`]) |
//!
//! Without them, the crate does not depend on `futures-core`, `futures-sink` or `futures-io`.
//!
//! # At the crate root
//!
//! The items below are re-exported from their modules, grouped as in the code: tasks and the
//! loop ([`run`], [`go`], [`sleep`], [`Runtime`], ...), channels ([`Chan`], [`from_iter`],
//! [`timeout`], ...), select ([`select`](select()), [`Op`], ...), threads ([`spawn_blocking`],
//! [`ChanSender`], [`Handle`], ...) and traces ([`Trace`], [`Event`]).
#![warn(missing_docs)]

pub mod chan;
pub mod ops;
pub mod runtime;
pub mod sync;
pub mod testing;

/// Items the crate's macros expand to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::chan::select_macro as select;
}

#[doc(inline)]
pub use chan::buffer::{self, Buffer};
#[doc(inline)]
pub use chan::{
    channel, channel_fixed, from_iter, from_range, from_range_step, select, tick_tock,
    tick_tock_at, timeout, try_select, Chan, ChanIter, ChanSender, ChanState, ChanStats, Op,
    Outcome, Receiver, Select, Selected, SendError, Sender, TryGetError, TryPutError,
};
#[doc(inline)]
pub use chan::{select_blocking, select_then, RemoteOp, RemoteSelected, SelectBlockingError};
#[cfg(feature = "stream")]
#[doc(inline)]
pub use chan::{ChanSink, ChanStream, Closed};
#[doc(inline)]
pub use runtime::trace::{ChanSnapshot, Event, Side, TaskEnd, Trace, TraceEvent, WaitKind};
#[doc(inline)]
pub use runtime::{
    go, go_named, nop, now, random_below, random_u64, run, run_in_thread, seed, sleep, sleep_until,
    spawn_blocking, Async, Blocking, Builder, Handle, JoinHandle, LoopEnded, LoopThread, Nop,
    RemoteJoinHandle, Runtime, Schedule, Sleep, SEED_VAR,
};
#[doc(inline)]
pub use runtime::{timeout_future, use_spawner, Elapsed, LocalTask, SpawnerGuard, TimeoutFuture};
pub mod tutorial;
