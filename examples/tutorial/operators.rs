//! Chapter 7 of the crate tutorial, "Functional operators" (`aiochan::tutorial::ch07_operators`):
//! pipelines of operators, `Out`, folding, shaping the stream, and asynchronous steps.

use std::collections::BTreeSet;
use std::time::Duration;

use aiochan::{from_iter, from_range, now, ops::Out, sleep, Chan, Runtime};

use super::ms_since;

/// An endless range through `filter`, `map` and `take`: each stage is a task, and the pipeline
/// moves at the pace of its consumer, so the endless source is harmless.
pub fn pipeline(rt: &Runtime) {
    rt.run(async {
        let odd_squares = from_range(1..)
            .filter(|n| n % 2 == 1, Out::new())
            .map(|n| n * n, Out::new())
            .take(5, Out::new());
        while let Some(square) = odd_squares.get().await {
            println!("{square}");
        }
        println!("take has its five values and closed its output");
    });
}

/// Two sources feed one channel through `Out::to(..).keep_open()`: it stays open when they end.
pub fn shared_output(rt: &Runtime) {
    rt.run(async {
        let all = Chan::fixed(8).named("all");
        from_iter(["a", "b"]).map(str::to_uppercase, Out::to(&all).keep_open());
        from_iter(["c"]).map(str::to_uppercase, Out::to(&all).keep_open());
        for value in all.collect_n(3).await {
            println!("got {value}");
        }
        println!("all is closed: {}", all.is_closed());
    });
}

/// `fold`, `reduce`, `scan` and `into_collection`.
pub fn folding(rt: &Runtime) {
    rt.run(async {
        let total = from_range(1..=4).fold(0, |acc, v| acc + v, Out::new());
        println!("fold 1..=4 with +: {:?}", total.get().await);

        let longest = from_iter(["csp", "channel", "go"])
            .reduce(|a, b| if b.len() > a.len() { b } else { a }, Out::new());
        println!("the longest word: {:?}", longest.get().await);

        let running = from_range(1..=4).scan(0, |acc, v| acc + v, Out::new());
        println!("running totals: {:?}", running.collect().await);

        let seen = from_iter([3, 1, 3, 2]).into_collection(BTreeSet::new());
        println!("into a set: {:?}", seen.get().await);
    });
}

/// `skip`, `take_while`, `distinct`, `group` and `group_by`.
pub fn shaping(rt: &Runtime) {
    rt.run(async {
        let middle = from_range(0..)
            .skip(2, Out::new())
            .take_while(|&v| v < 5, Out::new());
        println!("skip 2, take while < 5: {:?}", middle.collect().await);

        let changes = from_iter([20, 20, 21, 21, 21, 20]).distinct(Out::new());
        println!("distinct: {:?}", changes.collect().await);

        let batches = from_range(1..=7).group(3, Out::new());
        println!("groups of 3: {:?}", batches.collect().await);

        let runs = from_iter(["ant", "ape", "bee", "cat", "cow"])
            .group_by(|w| w.chars().next(), Out::new());
        println!("grouped by first letter: {:?}", runs.collect().await);
    });
}

/// Stands in for a slow remote call: 100 ms, then a user name.
async fn lookup(id: i64) -> String {
    sleep(Duration::from_millis(100)).await;
    format!("user{id}")
}

/// `async_pipe` with four lookups under way at once: eight lookups of 100 ms take 200 ms, and the
/// results keep the order of the input.
pub fn async_pipe(rt: &Runtime) {
    rt.run(async {
        let start = now();
        let users = from_range(1..=8).async_pipe(4, lookup, Out::new());
        while let Some(user) = users.get().await {
            println!("{:>3} ms  {user}", ms_since(start));
        }
    });
}
