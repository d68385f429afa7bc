//! Chapter 9 of the crate tutorial, "Parallelism" (`aiochan::tutorial::ch09_parallelism`): work on
//! other threads, and the bridges between them and the loop. Threads run in any order, so these
//! programs print what does not depend on it: results that come back through channels in the
//! order of their input, or per thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use aiochan::{from_iter, go, ops::Out, spawn_blocking, Chan, Handle, Runtime};

/// A blocking receive on a thread of the blocking pool, which only a task of the loop can
/// satisfy: the loop kept running while the thread blocked.
pub fn spawn_blocking_call(rt: &Runtime) {
    let answer = rt.run(async {
        let (tx, rx) = mpsc::channel();
        let blocking = spawn_blocking(move || rx.recv().expect("a task sends the value") * 2);
        go(async move { tx.send(21).expect("the blocking call waits for the value") });
        blocking.await
    });
    println!("the blocking call got 21 from a task of the loop and returned {answer}");
}

/// Steps for `n` to reach 1 in the Collatz sequence: a stand-in for real number crunching.
fn collatz_steps(mut n: u64) -> u32 {
    let mut steps = 0;
    while n != 1 {
        n = if n % 2 == 0 { n / 2 } else { 3 * n + 1 };
        steps += 1;
    }
    steps
}

/// `parallel_pipe` on four threads: the results come back in the order of the input.
pub fn parallel_pipe(rt: &Runtime) {
    let parallel = rt.run(async {
        from_iter(1..=40)
            .parallel_pipe(4, collatz_steps, Out::new())
            .collect()
            .await
    });
    for (row, steps) in parallel.chunks(10).enumerate() {
        let first = row * 10 + 1;
        println!("collatz steps of {first:>2}..={:>2}: {steps:?}", first + 9);
    }
    let sequential: Vec<u32> = (1..=40).map(collatz_steps).collect();
    println!("the same as computed in order: {}", parallel == sequential);
}

/// Four threads put five values each into a channel with a buffer of two, through `ChanSender`s:
/// the threads never get more than two values ahead of the loop.
pub fn threads_feed_the_loop(rt: &Runtime) {
    let (got, most_ahead) = rt.run(async {
        let results = Chan::fixed(2).named("results");
        let accepted = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (tx, accepted) = (results.sender(), accepted.clone());
                std::thread::spawn(move || {
                    for i in 0..5 {
                        if tx.put_blocking(t * 10 + i).is_err() {
                            return;
                        }
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let (mut got, mut most_ahead) = (Vec::new(), 0);
        while got.len() < 20 {
            let Some(value) = results.get().await else {
                break;
            };
            got.push(value);
            most_ahead = most_ahead.max(accepted.load(Ordering::SeqCst).saturating_sub(got.len()));
        }
        spawn_blocking(move || {
            for thread in threads {
                thread.join().expect("a feeding thread panicked");
            }
        })
        .await;
        (got, most_ahead)
    });
    for t in 0..4 {
        let from_thread: Vec<_> = got.iter().filter(|v| *v / 10 == t).collect();
        println!("from thread {t}, in its order: {from_thread:?}");
    }
    println!("{} values in all", got.len());
    println!(
        "the threads were never more than 2 values ahead of the loop: {}",
        most_ahead <= 2
    );
}

/// A `Handle` lets a plain thread run a future on the loop; once the loop has ended, it says so
/// instead of blocking.
pub fn handle(rt: &Runtime) {
    let (answer, handle) = rt.run(async {
        let handle = Handle::current();
        let for_thread = handle.clone();
        let thread = std::thread::spawn(move || for_thread.spawn(async { 6 * 7 }).join());
        let answer = spawn_blocking(move || thread.join().expect("the thread panicked")).await;
        (answer, handle)
    });
    println!("the thread's future ran on the loop: {answer:?}");
    println!("the loop has ended: {}", handle.is_ended());
    println!("spawning now: {:?}", handle.spawn(async { 0 }).join());
}
