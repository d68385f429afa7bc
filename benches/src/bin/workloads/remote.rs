//! The `remote` mode: plain threads feed one loop through blocking sends (aiochan's `ChanSender::put_blocking`) against the peers' blocking senders.

use std::hint::black_box;
use std::process::exit;
use std::thread;
use std::time::{Duration, Instant};

use crate::modes::{self, figure, median};

pub const USAGE: &str = "\
usage: workloads remote [--rounds N] [--n N]
       workloads remote <aiochan|tokio|flume|async-channel> <n>

4 plain threads send n values in all (thread t sends t, t + 4, t + 8, ..) with each library's
blocking send into a channel with a buffer of 1024, drained by one task on a single-threaded
loop, which counts and sums what it gets. The first form runs every contender as a subprocess,
alternating within each round (5 rounds, n = 1,000,000 by default), and prints the medians and
the median of the per-round ratios peer / aiochan. The second runs one contender once and
prints its wall time per message in ns.";

/// The feeding threads.
const THREADS: u64 = 4;

/// Every channel's buffer.
const BUFFER: usize = 1024;

/// The values thread `t` sends.
fn share(t: u64, n: u64) -> impl Iterator<Item = u64> {
    (t..n).step_by(THREADS as usize)
}

/// Starts the feeding threads: thread `t` sends its share of `0..n` with `send` on its clone of
/// `tx`.
fn feed<S: Clone + Send + 'static>(
    tx: &S,
    n: u64,
    send: fn(&S, u64),
) -> Vec<thread::JoinHandle<()>> {
    (0..THREADS)
        .map(|t| {
            let tx = tx.clone();
            thread::spawn(move || {
                for v in share(t, n) {
                    send(&tx, v);
                }
            })
        })
        .collect()
}

/// Joins the feeders, checks the tally of what the receiver got, and returns ns per message for a
/// run that took `elapsed`.
fn finish(
    elapsed: Duration,
    feeders: Vec<thread::JoinHandle<()>>,
    count: u64,
    sum: u64,
    n: u64,
) -> f64 {
    for feeder in feeders {
        feeder.join().expect("no feeder panics");
    }
    check(count, sum, n);
    elapsed.as_nanos() as f64 / n as f64
}

/// Checks that the receiver got exactly `0..n`.
fn check(count: u64, sum: u64, n: u64) {
    assert_eq!(count, n, "values went missing");
    assert_eq!(sum, n * (n - 1) / 2, "values were changed");
    black_box(sum);
}

/// aiochan: `Chan::fixed(1024)`, a `ChanSender` per thread, `put_blocking`; the main future gets.
fn run_aiochan(n: u64) -> f64 {
    aiochan::run(async move {
        let start = Instant::now();
        let chan = aiochan::Chan::fixed(BUFFER);
        let feeders = feed(&chan.sender(), n, |tx, v| {
            tx.put_blocking(v).expect("the loop takes every value");
        });
        let (mut count, mut sum) = (0, 0u64);
        while count < n {
            let v = chan.get().await.expect("the channel stays open");
            count += 1;
            sum = sum.wrapping_add(v);
        }
        finish(start.elapsed(), feeders, count, sum, n)
    })
}

/// tokio: a current-thread runtime, `mpsc::channel(1024)`, `blocking_send` from the threads.
fn run_tokio(n: u64) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async move {
        let start = Instant::now();
        let (tx, mut rx) = tokio::sync::mpsc::channel(BUFFER);
        let feeders = feed(&tx, n, |tx, v| {
            tx.blocking_send(v).expect("the receiver is alive");
        });
        drop(tx);
        let (mut count, mut sum) = (0, 0u64);
        while let Some(v) = rx.recv().await {
            count += 1;
            sum = sum.wrapping_add(v);
        }
        finish(start.elapsed(), feeders, count, sum, n)
    })
}

