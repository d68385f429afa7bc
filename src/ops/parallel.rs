//! Parallel pipes: a plain function run on a pool of OS threads, fed and drained by the loop.

use std::cell::Cell;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::future::poll_fn;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};
use std::thread;

use super::Out;
use crate::{go_named, Chan, JoinHandle};

/// The default pool buffer, per thread. Measured with the `parallel` benchmark (20 µs jobs, 2
/// threads, a 2-core virtual machine): with 1 job per thread, which allows no batching, a job took
/// 17.5 µs of wall time; with 8, 12 µs, against 11 µs for the same work split up front with no
/// communication at all.
const DEFAULT_JOBS_PER_THREAD: usize = 8;

/// How a parallel pipe runs: how many threads, how many jobs may wait for a free thread, and
/// whether results keep the order of the input (aiochan's `n`, `pool_buffer`, and the choice
/// between `parallel_pipe` and `parallel_pipe_unordered`).
///
/// At most `threads + pool_buffer` values are *in flight*: taken from the input and not yet
/// accepted by the output. When the consumer is slow the pipe stops taking input instead of
/// letting results pile up (back-pressure).
///
/// The default pool buffer is 8 jobs per thread, so at most `9 * threads` values are in flight;
/// lower it when values are large. (aiochan's default is 1 job, 0 when flattening.) A deep queue
/// lets the threads hand results back in batches: a thread wakes the loop for a result only when
/// a quarter of the pool buffer or less is left queued (or the result is a panic); while more
/// jobs wait, results gather and the loop takes them together when it is next woken. Waking the
/// loop costs a system call, and on a virtual machine an interrupt between cores, which per
/// result would cost more than a short job; a deep queue also keeps the threads busy while the
/// loop answers. The price is latency: a result may wait until the queue has run down to that
/// mark. `pool_buffer(0)` hands every result back at once, and keeps the fewest values in flight.
///
/// ```
/// use aiochan::{from_range, ops::{Out, Parallel}};
///
/// let mut got = aiochan::run(async {
///     let how = Parallel::threads(4).pool_buffer(8).unordered();
///     assert_eq!(how.in_flight_limit(), 12);
///     from_range(0..20).parallel_pipe_with(how, |x| x * 10, Out::new()).collect().await
/// });
/// got.sort();
/// assert_eq!(got, (0..20).map(|x| x * 10).collect::<Vec<_>>());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a Parallel does nothing until given to parallel_pipe_with"]
pub struct Parallel {
    /// Worker threads.
    threads: usize,
    /// Jobs that may wait for a free thread.
    pool_buffer: usize,
    /// Whether results are put in the order of their values in the input.
    ordered: bool,
}

impl Parallel {
    /// `n` threads, results in input order, a pool buffer of `8 * n` jobs.
    ///
    /// # Panics
    /// If `n` is 0.
    pub fn threads(n: usize) -> Parallel {
        assert!(n > 0, "aiochan: a parallel pipe needs at least one thread");
        Parallel {
            threads: n,
            pool_buffer: n.saturating_mul(DEFAULT_JOBS_PER_THREAD),
            ordered: true,
        }
    }

    /// Lets `jobs` jobs wait for a free thread, so that a thread that finishes finds its next job
    /// at once instead of waiting for the loop to hand it one. More keeps the threads busier and
    /// lets them hand results back in larger batches; fewer holds fewer values out of the input
    /// and hands results back sooner. With 0, each thread waits for the loop between jobs and every
    /// result is handed back at once.
    pub fn pool_buffer(mut self, jobs: usize) -> Parallel {
        self.pool_buffer = jobs;
        self
    }

    /// Puts results as they complete instead of in input order (aiochan's
    /// `parallel_pipe_unordered`).
    pub fn unordered(mut self) -> Parallel {
        self.ordered = false;
        self
    }

    /// The number of worker threads.
    pub fn thread_count(&self) -> usize {
        self.threads
    }

