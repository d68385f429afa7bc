//! Dup (core.async's mult): every value of one channel to every tap.

use std::cell::RefCell;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use super::Out;
use crate::chan::Put;
use crate::{go, select, Chan, Op};

/// A duplicator (aiochan's `Dup`, core.async's `mult`): takes the values of one channel, its
/// source, and hands a clone of each to every channel tapped onto it.
///
/// Handing out is in lockstep: a value is offered to all taps at once, and the next value is taken
/// from the source only after *every* tap has accepted it. A slow tap therefore holds back the
/// others; give taps buffers (or sliding/dropping ones) to decouple them.
///
/// - A tap that turns out to be closed (its put completes with `false`) is untapped. Closing a tap
///   does not withdraw a value already waiting to go into it (a closed channel still drains waiting
///   puts), so the duplicator goes on waiting for that one: [`untap`](Dup::untap) a tap you stop
///   reading.
/// - While there are no taps, values taken from the source are dropped, as in core.async.
/// - When the source is closed and drained, the taps made with a closing [`Out`] are closed (those
///   made with [`Out::keep_open`] are left open), and a later [`tap`](Dup::tap) is finished at
///   once.
///
/// Handles are cheap to clone; every clone is the same duplicator.
///
/// ```
/// use aiochan::{ops::Out, Chan};
///
/// aiochan::run(async {
///     let source = Chan::new();
///     let dup = source.dup();
///     let a = dup.tap(Out::fixed(2));
///     let b = dup.tap(Out::fixed(2));
///     source.add([1, 2]).close();
///     for tap in [a, b] {
///         assert_eq!(tap.get().await, Some(1));
///         assert_eq!(tap.get().await, Some(2));
///         assert_eq!(tap.get().await, None);
///     }
/// });
/// ```
pub struct Dup<T: 'static> {
    shared: Rc<Shared<T>>,
}

/// What the handles and the duplicating task share.
struct Shared<T: 'static> {
    /// The channel whose values are duplicated.
    source: Chan<T>,
    /// Never given a value: [`Dup::close`] closes it, which wakes the task out of its wait on the
    /// source.
    stop: Chan<T>,
    /// The taps, and how the duplicator ends.
    state: RefCell<State<T>>,
}

/// The mutable part of a duplicator.
struct State<T: 'static> {
    /// The taps in the order they were made, each with whether to close it when the source ends;
    /// changed by `tap`/`untap`, and by the task when a tap is found closed.
    taps: Vec<(Chan<T>, bool)>,
    /// Set once the source is closed and drained (the taps have then been finished and forgotten).
    ended: bool,
    /// Set by [`Dup::close`]: the task takes nothing more from the source.
    stopped: bool,
    /// While a value is being handed out: a channel that untapping closes, to wake the task so
    /// that it withdraws the value from channels no longer tapped.
    wake: Option<Chan<T>>,
}

impl<T: 'static> State<T> {
    /// Tells the task, if it is handing out a value, that the taps have changed.
    fn untapped(&mut self) {
        if let Some(wake) = self.wake.take() {
            wake.close();
        }
    }
}

impl<T: Clone + 'static> Chan<T> {
    /// Starts duplicating this channel's values (aiochan's `dup`, core.async's `mult`): see
    /// [`Dup`]. The duplicator takes from this channel from now on; add taps with
    /// [`Dup::tap`].
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let dup = Chan::fixed(1).add(["hello"]).close().dup();
    ///     let tap = dup.tap(Out::fixed(1));
    ///     assert_eq!(tap.get().await, Some("hello"));
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running loop.
    #[track_caller]
    pub fn dup(&self) -> Dup<T> {
        let _api = crate::runtime::calling("Chan::dup");
        let shared = Rc::new(Shared {
            source: self.clone(),
            stop: Chan::new(),
            state: RefCell::new(State {
                taps: Vec::new(),
                ended: false,
                stopped: false,
                wake: None,
            }),
        });
        go(duplicate(shared.clone()));
        Dup { shared }
    }
}

/// The duplicating task.
async fn duplicate<T: Clone + 'static>(shared: Rc<Shared<T>>) {
    loop {
        // Priority: once stopped, not one more value may leave the source.
        let chosen = select([Op::get(&shared.stop), Op::get(&shared.source)])
            .priority()
            .await;
        if chosen.index == 0 {
            return;
        }
        let Some(value) = chosen.value() else {
            let taps = {
                let mut st = shared.state.borrow_mut();
                st.ended = true;
                std::mem::take(&mut st.taps)
            };
            for (tap, close) in taps {
                if close {
                    tap.close();
                }
            }
            return;
        };
        // The taps as they are now: one tapped while the value is handed out waits for the next.
        let targets: Vec<Chan<T>> = shared
            .state
            .borrow()
            .taps
            .iter()
            .map(|(tap, _)| tap.clone())
            .collect();
        if targets.is_empty() {
            continue;
        }
        let closed = hand_out(&shared, &targets, value).await;
        shared
            .state
            .borrow_mut()
            .taps
            .retain(|(tap, _)| !closed.contains(tap));
    }
}

