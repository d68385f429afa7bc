//! Chapter 3: channels.
//!
//! # Put and get
//!
//! A [`Chan<T>`](crate::Chan) is a meeting point for tasks. One task offers a value with
//! [`put`](crate::Chan::put), another takes it with [`get`](crate::Chan::get). A channel made with
//! [`Chan::new`](crate::Chan::new) has no storage at all: a put waits until some get takes its
//! value, and a get waits until some put offers one. Both sides have to show up; then the value
//! passes from one to the other and both carry on. (Chapter 5 adds buffers, which relax this.)
//!
//! Closing a channel with [`close`](crate::Chan::close) is how tasks say "no more". After it:
//! - a put completes at once with `false`: nobody will take the value, and it is dropped;
//! - a get gives `None`, once the values that were already on their way have been taken.
//!
//! While it is open, a put completes with `true` and a get with `Some(value)`. The `Option` is the
//! reason any type can travel on a channel here, even `Option` itself. (In Python's aiochan,
//! `None` means "closed", so `None` cannot be sent.)
//!
//! Here is a producer that takes 100 ms per product, a consumer, and a `main` that closes the
//! channel after 600 ms. A `while let` loop over `get` is the natural way to consume: it ends by
//! itself when the channel is closed.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use aiochan::{go, sleep, Chan, Runtime};
//!
//! type Log = Rc<RefCell<Vec<String>>>;
//!
//! async fn producer(c: Chan<String>, log: Log) {
//!     let mut i = 0;
//!     loop {
//!         sleep(Duration::from_millis(100)).await; // producing takes time
//!         i += 1;
//!         if !c.put(format!("product {i}")).await {
//!             log.borrow_mut().push("producer goes home".into());
//!             break;
//!         }
//!     }
//! }
//!
//! async fn consumer(c: Chan<String>, log: Log) {
//!     while let Some(product) = c.get().await {
//!         log.borrow_mut().push(format!("obtained: {product}"));
//!     }
//!     log.borrow_mut().push("consumer goes home".into());
//! }
//!
//! let log = Log::default();
//! Runtime::builder().virtual_time(true).build().run(async {
//!     let c = Chan::new();
//!     go(producer(c.clone(), log.clone()));
//!     go(consumer(c.clone(), log.clone()));
//!     sleep(Duration::from_millis(600)).await;
//!     log.borrow_mut().push("it is late, let us call it a day".into());
//!     c.close();
//!     sleep(Duration::from_millis(200)).await; // give both time to notice
//! });
//! assert_eq!(
//!     log.take(),
//!     [
//!         "obtained: product 1",
//!         "obtained: product 2",
//!         "obtained: product 3",
//!         "obtained: product 4",
//!         "obtained: product 5",
//!         "it is late, let us call it a day",
//!         "consumer goes home",
//!         "producer goes home",
//!     ]
//! );
//! ```
//!
//! Had `main` simply returned without closing, the run would still end (chapter 2), but the
//! producer and consumer would be dropped in the middle of their loops. Closing lets them finish
//! on their own terms: clean up, report, hand back results.
//!
//! # Channels are values
//!
//! A `Chan` is a cheap handle: cloning it gives another handle to the *same* channel, and you can
//! pass it to functions, return it, or keep it in a struct. A common shape is a function that
//! starts a task and returns the channel the task feeds. Below, the producer also returns a
//! [`JoinHandle`](crate::JoinHandle) that says how many numbers it delivered.
//!
//! Note what closing does to a put that is already waiting: it is *not* cancelled. Values that
//! were on their way when the channel closed still drain to later gets, and only then do gets give
//! `None`. Nothing offered before the close is lost.
//!
//! ```
//! use aiochan::{go, Chan, JoinHandle};
//!
//! /// Counts 0, 1, 2, ... onto a new channel until it is closed.
//! fn numbers() -> (Chan<u64>, JoinHandle<u64>) {
//!     let c = Chan::new();
//!     let out = c.clone();
//!     let task = go(async move {
//!         let mut delivered = 0;
//!         while out.put(delivered).await {
//!             delivered += 1;
//!         }
//!         delivered
//!     });
//!     (c, task)
//! }
//!
//! aiochan::run(async {
//!     let (c, producer) = numbers();
//!     assert_eq!(c.get().await, Some(0));
//!     assert_eq!(c.get().await, Some(1));
//!     assert_eq!(c.get().await, Some(2));
//!     c.close(); // the producer is already waiting to put 3
//!     assert_eq!(c.get().await, Some(3)); // ...and that value still arrives
//!     assert_eq!(c.get().await, None);
//!     assert_eq!(producer.await, 4); // its next put returned false
//! });
//! ```
//!
//! # Fan-in and fan-out
//!
//! Nothing limits a channel to one producer and one consumer. Several producers putting on one
//! channel is *fan-in*; several consumers getting from it is *fan-out*. Each value goes to exactly
//! one consumer, whichever is waiting, so the work spreads out by itself: nobody assigns products
//! to consumers, and a busy consumer simply is not there to take the next one.
//!
//! Below, three producers work at different speeds (one product every 100, 200 and 300 ms) for
//! three consumers, for one second. The fast producer supplies most of the products, and each
//! consumer still gets a fair share:
//!
//! ```
//! use std::{cell::RefCell, collections::BTreeMap, rc::Rc, time::Duration};
//! use aiochan::{go, sleep, Chan, Runtime};
//!
//! /// Products counted twice: by the producer that made them, and by the consumer that took them.
//! type Tally = Rc<RefCell<BTreeMap<String, u32>>>;
//!
//! async fn producer(c: Chan<String>, tag: String, every: Duration) {
//!     loop {
//!         sleep(every).await;
//!         if !c.put(tag.clone()).await {
//!             break;
//!         }
//!     }
//! }
//!
//! async fn consumer(c: Chan<String>, tag: String, tally: Tally) {
//!     while let Some(from) = c.get().await {
//!         *tally.borrow_mut().entry(from).or_default() += 1;
//!         *tally.borrow_mut().entry(tag.clone()).or_default() += 1;
//!     }
//! }
//!
//! let tally = Tally::default();
//! Runtime::builder().virtual_time(true).build().run(async {
//!     let c = Chan::new();
//!     for i in 0..3 {
//!         go(producer(c.clone(), format!("p{i}"), Duration::from_millis(100 * (i + 1))));
//!     }
//!     for i in 0..3 {
//!         go(consumer(c.clone(), format!("c{i}"), tally.clone()));
//!     }
//!     sleep(Duration::from_secs(1)).await;
//!     c.close();
//!     sleep(Duration::from_millis(200)).await;
//! });
//! let tally: Vec<(String, u32)> = tally.take().into_iter().collect();
//! let tally: Vec<(&str, u32)> = tally.iter().map(|(k, n)| (k.as_str(), *n)).collect();
//! assert_eq!(
//!     tally,
//!     [("c0", 6), ("c1", 5), ("c2", 5), ("p0", 9), ("p1", 4), ("p2", 3)]
//! );
//! ```
//!
//! # A few more methods
//!
//! - [`Chan::named`](crate::Chan::named) gives a channel a name for `Debug` output and deadlock
//!   reports;
//! - [`Chan::add`](crate::Chan::add) puts values in the background without waiting, and
//!   [`close`](crate::Chan::close) returns the channel too, so
//!   `Chan::new().add([1, 2, 3]).close()` is a channel that yields 1, 2, 3 and then `None`;
//! - [`Chan::try_put`](crate::Chan::try_put) and [`Chan::try_get`](crate::Chan::try_get) complete
//!   only if they can at once, and never wait. Keep them for low-level code: in most programs
//!   waiting is what you want, and chapter 4's select is the tool for "only if it can happen now".
//!
//! To recap:
//! - tasks communicate through channels: a put and a get meet, and a value passes;
//! - a closed channel refuses puts, and gives `None` to gets once the values already offered are
//!   taken;
//! - channels are ordinary values: clone, pass and return them;
//! - many producers and consumers can share one channel, and the work spreads by itself.
//!
//! Next, [chapter 4](super::ch04_select): waiting on several channels at once.
