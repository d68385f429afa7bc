//! The operations on a channel that wait: the `Put`, `Sending`, `Get` and `Join` futures, and the
//! polling steps they share with the `Stream` and `Sink` adapters.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::channel::{PutOutcome, TakeOutcome};
use super::handler::Who;
use super::{Chan, SendError};
use crate::runtime::waker::Waiter;
use crate::runtime::ChanOp;

/// Keeps a parked future's waiter current: a future may be polled by another task than before.
fn refresh(waker: &Waker) -> impl FnOnce(&mut Waiter) + '_ {
    move |waiter| {
        if !waiter.wakes_waker(waker) {
            *waiter = Waiter::of_waker(waker);
        }
    }
}

impl<T: 'static> Chan<T> {
    /// One poll of a put: starts it (taking `value`) or checks on its parked entry `key`. Completes
    /// with `Ok` once the value is accepted, or hands it back if the channel refused it (closed, or
    /// its last receiver dropped while the put waited).
    pub(crate) fn poll_put_step(
        &self,
        value: &mut Option<T>,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), T>> {
        if let Some(k) = *key {
            let mut st = self.state.borrow_mut();
            return match st.poll_put_back(k, refresh(cx.waker())) {
                Some(result) => {
                    *key = None;
                    Poll::Ready(result)
                }
                None => {
                    self.register_parked(&mut st, cx, ChanOp::Put);
                    Poll::Pending
                }
            };
        }
        let v = value
            .take()
            .expect("aiochan: a put future was polled after it completed");
        // Bound first: a borrow in a `match` scrutinee would last through the arms, and a value the
        // buffer discarded must be dropped once the state is no longer borrowed.
        let fast = self.state.borrow_mut().try_put_buffered(v);
        let v = match fast {
            Ok(discarded) => {
                drop(discarded);
                return Poll::Ready(Ok(()));
            }
            Err(v) => v,
        };
        let outcome = self.with_state(|st, wakes| {
            let outcome = st.put(v, Who::Future(cx.waker()), wakes);
            if let PutOutcome::Parked(_) = outcome {
                self.register_parked(st, cx, ChanOp::Put);
            }
            outcome
        });
        // A value the buffer discarded is dropped with the outcome.
        match outcome {
            PutOutcome::Accepted | PutOutcome::AcceptedDiscarding(_) => Poll::Ready(Ok(())),
            PutOutcome::Closed(v) => Poll::Ready(Err(v)),
            PutOutcome::Parked(k) => {
                *key = Some(k);
                Poll::Pending
            }
            PutOutcome::Refused(_) => unreachable!("a put future always parks"),
        }
    }

    /// Gives up a put that has not been seen to complete.
    #[inline]
    pub(crate) fn drop_put(&self, key: &mut Option<usize>) {
        if let Some(k) = key.take() {
            self.withdraw_put_at(k);
        }
    }

    #[inline(never)]
    fn withdraw_put_at(&self, key: usize) {
        let undelivered = self.with_state(|st, wakes| st.cancel_put(key, wakes));
        drop(undelivered);
    }

    /// One poll of a get: starts it, or checks on its parked entry `key`.
    pub(crate) fn poll_get_step(
        &self,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<T>> {
        if let Some(k) = *key {
            let mut st = self.state.borrow_mut();
            return match st.poll_take(k, refresh(cx.waker())) {
                Some(value) => {
                    *key = None;
                    Poll::Ready(value)
                }
                None => {
                    self.register_parked(&mut st, cx, ChanOp::Get);
                    Poll::Pending
                }
            };
        }
        if let Some(value) = self.state.borrow_mut().try_take_buffered() {
            return Poll::Ready(Some(value));
        }
        let outcome = self.with_state(|st, wakes| {
            let outcome = st.take(Who::Future(cx.waker()), wakes);
            if let TakeOutcome::Parked(_) = outcome {
                self.register_parked(st, cx, ChanOp::Get);
            }
            outcome
        });
        match outcome {
            TakeOutcome::Done(value) => Poll::Ready(value),
            TakeOutcome::Parked(k) => {
                *key = Some(k);
                Poll::Pending
            }
            TakeOutcome::Refused => unreachable!("a get future always parks"),
        }
    }

    /// Gives up a get; a value already committed to it goes back to the head of the channel.
    #[inline]
    pub(crate) fn drop_get(&self, key: &mut Option<usize>) {
        if let Some(k) = key.take() {
            self.withdraw_get_at(k);
        }
    }

    #[inline(never)]
    fn withdraw_get_at(&self, key: usize) {
        self.with_state(|st, wakes| st.cancel_take(key, wakes));
    }
}

/// A put in flight, shared by [`Put`] and [`Sending`]: they differ only in what they make of a
/// refused value.
struct PutOp<'a, T: 'static> {
    /// The channel.
    chan: &'a Chan<T>,
    /// The value, until the put starts.
    value: Option<T>,
    /// The parked put, while it waits.
    key: Option<usize>,
    /// Where the put was written, for reports.
    at: &'static Location<'static>,
}