/// Puts a clone of `value` on every target at once and waits until each put has completed or its
/// target has been untapped; returns the targets found closed.
///
/// Concurrent puts let a fast tap take the value while a slow one still waits, as core.async's
/// mult does; one at a time, each tap would also wait for the taps before it. Withdrawing the put
/// to an untapped channel keeps a tap that was given up (and may never be read again) from holding
/// back the others forever.
async fn hand_out<T: Clone + 'static>(
    shared: &Shared<T>,
    targets: &[Chan<T>],
    value: T,
) -> Vec<Chan<T>> {
    let mut puts: Vec<Option<Put<'_, T>>> = Vec::with_capacity(targets.len());
    if let Some((last, rest)) = targets.split_last() {
        puts.extend(rest.iter().map(|c| Some(c.put(value.clone()))));
        puts.push(Some(last.put(value)));
    }
    let mut closed = Vec::new();
    loop {
        let wake = Chan::new();
        {
            let mut st = shared.state.borrow_mut();
            st.wake = Some(wake.clone());
            for (slot, target) in puts.iter_mut().zip(targets) {
                if slot.is_some() && !st.taps.iter().any(|(tap, _)| tap == target) {
                    // Dropping a put that has not completed withdraws its value.
                    *slot = None;
                }
            }
        }
        let mut woken = wake.get();
        let all_done = poll_fn(|cx| {
            let mut waiting = false;
            for (slot, target) in puts.iter_mut().zip(targets) {
                if let Some(put) = slot {
                    match Pin::new(put).poll(cx) {
                        Poll::Ready(accepted) => {
                            if !accepted {
                                closed.push(target.clone());
                            }
                            *slot = None;
                        }
                        Poll::Pending => waiting = true,
                    }
                }
            }
            if !waiting {
                Poll::Ready(true)
            } else if Pin::new(&mut woken).poll(cx).is_ready() {
                Poll::Ready(false)
            } else {
                Poll::Pending
            }
        })
        .await;
        if all_done {
            shared.state.borrow_mut().wake = None;
            return closed;
        }
    }
}

impl<T: Clone + 'static> Dup<T> {
    /// Taps `out` onto the duplicator and returns its channel: from the next value taken on, it
    /// receives a clone of every value. Tapping a channel again only updates whether it is closed
    /// when the source ends. If the source has already ended, `out` is finished at once.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::new();
    ///     let dup = source.dup();
    ///     let kept = dup.tap(Out::fixed(1).keep_open());
    ///     source.add([5]).close();
    ///     assert_eq!(kept.get().await, Some(5));
    ///     aiochan::nop().await;
    ///     assert!(!kept.is_closed());
    /// });
    /// ```
    pub fn tap(&self, out: Out<T>) -> Chan<T> {
        let mut st = self.shared.state.borrow_mut();
        if st.ended {
            out.finish();
        } else if let Some(entry) = st.taps.iter_mut().find(|(c, _)| c == out.chan()) {
            entry.1 = out.closes();
        } else {
            st.taps.push((out.chan().clone(), out.closes()));
        }
        out.chan().clone()
    }

    /// Removes `chan` from the taps, leaving it open. It receives no later value, and a value being
    /// handed to it that it has not taken yet is withdrawn when the duplicator's task next runs (a
    /// get that runs before then may still receive it), so an untapped channel that is never read
    /// again does not hold back the other taps.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::new();
    ///     let dup = source.dup();
    ///     let (a, b) = (dup.tap(Out::fixed(2)), dup.tap(Out::fixed(2)));
    ///     dup.untap(&b);
    ///     source.add([1]).close();
    ///     assert_eq!(a.get().await, Some(1));
    ///     assert_eq!(a.get().await, None);
    ///     assert!(!b.is_closed() && b.try_get().is_err());
    /// });
    /// ```
    pub fn untap(&self, chan: &Chan<T>) {
        let mut st = self.shared.state.borrow_mut();
        st.taps.retain(|(tap, _)| tap != chan);
        st.untapped();
    }

    /// Removes every tap, leaving them open, as [`untap`](Dup::untap) does for one; values taken
    /// from now on are dropped until a new tap comes.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let dup = Chan::<i32>::new().dup();
    ///     dup.tap(Out::new());
    ///     dup.tap(Out::new());
    ///     dup.untap_all();
    ///     assert_eq!(dup.taps(), 0);
    /// });
    /// ```
    pub fn untap_all(&self) {
        let mut st = self.shared.state.borrow_mut();
        st.taps.clear();
        st.untapped();
    }

    /// Stops the duplicator (aiochan's `Dup.close`): it takes nothing more from the source, whose
    /// remaining values stay there for others to take. A value already being handed out is still
    /// delivered. The taps are left as they are, open: close them, or close the source instead of
    /// the duplicator, to end them.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::fixed(2);
    ///     let dup = source.dup();
    ///     dup.tap(Out::fixed(2));
    ///     dup.close();
    ///     source.add([1, 2]);
    ///     aiochan::nop().await;
    ///     assert_eq!(source.try_get(), Ok(1));
    /// });
    /// ```
    pub fn close(&self) {
        self.shared.state.borrow_mut().stopped = true;
        self.shared.stop.close();
    }
}

impl<T: 'static> Dup<T> {
    /// The number of taps.
    pub fn taps(&self) -> usize {
        self.shared.state.borrow().taps.len()
    }

    /// The channel whose values are duplicated (aiochan's `Dup.inp`).
    pub fn source(&self) -> &Chan<T> {
        &self.shared.source
    }
}

impl<T: 'static> Clone for Dup<T> {
    fn clone(&self) -> Dup<T> {
        Dup {
            shared: self.shared.clone(),
        }
    }
}

impl<T: 'static> fmt::Debug for Dup<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(st) = self.shared.state.try_borrow() else {
            return f.write_str("Dup { <in use> }");
        };
        f.debug_struct("Dup")
            .field("source", &self.shared.source)
            .field("taps", &st.taps.len())
            .field("ended", &st.ended)
            .field("stopped", &st.stopped)
            .finish()
    }
}
