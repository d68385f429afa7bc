//! Chapter 4: select, the operation that makes channels worth having.
//!
//! # Exactly one of several
//!
//! Puts and gets on channels already let you build a lot. *Select* lets a task wait on several
//! channel operations at once and go on with whichever can happen first. Give
//! [`select`](crate::select()) a list of operations ([`Op::get`](crate::Op::get) and
//! [`Op::put`](crate::Op::put)); it completes exactly one of them and tells you which in a
//! [`Selected`](crate::Selected): its `index` in the list, its `chan`, and its `outcome` (or use
//! [`value`](crate::Selected::value) for the value of a get).
//!
//! "Exactly one" is the point. The operations that were not chosen have no effect at all: no value
//! is taken from their channels, no value is put. When several operations could complete, one is
//! picked at random (from the loop's seeded generator; see chapter 11 for replaying a choice).
//!
//! ```
//! use aiochan::{select, Chan, Op};
//!
//! aiochan::run(async {
//!     let c1 = Chan::new().named("c1").add(["1", "2", "3"]).close();
//!     let c2 = Chan::new().named("c2").add(["a", "b", "c"]).close();
//!     let c3 = Chan::new().named("c3").add(["x", "y", "z"]).close();
//!
//!     let chosen = select([Op::get(&c1), Op::get(&c2), Op::get(&c3)]).await;
//!     let from = chosen.chan.clone();
//!     let first = chosen.value().unwrap();
//!
//!     // Only the chosen channel lost a value; the other two are untouched.
//!     let mut left = 0;
//!     for c in [&c1, &c2, &c3] {
//!         let rest = c.collect().await;
//!         if *c == from {
//!             assert_eq!(rest.len(), 2);
//!             assert!(["1", "a", "x"].contains(&first));
//!         } else {
//!             assert_eq!(rest.len(), 3);
//!         }
//!         left += rest.len();
//!     }
//!     assert_eq!(left, 8);
//! });
//! ```
//!
//! ([`collect`](crate::Chan::collect) takes every value until the channel is closed; it is one of
//! the operators of chapter 7.)
//!
//! Puts can be selected too, and mixed with gets. Below, two receivers wait, one on each channel,
//! and a select offers "A" to the first and "B" to the second. Exactly one receiver gets its value.
//! Note the [`nop`](crate::nop): it lets the receivers start waiting before the select runs.
//! Without it, neither put could complete on the spot, so the select would wait, and the first
//! receiver to run (the one on `c1`, spawned first) would complete the put on `c1`, every time.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use aiochan::{go, nop, select, Chan, Op};
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let chosen = aiochan::run(async {
//!     let (c1, c2) = (Chan::new(), Chan::new());
//!     for c in [&c1, &c2] {
//!         let (c, log) = (c.clone(), log.clone());
//!         go(async move {
//!             let got = c.get().await; // not inside borrow_mut(): never borrow across an await
//!             log.borrow_mut().push(got);
//!         });
//!     }
//!     nop().await;
//!     select([Op::put(&c1, "A"), Op::put(&c2, "B")]).await.index
//! });
//! let delivered = log.take();
//! assert_eq!(delivered.len(), 1); // the other receiver never got anything
//! assert_eq!(delivered[0], Some(["A", "B"][chosen]));
//! ```
//!
//! # `select!`: channels of different types, and a body per arm
//!
//! The [`select`](crate::select()) function needs all its channels to carry the same type. The
//! [`select!`](crate::select!) macro lifts that restriction, and runs a block of code for the arm
//! that won. (The function remains the tool when the set of channels is only known at run time,
//! as in `select(inputs.iter().map(Op::get))`: a macro's arms are fixed when you write them.)
//!
//! ```text
//! select! {
//!     v = get(chan) => ...,          // v: Option<T>, None once chan is closed and drained
//!     ok = put(chan, value) => ...,  // ok: bool, false if chan was closed
//!     out = some_future => ...,      // any future, e.g. a sleep
//!     v = get(chan), if cond => ..., // a guard: when cond is false the arm sits this one out
//!     default => ...,                // optional: when nothing can complete at once
//! }
//! ```
//!
//! A guard is how a loop stops listening to a channel it has found closed (Go sets the channel
//! variable to `nil` for this): a closed channel's get completes at once with `None`, so an arm
//! left enabled would win over and over and the loop would never wait.
//!
//! A common use is stopping many tasks at once. Below, three workers put a result every 100 ms
//! and a consumer takes them, until `main` closes a `stop` channel. Every task selects between its
//! normal work and a get from `stop`, which completes (with `None`) as soon as `stop` is closed.
//! `biased;` makes the arms be tried in the order written, so once `stop` is closed it always
//! wins, even if the other arm could also complete (`priority;` means the same).
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use aiochan::{go, select, sleep, Chan, Runtime};
//!
//! type Log = Rc<RefCell<Vec<String>>>;
//!
//! async fn worker(out: Chan<String>, stop: Chan<()>, tag: String, log: Log) {
//!     for i in 1.. {
//!         sleep(Duration::from_millis(100)).await;
//!         let stopped = select! {
//!             biased;
//!             _ = get(stop) => true,
//!             _ = put(out, format!("{tag}-{i}")) => false,
//!         };
//!         if stopped {
//!             log.borrow_mut().push(format!("{tag} stopped"));
//!             break;
//!         }
//!     }
//! }
//!
//! async fn consumer(c: Chan<String>, stop: Chan<()>, log: Log) {
//!     loop {
//!         select! {
//!             biased;
//!             _ = get(stop) => break,
//!             v = get(c) => log.borrow_mut().push(format!("received {}", v.unwrap())),
//!         }
//!     }
//!     log.borrow_mut().push("consumer stopped".into());
//! }
//!
//! let log = Log::default();
//! Runtime::builder().virtual_time(true).build().run(async {
//!     let (c, stop) = (Chan::new(), Chan::new());
//!     for i in 0..3 {
//!         go(worker(c.clone(), stop.clone(), format!("worker{i}"), log.clone()));
//!     }
//!     go(consumer(c, stop.clone(), log.clone()));
//!     sleep(Duration::from_millis(550)).await;
//!     stop.close();
//!     sleep(Duration::from_millis(200)).await;
//! });
//!
//! let mut expected: Vec<String> = Vec::new();
//! for round in 1..=5 {
//!     for w in 0..3 {
//!         expected.push(format!("received worker{w}-{round}"));
//!     }
//! }
//! expected.push("consumer stopped".into());
//! expected.extend((0..3).map(|w| format!("worker{w} stopped")));
//! assert_eq!(log.take(), expected);
//! ```
//!
//! Here closing `stop` was enough; closing `c` itself could have stopped the consumer as well.
//! But a stop channel separate from the data is what you need once a task must stop for any of
//! several reasons, or once the data channel is shared with tasks that should go on.
//!
//! # Doing something else when nothing is ready
//!
//! Sometimes waiting is not an option: "send this if someone is listening, otherwise move on". A
//! `default` arm in [`select!`](crate::select!) is taken when no other arm can complete on the
//! spot, and then none of them has any effect. The function form is
//! [`try_select`](crate::try_select), which hands your operations back when none can complete:
//!
//! ```
//! use aiochan::{select, try_select, Chan, Op, TryGetError};
//!
//! aiochan::run(async {
//!     let ch: Chan<&str> = Chan::new(); // nobody is waiting to get
//!
//!     let said = select! {
//!         _ = put(ch, "value") => "sent",
//!         default => "gave up",
//!     };
//!     assert_eq!(said, "gave up");
//!
//!     let gave_back = try_select([Op::put(&ch, "value")], false).unwrap_err();
//!     assert_eq!(gave_back.len(), 1);
//!
//!     assert_eq!(ch.try_get(), Err(TryGetError::Empty)); // nothing was left behind
//! });
//! ```
//!
//! # Waiting, but not forever
//!
//! An arm of [`select!`](crate::select!) can await any future, not only a channel operation, so a
//! [`sleep`](crate::sleep()) arm puts a time limit on a wait. If the sleep wins, the channel arm
//! is withdrawn, as if it had never been tried:
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{go, select, sleep, now, Chan, Runtime};
//!
//! Runtime::builder().virtual_time(true).build().run(async {
//!     let reply = Chan::new();
//!     let server = reply.clone();
//!     go(async move {
//!         sleep(Duration::from_secs(2)).await; // a slow server
//!         server.put("pong").await;
//!     });
//!
//!     let start = now();
//!     let answer = select! {
//!         v = get(reply) => v,
//!         _ = sleep(Duration::from_secs(1)) => None,
//!     };
//!     assert_eq!(answer, None);
//!     assert_eq!(now() - start, Duration::from_secs(1));
//!
//!     // The reply is not lost: the server still hands it over, to the next get.
//!     assert_eq!(reply.get().await, Some("pong"));
//! });
//! ```
//!
//! Chapter 6 has more on time limits, including a deadline shared by many selects.
//!
//! # Why select matters
//!
//! A select guarantees three things at once: at least one operation completes, at most one
//! completes, and it completes as soon as any can. Any two of these are easy to build from plain
//! puts and gets; all three are not, because the moment one operation completes, the others must be
//! withdrawn from their channels before they can take effect. That is why select lives inside the
//! channel implementation, why Go made channels part of the language rather than a library, and
//! why the other tools of this tutorial (timeouts, stop signals, locks you can wait on together)
//! are built on it.
//!
//! To recap:
//! - [`select`](crate::select()) and [`select!`](crate::select!) complete exactly one of several
//!   operations, as early as possible, and the others have no effect;
//! - without `biased;` (or [`Select::priority`](crate::Select::priority)) the choice among ready
//!   operations is random, with it the first ready arm wins;
//! - `default` (or [`try_select`](crate::try_select)) never waits;
//! - a future arm, such as a sleep, bounds how long a select waits.
//!
//! Next, [chapter 5](super::ch05_buffers): buffers.
