//! `futures_core::Stream` and `futures_sink::Sink` adapters, for interop with futures-based code.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_sink::Sink;

use super::Chan;

/// The channel was closed: a `ChanSink` accepts no more values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the channel is closed")
    }
}

impl std::error::Error for Closed {}

/// A channel as a `Stream` of its values, ending when the channel is closed and drained.
///
/// # Cancel safety
/// Dropping it mid-`poll_next` never loses a value (see [`Get`](super::Get)).
pub struct ChanStream<T: 'static> {
    chan: Chan<T>,
    /// The parked get, while it waits.
    key: Option<usize>,
}

/// A channel as a `Sink`: `start_send` begins a put, `poll_ready` and `poll_flush` wait for it to
/// complete; `poll_close` closes the channel.
///
/// # Cancel safety
/// Dropping it with a put still waiting withdraws that put (see [`Put`](super::Put)).
pub struct ChanSink<T: 'static> {
    chan: Chan<T>,
    /// The value of a put not yet started.
    value: Option<T>,
    /// The parked put, while it waits.
    key: Option<usize>,
}

impl<T: 'static> Chan<T> {
    /// This channel as a `Stream`.
    ///
    /// ```
    /// use futures_core::Stream;
    /// fn is_stream(_: &impl Stream<Item = u8>) {}
    /// is_stream(&aiochan::Chan::<u8>::new().stream());
    /// ```
    pub fn stream(&self) -> ChanStream<T> {
        ChanStream {
            chan: self.clone(),
            key: None,
        }
    }

    /// This channel as a `Sink`.
    pub fn sink(&self) -> ChanSink<T> {
        ChanSink {
            chan: self.clone(),
            value: None,
            key: None,
        }
    }
}

impl<T: 'static> Stream for ChanStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        this.chan.poll_get_step(&mut this.key, cx)
    }
}

impl<T: 'static> Drop for ChanStream<T> {
    fn drop(&mut self) {
        self.chan.drop_get(&mut self.key);
    }
}

impl<T> Unpin for ChanSink<T> {}

impl<T: 'static> ChanSink<T> {
    /// Drives the put in flight, if any, to completion.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        if self.value.is_none() && self.key.is_none() {
            return Poll::Ready(Ok(()));
        }
        match self.chan.poll_put_step(&mut self.value, &mut self.key, cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(())),
            // The refused value is dropped, as `Chan::put` drops it: `Closed` cannot carry it.
            Poll::Ready(Err(_)) => Poll::Ready(Err(Closed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: 'static> Sink<T> for ChanSink<T> {
    type Error = Closed;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        let this = self.get_mut();
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) if this.chan.is_closed() => Poll::Ready(Err(Closed)),
            other => other,
        }
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Closed> {
        let this = self.get_mut();
        if this.chan.is_closed() {
            return Err(Closed);
        }
        assert!(
            this.value.is_none() && this.key.is_none(),
            "aiochan: ChanSink::start_send called without poll_ready returning Ready(Ok(())) first"
        );
        this.value = Some(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        self.get_mut().poll_pending(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        let this = self.get_mut();
        let flushed = this.poll_pending(cx);
        if flushed.is_ready() {
            this.chan.close();
        }
        flushed
    }
}

impl<T: 'static> Drop for ChanSink<T> {
    fn drop(&mut self) {
        self.chan.drop_put(&mut self.key);
    }
}

impl<T: 'static> fmt::Debug for ChanStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChanStream")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T: 'static> fmt::Debug for ChanSink<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChanSink")
            .field("chan", &self.chan)
            .finish()
    }
}
