//! Sender and receiver halves of a channel, which close it when the last of their kind drops: the
//! way of tokio's, flume's and async-channel's channels, opt-in beside the never-closing `Chan`.
//!
//! Each half is a handle on its shared `Side`, which acts when its last handle drops. The halves add
//! no state to the channel: they are made of its public operations, plus two of the channel
//! machine for the end of the receiving side (`refuse_puts`, and `poll_put_back` for a send to take
//! its value back).

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::rc::Rc;

use super::{Chan, ChanSender, Get, Sending, TryGetError, TryPutError};

/// A rendezvous channel as a pair of halves: each send waits until a receive takes its value. See
/// [`Sender`] and [`Receiver`]; [`channel_fixed`] gives the halves a buffer, and
/// [`Chan::into_split`] splits a channel with any other buffer.
///
/// The consumer's loop ends by itself once every sender is gone:
///
/// ```
/// use aiochan::go;
///
/// let total = aiochan::run(async {
///     let (tx, rx) = aiochan::channel();
///     for id in 1..=3 {
///         let tx = tx.clone();
///         go(async move {
///             tx.send(id).await.unwrap();
///         });
///     }
///     drop(tx);
///     let mut total = 0;
///     while let Some(v) = rx.recv().await {
///         total += v;
///     }
///     total
/// });
/// assert_eq!(total, 6);
/// ```
#[track_caller]
pub fn channel<T: 'static>() -> (Sender<T>, Receiver<T>) {
    Chan::new().into_split()
}

/// A channel with a buffer of `n` values as a pair of halves: sends complete at once while the
/// buffer has room, then wait (back-pressure).
///
/// ```
/// aiochan::run(async {
///     let (tx, rx) = aiochan::channel_fixed(2);
///     tx.send("a").await.unwrap();
///     tx.send("b").await.unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Some("a"));
///     assert_eq!(rx.recv().await, Some("b"));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
///
/// # Panics
/// If `n` is 0 (use [`channel`] for a rendezvous channel).
#[track_caller]
pub fn channel_fixed<T: 'static>(n: usize) -> (Sender<T>, Receiver<T>) {
    Chan::fixed(n).into_split()
}

impl<T: 'static> Chan<T> {
    /// Splits this channel into a [`Sender`] and a [`Receiver`], which close it when the last of
    /// their kind drops (tokio's `into_split`; `split` is core.async's operator). Works with every
    /// kind of buffer. This handle is consumed; other clones of the channel made before are plain
    /// channels still, which count neither as senders nor as receivers.
    ///
    /// ```
    /// use aiochan::Chan;
    ///
    /// aiochan::run(async {
    ///     let (tx, rx) = Chan::sliding(1).into_split();
    ///     tx.send(1).await.unwrap();
    ///     tx.send(2).await.unwrap();
    ///     drop(rx);
    ///     assert_eq!(tx.send(3).await.unwrap_err().into_inner(), Some(3));
    /// });
    /// ```
    pub fn into_split(self) -> (Sender<T>, Receiver<T>) {
        (
            Sender::from_side(Side::new(self.clone(), false)),
            Receiver::from_side(Side::new(self, true)),
        )
    }
}

/// One side of a channel, shared by the handles of that side (the [`Sender`]s and the
/// [`ChanSender`]s made from them, or the [`Receiver`]s): ends the side when the last one drops.
struct Side<T: 'static> {
    /// The channel both sides share.
    chan: Chan<T>,
    /// Whether this is the receiving side.
    receiving: bool,
    /// Set once a handle of this side was turned into a plain channel: the side then never ends.
    detached: Cell<bool>,
}

impl<T: 'static> Side<T> {
    fn new(chan: Chan<T>, receiving: bool) -> Rc<Side<T>> {
        Rc::new(Side {
            chan,
            receiving,
            detached: Cell::new(false),
        })
    }

    /// Makes this side last as long as the channel, and returns a plain handle on the channel.
    fn detach(&self) -> Chan<T> {
        self.detached.set(true);
        self.chan.clone()
    }
}

