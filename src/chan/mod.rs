//! Channels: core.async's channel on aiochan's loop.
//!
//! A [`Chan`] is a point of rendezvous between tasks: [`put`](Chan::put) waits until a
//! [`get`](Chan::get) takes the value, unless a [buffer] has room. Closing a channel makes
//! later puts return `false`; values already buffered or offered by waiting puts still drain to
//! gets, after which gets return `None`. A `Chan` closes only when told to; its halves, [`Sender`]
//! and [`Receiver`], close it when the last of their kind drops (see [`Chan`] for which to use).
//!
//! Layout: `handler` is the protocol between a channel and whoever waits on it (a future, an arm
//! of a select, a callback); `parked` is the queue of operations waiting in one direction, used for
//! puts and gets alike; `channel` is the state machine; [`buffer`] holds one file per kind of
//! buffer; `ops` holds the futures.
//!
//! ```
//! use aiochan::{go, Chan};
//!
//! let total = aiochan::run(async {
//!     let c = Chan::new();
//!     let producer = c.clone();
//!     go(async move {
//!         for i in 1..=3 {
//!             producer.put(i).await;
//!         }
//!         producer.close();
//!     });
//!     let mut total = 0;
//!     while let Some(v) = c.get().await {
//!         total += v;
//!     }
//!     total
//! });
//! assert_eq!(total, 6);
//! ```

pub mod buffer;
mod channel;
mod error;
mod halves;
pub(crate) mod handler;
mod iter;
mod loop_local;
mod ops;
mod parked;
mod remote;
mod select;
mod select_blocking;
#[doc(hidden)]
pub mod select_macro;
mod select_then;
mod stats;
#[cfg(feature = "stream")]
mod stream;
mod time;

use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::ManuallyDrop;
use std::rc::Rc;

use buffer::{
    AnyBuffer, Buffer, DroppingBuffer, FixedBuffer, PromiseBuffer, SlidingBuffer, UnboundedBuffer,
};
use channel::{PutOutcome, State, TakeOutcome};
use handler::{Callback, Wakes, Who};

pub use error::{TryGetError, TryPutError};
pub use halves::{channel, channel_fixed, Receiver, Sender};
pub use iter::{from_iter, from_range, from_range_step, RangeInt};
pub use ops::{Get, Join, Put, Sending};
pub use remote::{ChanIter, ChanSender, SendError};
pub use select::{select, try_select, Op, Outcome, Select, Selected};
pub use select_blocking::{select_blocking, RemoteOp, RemoteSelected, SelectBlockingError};
pub use select_then::select_then;
pub use stats::{ChanState, ChanStats};
#[cfg(feature = "stream")]
pub use stream::{ChanSink, ChanStream, Closed};
pub use time::{tick_tock, tick_tock_at, timeout};

