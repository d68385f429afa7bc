//! Loop channels seen from other threads: `ChanSender` puts into one, `ChanIter` takes from one.

use std::any::Any;
use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::{mpsc, Arc, Condvar, Mutex, PoisonError};
use std::task::{Poll, Waker};

use super::{Chan, TryPutError};
use crate::runtime::{self, go, Handle};

/// Why a [`ChanSender`] could not put a value. The value comes back whenever it was not delivered.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendError<T> {
    /// `try_put` only: the put would have to wait.
    Full(T),
    /// The channel is closed.
    Closed(T),
    /// The loop has ended. The value comes back unless the loop ended while running the call that
    /// put it (a panic there), or a panicking destructor at the loop's end dropped it.
    LoopEnded(Option<T>),
}

impl<T> SendError<T> {
    /// The value that was not put, if it is still there.
    pub fn into_inner(self) -> Option<T> {
        match self {
            SendError::Full(v) | SendError::Closed(v) => Some(v),
            SendError::LoopEnded(v) => v,
        }
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Full(_) => "Full(..)",
            SendError::Closed(_) => "Closed(..)",
            SendError::LoopEnded(_) => "LoopEnded(..)",
        })
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::Full(_) => "putting on a full channel",
            SendError::Closed(_) => "putting on a closed channel",
            SendError::LoopEnded(_) => "putting on a channel whose event loop has ended",
        })
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Names a channel of a loop from another thread; the loop forgets it when the last clone drops.
struct Registered {
    handle: Handle,
    key: usize,
}

impl Drop for Registered {
    fn drop(&mut self) {
        let key = self.key;
        // A loop that has ended forgot everything already.
        let _ = self.handle.call(move || runtime::remove_local(key));
    }
}

/// A thread-safe sender into a loop channel (`Send + Sync + Clone`), so that plain threads can feed
/// a pipeline. Made on the loop with [`Chan::sender`].
///
/// ```
/// use aiochan::Chan;
///
/// let total = aiochan::run(async {
///     let c = Chan::fixed(4);
///     let tx = c.sender();
///     let feeder = std::thread::spawn(move || {
///         for i in 1..=10 {
///             tx.put_blocking(i).unwrap();
///         }
///     });
///     let mut total = 0;
///     for _ in 0..10 {
///         total += c.get().await.unwrap();
///     }
///     aiochan::spawn_blocking(move || feeder.join().unwrap()).await;
///     total
/// });
/// assert_eq!(total, 55);
/// ```
pub struct ChanSender<T> {
    registered: Arc<Registered>,
    /// What this sender keeps alive on the loop until its last clone drops, if anything: the
    /// sending side of the [`Sender`](super::Sender) it was made from.
    keeps: Option<Arc<Registered>>,
    _values: PhantomData<fn(T)>,
}

/// What the loop answers a sender.
enum Answer {
    Accepted,
    Full,
    Closed,
    /// The loop ended while the put waited in the channel: it was withdrawn and its value put
    /// back in the sender's slot.
    Ended,
}

impl<T: Send + 'static> Chan<T> {
    /// A thread-safe sender into this channel.
    ///
    /// # Panics
    /// Outside a running loop.
    #[track_caller]
    pub fn sender(&self) -> ChanSender<T> {
        let key = runtime::insert_local("Chan::sender", Rc::new(self.clone()));
        ChanSender {
            registered: Arc::new(Registered {
                handle: Handle::current(),
                key,
            }),
            keeps: None,
            _values: PhantomData,
        }
    }
}

impl<T> ChanSender<T> {
    /// The handle of the channel's loop.
    pub(crate) fn handle(&self) -> &Handle {
        &self.registered.handle
    }

    /// The key the loop keeps the channel under (see `runtime::local`).
    pub(crate) fn key(&self) -> usize {
        self.registered.key
    }
}