impl<T: 'static> Drop for Side<T> {
    /// The sending side's end closes the channel; the receiving side's end also refuses the puts
    /// that wait in it, since nobody will take them.
    fn drop(&mut self) {
        if self.detached.get() {
            return;
        }
        let receiving = self.receiving;
        self.chan.with_state(|st, wakes| {
            st.close(wakes);
            if receiving {
                st.refuse_puts(wakes);
            }
        });
    }
}

/// The sending half of a channel: clone it for each producer; when the last clone (and the last
/// [`ChanSender`] made with [`remote`](Sender::remote)) drops, the channel closes, and receivers get
/// `None` once they have taken what was sent.
///
/// [`send`](Sender::send) hands the value back if nobody can receive it any more. In `select!` a
/// sender goes where a channel does (`ok = put(tx, v) =>`, binding `false` once the channel is
/// closed), and so in [`Op::put`](super::Op::put); with the `stream` feature it is a `Sink`.
///
/// ```
/// use aiochan::go;
///
/// aiochan::run(async {
///     let (tx, rx) = aiochan::channel_fixed(8);
///     let producer = go(async move {
///         for i in 0..3 {
///             tx.send(i).await.unwrap();
///         }
///         // `tx` drops here: the channel closes.
///     });
///     let mut got = Vec::new();
///     while let Some(v) = rx.recv().await {
///         got.push(v);
///     }
///     producer.await;
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
pub struct Sender<T: 'static> {
    /// This handle's own `Sink` state (a put in flight), apart from its clones'.
    #[cfg(feature = "stream")]
    sink: super::ChanSink<T>,
    /// The sending side shared by this sender's clones: the channel, and the count whose last drop
    /// closes it.
    side: Rc<Side<T>>,
}

impl<T: 'static> Sender<T> {
    fn from_side(side: Rc<Side<T>>) -> Sender<T> {
        Sender {
            #[cfg(feature = "stream")]
            sink: side.chan.sink(),
            side,
        }
    }

    /// Sends `value`: completes with `Ok` once a receive takes it or the buffer accepts it, or hands
    /// it back in [`SendError::Closed`](super::SendError::Closed) if the channel is closed, or if the last [`Receiver`] drops
    /// while the send waits.
    ///
    /// ```
    /// use aiochan::SendError;
    ///
    /// aiochan::run(async {
    ///     let (tx, rx) = aiochan::channel_fixed(1);
    ///     assert_eq!(tx.send(1).await, Ok(()));
    ///     drop(rx);
    ///     assert!(matches!(tx.send(2).await, Err(SendError::Closed(2))));
    /// });
    /// ```
    #[track_caller]
    pub fn send(&self, value: T) -> Sending<'_, T> {
        self.side.chan.send(value)
    }

    /// Sends `value` only if that completes at once; otherwise hands it back, in
    /// [`TryPutError::Full`] or [`TryPutError::Closed`].
    ///
    /// ```
    /// use aiochan::TryPutError;
    ///
    /// let (tx, rx) = aiochan::channel_fixed(1);
    /// assert_eq!(tx.try_send('a'), Ok(()));
    /// assert_eq!(tx.try_send('b'), Err(TryPutError::Full('b')));
    /// drop(rx);
    /// assert_eq!(tx.try_send('c'), Err(TryPutError::Closed('c')));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TryPutError<T>> {
        self.side.chan.try_put(value)
    }

    /// Turns this sender into a plain channel handle, which never closes by itself: from now on the
    /// channel closes only when [`close`](Chan::close)d, however many senders drop (every clone of
    /// this sender included).
    pub fn into_chan(self) -> Chan<T> {
        self.side.detach()
    }
}