/// A channel carrying values of type `T`: a cheap handle, cloned freely, every clone the same
/// channel. Channels belong to the thread they were made on (`!Send`); to feed one from another
/// thread, see the thread-safe handles of the runtime.
///
/// # `Chan` is `!Send`: reaching it from another thread
///
/// A `Chan` lives on its loop's thread, so moving one into `std::thread::spawn`, `spawn_blocking`
/// or another thread's closure does not compile; the error names
/// `UseChanSenderOrHandleToReachALoopFromAnotherThread`. From another thread:
/// - put into it through a [`ChanSender`], from [`Chan::sender`] (`Send`, cloneable, blocking or
///   not);
/// - take from it through a [`ChanIter`], from [`Chan::to_iter`];
/// - or run code on its loop with a [`Handle`](crate::Handle) (from
///   [`Handle::current`](crate::Handle::current)) and use the channel there.
///
/// ```compile_fail,E0277
/// aiochan::run(async {
///     let c: aiochan::Chan<i32> = aiochan::Chan::new();
///     std::thread::spawn(move || drop(c)); // error: `Chan` cannot be sent between threads
/// });
/// ```
///
/// ```
/// use aiochan::Chan;
///
/// aiochan::run(async {
///     let c: Chan<i32> = Chan::fixed(1);
///     let sender = c.sender();
///     std::thread::spawn(move || sender.put_blocking(7).expect("the loop is running"));
///     assert_eq!(c.get().await, Some(7));
/// });
/// ```
///
/// | constructor | a put completes when | values discarded |
/// |---|---|---|
/// | [`Chan::new`] | a get takes the value (rendezvous) | never |
/// | [`Chan::fixed`]`(n)` | the buffer has room | never |
/// | [`Chan::dropping`]`(n)` | at once | the new value, when full |
/// | [`Chan::sliding`]`(n)` | at once | the oldest value, when full |
/// | [`Chan::promise`] | at once | every value after the first |
/// | [`Chan::unbounded`] | at once (no back-pressure) | never |
///
/// # A `Chan` never closes by itself
///
/// As in Go and core.async, every handle of a `Chan` may put, get and [`close`](Chan::close), so
/// dropping the producers' handles tells the consumers nothing: a consumer's
/// `while let Some(v) = c.get().await` ends only once someone closes the channel, and otherwise
/// waits forever (under [`run`](crate::run), a deadlock report; with threads or sockets, a hang).
/// Rust's channels (tokio's, flume's, async-channel's, `std::sync::mpsc`) close when their last
/// sender drops instead. For that, use the halves: [`channel`](channel()) or [`channel_fixed`] make a
/// [`Sender`] and a [`Receiver`], and [`Chan::into_split`] splits a channel with any buffer. The
/// channel closes when the last `Sender` drops; once the last `Receiver` drops, sends fail and hand
/// their value back.
///
/// Which to use:
/// - **the halves** when producers and consumers are distinct and the end of the producers should
///   end the consumers: a worker pool fed by a queue, a stream of results, a pipeline stage;
/// - **`Chan`** for the patterns of Go and core.async where any party may put, get or close: the
///   operators of [`ops`](crate::ops) (which take and return `Chan`s; hand them a receiver with
///   [`Receiver::into_chan`]), a channel as a lock, a promise or a timeout, and code that closes
///   explicitly.
///
/// Both work in [`select!`](crate::select!) and [`select`](select()), as `Stream`/`Sink` and from threads. A
/// `put` to a closed channel completes with `false` and drops the value;
/// [`send`](Chan::send) (on a `Chan` or a `Sender`) hands it back in an error instead.
///
/// ```
/// use aiochan::go;
///
/// let got = aiochan::run(async {
///     let (tx, rx) = aiochan::channel_fixed(4);
///     for id in 0..3 {
///         let tx = tx.clone();
///         go(async move {
///             tx.send(id).await.unwrap();
///         });
///     }
///     drop(tx);
///     let mut got = Vec::new();
///     // Ends once the three producers are done and their senders dropped.
///     while let Some(v) = rx.recv().await {
///         got.push(v);
///     }
///     got
/// });
/// assert_eq!(got.len(), 3);
/// ```
///
/// With the names of other crates:
///
/// | tokio, flume, async-channel, crossbeam | aiochan |
/// |---|---|
/// | `mpsc::channel(n)`, `bounded(n)` | [`channel_fixed`]`(n)`, or [`Chan::fixed`]`(n)` |
/// | `bounded(0)` (crossbeam, flume: rendezvous) | [`channel`](channel())`()`, or [`Chan::new`] |
/// | `unbounded()` | [`Chan::unbounded`]`().into_split()` |
/// | `send(v).await` → `Result` | [`Sender::send`], [`Chan::send`]; [`Chan::put`] → `bool` |
/// | `recv().await` → `Option` | [`Receiver::recv`], [`Chan::get`] |
/// | `try_send`, `try_recv` | [`Sender::try_send`], [`Receiver::try_recv`]; `try_put`, `try_get` |
/// | `len()`, `capacity()` | [`Chan::len`], [`Chan::capacity`] |
/// | `tokio::select!`, crossbeam's `select!` | [`select!`](crate::select!) |
// The comment on the next line is on purpose: compiler errors about `Send` quote that line.
#[rustfmt::skip]
pub struct Chan<T> { // !Send: from another thread use `Chan::sender()` (a `ChanSender`) or a `Handle`
    state: Rc<RefCell<State<T>>>,
    /// Keeps the handle on its loop's thread, with an error that names what to use instead.
    _loop_local: loop_local::LoopLocal,
}

