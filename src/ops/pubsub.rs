//! Pub: values of one channel to the subscribers of their topic.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::rc::Rc;

use super::{Dup, Out};
use crate::{go, select, Chan, Op};

/// A publication (aiochan's `Pub`, core.async's `pub`): takes the values of one channel, its
/// source, computes each value's topic, and hands a clone of the value to every channel subscribed
/// to that topic.
///
/// Each topic is served by a [`Dup`] fed through a channel of its own, so within a topic handing
/// out is in lockstep (every subscriber accepts a value before the topic's next value goes out)
/// while topics run independently of each other: a slow subscriber holds back its topic, and the
/// source once that topic's feed is full. Give subscribers buffers, or the feeds one with
/// [`Chan::publish_buffered`], to decouple them.
///
/// - Values whose topic has no subscribers are dropped, as in core.async.
/// - A subscriber that turns out to be closed is unsubscribed.
/// - When the source is closed and drained, every subscriber made with a closing [`Out`] is closed
///   once it has received the values of its topic already taken, and a later [`sub`](Pub::sub) is
///   finished at once. (aiochan's `Pub` forgets to close them; here they are closed, as in
///   core.async.)
///
/// Handles are cheap to clone; every clone is the same publication.
///
/// ```
/// use aiochan::{ops::Out, Chan};
///
/// aiochan::run(async {
///     let source = Chan::new();
///     let by_parity = source.publish(|n: &i32| n % 2 == 0);
///     let evens = by_parity.sub(true, Out::fixed(4));
///     let odds = by_parity.sub(false, Out::fixed(4));
///     source.add([1, 2, 3, 4]).close();
///     let (mut e, mut o) = (Vec::new(), Vec::new());
///     while let Some(n) = evens.get().await {
///         e.push(n);
///     }
///     while let Some(n) = odds.get().await {
///         o.push(n);
///     }
///     assert_eq!((e, o), (vec![2, 4], vec![1, 3]));
/// });
/// ```
pub struct Pub<T: 'static, K> {
    shared: Rc<Shared<T, K>>,
}

/// What the handles and the publishing task share.
struct Shared<T: 'static, K> {
    /// The channel whose values are published.
    source: Chan<T>,
    /// Closed by [`Pub::close`]: the publishing task then takes no more values from the source.
    stop: Chan<T>,
    /// The buffer of each topic's feed; `None` for rendezvous feeds.
    buffer: Option<usize>,
    /// The topics, and whether the source has ended.
    state: RefCell<State<T, K>>,
}

/// The mutable part of a publication.
struct State<T: 'static, K> {
    /// Each topic with subscribers, and the duplicator serving it (fed through its source
    /// channel). A topic appears with its first subscriber and goes when its last one leaves.
    topics: HashMap<K, Dup<T>>,
    /// Set once the source is closed and drained (the topics have then been finished and forgotten).
    ended: bool,
}

impl<T: Clone + 'static> Chan<T> {
    /// Starts publishing this channel's values by topic (aiochan's `pub`, core.async's `pub`; `pub`
    /// is a Rust keyword): `topic` is called once on each value. See [`Pub`]. The publication
    /// takes from this channel from now on; add subscribers with [`Pub::sub`].
    ///
    /// Each topic's feed is a rendezvous channel; see [`publish_buffered`](Chan::publish_buffered).
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::new();
    ///     let by_first_letter = source.publish(|word: &&str| word.chars().next());
    ///     let a_words = by_first_letter.sub(Some('a'), Out::fixed(2));
    ///     source.add(["apple", "banana", "avocado"]).close();
    ///     assert_eq!(a_words.get().await, Some("apple"));
    ///     assert_eq!(a_words.get().await, Some("avocado"));
    ///     assert_eq!(a_words.get().await, None);
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running loop.
    #[doc(alias = "pub")]
    #[track_caller]
    pub fn publish<K: Eq + Hash + 'static>(
        &self,
        topic: impl FnMut(&T) -> K + 'static,
    ) -> Pub<T, K> {
        let _api = crate::runtime::calling("Chan::publish");
        Pub::start(self, topic, None)
    }

    /// Like [`publish`](Chan::publish), with a buffer of `n` values in each topic's feed (aiochan's
    /// `buffer=`/`buffer_size=`, core.async's `buf-fn`): the source keeps moving while a topic's
    /// subscribers lag by up to `n` values, and a slow topic no longer holds back the others as
    /// soon. Values of one topic still reach its subscribers in order; values of different topics
    /// may then reach a channel subscribed to both in another order than the source's.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::new();
    ///     let p = source.publish_buffered(|n: &u8| *n > 9, 8);
    ///     let big = p.sub(true, Out::new());
    ///     let small = p.sub(false, Out::fixed(1));
    ///     source.add([10, 1, 20, 30]).close();
    ///     // `big` is not read yet, but its feed holds its values: the source is not held back.
    ///     assert_eq!(small.get().await, Some(1));
    ///     assert_eq!(small.get().await, None);
    ///     assert_eq!(big.get().await, Some(10));
    /// });
    /// ```
    ///
    /// # Panics
    /// If `n` is 0 (use [`publish`](Chan::publish) for rendezvous feeds), or outside a running
    /// loop.
    #[doc(alias = "pub")]
    #[track_caller]
    pub fn publish_buffered<K: Eq + Hash + 'static>(
        &self,
        topic: impl FnMut(&T) -> K + 'static,
        n: usize,
    ) -> Pub<T, K> {
        let _api = crate::runtime::calling("Chan::publish_buffered");
        assert!(
            n > 0,
            "aiochan: publish_buffered needs a buffer of at least 1"
        );
        Pub::start(self, topic, Some(n))
    }
}