    /// The most values in flight: threads plus pool buffer.
    pub fn in_flight_limit(&self) -> usize {
        self.threads.saturating_add(self.pool_buffer)
    }

    /// Whether results keep the order of the input.
    pub fn is_ordered(&self) -> bool {
        self.ordered
    }

    /// A thread wakes the loop for its result only when this many jobs or fewer are queued.
    fn wake_mark(&self) -> usize {
        self.pool_buffer / 4
    }
}

impl<T: Send + 'static> Chan<T> {
    /// A channel of `f(v)` for every value `v` of this one, in input order, with `f` running on `n`
    /// OS threads (aiochan's `parallel_pipe` in thread mode; core.async's `pipeline-blocking`).
    ///
    /// Use it for work that blocks or burns CPU, which would stall the loop if done in a task. The
    /// threads start now and are joined when the pipe ends: once the input is closed and every
    /// result is delivered, the threads are joined and then the output is closed (per `out`), so a
    /// consumer that sees the close knows no thread of the pipe is left. If the output is closed
    /// early, the pipe stops taking input, drops the values queued for the threads, waits for the
    /// calls already running and joins the threads.
    ///
    /// A panic in `f` is caught on its thread and ends the run: `run` panics with a message naming
    /// the value's position in the input, counted from 0 (`parallel_pipe: f panicked on item #7:
    /// boom`), as soon as the pipe's collecting task sees the result, which is at once unless it is
    /// waiting for the consumer to take an earlier result. The threads then finish the call they
    /// are in and exit on their own; so they do if the loop ends before the pipe does. To keep
    /// going past failures instead, with each sent to an error channel, use
    /// [`parallel_pipe_try`](Chan::parallel_pipe_try).
    ///
    /// ```
    /// use aiochan::{from_range, ops::Out};
    ///
    /// let squares = aiochan::run(async {
    ///     from_range(1..=6).parallel_pipe(3, |x| x * x, Out::new()).collect().await
    /// });
    /// assert_eq!(squares, [1, 4, 9, 16, 25, 36]);
    /// ```
    ///
    /// # Panics
    /// If `n` is 0, outside a running loop, or if a thread cannot be started.
    #[track_caller]
    pub fn parallel_pipe<U, F>(&self, n: usize, f: F, out: Out<U>) -> Chan<U>
    where
        F: Fn(T) -> U + Send + Sync + 'static,
        U: Send + 'static,
    {
        let _api = crate::runtime::calling("Chan::parallel_pipe");
        self.parallel_pipe_with(Parallel::threads(n), f, out)
    }

    /// Like [`parallel_pipe`](Chan::parallel_pipe), putting each result as soon as it is computed
    /// (aiochan's `parallel_pipe_unordered`): a slow value holds up no other.
    ///
    /// ```
    /// use std::time::Duration;
    /// use aiochan::{from_iter, ops::Out};
    ///
    /// let got = aiochan::run(async {
    ///     let slow_first = |ms: u64| {
    ///         std::thread::sleep(Duration::from_millis(ms));
    ///         ms
    ///     };
    ///     from_iter([200, 1]).parallel_pipe_unordered(2, slow_first, Out::new()).collect().await
    /// });
    /// assert_eq!(got, [1, 200]);
    /// ```
    ///
    /// # Panics
    /// As [`parallel_pipe`](Chan::parallel_pipe).
    #[track_caller]
    pub fn parallel_pipe_unordered<U, F>(&self, n: usize, f: F, out: Out<U>) -> Chan<U>
    where
        F: Fn(T) -> U + Send + Sync + 'static,
        U: Send + 'static,
    {
        let _api = crate::runtime::calling("Chan::parallel_pipe_unordered");
        self.parallel_pipe_with(Parallel::threads(n).unordered(), f, out)
    }

    /// Like [`parallel_pipe`](Chan::parallel_pipe), for an `f` that returns many values: each item
    /// of `f(v)` is put on the output (aiochan's `flatten=True`). The items are gathered on the
    /// worker thread, so a lazy iterator does its work there, not on the loop.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::Out};
    ///
    /// let got = aiochan::run(async {
    ///     from_iter([1, 3]).parallel_pipe_flat(2, |x| [x, x * 10], Out::new()).collect().await
    /// });
    /// assert_eq!(got, [1, 10, 3, 30]);
    /// ```
    ///
    /// # Panics
    /// As [`parallel_pipe`](Chan::parallel_pipe).
    #[track_caller]
    pub fn parallel_pipe_flat<I, F>(&self, n: usize, f: F, out: Out<I::Item>) -> Chan<I::Item>
    where
        F: Fn(T) -> I + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Send + 'static,
    {
        let _api = crate::runtime::calling("Chan::parallel_pipe_flat");
        self.parallel_pipe_flat_with(Parallel::threads(n), f, out)
    }

    /// [`parallel_pipe`](Chan::parallel_pipe) or
    /// [`parallel_pipe_unordered`](Chan::parallel_pipe_unordered) with the options of `how`.
    ///
    /// ```
    /// use aiochan::{from_range, ops::{Out, Parallel}};
    ///
    /// let got = aiochan::run(async {
    ///     let how = Parallel::threads(2).pool_buffer(4);
    ///     from_range(0..5).parallel_pipe_with(how, |x| x + 1, Out::fixed(5)).collect().await
    /// });
    /// assert_eq!(got, [1, 2, 3, 4, 5]);
    /// ```
    ///
    /// # Panics
    /// As [`parallel_pipe`](Chan::parallel_pipe).
    #[track_caller]
    pub fn parallel_pipe_with<U, F>(&self, how: Parallel, f: F, out: Out<U>) -> Chan<U>
    where
        F: Fn(T) -> U + Send + Sync + 'static,
        U: Send + 'static,
    {
        let _api = crate::runtime::calling("Chan::parallel_pipe_with");
        // `Option` yields its one value, so both kinds of pipe share one machine at no cost.
        start(
            self,
            how,
            move |v| Ok(Some(f(v))),
            out,
            Failures::<Infallible>::EndTheRun,
        )
    }

    /// [`parallel_pipe_flat`](Chan::parallel_pipe_flat) with the options of `how`; with
    /// [`Parallel::unordered`] it is aiochan's `parallel_pipe_unordered(..., flatten=True)`.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::{Out, Parallel}};
    ///
    /// let mut got = aiochan::run(async {
    ///     let how = Parallel::threads(2).unordered();
    ///     from_iter([2, 3]).parallel_pipe_flat_with(how, |n| 0..n, Out::new()).collect().await
    /// });
    /// got.sort();
    /// assert_eq!(got, [0, 0, 1, 1, 2]);
    /// ```
    ///
    /// # Panics
    /// As [`parallel_pipe`](Chan::parallel_pipe).
    #[track_caller]
    pub fn parallel_pipe_flat_with<I, F>(
        &self,
        how: Parallel,
        f: F,
        out: Out<I::Item>,
    ) -> Chan<I::Item>
    where
        F: Fn(T) -> I + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Send + 'static,
    {
        let _api = crate::runtime::calling("Chan::parallel_pipe_flat_with");
        start(
            self,
            how,
            move |v| Ok(f(v).into_iter().collect::<Vec<_>>()),
            out,
            Failures::<Infallible>::EndTheRun,
        )
    }
}

