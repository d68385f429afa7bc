//! Chapter 5: buffers.
//!
//! So far every put has waited for a get. That strict rendezvous is the right default, but it
//! ties the two sides tightly in time. A *buffer* loosens the tie: it holds values that were put
//! and not yet taken, so a put can complete with nobody getting, and a get can complete with
//! nobody putting, as long as the buffer has something.
//!
//! | constructor | a put completes when | values thrown away |
//! |---|---|---|
//! | [`Chan::new`](crate::Chan::new) | a get takes the value | never |
//! | [`Chan::fixed`](crate::Chan::fixed)`(n)` | the buffer has room | never |
//! | [`Chan::dropping`](crate::Chan::dropping)`(n)` | at once | the new value, when full |
//! | [`Chan::sliding`](crate::Chan::sliding)`(n)` | at once | the oldest value, when full |
//! | [`Chan::promise`](crate::Chan::promise) | at once | every value after the first |
//! | [`Chan::unbounded`](crate::Chan::unbounded) | at once | never (and no limit on memory) |
//!
//! # Fixed buffers and back-pressure
//!
//! A fixed buffer of `n` accepts up to `n` values without a get; after that, puts wait as on a
//! rendezvous channel. That waiting is called *back-pressure*: a producer that gets ahead of its
//! consumer by `n` values is held back until the consumer catches up. The producer never idles
//! while there is room, and the program never piles up more than `n` values, however slow the
//! consumer is.
//!
//! Below, the producer needs 50 ms per value and the consumer 200 ms, with a buffer of 3. The
//! producer races three values ahead, and from then on it produces one value each time the
//! consumer takes one:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use aiochan::{go, sleep, Chan, Runtime, TryPutError};
//!
//! type Log = Rc<RefCell<Vec<String>>>;
//!
//! async fn producer(c: Chan<u32>, log: Log) {
//!     for i in 1.. {
//!         sleep(Duration::from_millis(50)).await;
//!         log.borrow_mut().push(format!("producing {i}"));
//!         c.put(i).await;
//!     }
//! }
//!
//! async fn consumer(c: Chan<u32>, log: Log) {
//!     loop {
//!         sleep(Duration::from_millis(200)).await;
//!         let v = c.get().await.unwrap();
//!         log.borrow_mut().push(format!("consuming {v}"));
//!     }
//! }
//!
//! let log = Log::default();
//! Runtime::builder().virtual_time(true).build().run(async {
//!     // A put into a buffer with room completes at once, with nobody getting.
//!     let c = Chan::fixed(1);
//!     assert!(c.put("a").await);
//!     assert_eq!(c.try_put("b"), Err(TryPutError::Full("b"))); // full: a put would wait
//!     assert_eq!(c.get().await, Some("a"));
//!
//!     let c = Chan::fixed(3);
//!     go(producer(c.clone(), log.clone()));
//!     go(consumer(c, log.clone()));
//!     sleep(Duration::from_secs(1)).await;
//! });
//! assert_eq!(
//!     log.take(),
//!     [
//!         "producing 1", "producing 2", "producing 3", "consuming 1",
//!         "producing 4", "producing 5", "consuming 2", "producing 6",
//!         "consuming 3", "producing 7", "consuming 4", "producing 8",
//!     ]
//! );
//! ```
//!
//! Buffers also absorb jitter: if production and consumption times vary around the same average,
//! a small buffer keeps both sides busy where a rendezvous would make each wait for the other's
//! slow moments.
//!
//! # Dropping and sliding buffers
//!
//! Sometimes the producer must never wait: it reads a sensor, or it is someone else's code. If the
//! consumer cannot keep up, values must then be thrown away, and the question is which. A
//! *dropping* buffer keeps the oldest values and throws away new ones while it is full; a
//! *sliding* buffer keeps the newest and throws away the oldest. Puts on both always complete at
//! once.
//!
//! ```
//! use aiochan::Chan;
//!
//! async fn put_three(c: Chan<u32>) -> Vec<u32> {
//!     for v in [1, 2, 3] {
//!         assert!(c.put(v).await); // never waits, always "accepted"
//!     }
//!     c.close();
//!     c.collect().await
//! }
//!
//! assert_eq!(aiochan::run(put_three(Chan::dropping(2))), [1, 2]);
//! assert_eq!(aiochan::run(put_three(Chan::sliding(2))), [2, 3]);
//! ```
//!
//! A sliding buffer of one is the "latest value" channel: a display that redraws with whatever the
//! newest reading is, skipping readings it had no time for.
//!
//! # Promise and unbounded buffers
//!
//! A *promise* channel holds one value for everybody: the first value put stays forever, every get
//! receives a clone of it, and later puts are ignored. It is the channel form of a result that is
//! computed once and awaited by many, and unlike a `JoinHandle` it can be awaited by any number of
//! tasks and used in a select.
//!
//! An *unbounded* buffer never makes a put wait and never throws anything away. That sounds like
//! the best of both, and it is exactly what you give up back-pressure for: a producer faster than
//! its consumer fills memory without limit. Use it only when something else bounds the number of
//! values (a fixed number of requests, say), and prefer a fixed buffer otherwise.
//!
//! ```
//! use aiochan::{go, Chan};
//!
//! aiochan::run(async {
//!     let config = Chan::promise();
//!     let readers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let config = config.clone();
//!             go(async move { config.get().await })
//!         })
//!         .collect();
//!     config.put("debug=true").await;
//!     config.put("ignored").await; // completes at once, changes nothing
//!     for reader in readers {
//!         assert_eq!(reader.await, Some("debug=true"));
//!     }
//!
//!     let log = Chan::unbounded();
//!     for i in 0..10_000 {
//!         assert!(log.put(i).await); // never waits
//!     }
//!     log.close();
//!     assert_eq!(log.collect().await.len(), 10_000);
//! });
//! ```
//!
//! # Channels as locks and semaphores
//!
//! Channels spare you most locks, but now and then a lock really is the simplest answer, for
//! instance to keep a resource to one user at a time. A fixed buffer of one holding one token *is*
//! a lock: get the token to enter, put it back to leave. With `n` tokens in a buffer of `n` it is
//! a semaphore, letting `n` tasks in at once.
//!
//! Ten workers, each holding the lock for 100 ms per turn, do 10 turns in a second with one token,
//! and 20 with two:
//!
//! ```
//! use std::{cell::Cell, rc::Rc, time::Duration};
//! use aiochan::{go, sleep, Chan, Runtime};
//!
//! async fn worker(lock: Chan<()>, turns: Rc<Cell<u32>>) {
//!     loop {
//!         lock.get().await; // take a token: enter
//!         turns.set(turns.get() + 1);
//!         sleep(Duration::from_millis(100)).await;
//!         lock.put(()).await; // give it back: leave
//!     }
//! }
//!
//! fn turns_in_a_second(tokens: usize) -> u32 {
//!     Runtime::builder().virtual_time(true).build().run(async {
//!         let lock = Chan::fixed(tokens).add(vec![(); tokens]);
//!         let turns = Rc::new(Cell::new(0));
//!         for _ in 0..10 {
//!             go(worker(lock.clone(), turns.clone()));
//!         }
//!         sleep(Duration::from_secs(1)).await;
//!         turns.get()
//!     })
//! }
//!
//! assert_eq!(turns_in_a_second(1), 10); // a lock: one at a time
//! assert_eq!(turns_in_a_second(2), 20); // a semaphore of two
//! ```
//!
//! Why bother, when a mutex exists? Because a token channel is a channel, and channels can be
//! selected. A worker can wait for *whichever* of several locks comes free first, or for a lock
//! *or* a stop signal, which no mutex can do. Below, three workers share three locks and take
//! whichever is free, getting 15 turns done in half a second:
//!
//! ```
//! use std::{cell::Cell, rc::Rc, time::Duration};
//! use aiochan::{go, select, sleep, Chan, Op, Runtime};
//!
//! let turns = Runtime::builder().virtual_time(true).build().run(async {
//!     let locks: Vec<Chan<()>> = (0..3)
//!         .map(|i| Chan::fixed(1).named(format!("lock{i}")).add([()]))
//!         .collect();
//!     let turns = Rc::new(Cell::new(0));
//!     for _ in 0..3 {
//!         let (locks, turns) = (locks.clone(), turns.clone());
//!         go(async move {
//!             loop {
//!                 let lock = select(locks.iter().map(Op::get)).await.chan; // any free lock
//!                 turns.set(turns.get() + 1);
//!                 sleep(Duration::from_millis(100)).await;
//!                 lock.put(()).await;
//!             }
//!         });
//!     }
//!     sleep(Duration::from_millis(500)).await;
//!     turns.get()
//! });
//! assert_eq!(turns, 15);
//! ```
//!
//! To recap:
//! - buffers let puts and gets complete without the other side present;
//! - a fixed buffer gives back-pressure: the producer is held within `n` values of the consumer;
//! - dropping and sliding buffers never block and throw values away when full; promise channels
//!   keep one value for everybody; unbounded buffers give up back-pressure;
//! - a buffered channel holding tokens is a lock or a semaphore that you can select on.
//!
//! Next, [chapter 6](super::ch06_time): time.