impl<T: Clone + 'static, K: Eq + Hash + 'static> Pub<T, K> {
    /// Makes the publication and starts its task.
    #[track_caller]
    fn start(
        source: &Chan<T>,
        mut topic: impl FnMut(&T) -> K + 'static,
        buffer: Option<usize>,
    ) -> Pub<T, K> {
        let shared = Rc::new(Shared {
            source: source.clone(),
            stop: Chan::new(),
            buffer,
            state: RefCell::new(State {
                topics: HashMap::new(),
                ended: false,
            }),
        });
        let task = shared.clone();
        go(async move {
            loop {
                // Priority: once closed, not one more value may leave the source.
                let chosen = select([Op::get(&task.stop), Op::get(&task.source)])
                    .priority()
                    .await;
                let Some(value) = chosen.value() else {
                    break;
                };
                let key = topic(&value);
                let feed = {
                    let mut st = task.state.borrow_mut();
                    match st.topics.get(&key) {
                        // Every subscriber turned out closed: the topic has nobody left.
                        Some(dup) if dup.taps() == 0 => {
                            if let Some(dup) = st.topics.remove(&key) {
                                retire(&dup);
                            }
                            None
                        }
                        Some(dup) => Some(dup.source().clone()),
                        None => None,
                    }
                };
                if let Some(feed) = feed {
                    // `false`: the topic lost its last subscriber meanwhile, so the value has
                    // nobody to go to, like any value of a topic without subscribers.
                    feed.put(value).await;
                }
            }
            let topics = {
                let mut st = task.state.borrow_mut();
                st.ended = true;
                std::mem::take(&mut st.topics)
            };
            // Each topic's duplicator drains its feed to the subscribers, then closes them.
            for dup in topics.values() {
                dup.source().close();
            }
        });
        Pub { shared }
    }

    /// Subscribes `out` to `topic` and returns its channel: it receives a clone of every value of
    /// that topic taken from now on. If the source has already ended, `out` is finished at once.
    ///
    /// A channel can subscribe to several topics; give it [`Out::keep_open`] then, and close it
    /// yourself: each topic ends on its own, and the first to end would close it while another
    /// may still be handing out its last values.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::new();
    ///     let p = source.publish(|&(topic, _): &(char, i32)| topic);
    ///     let both = Chan::fixed(4);
    ///     p.sub('x', Out::to(&both).keep_open());
    ///     p.sub('y', Out::to(&both).keep_open());
    ///     source.add([('x', 1), ('z', 2), ('y', 3)]);
    ///     assert_eq!(both.get().await, Some(('x', 1)));
    ///     assert_eq!(both.get().await, Some(('y', 3)));
    /// });
    /// ```
    pub fn sub(&self, topic: K, out: Out<T>) -> Chan<T> {
        let mut st = self.shared.state.borrow_mut();
        if st.ended {
            out.finish();
            return out.chan().clone();
        }
        let buffer = self.shared.buffer;
        st.topics
            .entry(topic)
            .or_insert_with(|| {
                let feed = match buffer {
                    Some(n) => Chan::fixed(n),
                    None => Chan::new(),
                };
                feed.dup()
            })
            .tap(out)
    }

