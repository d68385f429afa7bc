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
//! Every operator, by the file that holds it (the links check the names when the docs build):
//!
//! | file | operators |
//! |---|---|
//! | `transform` | [`map`](Chan::map), [`filter`](Chan::filter), [`flat_map`](Chan::flat_map), [`take`](Chan::take), [`skip`](Chan::skip), [`take_while`](Chan::take_while), [`skip_while`](Chan::skip_while), [`distinct`](Chan::distinct), [`group`](Chan::group), [`group_by`](Chan::group_by), [`split`](Chan::split), [`async_apply`](Chan::async_apply) |
//! | `fold` | [`fold`](Chan::fold), [`try_fold`](Chan::try_fold), [`reduce`](Chan::reduce), [`scan`](Chan::scan), [`scan_first`](Chan::scan_first), [`collect`](Chan::collect), [`collect_n`](Chan::collect_n), [`into_collection`](Chan::into_collection) |
//! | `flow` | [`pipe`](Chan::pipe), [`onto_chan`], [`to_chan`], [`async_pipe`](Chan::async_pipe), [`async_pipe_unordered`](Chan::async_pipe_unordered) |
//! | `combine` | [`merge`], [`zip_chans`], [`combine_latest`] |
//! | `dup` | [`dup`](Chan::dup) makes a [`Dup`] (core.async's `mult`): [`tap`](Dup::tap), [`untap`](Dup::untap), [`untap_all`](Dup::untap_all), [`taps`](Dup::taps), [`source`](Dup::source), [`close`](Dup::close) |
//! | `pubsub` | [`publish`](Chan::publish) and [`publish_buffered`](Chan::publish_buffered) make a [`Pub`]: [`sub`](Pub::sub), [`unsub`](Pub::unsub), [`unsub_all`](Pub::unsub_all), [`topics`](Pub::topics), [`subs`](Pub::subs), [`source`](Pub::source), [`close`](Pub::close) |
//! | `distribute` | [`distribute`](Chan::distribute) |
//! | `mix` | [`Mix`] (core.async's `mix`): [`new`](Mix::new), [`admix`](Mix::admix), [`unmix`](Mix::unmix), [`unmix_all`](Mix::unmix_all), [`toggle`](Mix::toggle), [`state`](Mix::state), [`inputs`](Mix::inputs), [`out`](Mix::out), [`solo_mode`](Mix::solo_mode), with [`MixState`] and [`SoloMode`] |
//! | `parallel` | [`parallel_pipe`](Chan::parallel_pipe), [`parallel_pipe_unordered`](Chan::parallel_pipe_unordered), [`parallel_pipe_flat`](Chan::parallel_pipe_flat), [`parallel_pipe_with`](Chan::parallel_pipe_with), [`parallel_pipe_flat_with`](Chan::parallel_pipe_flat_with), [`parallel_pipe_try`](Chan::parallel_pipe_try) (failures to an error channel as [`PipeError`]s, each with its item's [`index`](PipeError::index)): a function on OS threads, configured by [`Parallel`] |
//!
//! Chapters 7 and 8 of the [tutorial](crate::tutorial) introduce them with examples.
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