impl<T: 'static> Chan<T> {
    #[track_caller]
    fn from_buffer(buffer: Option<AnyBuffer<T>>) -> Chan<T> {
        Chan {
            _loop_local: loop_local::LoopLocal::new(),
            state: Rc::new(RefCell::new(State::new(
                buffer,
                crate::runtime::next_number(),
                std::panic::Location::caller(),
            ))),
        }
    }

    /// A rendezvous channel: a put completes only when a get takes its value.
    #[track_caller]
    pub fn new() -> Chan<T> {
        Chan::from_buffer(None)
    }

    /// A channel with a buffer of `n` values: puts complete at once while it has room, then wait
    /// (back-pressure).
    ///
    /// # Panics
    /// If `n` is 0 (use [`Chan::new`] for a rendezvous channel).
    #[track_caller]
    pub fn fixed(n: usize) -> Chan<T> {
        Chan::from_buffer(Some(AnyBuffer::Fixed(FixedBuffer::new(n))))
    }

    /// A channel whose buffer of `n` values never makes a put wait: when it is full, the value put
    /// is discarded.
    #[track_caller]
    pub fn dropping(n: usize) -> Chan<T> {
        Chan::with_buffer(DroppingBuffer::new(n))
    }

    /// A channel whose buffer keeps the latest `n` values and never makes a put wait: when it is
    /// full, the oldest value is discarded.
    #[track_caller]
    pub fn sliding(n: usize) -> Chan<T> {
        Chan::with_buffer(SlidingBuffer::new(n))
    }

    /// A channel whose buffer grows without limit, so no put ever waits. It is the one kind that
    /// gives up back-pressure: prefer [`Chan::fixed`] unless something else bounds the producer.
    #[track_caller]
    pub fn unbounded() -> Chan<T> {
        Chan::with_buffer(UnboundedBuffer::new())
    }

    /// A channel with a buffer of your own.
    #[track_caller]
    pub fn with_buffer(buffer: impl Buffer<T> + 'static) -> Chan<T> {
        Chan::from_buffer(Some(AnyBuffer::Dyn(Box::new(buffer))))
    }

    /// Names the channel, for `Debug`, panics and deadlock reports.
    #[must_use]
    pub fn named(self, name: impl Into<Rc<str>>) -> Chan<T> {
        self.state.borrow_mut().set_name(name.into());
        self
    }

    /// Sets the most operations that may wait on the channel in each direction (puts, and gets):
    /// 1024 by default, as in core.async. Parking one more panics, naming the channel: that many
    /// waiting operations is almost always a missing buffer or a runaway producer, so raise the
    /// limit only for a program that means it, such as 100,000 producers feeding one channel.
    ///
    /// ```
    /// use aiochan::{go, Chan};
    ///
    /// aiochan::run(async {
    ///     let c = Chan::new().max_pending(5000);
    ///     for i in 0..5000 {
    ///         let c = c.clone();
    ///         go(async move { c.put(i).await });
    ///     }
    ///     aiochan::nop().await;
    ///     assert!(format!("{c:?}").contains("pending_puts: 5000"));
    ///     let mut total = 0;
    ///     for _ in 0..5000 {
    ///         total += c.get().await.unwrap();
    ///     }
    ///     assert_eq!(total, (0..5000).sum());
    /// });
    /// ```
    ///
    /// # Panics
    /// If `n` is 0: no operation could wait, not even the first (use
    /// [`try_put`](Chan::try_put) and [`try_get`](Chan::try_get) for operations that never wait).
    #[must_use]
    #[track_caller]
    pub fn max_pending(self, n: usize) -> Chan<T> {
        assert!(
            n > 0,
            "Chan::max_pending(0) on {}: at least one operation must be allowed to wait; use \
             try_put and try_get for operations that never wait",
            self.state.borrow().label()
        );
        self.state.borrow_mut().set_max_pending(n);
        self
    }

    /// Shows this channel's values in traces (with `Debug`): a [`Trace`](crate::Trace) then says
    /// which value each put, get and hand-off moved (`task 'c1' takes "product 3" from channel
    /// 'products'`) instead of counting them. Costs nothing unless the run is traced.
    ///
    /// ```
    /// use aiochan::{go, Chan, Runtime};
    ///
    /// let ((), trace) = Runtime::builder().virtual_time(true).build().run_traced(async {
    ///     let c = Chan::new().named("c").trace_values();
    ///     let getter = c.clone();
    ///     let task = go(async move { getter.get().await });
    ///     c.put("hello").await;
    ///     task.await;
    /// });
    /// assert!(trace.to_text().contains(r#"main -> channel 'c' -> task #1: "hello""#));
    /// ```
    #[must_use]
    pub fn trace_values(self) -> Chan<T>
    where
        T: std::fmt::Debug,
    {
        self.state.borrow_mut().show = Some(|value: &T| format!("{value:?}"));
        self
    }

    /// The name given with [`named`](Chan::named).
    pub fn name(&self) -> Option<Rc<str>> {
        self.state.borrow().name().clone()
    }

    /// Makes sure the running loop can name the operations parked in this channel (`st` is its
    /// state) in a deadlock report. Parking records nothing else: the report reads the queues.
    pub(crate) fn register_channel(&self, st: &mut State<T>) {
        if !st.registered {
            let chan: std::rc::Weak<dyn crate::runtime::ParkedIn> = Rc::downgrade(&self.state) as _;
            st.registered = crate::runtime::register_channel(chan);
        }
    }

    /// After a future parked an operation in this channel, or found it still parked: registers the
    /// channel for deadlock reports, and notes the park if the loop traces.
    pub(crate) fn register_parked(
        &self,
        st: &mut State<T>,
        cx: &std::task::Context<'_>,
        op: crate::runtime::ChanOp,
    ) {
        self.register_channel(st);
        if crate::runtime::trace::is_on() {
            st.note_wait(cx, op);
        }
    }

    /// Runs `f` on the state, then delivers the notifications it left, once the state is no longer
    /// borrowed. (No `#[inline]`: with it, select4 and spsc_unbuffered measured 2–3% slower.)
    fn with_state<R>(&self, f: impl FnOnce(&mut State<T>, &mut Wakes) -> R) -> R {
        // `run` leaves the list empty and unallocated, so there is nothing to drop: skipping the
        // drop glue is measurable on every put and get. (Should `f` panic, the run ends anyway.)
        let mut wakes = ManuallyDrop::new(Wakes::default());
        let result = f(&mut self.state.borrow_mut(), &mut wakes);
        wakes.run();
        result
    }

    /// Puts `value`: completes with `true` once a get takes it or the buffer accepts it, with
    /// `false` if the channel is closed (the value is then dropped).
    ///
    /// ```
    /// use aiochan::Chan;
    ///
    /// aiochan::run(async {
    ///     let c = Chan::fixed(1);
    ///     assert!(c.put("a").await);
    ///     c.close();
    ///     assert!(!c.put("b").await);
    ///     assert_eq!(c.get().await, Some("a"));
    /// });
    /// ```
    #[track_caller]
    pub fn put(&self, value: T) -> Put<'_, T> {
        Put::new(self, value)
    }

    /// Puts `value` as [`put`](Chan::put) does, but hands it back if the channel refuses it:
    /// `Err(SendError::Closed(value))` when the channel is closed at the start (or, for a channel
    /// made into halves, when its last [`Receiver`] drops while the send waits). A send already
    /// waiting when the channel is closed still delivers, to a later get, as a put does.
    ///
    /// ```
    /// use aiochan::{Chan, SendError};
    ///
    /// aiochan::run(async {
    ///     let c = Chan::fixed(1);
    ///     assert_eq!(c.send(String::from("a")).await, Ok(()));
    ///     c.close();
    ///     match c.send(String::from("b")).await {
    ///         Err(SendError::Closed(back)) => assert_eq!(back, "b"),
    ///         other => panic!("expected the value back, got {other:?}"),
    ///     }
    /// });
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> Sending<'_, T> {
        Sending::new(self, value)
    }

    /// Gets the next value: `None` once the channel is closed and drained.
    #[track_caller]
    pub fn get(&self) -> Get<'_, T> {
        Get::new(self)
    }

    /// Puts `value` only if that completes at once (core.async's `offer!`); otherwise hands it
    /// back.
    ///
    /// ```
    /// use aiochan::{Chan, TryPutError};
    ///
    /// let c = Chan::fixed(1);
    /// assert_eq!(c.try_put(1), Ok(()));
    /// assert_eq!(c.try_put(2), Err(TryPutError::Full(2)));
    /// c.close();
    /// assert_eq!(c.try_put(3).unwrap_err().into_inner(), 3);
    /// ```
    pub fn try_put(&self, value: T) -> Result<(), TryPutError<T>> {
        // A value the buffer discarded is dropped with the outcome, the state no longer borrowed.
        match self.with_state(|st, wakes| st.put(value, Who::Try, wakes)) {
            PutOutcome::Accepted | PutOutcome::AcceptedDiscarding(_) => Ok(()),
            PutOutcome::Closed(value) => Err(TryPutError::Closed(value)),
            PutOutcome::Refused(value) => Err(TryPutError::Full(value)),
            PutOutcome::Parked(_) => unreachable!("try_put never parks"),
        }
    }

    /// Gets a value only if one is there at once (core.async's `poll!`).
    ///
    /// ```
    /// use aiochan::{Chan, TryGetError};
    ///
    /// let c = Chan::fixed(2).add([7]);
    /// assert_eq!(c.try_get(), Ok(7));
    /// assert_eq!(c.try_get(), Err(TryGetError::Empty));
    /// c.close();
    /// assert_eq!(c.try_get(), Err(TryGetError::Closed));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        match self.with_state(|st, wakes| st.take(Who::Try, wakes)) {
            TakeOutcome::Done(Some(value)) => Ok(value),
            TakeOutcome::Done(None) => Err(TryGetError::Closed),
            TakeOutcome::Refused => Err(TryGetError::Empty),
            TakeOutcome::Parked(_) => unreachable!("try_get never parks"),
        }
    }

    /// Puts `value` and calls `then` with the result (core.async's `put!`): right away if the put
    /// completes at once, otherwise on the loop, in a later turn, once it completes. A put still
    /// waiting when the channel's last [`Receiver`] drops gets `false`, and its value goes with the
    /// channel.
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use aiochan::Chan;
    ///
    /// let c = Chan::fixed(1);
    /// let accepted = Rc::new(Cell::new(None));
    /// let seen = accepted.clone();
    /// c.put_then(5, move |ok| seen.set(Some(ok)));
    /// assert_eq!(accepted.get(), Some(true));
    /// ```
    pub fn put_then(&self, value: T, then: impl FnOnce(bool) + 'static) {
        self.put_then_parked(value, then);
    }

    /// `put_then`, returning the key under which the put parked, if it did, for
    /// [`withdraw_put`](Chan::withdraw_put).
    pub(crate) fn put_then_parked(
        &self,
        value: T,
        then: impl FnOnce(bool) + 'static,
    ) -> Option<usize> {
        let mut then: Option<Callback<bool>> = Some(Box::new(then));
        let outcome = self.with_state(|st, wakes| st.put(value, Who::Callback(&mut then), wakes));
        let accepted = match outcome {
            PutOutcome::Accepted | PutOutcome::AcceptedDiscarding(_) => true,
            PutOutcome::Closed(_) => false,
            PutOutcome::Parked(key) => return Some(key),
            PutOutcome::Refused(_) => unreachable!("a callback put always parks"),
        };
        // A value handed back (discarded, or refused by the close) goes before the callback runs.
        drop(outcome);
        if let Some(then) = then {
            then(accepted);
        }
        None
    }

    /// Withdraws the put parked under `key` by [`put_then_parked`](Chan::put_then_parked) whose
    /// callback has not been called, handing its value back; its callback is dropped uncalled.
    pub(crate) fn withdraw_put(&self, key: usize) -> Option<T> {
        self.with_state(|st, wakes| st.cancel_put(key, wakes))
    }

    /// Gets a value and calls `then` with it (core.async's `take!`): right away if one is there at
    /// once, otherwise on the loop, in a later turn, once a value (or the close) comes.
    pub fn get_then(&self, then: impl FnOnce(Option<T>) + 'static) {
        let mut then: Option<Callback<Option<T>>> = Some(Box::new(then));
        match self.with_state(|st, wakes| st.take(Who::Callback(&mut then), wakes)) {
            TakeOutcome::Done(value) => {
                if let Some(then) = then {
                    then(value);
                }
            }
            TakeOutcome::Parked(_) => {}
            TakeOutcome::Refused => unreachable!("a callback get always parks"),
        }
    }

    /// Puts every value in the background, in order, without waiting, and returns the channel so
    /// that calls chain: `Chan::fixed(1).add([true])` is a lock that starts unlocked. Values that
    /// cannot be accepted at once wait as pending puts (at most 1024 per channel, unless
    /// [`max_pending`](Chan::max_pending) says otherwise); on a closed channel they are dropped, as
    /// a put would be refused.
    pub fn add(&self, values: impl IntoIterator<Item = T>) -> Chan<T> {
        for value in values {
            let outcome = self.with_state(|st, wakes| st.put(value, Who::Background, wakes));
            debug_assert!(!matches!(outcome, PutOutcome::Refused(_)));
        }
        self.clone()
    }

    /// Closes the channel (again: no effect) and returns it so that calls chain. Gets waiting now
    /// complete with `None`; buffered values and waiting puts still drain to later gets; later puts
    /// complete with `false`.
    pub fn close(&self) -> Chan<T> {
        self.with_state(|st, wakes| st.close(wakes));
        self.clone()
    }

    /// Whether the channel has been closed (it may still hold values).
    pub fn is_closed(&self) -> bool {
        self.state.borrow().is_closed()
    }

    /// Waits until the channel is closed and every value in it has been taken. A promise channel
    /// that holds its value is never drained (every get would still get it), so this never completes
    /// for it. Dropping the future before it completes withdraws its wait, so a join in a `select!`
    /// that another arm wins leaves nothing behind in the channel.
    pub fn join(&self) -> Join<'_, T> {
        Join::new(self)
    }

    /// Whether a put would complete at once: the buffer has room, a get waits, or the channel is
    /// closed (the put would then complete with `false`).
    pub fn is_put_ready(&self) -> bool {
        self.state.borrow_mut().can_put()
    }

    /// Whether a get would complete at once: a value is buffered, a put waits, or the channel is
    /// closed (the get would then give `None` once drained).
    pub fn is_get_ready(&self) -> bool {
        self.state.borrow_mut().can_take()
    }

    /// How many values wait in the channel's buffer now, ready for gets (Go's `len`): 0 for a
    /// rendezvous channel, whose values wait in their puts, which this does not count. A channel
    /// made from an iterator ([`from_iter`], [`from_range`]) draws lazily: it counts at least 1
    /// while values remain, more only as the iterator's `size_hint` promises.
    ///
    /// ```
    /// use aiochan::Chan;
    ///
    /// let c = Chan::fixed(3).add([1, 2]);
    /// assert_eq!((c.len(), c.capacity()), (2, Some(3)));
    /// assert_eq!(c.try_get(), Ok(1));
    /// assert_eq!(c.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.state.borrow().len()
    }

    /// Whether no value waits in the buffer ([`len`](Chan::len) is 0).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many values the buffer holds at most (Go's `cap`): `Some(0)` for a rendezvous channel,
    /// `None` for an unbounded one (or a buffer of your own that states no bound).
    ///
    /// ```
    /// use aiochan::Chan;
    ///
    /// assert_eq!(Chan::<u8>::new().capacity(), Some(0));
    /// assert_eq!(Chan::<u8>::sliding(4).capacity(), Some(4));
    /// assert_eq!(Chan::<u8>::unbounded().capacity(), None);
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.state.borrow().capacity()
    }

    /// What the channel has delivered, and which side waits.
    pub fn stats(&self) -> ChanStats {
        self.state.borrow().stats()
    }

    /// Queue lengths including inactive entries not yet swept (for tests of the dirty sweep).
    #[doc(hidden)]
    pub fn queue_lens(&self) -> (usize, usize) {
        self.state.borrow().queue_lens()
    }
}

