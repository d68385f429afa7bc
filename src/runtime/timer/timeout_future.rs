//! `timeout_future`: a future bounded by a sleep (tokio's `time::timeout`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{sleep, Sleep};

/// Runs `future` for at most `duration` on the loop's clock (virtual time included): resolves to
/// its output, or to [`Elapsed`] if the time ran out first, dropping the future then (tokio's
/// `time::timeout`). The future is polled before the clock is looked at, so one that is ready at
/// once wins even with a zero duration. (The channel that closes after a duration, to use in a
/// select, is [`timeout`](crate::timeout).)
///
/// ```
/// use std::time::Duration;
/// use aiochan::{timeout_future, Chan, Elapsed};
///
/// aiochan::Runtime::builder().virtual_time(true).build().run(async {
///     let quiet = Chan::<u32>::new();
///     let slow = timeout_future(Duration::from_millis(50), quiet.get()).await;
///     assert_eq!(slow, Err(Elapsed::after(Duration::from_millis(50))));
///
///     let ready = Chan::fixed(1).add([7]);
///     assert_eq!(timeout_future(Duration::ZERO, ready.get()).await, Ok(Some(7)));
/// });
/// ```
///
/// Under another executor, with no loop running, the time is real time (see
/// [`sleep`]).
///
/// # Cancel safety
/// Dropping it drops the future and cancels the timer; whether anything is lost is the future's
/// own cancel safety (a channel get loses nothing).
#[track_caller]
pub fn timeout_future<F: Future>(duration: Duration, future: F) -> TimeoutFuture<F> {
    TimeoutFuture {
        future: Box::pin(future),
        sleep: sleep(duration),
        duration,
    }
}

/// The future of [`timeout_future`].
#[must_use = "a timeout does nothing unless awaited"]
pub struct TimeoutFuture<F> {
    /// The future being bounded; on the heap so that the timeout is `Unpin` whatever it is.
    future: Pin<Box<F>>,
    /// The deadline, armed at the first poll.
    sleep: Sleep,
    /// The bound, for the error.
    duration: Duration,
}

impl<F: Future> Future for TimeoutFuture<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Poll::Ready(output) = self.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut self.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed {
                duration: self.duration,
            })),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> fmt::Debug for TimeoutFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutFuture")
            .field("duration", &self.duration)
            .field("sleep", &self.sleep)
            .finish()
    }
}

/// The error of [`timeout_future`]: the future did not complete within the duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed {
    /// The duration that ran out.
    duration: Duration,
}

impl Elapsed {
    /// The error of a timeout of `duration`.
    pub fn after(duration: Duration) -> Elapsed {
        Elapsed { duration }
    }

    /// The duration that ran out.
    pub fn duration(&self) -> Duration {
        self.duration
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the future did not complete within {:?}", self.duration)
    }
}

impl std::error::Error for Elapsed {}
