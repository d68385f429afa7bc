//! `go`, `go_named` and the `JoinHandle` of a spawned task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::context;
use super::task::TaskId;

/// Spawns `future` as a task of the running loop and returns its handle.
///
/// The task does not run inline: it is put at the back of the ready queue and first runs in a later
/// turn, after every task that was ready before it. Awaiting the handle gives the task's output;
/// dropping the handle detaches the task, which keeps running like a goroutine.
///
/// ```
/// aiochan::run(async {
///     let task = aiochan::go(async { 6 * 7 });
///     assert_eq!(task.await, 42);
/// });
/// ```
///
/// # Panics
/// Outside a running loop (call it inside [`run`](crate::run)).
#[track_caller]
pub fn go<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn(None, future)
}

/// Like [`go`], naming the task: the name appears in panic messages and deadlock reports.
///
/// ```
/// aiochan::run(async {
///     let worker = aiochan::go_named("worker", async { "done" });
///     assert_eq!(worker.name().as_deref(), Some("worker"));
///     assert_eq!(worker.await, "done");
/// });
/// ```
#[track_caller]
pub fn go_named<F>(name: impl Into<Rc<str>>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn(Some(name.into()), future)
}

#[track_caller]
fn spawn<F>(name: Option<Rc<str>>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let at = std::panic::Location::caller();
    context::with_core("go", |core| JoinHandle {
        id: core.spawn(name, future, at),
        loop_id: core.id(),
        _output: PhantomData,
    })
}

/// The handle of a task spawned with [`go`]: a future of the task's output.
///
/// Dropping it detaches the task; [`abort`](JoinHandle::abort) cancels it.
///
/// # Cancel safety
/// Dropping the handle, awaited or not, never cancels the task nor loses anything but the output,
/// which is dropped when the task ends.
pub struct JoinHandle<T> {
    /// The task in its loop's slab.
    id: TaskId,
    /// The loop the task belongs to.
    loop_id: u32,
    /// The handle yields a `T` and is tied to its loop's thread.
    _output: PhantomData<LocalOutput<T>>,
}

/// A `T` produced on this thread: makes the handle `!Send` without making it own a `T`.
type LocalOutput<T> = (Rc<()>, fn() -> T);

impl<T> JoinHandle<T> {
    /// The name given with [`go_named`] (`None` once the task is gone from its loop).
    pub fn name(&self) -> Option<Rc<str>> {
        self.on_own_loop(|core| core.name(self.id)).flatten()
    }

    /// Whether the task has completed (its output waits in the handle, or was already taken).
    pub fn is_finished(&self) -> bool {
        self.id == TaskId::MAIN
            || self
                .on_own_loop(|core| core.is_finished(self.id))
                .unwrap_or(false)
    }

    /// Cancels the task: its future is dropped at once, running its destructors; if the task aborts
    /// itself, when its current poll returns. A task that already finished has its output dropped.
    pub fn abort(self) {
        let id = self.id;
        self.on_own_loop(|core| core.abort(id));
        std::mem::forget(self);
    }

    /// Marks the task as meant to outlive `main` (a server loop, a ticker, a worker pool), so that
    /// the leak check ([`Builder::leak_check`](crate::Builder::leak_check), on in
    /// [`testing`](crate::testing)) never reports it. Returns the handle, to await or drop.
    ///
    /// ```
    /// use aiochan::{go, Chan};
    ///
    /// aiochan::testing::check(1, async {
    ///     let requests = Chan::<u32>::new();
    ///     let server = requests.clone();
    ///     // Serves for as long as the program runs; without `daemon` the check reports it.
    ///     go(async move { while let Some(_request) = server.get().await {} }).daemon();
    ///     requests.put(1).await;
    /// });
    /// ```
    pub fn daemon(self) -> JoinHandle<T> {
        self.on_own_loop(|core| core.daemon(self.id));
        self
    }

    fn on_own_loop<R>(&self, f: impl FnOnce(&super::core::Core) -> R) -> Option<R> {
        context::with_current(|core| (core.id() == self.loop_id).then(|| f(core))).flatten()
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        assert!(
            self.id != TaskId::MAIN,
            "aiochan: a JoinHandle was polled again after it returned its task's output"
        );
        let output = context::with_core("JoinHandle::poll", |core| {
            assert_eq!(
                core.id(),
                self.loop_id,
                "aiochan: a JoinHandle was awaited outside the loop its task runs on"
            );
            core.poll_join(self.id, cx)
        });
        if output.is_ready() {
            // The task is gone from the slab; nothing is left for `drop` to detach.
            self.id = TaskId::MAIN;
        }
        output
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        let id = self.id;
        if id != TaskId::MAIN {
            self.on_own_loop(|core| core.detach(id));
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.name())
            .field("task", &self.id.gen)
            .field("finished", &self.is_finished())
            .finish()
    }
}
