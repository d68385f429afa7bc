//! Futures driven by their wake-ups alone, without a task: what a callback select
//! (`select_then`) waits in.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, ThreadId};

use slab::Slab;

/// A future kept until it completes, and what it is kept under.
struct Kept {
    future: Option<Pin<Box<dyn Future<Output = ()>>>>,
    /// Tells this future from an earlier one kept under the same key.
    generation: u64,
    /// The running loop's hook that drops the future when the loop ends.
    end_hook: Option<usize>,
}

thread_local! {
    /// The futures of this thread waiting for a wake-up.
    static KEPT: RefCell<Slab<Kept>> = const { RefCell::new(Slab::new()) };
    /// The generation of the next future kept.
    static GENERATIONS: Cell<u64> = const { Cell::new(0) };
}

/// The waker of a kept future: polls it again, in a later turn of the loop (at once with no loop
/// running), as the callback of a completed operation would run.
struct Again {
    /// The thread whose table keeps the future; wakes come from channels of that thread.
    thread: ThreadId,
    key: usize,
    generation: u64,
}

impl Wake for Again {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // The futures kept here wait only on channels of their own thread, which wake them there;
        // a wake from elsewhere could not reach the table and has nothing to do.
        if thread::current().id() != self.thread {
            return;
        }
        let (key, generation) = (self.key, self.generation);
        super::defer(Box::new(move || poll(key, generation)));
    }
}

/// Polls `future` now, then each time it is woken, until it completes, with no task of its own.
/// It waits in a table of this thread, from which the running loop's end drops it (with no loop,
/// it stays until it completes or the thread ends). Its wakes must come from this thread.
pub(crate) fn drive(future: impl Future<Output = ()> + 'static) {
    let generation = GENERATIONS.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    let key = KEPT.with(|kept| {
        kept.borrow_mut().insert(Kept {
            future: Some(Box::pin(future)),
            generation,
            end_hook: None,
        })
    });
    let end_hook = super::on_end(Box::new(move || {
        let dropped = KEPT.with(|kept| {
            let mut kept = kept.borrow_mut();
            let ours = kept.get(key).is_some_and(|k| k.generation == generation);
            ours.then(|| kept.remove(key))
        });
        // Dropping the future may run its destructors: not while the table is borrowed.
        drop(dropped);
    }));
    KEPT.with(|kept| kept.borrow_mut()[key].end_hook = end_hook);
    poll(key, generation);
}

/// Polls the future kept under `key`, if it is still the one of `generation`.
fn poll(key: usize, generation: u64) {
    // Out of the table while polled, so that it may keep other futures.
    let future = KEPT.with(|kept| {
        kept.borrow_mut()
            .get_mut(key)
            .filter(|k| k.generation == generation)
            .and_then(|k| k.future.take())
    });
    let Some(mut future) = future else { return };
    let waker = Waker::from(Arc::new(Again {
        thread: thread::current().id(),
        key,
        generation,
    }));
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(()) => {
            let kept = KEPT.with(|kept| kept.borrow_mut().remove(key));
            if let Some(hook) = kept.end_hook {
                super::forget_end_hook(hook);
            }
        }
        Poll::Pending => {
            let gone = KEPT.with(|kept| match kept.borrow_mut().get_mut(key) {
                Some(k) => {
                    k.future = Some(future);
                    None
                }
                None => Some(future),
            });
            // Dropped by the loop's end during its poll: its destructors run outside the table.
            drop(gone);
        }
    }
}
