//! Chapter 10: back to normal code.
// Without the `stream` feature the links to `Chan::stream` and `Chan::sink` below have no target.
#![cfg_attr(not(feature = "stream"), allow(rustdoc::broken_intra_doc_links))]
//!
//! Most programs are not concurrent from top to bottom. A command-line tool, a test, a request
//! handler of some framework: each is ordinary, synchronous code that may want a concurrent part
//! inside. This chapter is about the borders: starting a loop from ordinary code and getting its
//! result, feeding a loop from plain threads, and reading a loop's channel from a plain thread; and
//! about the ordinary way of sharing state, a lock, for code that was written that way.
//!
//! # Calling into a loop: `run` and `run_in_thread`
//!
//! [`aiochan::run`](crate::run) is the simplest border: it blocks the calling thread until the
//! future completes and returns its output, so a function can use channels inside and still have an
//! ordinary signature. (It cannot be called from inside a running loop, where it would block the
//! loop: there, await the future or [`go`](crate::go) it.)
//!
//! [`aiochan::run_in_thread`](crate::run_in_thread) starts the loop on a new thread instead and
//! returns at once with a [`LoopThread`](crate::LoopThread), whose
//! [`join`](crate::LoopThread::join) waits for the output. It takes a closure that *makes* the
//! future on the new thread, so the future may hold channels even though they cannot cross
//! threads.
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{from_iter, ops::Out, sleep};
//!
//! /// An ordinary function with a pipeline inside.
//! fn lengths(words: Vec<&'static str>) -> Vec<usize> {
//!     aiochan::run(async move { from_iter(words).map(str::len, Out::new()).collect().await })
//! }
//! assert_eq!(lengths(vec!["csp", "is", "fun"]), [3, 2, 3]);
//!
//! let background = aiochan::run_in_thread(|| async {
//!     sleep(Duration::from_millis(5)).await;
//!     from_iter(1..=10).fold(0, |a, b| a + b, Out::new()).get().await
//! });
//! // ... this thread is free to do other things meanwhile ...
//! assert_eq!(background.join(), Some(55));
//! ```
//!
//! Run it: `cargo run --example tutorial -- normal-code-1-run --virtual`.
//!
//! # Values in: iterators and plain threads
//!
//! Data that is already at hand enters a loop through [`from_iter`](crate::from_iter) (chapter 7).
//! Data that *arrives* on some other thread (a blocking reader of standard input, a callback of a
//! synchronous library) enters through a [`ChanSender`](crate::ChanSender), made on the loop with
//! [`Chan::sender`](crate::Chan::sender) and moved to the thread (chapter 9 used it for back-pressure).
//!
//! A `ChanSender` cannot close its channel, so the loop has to learn about the end some other way.
//! Here a task waits for the reading thread to finish, with
//! [`spawn_blocking`](crate::spawn_blocking), and closes the channel then. Every value the thread
//! put has been accepted by that time, and values in a closed channel still drain to the consumer.
//!
//! ```
//! use aiochan::{go, spawn_blocking, Chan};
//!
//! let total = aiochan::run(async {
//!     let lines = Chan::fixed(4);
//!     let tx = lines.sender();
//!     let reader = std::thread::spawn(move || {
//!         for line in ["3", "4", "5"] {
//!             // stands in for a blocking read of stdin or a file
//!             tx.put_blocking(line.to_string()).unwrap();
//!         }
//!     });
//!     let closer = lines.clone();
//!     go(async move {
//!         spawn_blocking(move || reader.join().unwrap()).await;
//!         closer.close(); // the reader is done: no more lines will come
//!     });
//!
//!     let mut total = 0;
//!     while let Some(line) = lines.get().await {
//!         total += line.parse::<i32>().unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 12);
//! ```
//!
//! Run it: `cargo run --example tutorial -- normal-code-2-values-in --virtual`.
//!
//! # Values out: a blocking iterator
//!
//! The other way round, [`Chan::to_iter`](crate::Chan::to_iter) turns a loop channel into an
//! ordinary [`Iterator`] for another thread: [`ChanIter`](crate::ChanIter). Its `next` blocks until
//! a value comes, and it ends when the channel is closed and drained. Its `buffer` argument says how
//! many values may wait for the thread; beyond that, the loop stops taking from the channel, so a
//! slow thread holds back the pipeline instead of letting values pile up.
//!
//! Together with `run_in_thread`, it makes a concurrent pipeline look like a plain iterator to the
//! rest of the program:
//!
//! ```
//! use std::sync::mpsc;
//! use aiochan::{from_range, ops::Out};
//!
//! let (tx, rx) = mpsc::channel();
//! let looper = aiochan::run_in_thread(move || async move {
//!     let squares = from_range(1..=5).map(|n| n * n, Out::new());
//!     tx.send(squares.to_iter(2)).unwrap();
//!     squares.join().await; // keep the loop alive until every square has been taken
//! });
//!
//! let squares: Vec<i64> = rx.recv().unwrap().collect(); // an ordinary, blocking iterator
//! assert_eq!(squares, [1, 4, 9, 16, 25]);
//! looper.join();
//! ```
//!
//! Run it: `cargo run --example tutorial -- normal-code-3-values-out --virtual`.
//!
//! # Shared state the ordinary way: `aiochan::sync`
//!
//! Code ported from Go, or from a threaded program, often guards shared state with a lock instead
//! of handing it along channels. On a loop a `RefCell` is enough as long as no task keeps the state
//! across an `.await`, since tasks only switch at awaits (chapter 2). When a task must keep it
//! across one (look something up, await a slow fetch, store the result), use
//! [`aiochan::sync::Mutex`](crate::sync::Mutex): `lock().await` waits its turn instead of
//! blocking the thread, and waiting tasks get the lock in the order they asked.
//!
//! ```
//! use std::{cell::Cell, collections::HashMap, rc::Rc, time::Duration};
//! use aiochan::{go, sleep, sync::Mutex};
//!
//! /// Stands in for a slow lookup: a database, a remote service.
//! async fn fetch(key: u32) -> String {
//!     sleep(Duration::from_millis(10)).await;
//!     format!("value {key}")
//! }
//!
//! let fetches = aiochan::testing::check(1, async {
//!     let cache = Rc::new(Mutex::new(HashMap::new()).named("cache"));
//!     let fetches = Rc::new(Cell::new(0));
//!     let mut lookups = Vec::new();
//!     for _ in 0..3 {
//!         let (cache, fetches) = (cache.clone(), fetches.clone());
//!         lookups.push(go(async move {
//!             let mut cache = cache.lock().await; // kept across the fetch below
//!             if !cache.contains_key(&7) {
//!                 fetches.set(fetches.get() + 1);
//!                 let value = fetch(7).await;
//!                 cache.insert(7, value);
//!             }
//!             cache[&7].clone()
//!         }));
//!     }
//!     for lookup in lookups {
//!         assert_eq!(lookup.await, "value 7");
//!     }
//!     fetches.get()
//! });
//! assert_eq!(fetches, 1, "the other two waited for the lock, then found the value");
//! ```
//!
//! Run it: `cargo run --example tutorial -- normal-code-4-mutex --virtual`.
//!
//! With a `RefCell` in its place, all three tasks would have found the cache empty and fetched.
//! The [`sync`](crate::sync) module also has Go's `WaitGroup`, a `Semaphore`, an `RwLock`, and
//! more. A task stuck on a lock shows up in deadlock reports (`task 'a': waits on lock 'cache'
//! held by task 'b'`), and [`testing::explore`](crate::testing::explore) treats every acquire as a
//! point where the schedule may switch tasks, so it finds two tasks taking two locks in opposite
//! orders (chapter 11).
//!
//! # Other executors and the `futures` ecosystem
//!
//! With the default `stream` feature, [`Chan::stream`](crate::Chan::stream) and
//! [`Chan::sink`](crate::Chan::sink) adapt a channel to the `Stream` and `Sink` traits of the
//! `futures` crates, so that their combinators work on aiochan channels. Foreign futures (other
//! crates' channels and timers that do not depend on a particular runtime) can be awaited in
//! aiochan tasks like any other future.
//!
//! To recap:
//! - [`run`](crate::run) blocks for a loop's result; [`run_in_thread`](crate::run_in_thread)
//!   runs a loop in the background;
//! - [`from_iter`](crate::from_iter) and [`ChanSender`](crate::ChanSender) bring values in;
//!   close the channel once the producing thread is done;
//! - [`to_iter`](crate::Chan::to_iter) takes values out to a thread as an ordinary iterator, with
//!   back-pressure;
//! - [`sync::Mutex`](crate::sync::Mutex) and the rest of [`sync`](crate::sync) guard shared state
//!   that a task keeps across awaits.
//!
//! Next, [chapter 11](super::ch11_testing): testing concurrent code.