impl<'a, T: 'static> PutOp<'a, T> {
    #[track_caller]
    fn new(chan: &'a Chan<T>, value: T) -> PutOp<'a, T> {
        PutOp {
            chan,
            value: Some(value),
            key: None,
            at: Location::caller(),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), T>> {
        let poll = self.chan.poll_put_step(&mut self.value, &mut self.key, cx);
        if poll.is_pending() {
            crate::runtime::note_wait_site(cx, self.at);
        }
        poll
    }

    fn fmt(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("chan", self.chan)
            .field("parked", &self.key.is_some())
            .finish()
    }
}

impl<T: 'static> Drop for PutOp<'_, T> {
    fn drop(&mut self) {
        self.chan.drop_put(&mut self.key);
    }
}

/// The future of [`Chan::put`]: `true` once the value is accepted (buffered or taken), `false` if
/// the channel was closed.
///
/// # Cancel safety
/// Dropping the future before it completes withdraws the put: the value is dropped and was never
/// delivered to anyone. Once the put has completed, its value has been delivered, whether or not the
/// future was polled again to say so.
#[must_use = "a put does nothing unless awaited"]
pub struct Put<'a, T: 'static>(PutOp<'a, T>);

impl<'a, T: 'static> Put<'a, T> {
    #[track_caller]
    pub(crate) fn new(chan: &'a Chan<T>, value: T) -> Put<'a, T> {
        Put(PutOp::new(chan, value))
    }
}

// The value is never pinned: it is moved into the channel.
impl<T> Unpin for Put<'_, T> {}

impl<T: 'static> Future for Put<'_, T> {
    type Output = bool;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        // A value the channel refused is dropped here, the channel no longer borrowed.
        self.get_mut().0.poll(cx).map(|result| result.is_ok())
    }
}

impl<T: 'static> fmt::Debug for Put<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt("Put", f)
    }
}

/// The future of [`Chan::send`] and [`Sender::send`](super::Sender::send): `Ok` once the value is
/// accepted, or the value handed back in [`SendError::Closed`] if the channel refused it.
///
/// # Cancel safety
/// As [`Put`]'s: dropping the future before it completes withdraws the put, and the value is
/// dropped undelivered.
#[must_use = "a send does nothing unless awaited"]
pub struct Sending<'a, T: 'static>(PutOp<'a, T>);

impl<'a, T: 'static> Sending<'a, T> {
    #[track_caller]
    pub(crate) fn new(chan: &'a Chan<T>, value: T) -> Sending<'a, T> {
        Sending(PutOp::new(chan, value))
    }
}

// The value is never pinned: it is moved into the channel.
impl<T> Unpin for Sending<'_, T> {}

impl<T: 'static> Future for Sending<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.get_mut().0.poll(cx).map_err(SendError::Closed)
    }
}

impl<T: 'static> fmt::Debug for Sending<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt("Sending", f)
    }
}

/// The future of [`Chan::get`]: the next value, or `None` once the channel is closed and drained.
///
/// # Cancel safety
/// Dropping the future never loses a value: if a value was already committed to it, the value goes
/// back to the head of the channel, for the next get.
#[must_use = "a get does nothing unless awaited"]
pub struct Get<'a, T: 'static> {
    /// The channel.
    chan: &'a Chan<T>,
    /// The parked get, while it waits.
    key: Option<usize>,
    /// Where the get was written, for reports.
    at: &'static Location<'static>,
}

impl<'a, T: 'static> Get<'a, T> {
    #[track_caller]
    pub(crate) fn new(chan: &'a Chan<T>) -> Get<'a, T> {
        Get {
            chan,
            key: None,
            at: Location::caller(),
        }
    }
}

impl<T: 'static> Future for Get<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let poll = this.chan.poll_get_step(&mut this.key, cx);
        if poll.is_pending() {
            crate::runtime::note_wait_site(cx, this.at);
        }
        poll
    }
}

impl<T: 'static> Drop for Get<'_, T> {
    fn drop(&mut self) {
        self.chan.drop_get(&mut self.key);
    }
}

impl<T: 'static> fmt::Debug for Get<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("chan", self.chan)
            .field("parked", &self.key.is_some())
            .finish()
    }
}

/// The future of [`Chan::join`]: completes once the channel is closed and drained.
///
/// # Cancel safety
/// Dropping it withdraws its wait from the channel, and has no other effect.
#[must_use = "join does nothing unless awaited"]
pub struct Join<'a, T: 'static> {
    /// The channel.
    chan: &'a Chan<T>,
    /// Its entry among the channel's waiting joins, while it waits.
    key: Option<usize>,
}

impl<'a, T: 'static> Join<'a, T> {
    pub(crate) fn new(chan: &'a Chan<T>) -> Join<'a, T> {
        Join { chan, key: None }
    }

    /// Gives up the wait, if it is registered.
    fn withdraw(&mut self) {
        if let Some(k) = self.key.take() {
            let waiter = self.chan.state.borrow_mut().withdraw_join(k);
            // Dropped only now: a foreign waker's drop may run any code, the channel's too.
            drop(waiter);
        }
    }
}

impl<T: 'static> Future for Join<'_, T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let mut st = this.chan.state.borrow_mut();
        if st.is_drained() {
            drop(st);
            this.withdraw();
            return Poll::Ready(());
        }
        st.wait_join(&mut this.key, cx);
        st.note_wait(cx, ChanOp::Join);
        Poll::Pending
    }
}

impl<T: 'static> Drop for Join<'_, T> {
    fn drop(&mut self) {
        self.withdraw();
    }
}

impl<T: 'static> fmt::Debug for Join<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("chan", self.chan)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
