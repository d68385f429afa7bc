//! The pool of threads behind `spawn_blocking`: one per loop, plus one for calls made outside any loop.
//!
//! A call queues its job and wakes an idle thread of the pool; if none is idle and fewer than
//! `max_threads` run, it starts one. Beyond that cap, jobs wait in the queue and start in the order
//! they were queued. A thread that finds the queue empty waits for a job for up to `keep_alive`,
//! then exits. When the pool's loop ends, the pool is shut down: its threads finish every job
//! already queued (none is dropped unrun) and then exit at once instead of waiting out the
//! keep-alive.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// The name of every thread of a blocking pool.
const THREAD_NAME: &str = "aiochan-blocking";

/// A job handed to the pool: the caller's closure wrapped so that it stores its own result (and
/// catches its own panic) and wakes whoever awaits it.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// How a loop's blocking pool is sized; set on the [`Builder`](crate::Builder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockingConfig {
    /// The most threads the pool runs at once.
    pub(crate) max_threads: usize,
    /// How long an idle thread waits for a job before it exits.
    pub(crate) keep_alive: Duration,
}

impl Default for BlockingConfig {
    /// 512 threads at most, each waiting 10 s for a job before it exits.
    fn default() -> BlockingConfig {
        BlockingConfig {
            max_threads: 512,
            keep_alive: Duration::from_secs(10),
        }
    }
}

/// The pool's bookkeeping, behind its lock.
#[derive(Default)]
struct State {
    /// Jobs no thread has taken yet, oldest first.
    queue: VecDeque<Job>,
    /// Threads started and not yet exited, busy or idle.
    threads: usize,
    /// Threads waiting for a job.
    idle: usize,
    /// Wake-ups sent to idle threads and not yet taken by one: an idle thread that wakes while this
    /// is non-zero takes one and goes to the queue; otherwise its wake-up was spurious or a timeout.
    notified: usize,
    /// Set when the pool's loop has ended: threads exit as soon as the queue is empty.
    shut_down: bool,
}

/// What the pool's owner and its threads share.
struct Pool {
    /// The queue and the counts.
    state: Mutex<State>,
    /// Where idle threads wait for a job, or for the shutdown.
    job_queued: Condvar,
    /// The pool's size limits.
    config: BlockingConfig,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Jobs run outside the lock and catch their own panics, so a poisoned lock can only come
        // from a panic in the pool's own bookkeeping, which leaves the state consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A pool of threads for blocking jobs. Dropping it shuts it down (see the module's doc).
pub(crate) struct BlockingPool {
    /// Shared with the pool's threads, each of which holds a reference while it runs.
    pool: Arc<Pool>,
}

impl BlockingPool {
    pub(crate) fn new(config: BlockingConfig) -> BlockingPool {
        assert!(
            config.max_threads > 0,
            "aiochan: a blocking pool needs room for at least one thread"
        );
        BlockingPool {
            pool: Arc::new(Pool {
                state: Mutex::new(State::default()),
                job_queued: Condvar::new(),
                config,
            }),
        }
    }

    /// The pool for `spawn_blocking` calls made outside any running loop: default sizes, never
    /// shut down (its idle threads still exit after the keep-alive).
    pub(crate) fn process() -> &'static BlockingPool {
        static PROCESS: OnceLock<BlockingPool> = OnceLock::new();
        PROCESS.get_or_init(|| BlockingPool::new(BlockingConfig::default()))
    }

    /// Queues `job`, waking an idle thread for it or starting one if none is idle and the cap
    /// allows; otherwise it waits for a busy thread to take it, behind the jobs queued before it.
    ///
    /// # Panics
    /// If the pool has no thread and the system refuses to start one (the job is then dropped).
    pub(crate) fn spawn(&self, job: Job) {
        let mut state = self.pool.lock();
        state.queue.push_back(job);
        if state.idle > state.notified {
            state.notified += 1;
            drop(state);
            self.pool.job_queued.notify_one();
            return;
        }
        if state.threads == self.pool.config.max_threads {
            return;
        }
        // Started under the lock, so that a failure can tell whether any thread will take the job.
        state.threads += 1;
        let pool = self.pool.clone();
        let started = thread::Builder::new()
            .name(THREAD_NAME.into())
            .spawn(move || work(&pool));
        if let Err(e) = started {
            state.threads -= 1;
            if state.threads == 0 {
                // No thread will ever take it: the last job queued is this one (the lock was held
                // throughout), given back to be dropped outside the lock.
                let job = state.queue.pop_back();
                drop(state);
                drop(job);
                panic!("aiochan::spawn_blocking: cannot start a thread ({e})");
            }
            // A busy thread takes the job when it is done with its own.
        }
    }

    /// Threads started and not yet exited, busy or idle.
    pub(crate) fn threads(&self) -> usize {
        self.pool.lock().threads
    }

    /// The pool's loop has ended: idle threads exit now, busy ones once the queue is empty.
    pub(crate) fn shut_down(&self) {
        let mut state = self.pool.lock();
        if !state.shut_down {
            state.shut_down = true;
            drop(state);
            self.pool.job_queued.notify_all();
        }
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.shut_down();
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.pool.lock();
        f.debug_struct("BlockingPool")
            .field("threads", &state.threads)
            .field("idle", &state.idle)
            .field("queued", &state.queue.len())
            .field("shut_down", &state.shut_down)
            .field("max_threads", &self.pool.config.max_threads)
            .field("keep_alive", &self.pool.config.keep_alive)
            .finish()
    }
}

/// The body of a pool thread: runs queued jobs, oldest first, until the queue stays empty for the
/// keep-alive or the pool is shut down with nothing left queued.
fn work(pool: &Pool) {
    let mut state = pool.lock();
    loop {
        if let Some(job) = state.queue.pop_front() {
            drop(state);
            // A job catches the caller's panic itself; what could still unwind is a foreign waker
            // panicking in `wake`, which the panic hook has reported by now. The thread goes on
            // serving the queue rather than leave the pool a thread short.
            let _ = catch_unwind(AssertUnwindSafe(job));
            state = pool.lock();
            continue;
        }
        if state.shut_down {
            break;
        }
        state.idle += 1;
        let deadline = Instant::now() + pool.config.keep_alive;
        let expired = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            state = pool
                .job_queued
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            if state.notified > 0 {
                state.notified -= 1;
                break false;
            }
            if state.shut_down {
                break false;
            }
            if Instant::now() >= deadline {
                break true;
            }
        };
        state.idle -= 1;
        if expired && state.queue.is_empty() {
            break;
        }
    }
    state.threads -= 1;
}