impl<T: Send + 'static> Sender<T> {
    /// A thread-safe sender into this channel, for plain threads ([`ChanSender`]). It counts as a
    /// sender while any clone of it lives: the channel closes once the last `Sender` and the last
    /// such `ChanSender` are gone. Its drop reaches the loop as a call, after the puts it made, so
    /// a receiver gets every value it sent before the end. Once the last [`Receiver`] has dropped,
    /// its puts fail with [`SendError::Closed`](super::SendError::Closed), the value handed back,
    /// also a `put_blocking` already waiting then.
    ///
    /// ```
    /// let got = aiochan::run(async {
    ///     let (tx, rx) = aiochan::channel_fixed(2);
    ///     let remote = tx.remote();
    ///     drop(tx);
    ///     std::thread::spawn(move || {
    ///         for i in 0..4 {
    ///             remote.put_blocking(i).unwrap();
    ///         }
    ///     });
    ///     let mut got = Vec::new();
    ///     while let Some(v) = rx.recv().await {
    ///         got.push(v);
    ///     }
    ///     got
    /// });
    /// assert_eq!(got, [0, 1, 2, 3]);
    /// ```
    ///
    /// # Panics
    /// Outside a running loop.
    pub fn remote(&self) -> ChanSender<T> {
        let side: Rc<dyn Any> = self.side.clone();
        self.side.chan.sender().keeping(side)
    }
}

/// What both halves read of their channel, the same way.
macro_rules! channel_views {
    ($half:ident, $count:literal) => {
        impl<T: 'static> $half<T> {
            /// Closes the channel now, without dropping this handle (tokio's `Receiver::close`,
            /// async-channel's `close`): sends fail from now on, while what is buffered or already
            /// waiting to be sent can still be received, after which receives get `None`.
            pub fn close(&self) {
                self.side.chan.close();
            }

            /// The channel itself, for what takes a [`Chan`]: an operator's output
            /// ([`Out::to`](crate::ops::Out::to)), a [`select`](super::select()) built by hand,
            /// [`Chan::join`]. What it is given to counts neither as a sender nor as a receiver:
            /// drop the last handle of a side and the channel ends under it. To hand the receiving
            /// side to an operator, use [`Receiver::into_chan`].
            pub fn as_chan(&self) -> &Chan<T> {
                &self.side.chan
            }

            /// Whether the channel is closed: by a `close`, or because every sender or every
            /// receiver has dropped. A closed channel may still hold values to receive.
            pub fn is_closed(&self) -> bool {
                self.side.chan.is_closed()
            }

            /// How many values wait in the buffer (see [`Chan::len`]).
            pub fn len(&self) -> usize {
                self.side.chan.len()
            }

            /// Whether no value waits in the buffer.
            pub fn is_empty(&self) -> bool {
                self.side.chan.is_empty()
            }

            /// How many values the buffer holds at most (see [`Chan::capacity`]).
            pub fn capacity(&self) -> Option<usize> {
                self.side.chan.capacity()
            }
        }

        impl<T: 'static> Clone for $half<T> {
            fn clone(&self) -> $half<T> {
                $half::from_side(self.side.clone())
            }
        }

        /// A half goes where a channel does in `select!`'s `get` and `put` arms.
        impl<'a, T: 'static> super::select_macro::ChanRef<'a, T> for &'a $half<T> {
            fn chan_ref(self) -> &'a Chan<T> {
                &self.side.chan
            }
        }

        impl<T: 'static> AsRef<Chan<T>> for $half<T> {
            fn as_ref(&self) -> &Chan<T> {
                &self.side.chan
            }
        }

        impl<T: 'static> fmt::Debug for $half<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($half))
                    .field("chan", &self.side.chan)
                    .field($count, &Rc::strong_count(&self.side))
                    .field("detached", &self.side.detached.get())
                    .finish()
            }
        }
    };
}

channel_views!(Sender, "senders");
channel_views!(Receiver, "receivers");

