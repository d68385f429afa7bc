//! `go`, `go_named` and the `JoinHandle` of a spawned task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::context;
use super::foreign::{self, ForeignTask};
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
    if context::is_running() {
        return context::with_core("go", |core| JoinHandle {
            of: Of::Loop {
                id: core.spawn(name, future, at),
                loop_id: core.id(),
            },
            _output: PhantomData,
        });
    }
    match foreign::spawn(name, future) {
        Some(task) => JoinHandle {
            of: Of::Foreign(task),
            _output: PhantomData,
        },
        None => context::outside(
            "go",
            ", or, under another executor, install a spawner first with aiochan::use_spawner(..)",
        ),
    }
}

/// The handle of a task spawned with [`go`]: a future of the task's output.
///
/// Dropping it detaches the task; [`abort`](JoinHandle::abort) cancels it.
///
/// # Cancel safety
/// Dropping the handle, awaited or not, never cancels the task nor loses anything but the output,
/// which is dropped when the task ends.
pub struct JoinHandle<T> {
    /// Where the task runs.
    of: Of<T>,
    /// The handle yields a `T` and is tied to its loop's thread.
    _output: PhantomData<LocalOutput<T>>,
}

/// Where the task of a [`JoinHandle`] runs.
enum Of<T> {
    /// On an aiochan loop.
    Loop {
        /// The task in its loop's slab; `TaskId::MAIN` once its output was returned.
        id: TaskId,
        /// The loop the task belongs to.
        loop_id: u32,
    },
    /// On another executor, through the spawner of `use_spawner`.
    Foreign(Rc<ForeignTask<T>>),
}

/// A `T` produced on this thread: makes the handle `!Send` without making it own a `T`.
type LocalOutput<T> = (Rc<()>, fn() -> T);

impl<T> JoinHandle<T> {
    /// The name given with [`go_named`] (`None` once the task is gone from its loop).
    pub fn name(&self) -> Option<Rc<str>> {
        match &self.of {
            Of::Loop { id, .. } => self.on_own_loop(|core| core.name(*id)).flatten(),
            Of::Foreign(task) => task.name(),
        }
    }

    /// Whether the task has completed (its output waits in the handle, or was already taken).
    pub fn is_finished(&self) -> bool {
        match &self.of {
            Of::Loop { id, .. } => {
                *id == TaskId::MAIN
                    || self
                        .on_own_loop(|core| core.is_finished(*id))
                        .unwrap_or(false)
            }
            Of::Foreign(task) => task.is_finished(),
        }
    }

    /// Cancels the task: its future is dropped at once, running its destructors; if the task aborts
    /// itself, when its current poll returns. A task that already finished has its output dropped.
    pub fn abort(mut self) {
        match &self.of {
            Of::Loop { id, .. } => {
                let id = *id;
                self.on_own_loop(|core| core.abort(id));
            }
            Of::Foreign(task) => task.abort(),
        }
        // Nothing is left for `drop` to detach.
        self.of = Of::Loop {
            id: TaskId::MAIN,
            loop_id: 0,
        };
    }

    /// Marks the task as meant to outlive `main` (a server loop, a ticker, a worker pool), so that
    /// the leak check ([`Builder::leak_check`](crate::Builder::leak_check), on in
    /// [`testing`](crate::testing)) never reports it. Returns the handle, to await or drop. (A
    /// task on another executor, see [`use_spawner`](crate::use_spawner), has no leak check.)
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
        if let Of::Loop { id, .. } = self.of {
            self.on_own_loop(|core| core.daemon(id));
        }
        self
    }

    /// Calls `f` with the loop of a loop task, if it is the running one.
    fn on_own_loop<R>(&self, f: impl FnOnce(&super::core::Core) -> R) -> Option<R> {
        let Of::Loop { loop_id, .. } = self.of else {
            return None;
        };
        context::with_current(|core| (core.id() == loop_id).then(|| f(core))).flatten()
    }
}

impl<T: 'static> Future for JoinHandle<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let (id, loop_id) = match &self.of {
            Of::Loop { id, loop_id } => (*id, *loop_id),
            Of::Foreign(task) => return task.poll_join(cx),
        };
        assert!(
            id != TaskId::MAIN,
            "aiochan: a JoinHandle was polled again after it returned its task's output"
        );
        let output = context::with_core("JoinHandle", |core| {
            assert_eq!(
                core.id(),
                loop_id,
                "aiochan: a JoinHandle was awaited outside the loop its task runs on"
            );
            core.poll_join(id, cx)
        });
        if output.is_ready() {
            // The task is gone from the slab; nothing is left for `drop` to detach.
            self.of = Of::Loop {
                id: TaskId::MAIN,
                loop_id,
            };
        }
        output
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Of::Loop { id, .. } = self.of {
            if id != TaskId::MAIN {
                self.on_own_loop(|core| core.detach(id));
            }
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.name())
            .field(
                "task",
                &match &self.of {
                    Of::Loop { id, .. } => Some(id.gen),
                    Of::Foreign(_) => None,
                },
            )
            .field("finished", &self.is_finished())
            .finish()
    }
}
