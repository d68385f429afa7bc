//! The `parallel` mode: aiochan's `parallel_pipe` against a hand-written `std::thread` + `mpsc` pipeline on a CPU-bound function.

use std::collections::VecDeque;
use std::hint::black_box;
use std::process::exit;
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Instant;

use aiochan::ops::Out;

use crate::modes::{self, figure, median};

pub const USAGE: &str = "\
usage: workloads parallel [--rounds N] [--items N]
       workloads parallel <aiochan|std|split|f> <threads> <items>

The first form runs every contender with 1 and 2 threads as subprocesses, alternating
within each round (5 rounds, 20000 items by default), and prints the medians, the
scaling factors and the per-item overhead. The second runs one of them once and prints
its wall time per item in ns (`split`: the items split into equal chunks up front, the
machine's own scaling; `f`: the function alone, called in a loop on one thread).";

/// Rounds of the integer mix per item: about 20 µs on the machine the figures in the README
/// come from.
const MIX_ROUNDS: u32 = 12_000;

/// The CPU-bound function of every contender: a fixed number of rounds of an integer mix whose
/// every step depends on the last, so it can neither be vectorised nor skipped.
#[inline(never)]
fn mix(x: u64) -> u64 {
    let mut h = black_box(x) ^ 0x9E37_79B9_7F4A_7C15;
    for _ in 0..MIX_ROUNDS {
        h = (h ^ (h >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = h.rotate_left(23) ^ 0x94D0_49BB_1331_11EB;
    }
    h
}

/// Checks that results come in input order and that there are `items` of them.
struct InOrder {
    next: u64,
    sum: u64,
}

impl InOrder {
    fn new() -> Self {
        Self { next: 0, sum: 0 }
    }

    fn take(&mut self, (i, h): (u64, u64)) {
        assert_eq!(i, self.next, "a result came out of input order");
        self.next += 1;
        self.sum = self.sum.wrapping_add(h);
    }

    fn finish(self, items: u64) {
        assert_eq!(self.next, items, "results went missing");
        black_box(self.sum);
    }
}

/// aiochan: `from_range(0..items).parallel_pipe(threads, f, Out::new())`, with the default
/// options (a pool buffer of one job per thread), drained in order by the main future.
fn run_aiochan(threads: usize, items: u64) -> f64 {
    aiochan::run(async move {
        let start = Instant::now();
        let last = i64::try_from(items).expect("items fit an i64");
        let out = aiochan::from_range(0..last).parallel_pipe(
            threads,
            |i| {
                let i = i as u64;
                (i, mix(i))
            },
            Out::new(),
        );
        let mut check = InOrder::new();
        while let Some(result) = out.get().await {
            check.take(result);
        }
        let elapsed = start.elapsed();
        check.finish(items);
        elapsed.as_nanos() as f64 / items as f64
    })
}

/// std: a feeder thread sends `0..items` on a `sync_channel` as deep as aiochan's default pool
/// buffer (8 jobs per thread), whose receiver the workers share behind a mutex (the Rust book's
/// thread pool); workers send `(i, f(i))` back on an unbounded channel, and the main thread puts
/// results back in input order with a ring buffer.
fn run_std(threads: usize, items: u64) -> f64 {
    let start = Instant::now();
    let (job_tx, job_rx) = mpsc::sync_channel::<u64>(8 * threads);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = mpsc::channel::<(u64, u64)>();
    let feeder = thread::spawn(move || {
        for i in 0..items {
            job_tx.send(i).expect("the workers are alive");
        }
    });
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (job_rx, done_tx) = (job_rx.clone(), done_tx.clone());
            thread::spawn(move || loop {
                let job = job_rx.lock().expect("no worker panics").recv();
                let Ok(i) = job else { break };
                done_tx.send((i, mix(i))).expect("the main thread is alive");
            })
        })
        .collect();
    drop(done_tx);
    let mut check = InOrder::new();
    let mut waiting: VecDeque<Option<u64>> = VecDeque::new();
    for (i, h) in done_rx {
        let slot = usize::try_from(i - check.next).expect("a small window");
        if waiting.len() <= slot {
            waiting.resize(slot + 1, None);
        }
        waiting[slot] = Some(h);
        while let Some(Some(h)) = waiting.front().copied() {
            waiting.pop_front();
            check.take((check.next, h));
        }
    }
    feeder.join().expect("the feeder does not panic");
    for worker in workers {
        worker.join().expect("no worker panics");
    }
    let elapsed = start.elapsed();
    check.finish(items);
    elapsed.as_nanos() as f64 / items as f64
}

/// The machine's own scaling: `items` split into `threads` equal chunks up front, each run by a
/// scoped thread with no communication at all until the join.
fn run_split(threads: usize, items: u64) -> f64 {
    let start = Instant::now();
    let per = items.div_ceil(threads as u64);
    let sum = thread::scope(|s| {
        let chunks: Vec<_> = (0..threads as u64)
            .map(|t| {
                s.spawn(move || {
                    let mut sum = 0u64;
                    for i in t * per..((t + 1) * per).min(items) {
                        sum = sum.wrapping_add(mix(i));
                    }
                    sum
                })
            })
            .collect();
        chunks
            .into_iter()
            .map(|c| c.join().expect("no chunk panics"))
            .fold(0u64, u64::wrapping_add)
    });
    let elapsed = start.elapsed();
    black_box(sum);
    elapsed.as_nanos() as f64 / items as f64
}

/// The function alone, called `items` times in a loop on this thread.
fn run_f(items: u64) -> f64 {
    let start = Instant::now();
    let mut sum = 0u64;
    for i in 0..items {
        sum = sum.wrapping_add(mix(i));
    }
    let elapsed = start.elapsed();
    black_box(sum);
    elapsed.as_nanos() as f64 / items as f64
}

fn usage_error(message: &str) -> ! {
    eprintln!("workloads parallel: {message}\n\n{USAGE}");
    exit(2)
}

fn positive(text: &str, what: &str) -> u64 {
    modes::positive(text, what, usage_error)
}

/// `args` are what follows `parallel` on the command line.
pub fn main(args: &[String]) {
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => println!("{USAGE}"),
        Some(first) if !first.starts_with("--") => {
            let [contender, threads, items] = args else {
                usage_error("expected <aiochan|std|split|f> <threads> <items>");
            };
            let threads = usize::try_from(positive(threads, "<threads>")).expect("a usize");
            let items = positive(items, "<items>");
            let ns = match contender.as_str() {
                "aiochan" => run_aiochan(threads, items),
                "std" => run_std(threads, items),
                "split" => run_split(threads, items),
                "f" => run_f(items),
                _ => usage_error(&format!("unknown contender {contender}")),
            };
            println!("{ns:.1}");
        }
        _ => print!("{}", table(args)),
    }
}