/// Where the failures of a pipe's `f` go.
enum Failures<E: 'static> {
    /// A panic ends the run (`parallel_pipe`, whose `f` returns no `Err`).
    EndTheRun,
    /// Every failure, `Err` or panic, goes to this channel (`parallel_pipe_try`).
    To(Out<PipeError<E>>),
}

/// A failure of the function of [`parallel_pipe_try`](Chan::parallel_pipe_try) on one item,
/// with the item's position in the input (counted from 0), for its error channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipeError<E> {
    /// The function returned `Err(error)`.
    Failed {
        /// The item's position in the input.
        index: u64,
        /// What the function returned.
        error: E,
    },
    /// The function panicked (caught on its thread).
    Panicked {
        /// The item's position in the input.
        index: u64,
        /// The panic's message.
        message: String,
    },
}

impl<E> PipeError<E> {
    /// The position in the input of the item that failed, counted from 0.
    pub fn index(&self) -> u64 {
        match self {
            PipeError::Failed { index, .. } | PipeError::Panicked { index, .. } => *index,
        }
    }
}

impl<E: fmt::Display> fmt::Display for PipeError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipeError::Failed { index, error } => write!(f, "item #{index} failed: {error}"),
            PipeError::Panicked { index, message } => {
                write!(f, "item #{index} panicked: {message}")
            }
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for PipeError<E> {}