/// The receiving half of a channel: [`recv`](Receiver::recv) gets `None` once every [`Sender`] has
/// dropped (or the channel was closed) and what was sent has been taken. Clones share the values
/// (each value goes to one of them).
///
/// When the last receiver drops, the channel closes and every send fails, handing its value back
/// ([`SendError::Closed`](super::SendError::Closed)); sends waiting at that moment fail too (a `select!` put arm binds
/// `false`). Values already buffered are not handed back: they are dropped with the channel, once
/// every handle on it is gone.
///
/// In `select!` a receiver goes where a channel does (`v = get(rx) =>`), and so in
/// [`Op::get`](super::Op::get); with the `stream` feature it is a `Stream`. For the operators of
/// [`ops`](crate::ops), hand the receiving side over with [`into_chan`](Receiver::into_chan); so
/// too for a plain thread, with `rx.into_chan().to_iter(n)` ([`Chan::to_iter`]).
pub struct Receiver<T: 'static> {
    /// This handle's own `Stream` state (a parked get), apart from its clones'.
    #[cfg(feature = "stream")]
    stream: super::ChanStream<T>,
    /// The receiving side shared by this receiver's clones: the channel, and the count whose last
    /// drop refuses further puts.
    side: Rc<Side<T>>,
}

impl<T: 'static> Receiver<T> {
    fn from_side(side: Rc<Side<T>>) -> Receiver<T> {
        Receiver {
            #[cfg(feature = "stream")]
            stream: side.chan.stream(),
            side,
        }
    }

    /// Receives the next value: `None` once the channel is closed (every sender dropped, or
    /// [`close`](Receiver::close)) and drained. The future is [`Chan::get`]'s.
    #[track_caller]
    pub fn recv(&self) -> Get<'_, T> {
        self.side.chan.get()
    }

    /// Receives a value only if one is there at once.
    ///
    /// ```
    /// use aiochan::TryGetError;
    ///
    /// let (tx, rx) = aiochan::channel_fixed(1);
    /// assert_eq!(rx.try_recv(), Err(TryGetError::Empty));
    /// tx.try_send(5).unwrap();
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert_eq!(rx.try_recv(), Err(TryGetError::Closed));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryGetError> {
        self.side.chan.try_get()
    }

    /// Turns this receiver into a plain channel handle, for the operators of [`ops`](crate::ops):
    /// the receiving side then lives as long as the channel, so sends no longer fail for want of
    /// receivers (every clone of this receiver included). The senders still close the channel when
    /// the last of them drops, which ends the operators' input as it ends a `recv` loop.
    ///
    /// ```
    /// use aiochan::{go, ops::Out};
    ///
    /// aiochan::run(async {
    ///     let (tx, rx) = aiochan::channel_fixed(4);
    ///     let doubled = rx.into_chan().map(|v: i32| v * 2, Out::new());
    ///     go(async move {
    ///         for v in 1..=3 {
    ///             tx.send(v).await.unwrap();
    ///         }
    ///     });
    ///     assert_eq!(doubled.collect().await, [2, 4, 6]);
    /// });
    /// ```
    pub fn into_chan(self) -> Chan<T> {
        self.side.detach()
    }
}

#[cfg(feature = "stream")]
mod stream {
    //! `Stream` for `Receiver` and `Sink` for `Sender`, through each handle's own adapter.

    use std::pin::Pin;
    use std::task::{Context, Poll};

    use futures_core::Stream;
    use futures_sink::Sink;

    use super::{Receiver, Sender};
    use crate::chan::Closed;

    /// The values received, ending once the channel is closed and drained. Cancel safe as
    /// [`ChanStream`](crate::ChanStream) is.
    impl<T: 'static> Stream for Receiver<T> {
        type Item = T;

        fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
            Pin::new(&mut self.get_mut().stream).poll_next(cx)
        }
    }

    /// Sends as [`ChanSink`](crate::ChanSink) puts: `poll_close` flushes and closes the channel for
    /// every sender. A value refused because every receiver dropped is dropped with the
    /// [`Closed`] error; [`Sender::send`] hands it back instead.
    impl<T: 'static> Sink<T> for Sender<T> {
        type Error = Closed;

        fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
            Pin::new(&mut self.get_mut().sink).poll_ready(cx)
        }

        fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Closed> {
            Pin::new(&mut self.get_mut().sink).start_send(item)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
            Pin::new(&mut self.get_mut().sink).poll_flush(cx)
        }

        fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
            Pin::new(&mut self.get_mut().sink).poll_close(cx)
        }
    }
}
