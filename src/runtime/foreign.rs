//! Tasks without an aiochan loop: `go` hands them to another executor's spawner (`use_spawner`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// A task that [`go`](crate::go) hands to the spawner of [`use_spawner`]: spawn it on the other
/// executor, on this thread (it is not `Send`).
pub type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// How to spawn a task on this thread's foreign executor.
type Spawner = Rc<dyn Fn(LocalTask)>;

thread_local! {
    /// The spawner installed on this thread by `use_spawner`, while its guard lives.
    static SPAWNER: RefCell<Option<Spawner>> = const { RefCell::new(None) };
}

/// Lets everything that starts tasks ([`go`](crate::go), the operators of [`ops`](crate::ops),
/// [`timeout`](crate::timeout), [`tick_tock`](crate::tick_tock), [`select_then`](crate::select_then)
/// ...) work on this thread with no aiochan loop running, under another executor: outside a loop,
/// [`go`](crate::go) hands its task, as a [`LocalTask`], to `spawn`, which must spawn it on that
/// executor (on this thread: the task is not `Send`). With tokio, inside a `LocalSet`:
/// `aiochan::use_spawner(|task| drop(tokio::task::spawn_local(task)))`.
///
/// The spawner holds until the returned guard is dropped, which restores the one before it. A
/// running aiochan loop always takes precedence. Timers outside a loop
/// ([`sleep`](crate::sleep), and so `timeout` and `tick_tock`) run in real time on a timer thread.
/// What such a task does not get: the loop's deadlock and leak reports, virtual time, and seeds
/// (its random choices come from a generator seeded afresh).
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use aiochan::{from_range, ops::Out, LocalTask};
///
/// // The smallest executor: a queue of tasks, each polled once here (these never wait).
/// let queue: Rc<RefCell<Vec<LocalTask>>> = Rc::default();
/// let tasks = queue.clone();
/// let _spawner = aiochan::use_spawner(move |task| tasks.borrow_mut().push(task));
///
/// let doubled = from_range(0..3).map(|v| v * 2, Out::fixed(3));
/// let waker = std::task::Waker::noop();
/// while let Some(mut task) = queue.borrow_mut().pop() {
///     assert!(task.as_mut().poll(&mut std::task::Context::from_waker(&waker)).is_ready());
/// }
/// assert_eq!([doubled.try_get(), doubled.try_get(), doubled.try_get()], [Ok(0), Ok(2), Ok(4)]);
/// ```
pub fn use_spawner(spawn: impl Fn(LocalTask) + 'static) -> SpawnerGuard {
    let previous = SPAWNER.with(|s| s.replace(Some(Rc::new(spawn))));
    SpawnerGuard {
        previous,
        _local: std::marker::PhantomData,
    }
}

/// Keeps the spawner of [`use_spawner`] installed on this thread; dropping it restores the
/// previous one.
#[must_use = "the spawner is uninstalled as soon as the guard drops"]
pub struct SpawnerGuard {
    /// The spawner installed before, put back on drop.
    previous: Option<Spawner>,
    /// The guard belongs to the thread it was made on.
    _local: std::marker::PhantomData<Rc<()>>,
}

impl Drop for SpawnerGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SPAWNER.with(|s| *s.borrow_mut() = previous);
    }
}

impl fmt::Debug for SpawnerGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpawnerGuard")
            .field("restores_a_spawner", &self.previous.is_some())
            .finish()
    }
}

/// Where a task handed to the spawner stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Running,
    /// The output waits in `output` (or was taken).
    Finished,
    /// Aborted: the future was dropped.
    Aborted,
}

/// What a [`JoinHandle`](crate::JoinHandle) and the task handed to the spawner share.
pub(crate) struct ForeignTask<T> {
    /// The name given with `go_named`.
    name: Option<Rc<str>>,
    /// The task's future, while it runs and is not being polled.
    future: RefCell<Option<Pin<Box<dyn Future<Output = T>>>>>,
    /// The output, from completion until the handle takes it.
    output: RefCell<Option<T>>,
    stage: Cell<Stage>,
    /// The task awaiting the handle, woken at completion.
    joiner: RefCell<Option<Waker>>,
    /// The waker of the driver's last pending poll, woken by an abort so that the other
    /// executor sees the task end.
    driver: RefCell<Option<Waker>>,
}

/// Spawns `future` with this thread's spawner, if one is installed.
pub(crate) fn spawn<F>(name: Option<Rc<str>>, future: F) -> Option<Rc<ForeignTask<F::Output>>>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let spawner = SPAWNER.with(|s| s.borrow().clone())?;
    let task = Rc::new(ForeignTask {
        name,
        future: RefCell::new(Some(Box::pin(future))),
        output: RefCell::new(None),
        stage: Cell::new(Stage::Running),
        joiner: RefCell::new(None),
        driver: RefCell::new(None),
    });
    spawner(Box::pin(Driver(task.clone())));
    Some(task)
}

/// The future the spawner runs: polls the task's future and keeps its output for the handle.
struct Driver<T>(Rc<ForeignTask<T>>);

impl<T> Future for Driver<T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let task = &self.0;
        // Out of the cell while polled, so that the task may abort itself.
        let Some(mut future) = task.future.borrow_mut().take() else {
            return Poll::Ready(());
        };
        match future.as_mut().poll(cx) {
            Poll::Ready(output) => {
                drop(future);
                if task.stage.get() == Stage::Running {
                    *task.output.borrow_mut() = Some(output);
                    task.stage.set(Stage::Finished);
                    let joiner = task.joiner.borrow_mut().take();
                    if let Some(joiner) = joiner {
                        joiner.wake();
                    }
                }
                Poll::Ready(())
            }
            Poll::Pending if task.stage.get() == Stage::Aborted => Poll::Ready(()),
            Poll::Pending => {
                *task.future.borrow_mut() = Some(future);
                let mut driver = task.driver.borrow_mut();
                if !driver.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *driver = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

impl<T> ForeignTask<T> {
    pub(crate) fn name(&self) -> Option<Rc<str>> {
        self.name.clone()
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.stage.get() == Stage::Finished
    }

    /// Drops the future (at once, or when its current poll returns) and any output, and wakes the
    /// driver so that the other executor sees the task end.
    pub(crate) fn abort(&self) {
        self.stage.set(Stage::Aborted);
        let future = self.future.borrow_mut().take();
        drop(future);
        let output = self.output.borrow_mut().take();
        drop(output);
        let driver = self.driver.borrow_mut().take();
        if let Some(driver) = driver {
            driver.wake();
        }
    }

    /// The output, once the task has completed.
    pub(crate) fn poll_join(&self, cx: &Context<'_>) -> Poll<T> {
        if let Some(output) = self.output.borrow_mut().take() {
            return Poll::Ready(output);
        }
        assert!(
            self.stage.get() == Stage::Running,
            "aiochan: a JoinHandle was polled again after it returned its task's output"
        );
        *self.joiner.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}
