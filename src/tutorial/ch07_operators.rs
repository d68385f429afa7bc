//! Chapter 7: functional operators.
//!
//! With channels, select and buffers you can write any concurrent program. But some shapes come up
//! again and again: "take every value from here, transform it, put it there", "keep only some",
//! "add them up". aiochan has them ready as *operators*, methods on [`Chan`](crate::Chan) in the
//! spirit of [`Iterator`]'s adapters. Each starts a small task on the loop that takes from its
//! input channel and puts on an output channel, which it returns, so operators chain into
//! pipelines:
//!
//! ```
//! use aiochan::{from_range, ops::Out};
//!
//! aiochan::run(async {
//!     let odd_squares = from_range(1..) // 1, 2, 3, ... without end
//!         .filter(|n| n % 2 == 1, Out::new())
//!         .map(|n| n * n, Out::new())
//!         .take(5, Out::new());
//!     assert_eq!(odd_squares.collect().await, [1, 9, 25, 49, 81]);
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- operators-1-pipeline --virtual`.
//!
//! A few things to notice.
//!
//! - [`from_range`](crate::from_range) and [`from_iter`](crate::from_iter) make a channel out of a
//!   range or an iterator. It is closed from the start, and yields the items one by one as they are
//!   taken, so an endless range is fine.
//! - Every stage is a task, and stages are connected by rendezvous channels. A stage that holds a
//!   value waits until the next stage takes it before taking another, so the whole pipeline moves
//!   at the pace of its consumer: back-pressure goes all the way up. That is why the endless source
//!   above is harmless: once `take` has its five values it stops taking, and no stage upstream
//!   gets more than a value ahead.
//! - [`collect`](crate::Chan::collect) (a future, not a channel) gathers everything until the
//!   channel is closed; [`collect_n`](crate::Chan::collect_n) stops after `n` values.
//!
//! # Where the output goes: `Out`
//!
//! The last argument of every operator is an [`Out`](crate::ops::Out), which says where the output
//! goes and whether the operator closes it at the end:
//!
//! - [`Out::new`](crate::ops::Out::new)`()`: a new rendezvous channel;
//! - [`Out::fixed`](crate::ops::Out::fixed)`(n)`: a new channel with a buffer of `n`, to let a stage
//!   run ahead of the next;
//! - [`Out::to`](crate::ops::Out::to)`(&chan)`: a channel you already have;
//! - [`.keep_open()`](crate::ops::Out::keep_open): do not close the output when the input ends,
//!   typically because other producers feed the same channel.
//!
//! All operators follow the same rules: when the input is closed and drained, the output is closed
//! (unless kept open); when the output is closed, the operator stops taking from its input; and no
//! value an operator has taken is lost except by closing its output.
//!
//! Two sources feeding one channel, which must not be closed when the first of them ends:
//!
//! ```
//! use aiochan::{from_iter, ops::Out, Chan};
//!
//! aiochan::run(async {
//!     let all = Chan::fixed(8);
//!     from_iter(["a", "b"]).map(str::to_uppercase, Out::to(&all).keep_open());
//!     from_iter(["c"]).map(str::to_uppercase, Out::to(&all).keep_open());
//!     let mut got = all.collect_n(3).await;
//!     got.sort();
//!     assert_eq!(got, ["A", "B", "C"]);
//!     assert!(!all.is_closed());
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- operators-2-shared-output --virtual`.
//!
//! # Folding: fold, reduce, scan
//!
//! [`fold`](crate::Chan::fold) combines all the values of a channel into one, put on the output once
//! the input is closed; [`reduce`](crate::Chan::reduce) does the same starting from the first value.
//! [`scan`](crate::Chan::scan) puts every intermediate result as it goes: a running total.
//! [`into_collection`](crate::Chan::into_collection) extends any collection (a `HashSet`, a
//! `BTreeMap`, a `String`) with the values.
//!
//! ```
//! use std::collections::BTreeSet;
//! use aiochan::{from_iter, from_range, ops::Out};
//!
//! aiochan::run(async {
//!     let total = from_range(1..=4).fold(0, |acc, v| acc + v, Out::new());
//!     assert_eq!(total.get().await, Some(10));
//!
//!     let longest = from_iter(["csp", "channel", "go"])
//!         .reduce(|a, b| if b.len() > a.len() { b } else { a }, Out::new());
//!     assert_eq!(longest.get().await, Some("channel"));
//!
//!     let running = from_range(1..=4).scan(0, |acc, v| acc + v, Out::new());
//!     assert_eq!(running.collect().await, [0, 1, 3, 6, 10]); // starts with the initial value
//!
//!     let seen = from_iter([3, 1, 3, 2]).into_collection(BTreeSet::new());
//!     assert_eq!(seen.get().await, Some(BTreeSet::from([1, 2, 3])));
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- operators-3-folding --virtual`.
//!
//! # Shaping the stream: skip, take_while, distinct, group
//!
//! ```
//! use aiochan::{from_iter, from_range, ops::Out};
//!
//! aiochan::run(async {
//!     // skip the first values; take values while a condition holds
//!     let middle = from_range(0..).skip(2, Out::new()).take_while(|&v| v < 5, Out::new());
//!     assert_eq!(middle.collect().await, [2, 3, 4]);
//!
//!     // drop repeats that follow each other (equal values further apart both pass)
//!     let changes = from_iter([20, 20, 21, 21, 21, 20]).distinct(Out::new());
//!     assert_eq!(changes.collect().await, [20, 21, 20]);
//!
//!     // batches of three, the last one shorter
//!     let batches = from_range(1..=7).group(3, Out::new());
//!     assert_eq!(batches.collect().await, [vec![1, 2, 3], vec![4, 5, 6], vec![7]]);
//!
//!     // runs of consecutive values with the same key
//!     let runs = from_iter(["ant", "ape", "bee", "cat", "cow"])
//!         .group_by(|w| w.chars().next(), Out::new());
//!     assert_eq!(
//!         runs.collect().await,
//!         [vec!["ant", "ape"], vec!["bee"], vec!["cat", "cow"]]
//!     );
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- operators-4-shaping --virtual`.
//!
//! There is more in the same vein: [`flat_map`](crate::Chan::flat_map),
//! [`skip_while`](crate::Chan::skip_while), [`split`](crate::Chan::split) (one channel into two by
//! a condition), [`try_fold`](crate::Chan::try_fold) (a fold that can stop early),
//! [`scan_first`](crate::Chan::scan_first) and [`pipe`](crate::Chan::pipe) (move everything to
//! another channel).
//!
//! # Asynchronous steps
//!
//! The functions given to `map` and `filter` are plain functions: they run to completion inside the
//! operator's task and cannot await. When a step itself must wait (a lookup over the network, a
//! call to another service), use [`async_pipe`](crate::Chan::async_pipe): it calls an async
//! function on every value, with up to `n` calls under way at once, and still delivers the results
//! in the order of the input. [`async_pipe_unordered`](crate::Chan::async_pipe_unordered) delivers
//! each result as soon as it is ready instead. For full control, [`async_apply`](crate::Chan::async_apply)
//! hands a task of yours the input and output channels.
//!
//! Below, each lookup takes 100 ms. With four lookups under way at once, eight of them take 200 ms
//! instead of 800, and the results keep their order:
//!
//! ```
//! use std::time::Duration;
//! use aiochan::{from_range, now, ops::Out, sleep, Runtime};
//!
//! async fn lookup(id: i64) -> String {
//!     sleep(Duration::from_millis(100)).await; // a slow remote call
//!     format!("user{id}")
//! }
//!
//! Runtime::builder().virtual_time(true).build().run(async {
//!     let start = now();
//!     let users = from_range(1..=8).async_pipe(4, lookup, Out::new());
//!     let users = users.collect().await;
//!     assert_eq!(users[0], "user1");
//!     assert_eq!(users[7], "user8");
//!     assert_eq!(now() - start, Duration::from_millis(200));
//! });
//! ```
//!
//! Run it: `cargo run --example tutorial -- operators-5-async-pipe --virtual`.
//!
//! For work that needs a processor rather than a wait, chapter 9's
//! [`parallel_pipe`](crate::Chan::parallel_pipe) is the counterpart on a pool of threads.
//!
//! To recap:
//! - operators are methods on channels that start a task and return the channel it feeds;
//! - [`Out`](crate::ops::Out) chooses the output channel, its buffer, and whether it is closed at
//!   the end;
//! - pipelines of operators are driven by their consumer and keep back-pressure end to end;
//! - [`async_pipe`](crate::Chan::async_pipe) runs an async step on many values at once, in order.
//!
//! Next, [chapter 8](super::ch08_combinations): operators on several channels.
