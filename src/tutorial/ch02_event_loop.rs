//! Chapter 2: tasks and the event loop.
//!
//! # Futures are lazy
//!
//! An `async fn` (or an `async` block) does not run when you call it: it returns a *future*, a
//! value that describes the work. Something has to drive the future, running it up to the point
//! where it must wait, and resuming it when what it waits for is ready. In aiochan that something
//! is the *event loop*, and [`aiochan::run`](crate::run) starts one on the current thread, drives
//! the future you give it to completion, and returns its output:
//!
//! ```
//! use std::cell::Cell;
//!
//! async fn silly(x: i32, calls: &Cell<u32>) -> i32 {
//!     calls.set(calls.get() + 1);
//!     x + 1
//! }
//!
//! let calls = Cell::new(0);
//! let future = silly(2, &calls);
//! assert_eq!(calls.get(), 0); // nothing has run yet
//! assert_eq!(aiochan::run(future), 3);
//! assert_eq!(calls.get(), 1);
//! ```
//!
//! Each call of `run` makes a fresh loop, which ends when the future you gave it completes.
//!
//! # Awaiting, and spawning tasks with `go`
//!
//! Inside a future, `.await` waits for another future. While a future waits (for a timer, a
//! channel, a socket), the loop runs other work. But `.await` alone gives you no concurrency:
//! awaiting two counters one after the other counts with the first, then with the second. To run
//! futures *side by side*, spawn them as *tasks* with [`go`](crate::go). `go` schedules the
//! future on the loop and returns at once with a [`JoinHandle`](crate::JoinHandle), which you may
//! await for the task's output or drop to let the task run on by itself, like a goroutine.
//!
//! The example runs two counters that tick every half second, first in sequence, then
//! concurrently:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use aiochan::{go, now, sleep, Runtime};
//!
//! type Log = Rc<RefCell<Vec<String>>>;
//!
//! async fn count(tag: &'static str, log: Log) {
//!     for i in 1..=3 {
//!         sleep(Duration::from_millis(500)).await;
//!         log.borrow_mut().push(format!("{tag} {i}"));
//!     }
//! }
//!
//! let rt = Runtime::builder().virtual_time(true).build();
//! let log = Log::default();
//!
//! let took = rt.run(async {
//!     let start = now();
//!     count("a", log.clone()).await;
//!     count("b", log.clone()).await;
//!     now() - start
//! });
//! assert_eq!(log.take(), ["a 1", "a 2", "a 3", "b 1", "b 2", "b 3"]);
//! assert_eq!(took, Duration::from_millis(3000));
//!
//! let took = rt.run(async {
//!     let start = now();
//!     go(count("a", log.clone())); // runs by itself
//!     count("b", log.clone()).await;
//!     now() - start
//! });
//! assert_eq!(log.take(), ["b 1", "a 1", "b 2", "a 2", "b 3", "a 3"]);
//! assert_eq!(took, Duration::from_millis(1500));
//! ```
//!
//! If you call `count("a", ..)` without handing the future to `go` or awaiting it, nothing
//! happens at all: the future is built and dropped. The compiler warns you ("futures do nothing
//! unless you `.await` or poll them"); take that warning seriously.
//!
//! # What a task may hold: `'static`, and clone-then-`async move`
//!
//! `go` needs a future that is `'static`: one that *owns* everything it uses, and borrows nothing
//! from the code that spawned it. The reason is the one that makes `go` useful: the task runs on
//! by itself, after `go` has returned and possibly after the spawning function has returned too,
//! so a borrow of that function's local variables could outlive them. (It need not be `Send`: the
//! task never leaves the loop's thread, which is why an `Rc` is fine.)
//!
//! That is why the counters above take a `&'static str` (a string literal lives as long as the
//! program) and a `Log` by value, and why every `go` gets `log.clone()`: cloning an `Rc` gives a
//! second handle to the same log, which the task can own. An `async` block borrows what it
//! uses, so this first attempt does not compile:
//!
//! ```compile_fail,E0373
//! use std::{cell::RefCell, rc::Rc};
//! use aiochan::go;
//!
//! aiochan::run(async {
//!     let log = Rc::new(RefCell::new(Vec::new()));
//!     go(async { log.borrow_mut().push("do work") });
//!     log.borrow_mut().push("main's work");
//! });
//! ```
//!
//! ```text
//! error[E0373]: async block may outlive the current function, but it borrows `log`, which is
//!               owned by the current function
//! help: to force the async block to take ownership of `log` (and any other referenced
//!       variables), use the `move` keyword
//! ```
//!
//! `async move` makes the block take ownership of what it uses, as the help says. But it moves
//! `log` itself into the task, and the next line, which still wants `log`, fails with
//! ``error[E0382]: borrow of moved value: `log` ``. The pattern that works is: clone first, then
//! move the clone:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use aiochan::go;
//!
//! let log = aiochan::run(async {
//!     let log = Rc::new(RefCell::new(Vec::new()));
//!     let l = log.clone(); // a handle for the task
//!     go(async move { l.borrow_mut().push("do work") }); // `l` moves in; `log` stays here
//!     log.borrow_mut().push("main's work");
//!     aiochan::nop().await; // let the task run
//!     log.take()
//! });
//! assert_eq!(log, ["main's work", "do work"]);
//! ```
//!
//! Channels work the same way: a [`Chan`](crate::Chan) is a handle, so give each task its own
//! clone (`let out = c.clone(); go(async move { out.put(1).await })`). When the task is an
//! `async fn` call instead of a block, pass the clone as an argument, as in
//! `go(count("a", log.clone()))`: the future owns its arguments.
//!
//! # The run ends with its main future
//!
//! `run` returns as soon as the future you gave it (the *main* future) has completed. Tasks that
//! are still waiting then are dropped without finishing. If `main` only spawns the counters and
//! returns, they never count; if `main` sleeps for long enough, they do:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use aiochan::{go, sleep, Runtime};
//!
//! type Log = Rc<RefCell<Vec<String>>>;
//!
//! async fn count(tag: &'static str, log: Log) {
//!     for i in 1..=3 {
//!         sleep(Duration::from_millis(500)).await;
//!         log.borrow_mut().push(format!("{tag} {i}"));
//!     }
//! }
//!
//! let rt = Runtime::builder().virtual_time(true).build();
//! let log = Log::default();
//!
//! rt.run(async {
//!     go(count("a", log.clone()));
//!     go(count("b", log.clone()));
//! });
//! assert!(log.take().is_empty()); // main returned: the counters were dropped
//!
//! rt.run(async {
//!     go(count("a", log.clone()));
//!     go(count("b", log.clone()));
//!     sleep(Duration::from_secs(3)).await;
//! });
//! assert_eq!(log.take(), ["a 1", "b 1", "a 2", "b 2", "a 3", "b 3"]);
//! ```
//!
//! To wait for a task rather than for a guessed amount of time, await its `JoinHandle` (or let it
//! tell you on a channel, chapter 3).
//!
//! # No interleaving unless you await
//!
//! Tasks are not threads. All tasks of a loop run on the loop's single thread, one at a time, and
//! a task that is running keeps running until it awaits something that is not ready. Nothing can
//! cut in between two awaits. In particular, `go` never runs the new task on the spot: the task
//! waits in the loop's queue until the current task gives up the thread.
//!
//! That is why the examples can share a log through `Rc<RefCell<..>>` without locks: a borrow
//! that does not live across an `.await` can never meet another task's borrow.
//!
//! To give the other tasks a turn on purpose, await [`nop`](crate::nop): it yields once, and
//! every task that was ready runs before the caller resumes.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//! use aiochan::{go, nop};
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! aiochan::run(async {
//!     log.borrow_mut().push("before");
//!     let l = log.clone();
//!     go(async move { l.borrow_mut().push("do work") });
//!     log.borrow_mut().push("after");
//! });
//! assert_eq!(log.take(), ["before", "after", "do work"]);
//!
//! aiochan::run(async {
//!     log.borrow_mut().push("before");
//!     let l = log.clone();
//!     go(async move { l.borrow_mut().push("do work") });
//!     nop().await;
//!     log.borrow_mut().push("after");
//! });
//! assert_eq!(log.take(), ["before", "do work", "after"]);
//! ```
//!
//! In the first run, "do work" still happens although `main` never awaited: a task that is
//! ready when `main` completes gets one last turn before `run` returns (rule 4 below).
//!
//! # The ordering rules
//!
//! In many event loops the order in which ready tasks run is an implementation detail. aiochan's
//! loop is *deterministic*: the order follows from a handful of documented rules (see
//! [`runtime`](crate::runtime) for the precise text), so you can reason about it, and tests can rely
//! on it:
//!
//! 1. ready tasks run in the order they became ready (first in, first out), and a spawned task
//!    joins the back of the queue;
//! 2. timers fire in deadline order; timers due together fire in the order they were set;
//! 3. a task is never interrupted between two awaits;
//! 4. `run` returns once the main future has completed, after one last turn for the tasks that
//!    were ready at that moment; the others are dropped;
//! 5. a task that keeps yielding cannot starve timers or I/O.
//!
//! Where the loop must choose at random (which of several ready operations a
//! [select](super::ch04_select) completes), it draws from a generator with a *seed*, which you
//! can fix to replay a run ([chapter 11](super::ch11_testing)).
//!
//! # Virtual time
//!
//! A loop built with [`Runtime::builder`](crate::Runtime::builder)`().virtual_time(true)` has a
//! clock that stands still while tasks are running and jumps to the next timer when none is ready.
//! Timers fire in the same order as on the real clock, but no real time passes:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::{Duration, Instant}};
//! use aiochan::{go, sleep, Runtime};
//!
//! let real_start = Instant::now();
//! let woke = Runtime::builder().virtual_time(true).build().run(async {
//!     let log = Rc::new(RefCell::new(Vec::new()));
//!     for (name, minutes) in [("slow", 60), ("fast", 1), ("medium", 10)] {
//!         let log = log.clone();
//!         go(async move {
//!             sleep(Duration::from_secs(60 * minutes)).await;
//!             log.borrow_mut().push(name);
//!         });
//!     }
//!     sleep(Duration::from_secs(2 * 3600)).await;
//!     log.take()
//! });
//! assert_eq!(woke, ["fast", "medium", "slow"]);
//! assert!(real_start.elapsed() < Duration::from_secs(5)); // two virtual hours, no real wait
//! ```
//!
//! Virtual time is what makes the timing examples of this tutorial exact, and it is the basis of
//! testing concurrent code ([chapter 11](super::ch11_testing)).
//!
//! To recap:
//! - futures are lazy; [`run`](crate::run) drives one to completion on a new loop;
//! - [`go`](crate::go) spawns a task that runs alongside the others;
//! - the run ends with the main future, dropping the tasks still waiting;
//! - a task is never interrupted between awaits; [`nop`](crate::nop) yields on purpose;
//! - the loop's order is deterministic, and virtual time makes sleeps instant and exact.
//!
//! Next, [chapter 3](super::ch03_channels): how tasks talk to each other.