/// A job's position in the input, counted from 0.
type Seq = u64;

impl<T: Send + 'static> Chan<T> {
    /// Like [`parallel_pipe_with`](Chan::parallel_pipe_with), for an `f` that may fail: its `Ok`
    /// values go to `out`, and each failure, an `Err` or a panic, goes to `errors` as a
    /// [`PipeError`] with the item's position in the input, instead of ending the run (Python
    /// aiochan's `error_cb`). Returns the two channels.
    ///
    /// A failed item gives its place back, as a delivered one does. In an ordered pipe, failures
    /// take their turn in input order with the results; in an unordered one they come as they
    /// happen. The pipe waits for `errors` as it waits for `out`, so read both, or give `errors` a
    /// buffer. When the pipe ends, `errors` is closed (per its [`Out`]); `out` as for
    /// `parallel_pipe`.
    ///
    /// ```
    /// use aiochan::{from_iter, ops::{Out, Parallel, PipeError}};
    ///
    /// let (parsed, failed) = aiochan::run(async {
    ///     let parse = |s: &str| s.parse::<u32>();
    ///     let (numbers, errors) = from_iter(["1", "x", "3"]).parallel_pipe_try(
    ///         Parallel::threads(2),
    ///         parse,
    ///         Out::new(),
    ///         Out::fixed(8),
    ///     );
    ///     let parsed = numbers.collect().await;
    ///     let failed: Vec<u64> = errors.collect().await.iter().map(PipeError::index).collect();
    ///     (parsed, failed)
    /// });
    /// assert_eq!((parsed, failed), (vec![1, 3], vec![1]));
    /// ```
    ///
    /// # Panics
    /// As [`parallel_pipe`](Chan::parallel_pipe), except for the failures of `f`; and if `errors`
    /// is closed when a failure comes (a failure is never dropped unseen).
    #[track_caller]
    pub fn parallel_pipe_try<U, E, F>(
        &self,
        how: Parallel,
        f: F,
        out: Out<U>,
        errors: Out<PipeError<E>>,
    ) -> (Chan<U>, Chan<PipeError<E>>)
    where
        F: Fn(T) -> Result<U, E> + Send + Sync + 'static,
        U: Send + 'static,
        E: Send + 'static,
    {
        let _api = crate::runtime::calling("Chan::parallel_pipe_try");
        let failed = errors.chan().clone();
        let chan = start(
            self,
            how,
            move |v| f(v).map(Some),
            out,
            Failures::To(errors),
        );
        (chan, failed)
    }
}

/// What the loop and the worker threads share.
struct Pool<T, R> {
    jobs: Mutex<Jobs<T>>,
    /// Signalled when a job is queued or the queue is closed.
    job_queued: Condvar,
    done: Mutex<Done<R>>,
}

/// The jobs waiting for a free thread.
struct Jobs<T> {
    queue: VecDeque<(Seq, T)>,
    /// No more jobs will come: threads exit once the queue is empty.
    closed: bool,
    /// Threads waiting on `job_queued`, so that queueing a job signals only when one waits.
    idle: usize,
}