impl<T: Send + 'static> ChanSender<T> {
    /// This sender, keeping `object` alive on the loop until its last clone drops.
    pub(crate) fn keeping(mut self, object: Rc<dyn Any>) -> ChanSender<T> {
        let key = runtime::insert_local("Sender::remote", object);
        self.keeps = Some(Arc::new(Registered {
            handle: self.registered.handle.clone(),
            key,
        }));
        self
    }

    /// Puts `value`, blocking this thread until the channel accepts it (back-pressure reaches the
    /// thread). Fails if the channel is closed or the loop has ended; never blocks forever.
    ///
    /// # Panics
    /// On the loop's own thread, where blocking would stop the loop itself: use `put().await` there.
    pub fn put_blocking(&self, value: T) -> Result<(), SendError<T>> {
        self.send(value, true)
    }

    /// Puts `value` if the channel accepts it at once; blocks only for the loop to answer.
    ///
    /// # Panics
    /// On the loop's own thread (use [`Chan::try_put`] there).
    pub fn try_put(&self, value: T) -> Result<(), SendError<T>> {
        self.send(value, false)
    }

    /// Closes the channel, so that its consumers on the loop see the end of the stream once they have
    /// taken what was put. Returns at once; fails only if the loop has ended.
    pub fn close(&self) -> Result<(), crate::LoopEnded> {
        let key = self.registered.key;
        self.registered.handle.call(move || {
            if let Some(chan) = runtime::local(key).and_then(|c| c.downcast::<Chan<T>>().ok()) {
                chan.close();
            }
        })
    }

    fn send(&self, value: T, wait: bool) -> Result<(), SendError<T>> {
        let handle = &self.registered.handle;
        assert!(
            !runtime::is_current(handle),
            "ChanSender blocks for the loop, so it cannot be used on the loop's own thread: \
             use the channel's put().await or try_put() there"
        );
        // The value waits in `slot` until the loop takes it, so that it can be handed back if the
        // loop never does.
        let slot = Arc::new(Mutex::new(Some(value)));
        let theirs = slot.clone();
        let (tx, rx) = mpsc::sync_channel(1);
        let key = self.registered.key;
        let called = handle.call(move || {
            let Some(chan) = runtime::local(key).and_then(|c| c.downcast::<Chan<T>>().ok()) else {
                return;
            };
            let Some(value) = lock(&theirs).take() else {
                return;
            };
            match chan.try_put(value) {
                Ok(()) => drop(tx.send(Answer::Accepted)),
                Err(TryPutError::Closed(value)) => {
                    *lock(&theirs) = Some(value);
                    drop(tx.send(Answer::Closed));
                }
                Err(TryPutError::Full(value)) if !wait => {
                    *lock(&theirs) = Some(value);
                    drop(tx.send(Answer::Full));
                }
                Err(TryPutError::Full(value)) => {
                    // The put waits in the channel. Should the loop end first, a hook withdraws
                    // it and hands the value back, however long the channel itself lives on.
                    let hook = Rc::new(Cell::new(None));
                    let completed = hook.clone();
                    let answer = tx.clone();
                    // A put refused because its channel's last `Receiver` dropped leaves its
                    // value in the channel, under the key it parked with, to be taken back here.
                    let parked_as = Rc::new(Cell::new(None));
                    let (refused_as, refusing, back) =
                        (parked_as.clone(), chan.clone(), theirs.clone());
                    let parked = chan.put_then_parked(value, move |accepted| {
                        if let Some(key) = completed.take() {
                            runtime::forget_end_hook(key);
                        }
                        if let Some(put) = refused_as.take().filter(|_| !accepted) {
                            *lock(&back) = refusing.withdraw_put(put);
                        }
                        drop(answer.send(if accepted {
                            Answer::Accepted
                        } else {
                            Answer::Closed
                        }));
                    });
                    if let Some(put) = parked {
                        parked_as.set(Some(put));
                        hook.set(runtime::on_end(Box::new(move || {
                            *lock(&theirs) = chan.withdraw_put(put);
                            drop(tx.send(Answer::Ended));
                        })));
                    }
                }
            }
        });
        let answer = called.ok().and_then(|()| rx.recv().ok());
        let value = || lock(&slot).take();
        match answer {
            Some(Answer::Accepted) => Ok(()),
            Some(Answer::Full) => Err(SendError::Full(value().expect("handed back"))),
            Some(Answer::Closed) => match value() {
                Some(v) => Err(SendError::Closed(v)),
                None => Err(SendError::LoopEnded(None)),
            },
            Some(Answer::Ended) | None => Err(SendError::LoopEnded(value())),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T> Clone for ChanSender<T> {
    fn clone(&self) -> ChanSender<T> {
        ChanSender {
            registered: self.registered.clone(),
            keeps: self.keeps.clone(),
            _values: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ChanSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChanSender")
            .field("loop", &self.registered.handle)
            .field("counts_as_sender", &self.keeps.is_some())
            .finish()
    }
}

/// What the loop's feeding task and the iterating thread share.
struct Pipe<T> {
    state: Mutex<PipeState<T>>,
    /// Signalled when a value arrives or the feed ends.
    arrived: Condvar,
}

struct PipeState<T> {
    /// Values taken from the channel, not yet iterated.
    values: VecDeque<T>,
    /// The most values `values` holds.
    capacity: usize,
    /// Set when the channel is closed and drained, or the loop ended.
    ended: bool,
    /// Set when the iterator was dropped: the feeding task stops.
    abandoned: bool,
    /// The feeding task, waiting for room.
    feeder: Option<Waker>,
}

/// A blocking iterator over a loop channel, for another thread (aiochan's `to_iterable`). Made with
/// [`Chan::to_iter`]; ends when the channel is closed and drained, or when the loop ends.
pub struct ChanIter<T> {
    pipe: Arc<Pipe<T>>,
}

/// Marks the feed ended when the feeding task ends, also when the loop drops it.
struct EndOnDrop<T>(Arc<Pipe<T>>);

impl<T> Drop for EndOnDrop<T> {
    fn drop(&mut self) {
        lock(&self.0.state).ended = true;
        self.0.arrived.notify_all();
    }
}

impl<T: Send + 'static> Chan<T> {
    /// A blocking iterator over this channel's values for another thread. A task of the loop takes
    /// values only while fewer than `buffer` (at least one) wait for the thread, so a slow thread
    /// holds the channel back instead of piling values up.
    ///
    /// ```
    /// let squares = aiochan::run(async {
    ///     let values = aiochan::from_range(1..=4).to_iter(2);
    ///     let thread = std::thread::spawn(move || values.map(|v| v * v).collect::<Vec<_>>());
    ///     aiochan::spawn_blocking(move || thread.join().unwrap()).await
    /// });
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// ```
    ///
    /// # Panics
    /// Outside a running loop.
    #[track_caller]
    pub fn to_iter(&self, buffer: usize) -> ChanIter<T> {
        let _api = runtime::calling("Chan::to_iter");
        let pipe = Arc::new(Pipe {
            state: Mutex::new(PipeState {
                values: VecDeque::new(),
                capacity: buffer.max(1),
                ended: false,
                abandoned: false,
                feeder: None,
            }),
            arrived: Condvar::new(),
        });
        let feed = EndOnDrop(pipe.clone());
        let chan = self.clone();
        go(async move {
            loop {
                let room = poll_fn(|cx| {
                    let mut st = lock(&feed.0.state);
                    if st.abandoned {
                        Poll::Ready(false)
                    } else if st.values.len() < st.capacity {
                        Poll::Ready(true)
                    } else {
                        st.feeder = Some(cx.waker().clone());
                        Poll::Pending
                    }
                })
                .await;
                if !room {
                    break;
                }
                let Some(value) = chan.get().await else { break };
                let mut st = lock(&feed.0.state);
                if st.abandoned {
                    drop(st);
                    // The value was taken but nobody will iterate it: give it back to the channel.
                    chan.add([value]);
                    break;
                }
                st.values.push_back(value);
                drop(st);
                feed.0.arrived.notify_one();
            }
        });
        ChanIter { pipe }
    }
}

impl<T> Iterator for ChanIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let mut st = lock(&self.pipe.state);
        loop {
            if let Some(value) = st.values.pop_front() {
                let feeder = st.feeder.take();
                drop(st);
                if let Some(feeder) = feeder {
                    feeder.wake();
                }
                return Some(value);
            }
            if st.ended {
                return None;
            }
            st = self
                .pipe
                .arrived
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<T> Drop for ChanIter<T> {
    fn drop(&mut self) {
        let feeder = {
            let mut st = lock(&self.pipe.state);
            st.abandoned = true;
            st.feeder.take()
        };
        if let Some(feeder) = feeder {
            feeder.wake();
        }
    }
}

impl<T> fmt::Debug for ChanIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = lock(&self.pipe.state);
        f.debug_struct("ChanIter")
            .field("waiting", &st.values.len())
            .field("capacity", &st.capacity)
            .field("ended", &st.ended)
            .finish()
    }
}