/// One subprocess run: ns per item.
fn child(contender: &str, threads: usize, items: u64) -> f64 {
    figure(&[
        "parallel",
        contender,
        &threads.to_string(),
        &items.to_string(),
    ])
}

/// Runs the rounds and renders the report.
fn table(args: &[String]) -> String {
    let (mut rounds, mut items) = (5, 20_000);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| usage_error(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--rounds" => rounds = usize::try_from(positive(value, "--rounds")).expect("a usize"),
            "--items" => items = positive(value, "--items"),
            _ => usage_error(&format!("unknown option {flag}")),
        }
    }
    // runs[contender][threads - 1][round]; the order alternates within each round so that drift in
    // the machine's load spreads over every contender.
    let contenders = ["aiochan", "std", "split"];
    let mut runs = vec![vec![Vec::new(); 2]; contenders.len()];
    let mut f_alone = Vec::new();
    for round in 1..=rounds {
        for threads in [1, 2] {
            for (c, contender) in contenders.iter().enumerate() {
                eprintln!("parallel round {round}/{rounds}: {contender}, {threads} thread(s)");
                runs[c][threads - 1].push(child(contender, threads, items));
            }
        }
        f_alone.push(child("f", 1, items / 4));
    }
    let f_ns = median(f_alone);
    let at = |c: usize, threads: usize| median(runs[c][threads - 1].clone());
    // The median over rounds of (time with 1 thread / time with 2) within each round.
    let scaling = |c: usize| {
        median(
            runs[c][0]
                .iter()
                .zip(&runs[c][1])
                .map(|(one, two)| one / two)
                .collect(),
        )
    };
    let mut text = format!(
        "parallel_pipe: n={items} items, {rounds} rounds, medians; f alone: {:.1} µs per call\n\n",
        f_ns / 1000.0
    );
    text += "| threads | aiochan ns/item | std ns/item | aiochan − std ns/item | split ns/item |\n";
    text += "|---|---|---|---|---|\n";
    for threads in [1, 2] {
        let (a, s, split) = (at(0, threads), at(1, threads), at(2, threads));
        text += &format!(
            "| {threads} | {a:.0} | {s:.0} | {:+.0} | {split:.0} |\n",
            a - s
        );
    }
    text += &format!(
        "\nscaling (1 thread / 2 threads): aiochan {:.2}, std {:.2}, split {:.2}\n",
        scaling(0),
        scaling(1),
        scaling(2)
    );
    text
}
