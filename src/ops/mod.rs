//! Operators: the data-flow vocabulary of aiochan and core.async, built on the public channel API
//! only.
//!
//! Each operator is a method of [`Chan`] that starts one or more tasks on the running loop and
//! returns the channel (or handle) they feed. The last argument, an [`Out`], says where output
//! goes: a new rendezvous channel ([`Out::new`]), a new buffered one ([`Out::fixed`]), or a channel
//! of yours ([`Out::to`]), and whether to close it when the input ends ([`Out::keep_open`]).
//!
//! Every operator follows the same rules:
//! - when its input is closed and drained, it closes its output (unless told to keep it open);
//! - when its output is closed (a put returns `false`), it stops taking from its input;
//! - it never loses a value it took: a value is either delivered or the output was closed.
//!
//! Closing an output does not withdraw a put already waiting on it (core.async's rule): an operator
//! parked on such a put stays parked until the value is taken, and takes nothing more meanwhile.
//! A consumer that walks away should close the output and drain it with `try_get`.
//!
//! The operators start their tasks with [`go`](crate::go): on a running loop, or, under another
//! executor with no loop running, through the spawner installed with
//! [`use_spawner`](crate::use_spawner). With neither, they panic, naming the operator called.
//!
//! | file | operators |
//! |---|---|
//! | `transform` | `map`, `filter`, `take`, `drop`, `take_while`, `drop_while`, `distinct`, `group`, `group_by`, `split`, `async_apply` |
//! | `fold` | `reduce`, `scan`, `collect`, `into` |
//! | `flow` | `pipe`, `onto_chan`, `to_chan`, `async_pipe`, `async_pipe_unordered` |
//! | `combine` | `merge`, `zip_chans`, `combine_latest` |
//! | `dup` | `Dup` (core.async's `mult`): `tap`, `untap`, `untap_all` |
//! | `pubsub` | `Pub`: `sub`, `unsub`, `unsub_all` |
//! | `distribute` | `distribute` |
//! | `mix` | `Mix` (core.async's `mix`): `admix`, `unmix`, `unmix_all`, `toggle`, solo mode |
//! | `parallel` | `parallel_pipe`, `parallel_pipe_unordered`, `parallel_pipe_flat`: a function on OS threads |
#![forbid(unsafe_code)]

use crate::Chan;

/// Where an operator's output goes, and whether the operator closes it when its input ends
/// (aiochan's `out=`, `buffer=`, `close=` options).
///
/// ```
/// use aiochan::{ops::Out, Chan};
///
/// let fresh: Out<i32> = Out::new();               // a new rendezvous channel, closed at the end
/// let buffered: Out<i32> = Out::fixed(64);        // a new channel with a buffer of 64
/// let mine = Chan::new();
/// let into_mine: Out<i32> = Out::to(&mine).keep_open(); // an existing channel, left open
/// # let _ = (fresh, buffered, into_mine);
/// ```
#[derive(Debug)]
pub struct Out<T: 'static> {
    /// The channel to feed.
    chan: Chan<T>,
    /// Whether the operator closes it when its input ends.
    close: bool,
}

impl<T: 'static> Out<T> {
    /// A new rendezvous channel, closed when the input ends.
    pub fn new() -> Out<T> {
        Out::to(&Chan::new())
    }

    /// A new channel with a fixed buffer of `n`, closed when the input ends.
    pub fn fixed(n: usize) -> Out<T> {
        Out::to(&Chan::fixed(n))
    }

    /// An existing channel, closed when the input ends.
    pub fn to(chan: &Chan<T>) -> Out<T> {
        Out {
            chan: chan.clone(),
            close: true,
        }
    }

    /// Leaves the channel open when the input ends (aiochan's `close=False`), e.g. so that several
    /// operators can feed it.
    #[must_use]
    pub fn keep_open(mut self) -> Out<T> {
        self.close = false;
        self
    }

    /// The channel.
    pub fn chan(&self) -> &Chan<T> {
        &self.chan
    }

    /// Whether the operator closes the channel when its input ends.
    pub fn closes(&self) -> bool {
        self.close
    }

    /// Closes the channel if this `Out` says to; operators call it when their input has ended.
    pub fn finish(&self) {
        if self.close {
            self.chan.close();
        }
    }
}

impl<T: 'static> Default for Out<T> {
    fn default() -> Out<T> {
        Out::new()
    }
}

mod combine;
mod distribute;
mod dup;
mod flow;
mod fold;
mod mix;
mod pubsub;
mod transform;

pub use combine::{combine_latest, merge, zip_chans};
pub use dup::Dup;
pub use flow::{onto_chan, to_chan};
pub use mix::{Mix, MixState, SoloMode};
pub use pubsub::Pub;
mod parallel;
pub use parallel::{Parallel, PipeError};
