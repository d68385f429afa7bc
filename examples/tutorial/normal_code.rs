//! Chapter 10 of the crate tutorial, "Back to normal code" (`aiochan::tutorial::ch10_normal_code`):
//! a loop inside an ordinary function, values in from a plain thread, values out to one as an
//! iterator, and a lock kept across an await.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use aiochan::{from_iter, from_range, go_named, ops::Out, sleep, spawn_blocking, sync::Mutex};
use aiochan::{Chan, Runtime};

/// An ordinary function with a pipeline inside: `run` blocks until the loop's result is ready.
fn lengths(rt: &Runtime, words: Vec<&'static str>) -> Vec<usize> {
    rt.run(async move { from_iter(words).map(str::len, Out::new()).collect().await })
}

/// `run` inside an ordinary function, and `run_in_thread` for a loop in the background.
pub fn run_and_run_in_thread(rt: &Runtime) {
    println!("lengths: {:?}", lengths(rt, vec!["csp", "is", "fun"]));
    let background = rt.run_in_thread(|| async {
        sleep(Duration::from_millis(5)).await;
        from_iter(1..=10)
            .fold(0, |a, b| a + b, Out::new())
            .get()
            .await
    });
    println!("this thread is free while the background loop adds 1..=10");
    println!("the background loop's sum: {:?}", background.join());
}

/// A plain thread feeds the loop through a `ChanSender`; a task closes the channel once the
/// thread is done, and the consumer drains what is left.
pub fn values_in(rt: &Runtime) {
    rt.run(async {
        let lines = Chan::fixed(4).named("lines");
        let tx = lines.sender();
        let reader = std::thread::spawn(move || {
            for line in ["3", "4", "5"] {
                // stands in for a blocking read of stdin or a file
                if tx.put_blocking(line.to_string()).is_err() {
                    return;
                }
            }
        });
        let closer = lines.clone();
        go_named("closer", async move {
            spawn_blocking(move || reader.join().expect("the reader panicked")).await;
            closer.close(); // the reader is done: no more lines will come
        });
        let mut total = 0;
        while let Some(line) = lines.get().await {
            let n: i32 = line.parse().expect("the reader sends numbers");
            total += n;
            println!("read {line:?}, total {total}");
        }
        println!("lines is closed: the total is {total}");
    });
}

/// A loop channel read from a plain thread as an ordinary, blocking iterator.
pub fn values_out(rt: &Runtime) {
    let (tx, rx) = mpsc::channel();
    let looper = rt.run_in_thread(move || async move {
        let squares = from_range(1..=5).map(|n| n * n, Out::new());
        if tx.send(squares.to_iter(2)).is_ok() {
            squares.join().await; // keep the loop alive until every square has been taken
        }
    });
    let squares = rx.recv().expect("the loop sends the iterator");
    for square in squares {
        println!("this plain thread takes {square}");
    }
    looper.join();
    println!("the iterator ended: the channel is closed and drained");
}

/// Stands in for a slow lookup: a database, a remote service.
async fn fetch(key: u32) -> String {
    sleep(Duration::from_millis(10)).await;
    format!("value {key}")
}

/// Three tasks look up the same key in a cache guarded by `sync::Mutex`, kept across the slow
/// fetch: the first fetches, the other two wait for the lock and find the value.
pub fn mutex(rt: &Runtime) {
    rt.run(async {
        let cache = Rc::new(Mutex::new(HashMap::new()).named("cache"));
        let fetches = Rc::new(Cell::new(0));
        let lookups: Vec<_> = (1..=3)
            .map(|i| {
                let (cache, fetches) = (cache.clone(), fetches.clone());
                go_named(format!("lookup {i}"), async move {
                    let mut cache = cache.lock().await; // kept across the fetch below
                    if let Some(value) = cache.get(&7) {
                        println!("lookup {i} finds {value:?} in the cache");
                    } else {
                        fetches.set(fetches.get() + 1);
                        let value = fetch(7).await;
                        println!("lookup {i} fetches {value:?}");
                        cache.insert(7, value);
                    }
                })
            })
            .collect();
        for lookup in lookups {
            lookup.await;
        }
        println!("fetches: {}", fetches.get());
    });
}
