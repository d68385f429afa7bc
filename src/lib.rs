//! CSP-style concurrency for Rust: Go's channels and Clojure's core.async on a deterministic
//! single-threaded event loop.
//!
//! ```
//! use std::time::Duration;
//!
//! aiochan::run(async {
//!     let counter = aiochan::go(async {
//!         for i in 1..=3 {
//!             aiochan::sleep(Duration::from_millis(1)).await;
//!             println!("counter: {i}");
//!         }
//!         "done"
//!     });
//!     assert_eq!(counter.await, "done");
//! });
//! ```
//!
//! The loop's ordering rules, virtual time and seeds are described in [`runtime`].
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

pub use chan::buffer::{self, Buffer};
pub use chan::{channel, channel_fixed, from_range_step, tick_tock_at, Receiver, Sender};
pub use chan::{
    from_iter, from_range, select, tick_tock, timeout, try_select, Chan, ChanIter, ChanSender,
    ChanState, ChanStats, Op, Outcome, Select, Selected, SendError, TryGetError, TryPutError,
};
pub use chan::{select_blocking, select_then, RemoteOp, RemoteSelected, SelectBlockingError};
#[cfg(feature = "stream")]
pub use chan::{ChanSink, ChanStream, Closed};
pub use runtime::trace::{ChanSnapshot, Event, Side, TaskEnd, Trace, TraceEvent, WaitKind};
pub use runtime::{
    go, go_named, nop, now, random_below, random_u64, run, run_in_thread, seed, sleep, sleep_until,
    spawn_blocking, Async, Blocking, Builder, Handle, JoinHandle, LoopEnded, LoopThread, Nop,
    RemoteJoinHandle, Runtime, Schedule, Sleep, SEED_VAR,
};
pub use runtime::{timeout_future, Elapsed, TimeoutFuture};
pub use runtime::{use_spawner, LocalTask, SpawnerGuard};
pub mod tutorial;