/// flume: `bounded(1024)`, `send` (blocking) from the threads, `recv_async` on the consumer.
fn run_flume(n: u64) -> f64 {
    futures_lite::future::block_on(async move {
        let start = Instant::now();
        let (tx, rx) = flume::bounded(BUFFER);
        let feeders = feed(&tx, n, |tx, v| {
            tx.send(v).expect("the receiver is alive");
        });
        drop(tx);
        let (mut count, mut sum) = (0, 0u64);
        while let Ok(v) = rx.recv_async().await {
            count += 1;
            sum = sum.wrapping_add(v);
        }
        finish(start.elapsed(), feeders, count, sum, n)
    })
}

/// async-channel (smol's): `bounded(1024)`, `send_blocking` from the threads.
fn run_async_channel(n: u64) -> f64 {
    futures_lite::future::block_on(async move {
        let start = Instant::now();
        let (tx, rx) = async_channel::bounded(BUFFER);
        let feeders = feed(&tx, n, |tx, v| {
            tx.send_blocking(v).expect("the receiver is alive");
        });
        drop(tx);
        let (mut count, mut sum) = (0, 0u64);
        while let Ok(v) = rx.recv().await {
            count += 1;
            sum = sum.wrapping_add(v);
        }
        finish(start.elapsed(), feeders, count, sum, n)
    })
}

/// The contenders, aiochan first.
const CONTENDERS: [&str; 4] = ["aiochan", "tokio", "flume", "async-channel"];

fn usage_error(message: &str) -> ! {
    eprintln!("workloads remote: {message}\n\n{USAGE}");
    exit(2)
}

fn positive(text: &str, what: &str) -> u64 {
    modes::positive(text, what, usage_error)
}

/// `args` are what follows `remote` on the command line.
pub fn main(args: &[String]) {
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => println!("{USAGE}"),
        Some(first) if !first.starts_with("--") => {
            let [contender, n] = args else {
                usage_error("expected <aiochan|tokio|flume|async-channel> <n>");
            };
            let n = positive(n, "<n>");
            let ns = match contender.as_str() {
                "aiochan" => run_aiochan(n),
                "tokio" => run_tokio(n),
                "flume" => run_flume(n),
                "async-channel" => run_async_channel(n),
                _ => usage_error(&format!("unknown contender {contender}")),
            };
            println!("{ns:.1}");
        }
        _ => print!("{}", table(args)),
    }
}

/// One subprocess run: ns per message.
fn child(contender: &str, n: u64) -> f64 {
    figure(&["remote", contender, &n.to_string()])
}

/// Runs the rounds and renders the report.
fn table(args: &[String]) -> String {
    let (mut rounds, mut n) = (5, 1_000_000);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| usage_error(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--rounds" => rounds = usize::try_from(positive(value, "--rounds")).expect("a usize"),
            "--n" => n = positive(value, "--n"),
            _ => usage_error(&format!("unknown option {flag}")),
        }
    }
    // runs[contender][round]; the order rotates within each round so that drift in the machine's
    // load spreads over every contender.
    let mut runs = vec![Vec::new(); CONTENDERS.len()];
    for round in 0..rounds {
        for k in 0..CONTENDERS.len() {
            let c = (round + k) % CONTENDERS.len();
            eprintln!("remote round {}/{rounds}: {}", round + 1, CONTENDERS[c]);
            runs[c].push(child(CONTENDERS[c], n));
        }
    }
    let mut text = format!(
        "remote: {THREADS} threads send n={n} values into one loop, buffer {BUFFER}, {rounds} rounds, medians\n\n"
    );
    text += "| contender | ns/msg | contender/aiochan |\n|---|---|---|\n";
    for (c, contender) in CONTENDERS.iter().enumerate() {
        let ratio = median(runs[c].iter().zip(&runs[0]).map(|(p, a)| p / a).collect());
        text += &format!(
            "| {contender} | {:.1} | {ratio:.2} |\n",
            median(runs[c].clone())
        );
    }
    text
}
