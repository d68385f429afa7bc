//! Chapter 1: what concurrency is, and what CSP adds to it.
//!
//! # Concurrency
//!
//! A program is *concurrent* when it can have several jobs under way at once, making progress on
//! one while another is waiting. A web server is the classic case. Written as one plain loop
//! (accept a client, read its request, compute, reply, go back to accepting) it serves one client
//! at a time: a client whose request takes a minute makes every other client wait a minute.
//!
//! Concurrency is about *not waiting idly*, which is not the same thing as doing several things at
//! the same instant. Think of a cook alone in a kitchen: while the water comes to the boil, they
//! chop the vegetables, and while the sauce simmers, they set the table. One cook, one pair of
//! hands, and yet three dishes are under way. Hiring a second cook would be *parallelism*: more
//! hands working at the same moment. Parallelism needs concurrency (a second cook is useless if the
//! first one must finish every dish before handing out the next), but concurrency does not need
//! parallelism, and it often pays off without it: most of what programs wait for is the network,
//! the disk, a timer or another program, not the processor.
//!
//! aiochan runs all of its tasks on a single thread: it gives you concurrency, and chapter 9
//! shows how to add parallelism with threads where it helps.
//!
//! Writing the cook's juggling by hand, as one loop that remembers where each job stands, is
//! possible but brittle. A concurrency library lets you write each job as straight-line code and
//! does the juggling for you, provided you follow its rules. The rules of this one come from CSP.
//!
//! # Communicating Sequential Processes
//!
//! CSP, named after Tony Hoare's 1978 paper, reads best backwards.
//!
//! - A **process** is a piece of code you can think of as a whole: here, an `async` block or
//!   function running as a task of the event loop.
//! - A **sequential** process runs its steps in the order written, so that if you know its inputs
//!   you know what it does next and what it ends with.
//! - **Communicating** sequential processes do not share memory to exchange data: they meet at
//!   agreed points, *channels*, and hand values over there.
//!
//! Why insist on the last point? Because sharing a variable between processes quietly breaks the
//! second. Each of the two tasks below runs the same four steps on a shared counter, and each would
//! compute `((10 + 10) * 2) - 7 = 33` on its own. But between the first step and the second, each
//! lets the other run ([`nop`](crate::nop) is explained in chapter 2; any wait for a network
//! reply would do the same), and the steps of the two tasks interleave:
//!
//! ```
//! use std::{cell::Cell, rc::Rc};
//! use aiochan::{go, nop};
//!
//! async fn f(x: Rc<Cell<i32>>) -> i32 {
//!     x.set(x.get() + 10);
//!     nop().await; // let the other task run here
//!     x.set(x.get() * 2);
//!     x.set(x.get() - 7);
//!     x.get()
//! }
//!
//! let results = aiochan::run(async {
//!     let shared = Rc::new(Cell::new(10));
//!     let a = go(f(shared.clone()));
//!     let b = go(f(shared.clone()));
//!     (a.await, b.await)
//! });
//! // a: 10 + 10 = 20, then b: 20 + 10 = 30, then a: 30 * 2 - 7 = 53, then b: 53 * 2 - 7 = 99.
//! assert_eq!(results, (53, 99)); // neither task computed 33
//! ```
//!
//! (Each task gets its own `shared.clone()`, a second handle to the same cell, because a task
//! must own what it uses: [chapter 2](super::ch02_event_loop#what-a-task-may-hold-static-and-clone-then-async-move)
//! explains why.)
//!
//! Neither task is wrong by itself; they step on each other. In a threaded program the
//! interleaving would also change from run to run. The classic cure is locks, "do not touch until
//! I am done" labels on shared data, and locks have their own trap: you lock A and wait for B while
//! I lock B and wait for A, and neither of us ever moves again (a *deadlock*). Avoiding that takes
//! discipline shared by everyone who touches the data.
//!
//! CSP's cure is different: don't share the data, *hand it over*. A task that needs a value gets it
//! from a channel, and from then on the value is its own to change; when it is done, it puts the
//! result on another channel, and the value is no longer its to touch. Each task again looks like
//! an ordinary sequential program, and the only points where tasks affect each other are the puts
//! and gets on channels:
//!
//! ```
//! use aiochan::{go, nop, Chan};
//!
//! /// Takes numbers from `inbox`, works on its own copy, hands the results to `outbox`.
//! async fn f(inbox: Chan<i32>, outbox: Chan<i32>) {
//!     while let Some(mut x) = inbox.get().await {
//!         x += 10;
//!         nop().await; // other tasks may run: they cannot see our x
//!         x *= 2;
//!         x -= 7;
//!         outbox.put(x).await;
//!     }
//! }
//!
//! let results = aiochan::run(async {
//!     let (inbox, outbox) = (Chan::new(), Chan::new());
//!     go(f(inbox.clone(), outbox.clone()));
//!     go(f(inbox.clone(), outbox.clone()));
//!     inbox.put(10).await;
//!     inbox.put(10).await;
//!     (outbox.get().await, outbox.get().await)
//! });
//! assert_eq!(results, (Some(33), Some(33)));
//! ```
//!
//! Rust makes the hand-off literal. [`put`](crate::Chan::put) takes its value by move, so once
//! a value has gone into a channel the sender cannot use it any more, and the compiler checks it:
//!
//! ```compile_fail,E0382
//! use aiochan::Chan;
//!
//! aiochan::run(async {
//!     let c = Chan::fixed(1);
//!     let book = String::from("Communicating Sequential Processes");
//!     c.put(book).await;
//!     println!("still reading {book}"); // error: `book` was moved into the channel
//! });
//! ```
//!
//! Hand-offs have a second benefit: the tasks need to agree only on the channels between them, not
//! on how each of them works inside, where a locking scheme makes everyone follow the same rules.
//!
//! To recap:
//! - concurrency is making progress on several jobs at once; parallelism, doing work at the same
//!   instant, is one way to use it but not required;
//! - a sequential process is one whose steps run in order, with results that follow from its
//!   inputs;
//! - processes that share data stop being sequential; CSP processes share nothing and hand
//!   values over on channels instead.
//!
//! Next, [chapter 2](super::ch02_event_loop) shows how tasks run on aiochan's event loop.
