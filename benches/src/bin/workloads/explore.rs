//! The `explore` mode: how many schedules per second `aiochan::testing::Explore` runs of a small program.

use std::process::exit;
use std::time::Instant;

use aiochan::testing::Explore;
use aiochan::{go, Chan};

pub const USAGE: &str = "\
usage: workloads explore [--rounds N] [--schedules N]

Runs `Explore` (virtual time, schedule perturbation, leak check) over N seeds (200,000 by
default) of a small program: two producers put 5 values each on one rendezvous channel, one
consumer gets the 10 values and sums them, main joins all three. Prints the schedules per
second of each round (5 by default) and their median.";

/// The program explored: 3 tasks and 10 messages.
async fn program() {
    let c = Chan::<u32>::new();
    let (a, b) = (c.clone(), c.clone());
    let first = go(async move {
        for i in 0..5 {
            a.put(i).await;
        }
    });
    let second = go(async move {
        for i in 5..10 {
            b.put(i).await;
        }
    });
    let consumer = go(async move {
        let mut sum = 0;
        for _ in 0..10 {
            sum += c.get().await.expect("the producers put 10 values");
        }
        sum
    });
    first.await;
    second.await;
    assert_eq!(consumer.await, 45);
}

fn usage_error(message: &str) -> ! {
    eprintln!("workloads explore: {message}\n\n{USAGE}");
    exit(2)
}

/// `args` are what follows `explore` on the command line.
pub fn main(args: &[String]) {
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        println!("{USAGE}");
        return;
    }
    let (mut rounds, mut schedules) = (5usize, 200_000u64);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|&v| v > 0)
            .unwrap_or_else(|| usage_error(&format!("{flag} needs a positive integer")));
        match flag.as_str() {
            "--rounds" => rounds = value as usize,
            "--schedules" => schedules = value,
            _ => usage_error(&format!("unknown option {flag}")),
        }
    }
    let mut rates = Vec::new();
    for round in 1..=rounds {
        let start = Instant::now();
        Explore::new().seeds(0..schedules).run(program);
        let rate = schedules as f64 / start.elapsed().as_secs_f64();
        eprintln!("explore round {round}/{rounds}: {rate:.0} schedules/s");
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "explore: {schedules} schedules of 3 tasks and 10 messages, median of {rounds} rounds: {:.0} schedules/s",
        rates[rates.len() / 2]
    );
}