/// What the threads hand back.
struct Done<R> {
    /// Results in completion order; a panic's payload in place of a result.
    results: VecDeque<(Seq, thread::Result<R>)>,
    /// Threads that have left their loop.
    exited: usize,
    /// The collecting task's waker. It is kept between waits, so that a busy pipe does not make
    /// and drop one per result, but only while the collector waits on nothing but the threads: a
    /// stored waker keeps the loop from reporting a deadlock (see `Pool::forget_collector`).
    collector: Option<Waker>,
    /// Whether the collector is waiting on `collector` now.
    parked: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while one of these locks is held cannot leave the queues half-updated: every
    // critical section is a single push, pop or assignment.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T, R> Pool<T, R> {
    /// Queues a job, waking a thread if one waits.
    fn submit(&self, seq: Seq, value: T) {
        let mut jobs = lock(&self.jobs);
        jobs.queue.push_back((seq, value));
        let wake = jobs.idle > 0;
        drop(jobs);
        if wake {
            self.job_queued.notify_one();
        }
    }

    /// No more jobs will come; with `discard`, the ones still queued are dropped too.
    fn close_jobs(&self, discard: bool) {
        let mut jobs = lock(&self.jobs);
        jobs.closed = true;
        let dropped = if discard {
            std::mem::take(&mut jobs.queue)
        } else {
            VecDeque::new()
        };
        drop(jobs);
        self.job_queued.notify_all();
        // Dropping values runs user code: not under the lock.
        drop(dropped);
    }

    /// The next job for a thread; `None` once the queue is closed and empty.
    fn next_job(&self) -> Option<(Seq, T)> {
        let mut jobs = lock(&self.jobs);
        loop {
            if let Some(job) = jobs.queue.pop_front() {
                return Some(job);
            }
            if jobs.closed {
                return None;
            }
            jobs.idle += 1;
            jobs = self
                .job_queued
                .wait(jobs)
                .unwrap_or_else(PoisonError::into_inner);
            jobs.idle -= 1;
        }
    }

    /// How many jobs wait for a thread.
    fn queued(&self) -> usize {
        lock(&self.jobs).queue.len()
    }

    /// Updates what the threads hand back; with `wake`, wakes the collecting task if it waits.
    fn hand_back(&self, wake: bool, update: impl FnOnce(&mut Done<R>)) {
        let mut done = lock(&self.done);
        update(&mut done);
        // A clone, so that the stored waker stays; waking it outside the lock keeps the other
        // threads from waiting on the loop's wake-up call.
        let collector = if wake && done.parked {
            done.parked = false;
            done.collector.clone()
        } else {
            None
        };
        drop(done);
        if let Some(collector) = collector {
            collector.wake();
        }
    }

    /// Waits until `ready` says so, looking again each time a thread hands something back.
    async fn wait_for(&self, mut ready: impl FnMut(&mut Done<R>) -> bool) {
        poll_fn(|cx| {
            let mut done = lock(&self.done);
            if ready(&mut done) {
                done.parked = false;
                Poll::Ready(())
            } else {
                // Only the collecting task ever waits here, so a stored waker is its own.
                if done.collector.is_none() {
                    done.collector = Some(cx.waker().clone());
                }
                done.parked = true;
                Poll::Pending
            }
        })
        .await;
    }

    /// Drops the collector's stored waker. Called before the collector waits on anything that
    /// only the loop can bring (the input, the output's consumer): while it is stored, the loop
    /// counts on the threads to wake it and would not report a deadlock.
    fn forget_collector(&self) {
        let stale = lock(&self.done).collector.take();
        // Dropping it may signal the loop: not under the lock.
        drop(stale);
    }
}

