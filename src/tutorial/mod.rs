//! A tutorial: CSP-style concurrency with aiochan, from first principles to testing.
//!
//! This tutorial follows the outline of the tutorial of Python's aiochan, from which this crate is
//! ported, and then goes on where that one stops: its later chapters (time, operators, channel
//! combinations, threads, the way in and out of ordinary code, testing) were never written there.
//! Read the chapters in order the first time; each builds on the ones before.
//!
//! | # | chapter | what you learn |
//! |---|---|---|
//! | 1 | [Concurrency and CSP](ch01_concurrency) | what concurrency is, and why processes should talk rather than share |
//! | 2 | [Tasks and the event loop](ch02_event_loop) | [`run`](crate::run), [`go`](crate::go) and why a task owns what it uses (`'static`), [`nop`](crate::nop), the ordering rules, virtual time |
//! | 3 | [Channels](ch03_channels) | put, get, close; fan-in and fan-out |
//! | 4 | [Select](ch04_select) | waiting on several operations at once; priority, defaults, timeouts |
//! | 5 | [Buffers](ch05_buffers) | back-pressure; dropping, sliding, promise and unbounded buffers; locks |
//! | 6 | [Time](ch06_time) | [`timeout`](crate::timeout), [`tick_tock`](crate::tick_tock), deadlines |
//! | 7 | [Functional operators](ch07_operators) | map, filter, take, fold, scan, group, ... as pipelines |
//! | 8 | [Combining channels](ch08_combinations) | merge, zip, combine_latest, Dup, Pub, distribute, Mix |
//! | 9 | [Parallelism](ch09_parallelism) | threads: [`spawn_blocking`](crate::spawn_blocking), parallel pipes, [`Handle`](crate::Handle) |
//! | 10 | [Back to normal code](ch10_normal_code) | getting values in and out of code that is not async |
//! | 11 | [Testing](ch11_testing) | virtual time, seeds, replaying a run, deadlock reports, a real Go bug found |
//!
//! # How to read the examples
//!
//! Every example is a test that `cargo test --doc` compiles and runs, so it cannot drift from
//! the crate. Instead of printing, most examples write what they would print into a log (a
//! `Vec` behind an `Rc<RefCell<..>>`) and assert at the end that the log says what the text
//! claims. That is safe because everything in a loop runs on one thread, and a task keeps the
//! thread between two awaits (chapter 2).
//!
//! Examples that sleep run under *virtual time*:
//!
//! ```
//! use std::time::Duration;
//! use aiochan::Runtime;
//!
//! let rt = Runtime::builder().virtual_time(true).build();
//! let waited = rt.run(async {
//!     let start = aiochan::now();
//!     aiochan::sleep(Duration::from_secs(60)).await; // takes no real time at all
//!     aiochan::now() - start
//! });
//! assert_eq!(waited, Duration::from_secs(60));
//! ```
//!
//! The loop's clock then jumps straight to the next timer whenever no task has anything to do,
//! so a minute of sleeping costs nothing, and timers fire in exactly the order they would in real
//! time. The same programs also run under [`aiochan::run`](crate::run), on the real clock; they
//! then take real time, and the exact durations they assert hold only approximately.
//!
//! Chapters 6 to 11 name, under their examples, a program of `examples/tutorial.rs` that prints
//! what the example asserts (`cargo run --example tutorial -- --list` lists them all):
//!
//! ```text
//! cargo run --example tutorial -- time-1-deadline --virtual
//! cargo run --example tutorial -- channels-6-fan-out --virtual --trace fan.html
//! ```
//!
//! The second line also writes the run's trace as a page to open in a browser and step through,
//! event by event (`.svg` and `.mmd` name the other formats).

pub mod ch01_concurrency;
pub mod ch02_event_loop;
pub mod ch03_channels;
pub mod ch04_select;
pub mod ch05_buffers;
pub mod ch06_time;
pub mod ch07_operators;
pub mod ch08_combinations;
pub mod ch09_parallelism;
pub mod ch10_normal_code;
pub mod ch11_testing;