    /// Unsubscribes `chan` from `topic`, leaving it open: it receives no later value of the topic,
    /// and one being handed to it is withdrawn as [`Dup::untap`] says, so a subscriber that goes
    /// away without reading does not hold back the topic.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::new();
    ///     let p = source.publish(|n: &i32| *n);
    ///     let one = p.sub(1, Out::fixed(1));
    ///     p.unsub(&1, &one);
    ///     assert_eq!(p.topics(), 0);
    /// });
    /// ```
    pub fn unsub(&self, topic: &K, chan: &Chan<T>) {
        let mut st = self.shared.state.borrow_mut();
        if let Some(dup) = st.topics.get(topic) {
            dup.untap(chan);
            if dup.taps() == 0 {
                if let Some(dup) = st.topics.remove(topic) {
                    retire(&dup);
                }
            }
        }
    }

    /// Unsubscribes every subscriber of `topic`, or of every topic if `None`, leaving them open.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let p = Chan::new().publish(|n: &i32| n % 3);
    ///     p.sub(0, Out::new());
    ///     p.sub(1, Out::new());
    ///     p.unsub_all(Some(&0));
    ///     assert_eq!(p.topics(), 1);
    ///     p.unsub_all(None);
    ///     assert_eq!(p.topics(), 0);
    /// });
    /// ```
    pub fn unsub_all(&self, topic: Option<&K>) {
        let mut st = self.shared.state.borrow_mut();
        match topic {
            Some(topic) => {
                if let Some(dup) = st.topics.remove(topic) {
                    retire(&dup);
                }
            }
            None => {
                for dup in st.topics.values() {
                    retire(dup);
                }
                st.topics.clear();
            }
        }
    }

    /// Ends the publication as the end of its source would (core.async's `pub` ends only then):
    /// it takes no more values from the source, each topic hands out what it already took and
    /// then closes its subscribers made with a closing [`Out`], and a later [`sub`](Pub::sub) is
    /// finished at once. The source itself is left open, its remaining values there for others to
    /// take, as [`Dup::close`] leaves the duplicator's; close the source instead to end it too.
    /// A value already being handed to a topic is still delivered. Closing again has no effect.
    ///
    /// ```
    /// use aiochan::{ops::Out, Chan};
    ///
    /// aiochan::run(async {
    ///     let source = Chan::fixed(4);
    ///     let p = source.publish(|n: &i32| n % 2);
    ///     let odds = p.sub(1, Out::fixed(4));
    ///     source.add([1, 3]);
    ///     assert_eq!(odds.get().await, Some(1));
    ///     assert_eq!(odds.get().await, Some(3));
    ///     p.close();
    ///     source.add([5]);
    ///     assert_eq!(odds.get().await, None);
    ///     assert_eq!(source.try_get(), Ok(5), "the source keeps what the pub did not take");
    ///     assert_eq!(p.sub(1, Out::new()).get().await, None);
    /// });
    /// ```
    pub fn close(&self) {
        self.shared.stop.close();
    }

    /// The number of topics with subscribers.
    pub fn topics(&self) -> usize {
        self.shared.state.borrow().topics.len()
    }

    /// The number of subscribers of `topic`.
    pub fn subs(&self, topic: &K) -> usize {
        self.shared
            .state
            .borrow()
            .topics
            .get(topic)
            .map_or(0, Dup::taps)
    }

    /// The channel whose values are published.
    pub fn source(&self) -> &Chan<T> {
        &self.shared.source
    }
}

/// Ends a topic that lost its subscribers: with no taps left, closing its feed makes the
/// duplicator drop what the feed holds and stop, and lets a put of the publishing task waiting on
/// the feed complete.
fn retire<T: Clone + 'static>(dup: &Dup<T>) {
    dup.untap_all();
    dup.source().close();
}

impl<T: 'static, K> Clone for Pub<T, K> {
    fn clone(&self) -> Pub<T, K> {
        Pub {
            shared: self.shared.clone(),
        }
    }
}

impl<T: 'static, K> fmt::Debug for Pub<T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(st) = self.shared.state.try_borrow() else {
            return f.write_str("Pub { <in use> }");
        };
        f.debug_struct("Pub")
            .field("source", &self.shared.source)
            .field("topics", &st.topics.len())
            .field("subs", &st.topics.values().map(Dup::taps).sum::<usize>())
            .field("buffer", &self.shared.buffer)
            .field("ended", &st.ended)
            .finish()
    }
}