/// A worker thread: runs jobs until the queue is closed and empty. It wakes the loop for a result
/// only when at most `mark` jobs are left queued: until then the loop is not needed to keep the
/// threads busy, and a later result's wake-up brings this one along.
///
/// That later wake-up is sure to come. Results the collector has not taken keep their permits, so
/// while it sleeps the feeder can queue only a bounded number of jobs; after that the queue only
/// shrinks, and the job popped when it falls to `mark` hands back its result with a wake-up. (If
/// the collector is awake, it looks at the results before it sleeps again.)
fn work<T, R>(pool: &Pool<T, R>, f: &(impl Fn(T) -> R + ?Sized), mark: usize) {
    while let Some((seq, value)) = pool.next_job() {
        // A panic must reach the loop as a result, or the pipe would wait for it forever.
        let result = catch_unwind(AssertUnwindSafe(|| f(value)));
        // A panic may end the run: it does not wait for a batch.
        let wake = result.is_err() || pool.queued() <= mark;
        pool.hand_back(wake, |done| done.results.push_back((seq, result)));
    }
    pool.hand_back(true, |done| done.exited += 1);
}

/// The loop's side of one pipe, shared by its feeding and collecting tasks.
struct Feed<T, R> {
    pool: Arc<Pool<T, R>>,
    /// Values that may still be taken from the input before some result is delivered.
    permits: Cell<usize>,
    /// Holds a token when a permit came back while there was none, for the feeder to wake on.
    room: Chan<()>,
    /// Jobs queued so far: the next job's position.
    submitted: Cell<Seq>,
    /// The input is closed and drained.
    input_ended: Cell<bool>,
    /// The collector waits on `kick` for a job to be queued or the input to end.
    collector_idle: Cell<bool>,
    kick: Chan<()>,
}

impl<T, R> Feed<T, R> {
    /// Tells the collector there is something new, if it waits for it.
    fn nudge(&self) {
        if self.collector_idle.replace(false) {
            let _ = self.kick.try_put(());
        }
    }

    /// A delivered value gives its permit back.
    fn release(&self) {
        let before = self.permits.get();
        self.permits.set(before + 1);
        if before == 0 {
            // The feeder waits on `room` only when it has no permit; otherwise this would leave a
            // stale token behind.
            let _ = self.room.try_put(());
        }
    }
}

impl<T, R> Drop for Feed<T, R> {
    fn drop(&mut self) {
        // Both tasks are gone (the pipe ended, stopped, failed, or the loop ended): the threads
        // must not wait for jobs forever.
        self.pool.close_jobs(true);
    }
}

/// Why the collector stopped delivering.
enum End {
    /// The input ended and every result was delivered.
    Drained,
    /// The output was closed.
    OutputClosed,
}

/// Results that arrived ahead of an earlier one, for an ordered pipe.
struct Reorder<R> {
    /// `slots[i]` holds the result for position `next + i` once it has arrived.
    slots: VecDeque<Option<R>>,
    next: Seq,
}

impl<R> Reorder<R> {
    fn insert(&mut self, seq: Seq, result: R) {
        // The window never exceeds the in-flight limit, which is a `usize`.
        let i = usize::try_from(seq - self.next).expect("positions stay within the window");
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i] = Some(result);
    }

    /// The next result in input order, if it has arrived.
    fn pop(&mut self) -> Option<R> {
        if !matches!(self.slots.front(), Some(Some(_))) {
            return None;
        }
        self.next += 1;
        self.slots.pop_front().flatten()
    }
}

/// The text of a panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_string())
}

