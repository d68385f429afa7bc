//! Timers for sleeps polled with no aiochan loop running (under another executor): one thread of
//! the process wakes their wakers at their deadlines, in real time.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Waker;
use std::thread;
use std::time::Instant;

/// A timer of the timer thread: its deadline, and a number that tells apart equal deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key {
    deadline: Instant,
    number: u64,
}

/// The timers and the thread that fires them.
struct Timers {
    state: Mutex<State>,
    /// Signalled when a timer is added, so that the thread looks again at its earliest deadline.
    added: Condvar,
}

struct State {
    /// Armed timers in deadline order; a timer leaves when it fires or is removed.
    armed: BTreeMap<Key, Waker>,
    /// The number of the next timer.
    next: u64,
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    // Every critical section is one map operation: a panic cannot leave it half done.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The process's timer thread, started by the first timer.
fn timers() -> &'static Arc<Timers> {
    static TIMERS: OnceLock<Arc<Timers>> = OnceLock::new();
    TIMERS.get_or_init(|| {
        let timers = Arc::new(Timers {
            state: Mutex::new(State {
                armed: BTreeMap::new(),
                next: 0,
            }),
            added: Condvar::new(),
        });
        let theirs = timers.clone();
        thread::Builder::new()
            .name("aiochan-timer".into())
            .spawn(move || fire(&theirs))
            .expect("aiochan: cannot start the timer thread of sleeps outside a loop");
        timers
    })
}

/// The timer thread: wakes each timer's waker once its deadline has passed.
fn fire(timers: &Timers) {
    let mut state = lock(&timers.state);
    loop {
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(entry) = state.armed.first_entry() {
            if entry.key().deadline > now {
                break;
            }
            due.push(entry.remove());
        }
        if !due.is_empty() {
            // Wakers may run foreign code: not under the lock.
            drop(state);
            due.into_iter().for_each(Waker::wake);
            state = lock(&timers.state);
            continue;
        }
        state = match state.armed.keys().next() {
            Some(next) => {
                let wait = next.deadline.saturating_duration_since(now);
                timers
                    .added
                    .wait_timeout(state, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => timers
                .added
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}

/// Arms a timer that wakes `waker` at `deadline`.
pub(crate) fn insert(deadline: Instant, waker: &Waker) -> Key {
    let timers = timers();
    let mut state = lock(&timers.state);
    let key = Key {
        deadline,
        number: state.next,
    };
    state.next += 1;
    state.armed.insert(key, waker.clone());
    drop(state);
    timers.added.notify_one();
    key
}

/// Makes the timer `key` wake `waker`; arms it again if it has fired already.
pub(crate) fn set_waker(key: Key, waker: &Waker) {
    let timers = timers();
    let mut state = lock(&timers.state);
    match state.armed.get_mut(&key) {
        Some(mine) if mine.will_wake(waker) => {}
        Some(mine) => mine.clone_from(waker),
        None => {
            state.armed.insert(key, waker.clone());
            drop(state);
            timers.added.notify_one();
        }
    }
}

/// Disarms the timer `key`, if it has not fired.
pub(crate) fn remove(key: Key) {
    let removed = lock(&timers().state).armed.remove(&key);
    // Dropping a waker may run foreign code: not under the lock.
    drop(removed);
}
