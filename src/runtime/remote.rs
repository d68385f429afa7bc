//! `Handle`: a thread-safe handle to a running loop, for other threads to spawn onto it and call
//! into it.

use std::fmt;
use std::future::Future;
use std::sync::mpsc;
use std::sync::Arc;

use super::context;
use super::shared::Shared;

/// The loop a [`Handle`] points at has ended: nothing sent to it will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopEnded;

impl fmt::Display for LoopEnded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the aiochan event loop has ended")
    }
}

impl std::error::Error for LoopEnded {}

/// A handle to a running loop that any thread may hold (`Send + Sync + Clone`): it spawns `Send`
/// futures onto the loop and runs closures there. Once the loop has ended, every method returns
/// [`LoopEnded`]; none ever blocks forever.
///
/// While a handle exists, the loop counts on it to bring work: an idle loop then waits for it
/// instead of reporting a deadlock (see "Failures" in [`runtime`](crate::runtime) for how to get the
/// report in a test). However the loop ends, even by a panic, every handle then sees it ended.
///
/// ```
/// use aiochan::Handle;
///
/// let answer = aiochan::run(async {
///     let handle = Handle::current();
///     let worker = std::thread::spawn(move || {
///         // On another thread: spawn onto the loop and block for the result.
///         handle.spawn(async { 6 * 7 }).join()
///     });
///     // Let the loop run the spawned task while this task waits for the thread.
///     aiochan::spawn_blocking(move || worker.join().unwrap()).await
/// });
/// assert_eq!(answer, Ok(42));
/// ```
pub struct Handle {
    shared: Arc<Shared>,
}

impl Handle {
    /// A handle to the running loop.
    ///
    /// # Panics
    /// Outside a running loop.
    #[track_caller]
    pub fn current() -> Handle {
        context::with_core("Handle::current", |core| Handle::new(core.shared().clone()))
    }

    fn new(shared: Arc<Shared>) -> Handle {
        shared.acquire();
        Handle { shared }
    }

    /// Runs `f` on the loop's thread, between turns. A panic in `f` ends the run: `run` panics
    /// naming "a remote call".
    pub fn call(&self, f: impl FnOnce() + Send + 'static) -> Result<(), LoopEnded> {
        self.shared.call(Box::new(f)).map_err(|_| LoopEnded)
    }

    /// Spawns `future` as a task of the loop; [`RemoteJoinHandle::join`] blocks for its output.
    pub fn spawn<F>(&self, future: F) -> RemoteJoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(move || future)
    }

    /// Spawns the future that `make` builds, calling `make` on the loop's thread: unlike
    /// [`spawn`](Handle::spawn), the future need not be `Send`, so it may hold channels and join
    /// handles. [`RemoteJoinHandle::join`] blocks for its output.
    ///
    /// ```
    /// let answer = aiochan::run(async {
    ///     let handle = aiochan::Handle::current();
    ///     let thread = std::thread::spawn(move || {
    ///         handle
    ///             .spawn_with(|| async {
    ///                 let c = aiochan::Chan::fixed(1);
    ///                 c.put(21).await;
    ///                 c.get().await.map(|v| v * 2)
    ///             })
    ///             .join()
    ///     });
    ///     aiochan::spawn_blocking(move || thread.join().unwrap()).await
    /// });
    /// assert_eq!(answer, Ok(Some(42)));
    /// ```
    pub fn spawn_with<M, F>(&self, make: M) -> RemoteJoinHandle<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        // If the loop has ended the call is dropped with `tx`, and `join` reports `LoopEnded`.
        let _ = self.call(move || {
            let future = make();
            super::go(async move {
                let _ = tx.send(future.await);
            });
        });
        RemoteJoinHandle { rx }
    }

    /// Whether this handle points at the loop that owns `shared`.
    pub(crate) fn is_for(&self, shared: &Arc<Shared>) -> bool {
        Arc::ptr_eq(&self.shared, shared)
    }

    /// Whether both handles point at the same loop.
    pub(crate) fn same_loop(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether the loop has ended.
    pub fn is_ended(&self) -> bool {
        self.shared.is_closed()
    }

    /// How many threads the loop's [`spawn_blocking`](crate::spawn_blocking) pool has, busy or
    /// idle: never more than its cap
    /// ([`Builder::max_blocking_threads`](crate::Builder::max_blocking_threads)). Idle threads
    /// exit after the keep-alive, and once the loop has ended as soon as they are idle, so the
    /// count then falls to 0.
    pub fn blocking_threads(&self) -> usize {
        self.shared.blocking().threads()
    }
}

impl Clone for Handle {
    fn clone(&self) -> Handle {
        Handle::new(self.shared.clone())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.release();
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("ended", &self.is_ended())
            .field("blocking_threads", &self.blocking_threads())
            .finish()
    }
}

/// The result of a future spawned with [`Handle::spawn`], for a thread to block on.
#[derive(Debug)]
pub struct RemoteJoinHandle<T> {
    rx: mpsc::Receiver<T>,
}

impl<T> RemoteJoinHandle<T> {
    /// Blocks until the task completes and returns its output; `LoopEnded` if the loop ended (or the
    /// task was dropped) first.
    pub fn join(self) -> Result<T, LoopEnded> {
        self.rx.recv().map_err(|_| LoopEnded)
    }

    /// The output if the task has completed, without blocking.
    pub fn try_join(&self) -> Option<Result<T, LoopEnded>> {
        match self.rx.try_recv() {
            Ok(v) => Some(Ok(v)),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(LoopEnded)),
        }
    }
}