/// Starts the threads and the two tasks of a pipe whose threads compute `R`s, each of which puts
/// its items on `out`, or fail with an `E`; `failures` says where failures go.
#[track_caller]
fn start<T, R, E, W>(
    input: &Chan<T>,
    how: Parallel,
    work_fn: W,
    out: Out<R::Item>,
    failures: Failures<E>,
) -> Chan<R::Item>
where
    T: Send + 'static,
    R: IntoIterator + Send + 'static,
    R::Item: 'static,
    E: Send + 'static,
    W: Fn(T) -> Result<R, E> + Send + Sync + 'static,
{
    let n = how.threads;
    let pool = Arc::new(Pool {
        jobs: Mutex::new(Jobs {
            queue: VecDeque::new(),
            closed: false,
            idle: 0,
        }),
        job_queued: Condvar::new(),
        done: Mutex::new(Done {
            results: VecDeque::new(),
            exited: 0,
            collector: None,
            parked: false,
        }),
    });
    let work_fn = Arc::new(work_fn);
    let mark = how.wake_mark();
    let mut threads = Vec::with_capacity(n);
    for _ in 0..n {
        let (theirs, work_fn) = (pool.clone(), work_fn.clone());
        let spawned = thread::Builder::new()
            .name("aiochan-parallel".into())
            .spawn(move || work(&theirs, &*work_fn, mark));
        match spawned {
            Ok(handle) => threads.push(handle),
            Err(e) => {
                // Let the threads already started exit.
                pool.close_jobs(true);
                panic!("aiochan: a parallel pipe cannot start a thread ({e})");
            }
        }
    }

    let feed = Rc::new(Feed {
        pool,
        permits: Cell::new(how.in_flight_limit()),
        room: Chan::fixed(1),
        submitted: Cell::new(0),
        input_ended: Cell::new(false),
        collector_idle: Cell::new(false),
        kick: Chan::fixed(1),
    });

    let feeder = {
        let (input, feed) = (input.clone(), feed.clone());
        go_named("aiochan::ops::parallel_pipe::feeder", async move {
            loop {
                while feed.permits.get() == 0 {
                    // `room` is never closed; the collector aborts this task to stop it.
                    let _ = feed.room.get().await;
                }
                let Some(value) = input.get().await else {
                    break;
                };
                feed.permits.set(feed.permits.get() - 1);
                let seq = feed.submitted.get();
                feed.submitted.set(seq + 1);
                feed.pool.submit(seq, value);
                feed.nudge();
            }
            feed.input_ended.set(true);
            feed.pool.close_jobs(false);
            feed.nudge();
        })
    };

    let result = out.chan().clone();
    go_named(
        "aiochan::ops::parallel_pipe::collector",
        collect(feed, feeder, threads, how.ordered, out, failures),
    );
    result
}