impl<T: Clone + 'static> Chan<T> {
    /// A promise channel: it keeps the first value put and gives a clone of it to every get,
    /// forever; later puts complete at once and are ignored. Closed before any value, gets give
    /// `None`.
    ///
    /// ```
    /// use aiochan::Chan;
    ///
    /// aiochan::run(async {
    ///     let answer = Chan::promise();
    ///     answer.put(42).await;
    ///     answer.put(0).await;
    ///     assert_eq!((answer.get().await, answer.get().await), (Some(42), Some(42)));
    /// });
    /// ```
    #[track_caller]
    pub fn promise() -> Chan<T> {
        Chan::with_buffer(PromiseBuffer::new())
    }
}

impl<T: 'static> Default for Chan<T> {
    fn default() -> Chan<T> {
        Chan::new()
    }
}

/// [`Op::get`] and [`Op::put`] take anything that is a channel this way: a `Chan`, a [`Sender`], a
/// [`Receiver`] (and `select!`'s `get`/`put` arms take the same three).
impl<T> AsRef<Chan<T>> for Chan<T> {
    fn as_ref(&self) -> &Chan<T> {
        self
    }
}

impl<T> Clone for Chan<T> {
    fn clone(&self) -> Chan<T> {
        Chan {
            _loop_local: loop_local::LoopLocal::new(),
            state: self.state.clone(),
        }
    }
}

/// Channels are equal when they are the same channel.
impl<T> PartialEq for Chan<T> {
    fn eq(&self, other: &Chan<T>) -> bool {
        Rc::ptr_eq(&self.state, &other.state)
    }
}

impl<T> Eq for Chan<T> {}

impl<T> Hash for Chan<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Rc::as_ptr(&self.state).hash(state);
    }
}

impl<T: 'static> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(st) = self.state.try_borrow() else {
            return f.write_str("Chan { <in use> }");
        };
        let (puts, gets) = st.pending();
        f.debug_struct("Chan")
            .field("name", &st.label())
            .field("buffer", &st.describe_buffer())
            .field("pending_puts", &puts)
            .field("pending_gets", &gets)
            .field("pending_joins", &st.pending_joins())
            .field("closed", &st.is_closed())
            .finish()
    }
}
