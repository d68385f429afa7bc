//! Timers: `sleep` and `sleep_until`, futures backed by the loop's timer wheel.

pub(crate) mod level;
mod thread_timer;
mod timeout_future;
pub(crate) mod wheel;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::context;
use super::deadlock::WaitsOn;
use super::waker::{self, Waiter};
use wheel::TimerKey;

pub use timeout_future::{timeout_future, Elapsed, TimeoutFuture};

/// Waits until `duration` has passed on the loop's clock, counted from the turn in which the
/// returned future is first polled.
///
/// Durations are rounded up to whole milliseconds, the wheel's resolution. Under virtual time the
/// clock jumps to the next timer whenever no task is ready, so a sleep of an hour ends at once.
/// Polled with no loop running (under another executor), a sleep waits in real time, and a timer
/// thread of the process wakes it.
///
/// ```
/// use std::time::Duration;
///
/// let hour = aiochan::Runtime::builder().virtual_time(true).build().run(async {
///     let start = aiochan::now();
///     aiochan::sleep(Duration::from_secs(3600)).await;
///     aiochan::now() - start
/// });
/// assert_eq!(hour, Duration::from_secs(3600));
/// ```
///
/// # Cancel safety
/// Dropping the future cancels its timer; nothing else is affected.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        target: Target::After(duration),
        armed: None,
        off_loop: None,
        at: std::panic::Location::caller(),
    }
}

/// Waits until the loop's clock reaches `deadline` (see [`now`](crate::now)); at once, in a later
/// turn, if it already has.
///
/// # Cancel safety
/// Dropping the future cancels its timer.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        target: Target::At(deadline),
        armed: None,
        off_loop: None,
        at: std::panic::Location::caller(),
    }
}

/// What the sleep waits for, until its first poll turns it into a tick.
#[derive(Debug, Clone, Copy)]
enum Target {
    After(Duration),
    At(Instant),
    /// The sleep has ended; polling again returns `Ready` at once.
    Elapsed,
}

/// The timer of a sleep that has been polled.
#[derive(Debug, Clone, Copy)]
struct Armed {
    /// The loop whose wheel holds the timer.
    loop_id: u32,
    /// The timer in that wheel.
    key: TimerKey,
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep {
    /// The requested time, fixed into `armed` at the first poll.
    target: Target,
    /// The timer, from the first poll until it fires or the sleep is dropped.
    armed: Option<Armed>,
    /// Instead, the timer of the timer thread, for a sleep first polled with no loop running.
    off_loop: Option<thread_timer::Key>,
    /// Where the sleep was written, for reports.
    at: &'static std::panic::Location<'static>,
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("target", &self.target)
            .field("armed", &self.armed.is_some())
            .field("off_loop", &self.off_loop.is_some())
            .finish()
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let poll = self.as_mut().poll_timer(cx);
        if poll.is_pending() {
            crate::runtime::note_wait_site(cx, self.at);
        }
        poll
    }
}

impl Sleep {
    fn poll_timer(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.off_loop.is_some() || (self.armed.is_none() && !context::is_running()) {
            return self.poll_off_loop(cx);
        }
        assert!(
            context::is_running(),
            "aiochan: a Sleep started on an event loop was polled after that loop ended, or \
             on another thread"
        );
        context::with_core("sleep", |core| {
            let clock = core.clock();
            let mut timers = core.timers().borrow_mut();
            let armed = match self.armed {
                None => {
                    let deadline = match self.target {
                        Target::After(d) => clock.tick_after(d),
                        Target::At(t) => clock.tick_at(t),
                        Target::Elapsed => return Poll::Ready(()),
                    };
                    let key = timers.insert(deadline, clock.now_tick(), Waiter::of(cx));
                    self.armed = Some(Armed {
                        loop_id: core.id(),
                        key,
                    });
                    drop(timers);
                    note_wait(core, cx);
                    return Poll::Pending;
                }
                Some(armed) => armed,
            };
            assert_eq!(
                armed.loop_id,
                core.id(),
                "aiochan: a Sleep was polled on another event loop than the one it started on"
            );
            if !timers.is_fired(armed.key) {
                if !timers.waiter_matches(armed.key, |w| w.wakes(cx)) {
                    timers.set_waiter(armed.key, Waiter::of(cx));
                }
                drop(timers);
                note_wait(core, cx);
                return Poll::Pending;
            }
            timers.remove(armed.key);
            self.armed = None;
            self.target = Target::Elapsed;
            Poll::Ready(())
        })
    }
}

impl Sleep {
    /// Polls a sleep with no loop running, in real time, on the timer thread.
    fn poll_off_loop(&mut self, cx: &Context<'_>) -> Poll<()> {
        let deadline = match self.target {
            Target::After(d) => {
                let deadline = Instant::now() + d;
                self.target = Target::At(deadline);
                deadline
            }
            Target::At(t) => t,
            Target::Elapsed => return Poll::Ready(()),
        };
        if Instant::now() >= deadline {
            if let Some(key) = self.off_loop.take() {
                thread_timer::remove(key);
            }
            self.target = Target::Elapsed;
            return Poll::Ready(());
        }
        match self.off_loop {
            Some(key) => thread_timer::set_waker(key, cx.waker()),
            None => self.off_loop = Some(thread_timer::insert(deadline, cx.waker())),
        }
        Poll::Pending
    }
}

fn note_wait(core: &super::core::Core, cx: &Context<'_>) {
    if let Some(task) = waker::task_of(cx) {
        core.note_wait(task, || WaitsOn::Timer, |w| matches!(w, WaitsOn::Timer));
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.off_loop {
            thread_timer::remove(key);
        }
        let Some(armed) = self.armed else { return };
        let waiter = context::with_current(|core| {
            if core.id() == armed.loop_id {
                core.timers().borrow_mut().remove(armed.key)
            } else {
                None
            }
        });
        drop(waiter);
    }
}