/// The collecting task: takes results from the threads, puts them on the output (in input order
/// if `ordered`) and the failures where `failures` says, gives permits back, and at the end joins
/// the threads and closes the output.
async fn collect<T, R, E>(
    feed: Rc<Feed<T, Result<R, E>>>,
    feeder: JoinHandle<()>,
    threads: Vec<thread::JoinHandle<()>>,
    ordered: bool,
    out: Out<R::Item>,
    failures: Failures<E>,
) where
    T: Send + 'static,
    R: IntoIterator + Send + 'static,
    R::Item: 'static,
    E: 'static,
{
    let to = out.chan();
    let mut returned: Seq = 0;
    let mut batch = VecDeque::new();
    let mut reorder = Reorder {
        slots: VecDeque::new(),
        next: 0,
    };
    let end = 'run: loop {
        if returned == feed.submitted.get() {
            if feed.input_ended.get() {
                break End::Drained;
            }
            // Nothing is owed by the threads: wait on the loop, where a deadlock can be seen.
            feed.pool.forget_collector();
            feed.collector_idle.set(true);
            let _ = feed.kick.get().await;
            continue;
        }
        feed.pool
            .wait_for(|done| {
                std::mem::swap(&mut done.results, &mut batch);
                !batch.is_empty()
            })
            .await;
        returned += batch.len() as Seq;
        if let Failures::EndTheRun = failures {
            // Look for a failure before delivering anything, so that a slow consumer does not
            // delay it.
            if let Some(i) = batch.iter().position(|(_, r)| !matches!(r, Ok(Ok(_)))) {
                let (seq, result) = batch.remove(i).expect("the failure is in the batch");
                let failure = failure_of(seq, result)
                    .err()
                    .expect("the result is a failure");
                feeder.abort();
                feed.pool.close_jobs(true);
                end_the_run(&failure);
            }
        }
        for (seq, result) in batch.drain(..) {
            let result = failure_of(seq, result);
            if ordered {
                reorder.insert(seq, result);
                continue;
            }
            if !route(to, &failures, &feed.pool, result).await {
                break 'run End::OutputClosed;
            }
            feed.release();
        }
        while let Some(result) = reorder.pop() {
            if !route(to, &failures, &feed.pool, result).await {
                break 'run End::OutputClosed;
            }
            feed.release();
        }
    };
    if let End::OutputClosed = end {
        // The calls already running finish; their results are dropped once the threads are joined.
        feeder.abort();
        feed.pool.close_jobs(true);
    } else {
        drop(feeder);
    }
    let n = threads.len();
    feed.pool.wait_for(|done| done.exited == n).await;
    feed.pool.forget_collector();
    for thread in threads {
        // A thread that said it exited has left `work`, so this blocks the loop only while the
        // thread finishes exiting (its thread-local destructors run then). `work` catches every
        // panic of `f`, so there is no payload to pass on.
        let _ = thread.join();
    }
    // Unwanted results are dropped here, on the loop, outside the lock.
    let unwanted = std::mem::take(&mut lock(&feed.pool.done).results);
    drop(unwanted);
    if let End::Drained = end {
        out.finish();
    }
    if let Failures::To(errors) = failures {
        errors.finish();
    }
}

/// A worker's result for item `seq`, its failure (an `Err` or a panic) made a [`PipeError`].
fn failure_of<R, E>(seq: Seq, result: thread::Result<Result<R, E>>) -> Result<R, PipeError<E>> {
    match result {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(error)) => Err(PipeError::Failed { index: seq, error }),
        Err(payload) => Err(PipeError::Panicked {
            index: seq,
            message: panic_message(&*payload),
        }),
    }
}

/// Ends the run for a failure of a pipe with no error channel, naming the item's position.
fn end_the_run<E>(failure: &PipeError<E>) -> ! {
    match failure {
        PipeError::Panicked { index, message } => {
            panic!("parallel_pipe: f panicked on item #{index}: {message}")
        }
        PipeError::Failed { index, .. } => panic!("parallel_pipe: f failed on item #{index}"),
    }
}

/// Puts a result's items on `to`, or its failure where `failures` says; `false` if `to` is
/// closed.
async fn route<T, X, R, E>(
    to: &Chan<R::Item>,
    failures: &Failures<E>,
    pool: &Pool<T, X>,
    result: Result<R, PipeError<E>>,
) -> bool
where
    R: IntoIterator,
    R::Item: 'static,
    E: 'static,
{
    let failure = match result {
        Ok(result) => return deliver(to, pool, result).await,
        Err(failure) => failure,
    };
    let Failures::To(errors) = failures else {
        end_the_run(&failure);
    };
    let index = failure.index();
    if !errors.chan().is_put_ready() {
        // The consumer may never come: only the loop can bring it.
        pool.forget_collector();
    }
    if !errors.chan().put(failure).await {
        panic!(
            "parallel_pipe_try: item #{index} failed and its error channel is closed: keep the \
             error channel open while the pipe runs"
        );
    }
    true
}

/// Puts every item of `result` on `to`; `false` if it is closed.
async fn deliver<T, X, R>(to: &Chan<R::Item>, pool: &Pool<T, X>, result: R) -> bool
where
    R: IntoIterator,
    R::Item: 'static,
{
    for item in result {
        if !to.is_put_ready() {
            // The consumer may never come: only the loop can bring it.
            pool.forget_collector();
        }
        if !to.put(item).await {
            return false;
        }
    }
    true
}
