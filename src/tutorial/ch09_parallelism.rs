//! Chapter 9: parallelism.
//!
//! Everything so far ran on the loop's one thread. That is ideal for work that mostly *waits*,
//! and wrong for two kinds of work:
//!
//! - *blocking* calls (a library that reads a file or talks to a database synchronously, a
//!   `std::thread::sleep`) stop the whole loop while they run: no other task moves;
//! - *heavy computation* holds the thread just the same, and uses one processor core when the
//!   machine may have many.
//!
//! Both belong on other threads. Unlike Python's threads, Rust threads run truly in parallel, so
//! moving computation to threads does make it faster on a multi-core machine. The rules of the
//! earlier chapters stay as they are on the loop; this chapter is about the bridges between the
//! loop and threads.
//!
//! # `spawn_blocking`: one call on another thread
//!
//! [`spawn_blocking`](crate::spawn_blocking)`(f)` runs the closure `f` on a thread of the loop's
//! blocking pool (threads start as calls need them, up to 512 at once unless the
//! [`Builder`](crate::Builder) sets another cap) and returns a future of its result. The task that awaits it waits like for any other future, and the rest
//! of the loop runs meanwhile. Below, the blocking call waits for a value that only another task of
//! the loop can send it, which proves the loop kept running:
//!
//! ```
//! use std::sync::mpsc;
//! use aiochan::{go, spawn_blocking};
//!
//! let answer = aiochan::run(async {
//!     let (tx, rx) = mpsc::channel();
//!     // A blocking receive: on the loop's thread it would freeze everything.
//!     let blocking = spawn_blocking(move || rx.recv().unwrap() * 2);
//!     go(async move { tx.send(21).unwrap() }); // runs while the other thread blocks
//!     blocking.await
//! });
//! assert_eq!(answer, 42);
//! ```
//!
//! Run it: `cargo run --example tutorial -- parallelism-1-spawn-blocking --virtual`.
//!
//! A panic in `f` comes back as a panic of the awaiting task. Each call starts a fresh thread,
//! which is fine for occasional calls; for a stream of work, bound the number of threads at once,
//! as in the next section.
//!
//! # A parallel pipe
//!
//! For a stream of work, [`parallel_pipe`](crate::Chan::parallel_pipe)`(n, f, out)` is the
//! operator: it starts `n` threads, runs the plain function `f` on them for every value of the
//! channel, and puts the results on its output *in the order of the input*. Back-pressure holds:
//! only a bounded number of values (about one per thread) are taken from the input and not yet
//! delivered, so a huge or endless input does not flood memory, and a slow consumer slows the
//! threads down. The threads are joined when the pipe ends.
//!
//! ```
//! use aiochan::{from_iter, ops::Out};
//!
//! /// Steps for n to reach 1 in the Collatz sequence: a stand-in for real number crunching.
//! fn collatz_steps(mut n: u64) -> u32 {
//!     let mut steps = 0;
//!     while n != 1 {
//!         n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
//!         steps += 1;
//!     }
//!     steps
//! }
//!
//! let parallel = aiochan::run(async {
//!     from_iter(1..=40).parallel_pipe(4, collatz_steps, Out::new()).collect().await
//! });
//! let sequential: Vec<u32> = (1..=40).map(collatz_steps).collect();
//! assert_eq!(parallel, sequential); // same results, same order
//! ```
//!
//! Run it: `cargo run --example tutorial -- parallelism-2-parallel-pipe --virtual`.
//!
//! [`parallel_pipe_unordered`](crate::Chan::parallel_pipe_unordered) puts each result as soon as
//! it is ready instead, and [`Parallel`](crate::ops::Parallel) configures the pool in more detail.
//! If the work is better expressed as an async function that calls `spawn_blocking` itself,
//! [`async_pipe`](crate::Chan::async_pipe) from chapter 7 does the same job:
//! `chan.async_pipe(4, |n| spawn_blocking(move || collatz_steps(n)), Out::new())`.
//!
//! # Threads that feed the loop, with back-pressure
//!
//! Channels belong to the loop's thread: a `Chan` cannot be sent to another thread. To let a
//! thread put into one, make a [`ChanSender`](crate::ChanSender) on the loop with
//! [`Chan::sender`](crate::Chan::sender). It can be cloned and sent anywhere, and its
//! [`put_blocking`](crate::ChanSender::put_blocking) blocks the *thread* (not the loop) until the
//! channel accepts the value. With a fixed buffer, back-pressure thus reaches the threads: when the
//! loop falls behind, the producing threads wait.
//!
//! Below, four threads produce five values each into a channel with a buffer of two. However the
//! threads are scheduled, they can never get more than two values ahead of the loop:
//!
//! ```
//! use std::sync::{atomic::{AtomicUsize, Ordering}, Arc};
//! use aiochan::{spawn_blocking, Chan};
//!
//! let mut got = aiochan::run(async {
//!     let results = Chan::fixed(2);
//!     let accepted = Arc::new(AtomicUsize::new(0));
//!     let threads: Vec<_> = (0..4)
//!         .map(|t| {
//!             let (tx, accepted) = (results.sender(), accepted.clone());
//!             std::thread::spawn(move || {
//!                 for i in 0..5 {
//!                     tx.put_blocking(t * 10 + i).unwrap(); // waits while the buffer is full
//!                     accepted.fetch_add(1, Ordering::SeqCst);
//!                 }
//!             })
//!         })
//!         .collect();
//!
//!     let mut got = Vec::new();
//!     while got.len() < 20 {
//!         got.push(results.get().await.unwrap());
//!         assert!(accepted.load(Ordering::SeqCst) <= got.len() + 2);
//!     }
//!     spawn_blocking(move || threads.into_iter().for_each(|t| t.join().unwrap())).await;
//!     got
//! });
//! got.sort();
//! let expected: Vec<i32> = (0..4).flat_map(|t| (0..5).map(move |i| t * 10 + i)).collect();
//! assert_eq!(got, expected);
//! ```
//!
//! Run it: `cargo run --example tutorial -- parallelism-3-threads-feed-the-loop --virtual`.
//!
//! # A handle to the loop
//!
//! A [`Handle`](crate::Handle), taken on the loop with [`Handle::current`](crate::Handle::current),
//! lets any thread hand work to the loop: [`spawn`](crate::Handle::spawn) runs a (`Send`) future
//! there as a task and returns a handle the thread can block on, and
//! [`call`](crate::Handle::call) runs a closure on the loop's thread between two turns (where, being
//! on the loop, it may make channels and [`go`](crate::go) tasks that are not `Send`). While a
//! `Handle` exists, an idle loop waits for it rather than reporting a deadlock. Once the loop has
//! ended, every call returns [`LoopEnded`](crate::LoopEnded) instead of blocking forever:
//!
//! ```
//! use aiochan::{spawn_blocking, Handle, LoopEnded};
//!
//! let (answer, handle) = aiochan::run(async {
//!     let handle = Handle::current();
//!     let for_thread = handle.clone();
//!     let thread = std::thread::spawn(move || {
//!         // On a plain thread: run a future on the loop and block for its output.
//!         for_thread.spawn(async { 6 * 7 }).join()
//!     });
//!     let answer = spawn_blocking(move || thread.join().unwrap()).await;
//!     (answer, handle)
//! });
//! assert_eq!(answer, Ok(42));
//! assert!(handle.is_ended());
//! assert_eq!(handle.spawn(async { 0 }).join(), Err(LoopEnded));
//! ```
//!
//! Run it: `cargo run --example tutorial -- parallelism-4-handle --virtual`.
//!
//! To recap:
//! - blocking calls and heavy computation go to threads, so that the loop keeps running;
//! - [`spawn_blocking`](crate::spawn_blocking) runs one call on a thread and awaits its result;
//! - [`parallel_pipe`](crate::Chan::parallel_pipe) runs a function on a pool of threads over a
//!   whole channel, keeping order and back-pressure;
//! - [`ChanSender`](crate::ChanSender) lets threads put into a loop channel, blocking when it is
//!   full; a [`Handle`](crate::Handle) lets them spawn onto the loop.
//!
//! Next, [chapter 10](super::ch10_normal_code): calling concurrent code from ordinary code.
