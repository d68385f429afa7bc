//! The programs of aiochan's tutorial, ported to Rust, one per code cell.
//!
//! ```text
//! cargo run --example tutorial -- --list                   # the ids
//! cargo run --example tutorial -- coroutines-4-go          # one program, in real time
//! cargo run --example tutorial -- coroutines-4-go --virtual  # the same under virtual time
//! ```
//!
//! Under virtual time the loop's ordering rules alone decide the interleaving, so every program
//! prints exactly what the tutorial prints (tests/tutorial.rs checks each against a snapshot).

use std::time::Duration;

use aiochan::{go, nop, sleep, Runtime};

/// A tutorial program: it starts its own loop(s) on the given runtime, as the tutorial's cells call
/// `ac.run(main())`.
type Program = fn(&Runtime);

/// Every program, by id, in tutorial order.
const PROGRAMS: &[(&str, Program)] = &[
    ("coroutines-1-silly", coroutines::silly),
    ("coroutines-2-count", coroutines::count_once),
    ("coroutines-3-sequential", coroutines::sequential),
    ("coroutines-4-go", coroutines::with_go),
    ("coroutines-5-forgot-go", coroutines::forgot_go),
    ("coroutines-6-main-returns", coroutines::main_returns),
    ("coroutines-7-main-sleeps", coroutines::main_sleeps),
    ("coroutines-8-no-interleaving", coroutines::no_interleaving),
    ("coroutines-9-nop", coroutines::with_nop),
];

/// "Coroutines and event loops": tasks, `go`, `nop` and the loop's ordering.
mod coroutines {
    use super::*;

    async fn silly_fn(x: i32) -> i32 {
        println!("executing silly with {x}");
        x + 1
    }

    /// `ac.run(silly(2))`, printing the returned value as the notebook does.
    pub fn silly(rt: &Runtime) {
        println!("{}", rt.run(silly_fn(2)));
    }

    async fn count(tag: &str, n_max: u32) {
        let mut i = 0;
        while i < n_max {
            sleep(Duration::from_millis(500)).await;
            i += 1;
            println!("{tag} {i}");
        }
    }

    pub fn count_once(rt: &Runtime) {
        rt.run(count("counter:", 3));
    }

    /// Awaiting one counter after the other: no concurrency.
    pub fn sequential(rt: &Runtime) {
        rt.run(async {
            count("counter a:", 3).await;
            count("counter b:", 3).await;
        });
    }

    /// `go` runs counter a concurrently while main counts b.
    pub fn with_go(rt: &Runtime) {
        rt.run(async {
            go(count("counter a:", 3));
            count("counter b:", 3).await;
        });
    }

    /// Calling an async function without `go` builds a future and drops it: counter a never runs
    /// (the compiler warns that the future is unused, which is the point of the lesson).
    pub fn forgot_go(rt: &Runtime) {
        rt.run(async {
            #[allow(unused_must_use, clippy::let_underscore_future)]
            let _ = count("counter a:", 3);
            count("counter b:", 3).await;
        });
    }

    /// `run` returns as soon as main does: the spawned counters never get a turn.
    pub fn main_returns(rt: &Runtime) {
        rt.run(async {
            go(count("counter a:", 3));
            go(count("counter b:", 3));
        });
    }

    /// While main sleeps, the counters run.
    pub fn main_sleeps(rt: &Runtime) {
        rt.run(async {
            go(count("counter a:", 3));
            go(count("counter b:", 3));
            sleep(Duration::from_secs(3)).await;
        });
    }

    /// No interleaving unless await: the spawned task runs only after main finishes its turn.
    pub fn no_interleaving(rt: &Runtime) {
        rt.run(async {
            println!("before");
            go(async { println!("do work") });
            println!("after");
        });
    }

    /// `nop` hands the turn to the tasks already ready.
    pub fn with_nop(rt: &Runtime) {
        rt.run(async {
            println!("before");
            go(async { println!("do work") });
            nop().await;
            println!("after");
        });
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (id, _) in PROGRAMS {
            println!("{id}");
        }
        return;
    }
    let virtual_time = args.iter().any(|a| a == "--virtual");
    let ids: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [id] = ids[..] else {
        eprintln!("usage: tutorial <id> [--virtual] | --list");
        std::process::exit(2);
    };
    let Some((_, program)) = PROGRAMS.iter().find(|(name, _)| name == id) else {
        eprintln!("no program {id:?}; `--list` lists them");
        std::process::exit(2);
    };
    program(&Runtime::builder().virtual_time(virtual_time).build());
}
