//! `nop`: give the other ready tasks their turn.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields once: every task that is already ready runs before the caller resumes.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
///
/// let log = aiochan::run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     aiochan::go(async move { l.borrow_mut().push("work") });
///     aiochan::nop().await;
///     log.borrow_mut().push("after");
///     log.take()
/// });
/// assert_eq!(log, ["work", "after"]);
/// ```
pub fn nop() -> Nop {
    Nop { yielded: false }
}

/// The future returned by [`nop`].
#[derive(Debug)]
#[must_use = "nop does nothing unless awaited"]
pub struct Nop {
    /// Set once the task has given up its turn.
    yielded: bool,
}

impl Future for Nop {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
