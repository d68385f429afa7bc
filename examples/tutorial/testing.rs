//! Chapter 11 of the crate tutorial, "Testing" (`aiochan::tutorial::ch11_testing`): exact time,
//! seeds, exploring schedules, and the reports a failing run ends with.
//!
//! The deadlock and panic reports name lines of this file, and their snapshots hold them: add new
//! programs at the end of the file.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use aiochan::testing::Explore;
use aiochan::{go, go_named, nop, now, select, sleep, sync::RwLock, Chan, Op, Runtime};

use super::ms_since;

/// Calls `attempt` until it succeeds, waiting 100 ms, then 200, 400, ... in between; returns the
/// number of tries.
async fn with_retries(mut attempt: impl FnMut() -> bool) -> u32 {
    let mut wait = Duration::from_millis(100);
    let mut tries = 1;
    while !attempt() {
        sleep(wait).await;
        wait *= 2;
        tries += 1;
    }
    tries
}

/// A retry loop with exponential back-off, timed to the millisecond under virtual time.
pub fn retries(rt: &Runtime) {
    rt.run(async {
        let start = now();
        let mut attempts = 0;
        let tries = with_retries(|| {
            attempts += 1;
            let succeeds = attempts == 4;
            println!(
                "attempt {attempts} at {:>3} ms {}",
                ms_since(start),
                if succeeds { "succeeds" } else { "fails" }
            );
            succeeds
        })
        .await;
        println!("{tries} tries");
    });
}

/// Two channels with a value each: which one does the select take? Returns the loop's seed and
/// the index of the chosen operation.
fn pick(rt: &Runtime) -> (u64, usize) {
    rt.run(async {
        let a = Chan::fixed(1).named("a").add([1]);
        let b = Chan::fixed(1).named("b").add([2]);
        let chosen = select([Op::get(&a), Op::get(&b)]).await;
        (aiochan::seed(), chosen.index)
    })
}

/// One seed, one choice: the same seed makes the same random choices every time, other seeds
/// make others.
pub fn seeds(rt: &Runtime) {
    let (seed, choice) = pick(rt);
    println!("this run has seed {seed} and picks channel {choice}");
    let replay = Runtime::builder().seed(seed).build();
    let replays: Vec<usize> = (0..10).map(|_| pick(&replay).1).collect();
    println!("replayed ten times with seed {seed}: {replays:?}");
    for seed in 0..6 {
        let choice = pick(&Runtime::builder().seed(seed).build()).1;
        println!("seed {seed} picks channel {choice}");
    }
}

/// Two customers race for the last seat; the careful one checks, waits for the payment, then
/// books, and with `check_again` checks once more after the wait.
async fn book_last_seat(check_again: bool) {
    let seats = Rc::new(Cell::new(1));
    let s = seats.clone();
    let quick = go(async move {
        if s.get() > 0 {
            s.set(s.get() - 1);
        }
    });
    let s = seats.clone();
    let careful = go(async move {
        if s.get() > 0 {
            nop().await; // the payment: other tasks run meanwhile
            if !check_again || s.get() > 0 {
                s.set(s.get() - 1);
            }
        }
    });
    quick.await;
    careful.await;
    assert!(seats.get() >= 0, "overbooked: {} seats", seats.get());
}

/// The usual order passes; exploring schedules finds the one that overbooks; the fix passes all.
pub fn explore(rt: &Runtime) {
    rt.run(book_last_seat(false));
    println!("in the loop's usual order, the seat is booked once");
    let explore = Explore::new().seeds(0..50);
    match silenced(|| explore.find(|| book_last_seat(false))) {
        Some(failure) => println!(
            "exploring finds seed {} after {} passing schedules: {}",
            failure.seed, failure.passed, failure.message
        ),
        None => println!("no explored schedule overbooks"),
    }
    match explore.find(|| book_last_seat(true)) {
        Some(failure) => println!(
            "the fix fails under seed {}: {}",
            failure.seed, failure.message
        ),
        None => println!("checking again after the await: every schedule passes"),
    }
}

/// Runs `f` with the default panic hook silenced: the runs that `explore` and these programs
/// expect to fail would otherwise print each panic to stderr, as a crash. A panic of `f` goes on
/// once the hook is back.
fn silenced<R>(f: impl FnOnce() -> R) -> R {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    outcome.unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

/// Runs `f`, silenced; its result, or the message of the panic it ends in.
fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    silenced(|| catch_unwind(AssertUnwindSafe(f))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}

/// Prints the outcome of a run that should fail, its report indented.
fn print_failure(outcome: Result<(), String>) {
    match outcome {
        Ok(()) => println!("the run ends normally"),
        Err(report) => {
            println!("the run panics with this report:");
            for line in report.lines() {
                println!("  | {line}");
            }
        }
    }
}

/// `main` waits for a report before it hands out the job the worker waits for: a deadlock, and
/// the report says who waits on what.
pub fn deadlock_report(rt: &Runtime) {
    print_failure(quietly(|| {
        rt.run(async {
            let jobs = Chan::new().named("jobs");
            let reports = Chan::new().named("reports");
            let (j, r) = (jobs.clone(), reports.clone());
            go_named("worker", async move {
                let job: u32 = j.get().await.unwrap_or_default();
                r.put(job * 2).await;
            });
            let _report = reports.get().await; // oops: the job was never sent
            jobs.put(21).await;
        })
    }));
}

/// A panic in a task ends the run, naming the task, its message and the seed.
pub fn task_panic(rt: &Runtime) {
    print_failure(quietly(|| {
        rt.run(async {
            let parser = go_named("parser", async { panic!("bad input") });
            parser.await;
        })
    }));
}

/// Kubernetes #10182 (GoBench): the kubelet's status loop and a status setter, one holding the
/// lock the other wants while waiting on the channel the first reads.
struct StatusManager {
    pod_statuses_lock: RwLock<()>,
    pod_status_channel: Chan<bool>,
}

async fn sync_batch(s: &StatusManager) {
    s.pod_status_channel.get().await;
    let _lock = s.pod_statuses_lock.write().await; // DeletePodStatus
}

async fn set_pod_status(s: &StatusManager, fixed: bool) {
    let lock = s.pod_statuses_lock.write().await;
    if fixed {
        drop(lock); // the fix: send once the lock is released
    }
    s.pod_status_channel.put(true).await;
} // without the fix, the lock is released here, after the send

async fn kubernetes10182(fixed: bool) {
    let s = Rc::new(StatusManager {
        pod_statuses_lock: RwLock::new(()).named("podStatusesLock"),
        pod_status_channel: Chan::new().named("podStatusChannel"),
    });
    let s1 = s.clone();
    let sync_loop = go_named("syncBatch", async move {
        for _ in 0..2 {
            sync_batch(&s1).await;
        }
    });
    let setters: Vec<_> = (1..=2)
        .map(|i| {
            let s = s.clone();
            go_named(format!("SetPodStatus-{i}"), async move {
                set_pod_status(&s, fixed).await
            })
        })
        .collect();
    sync_loop.await;
    for setter in setters {
        setter.await;
    }
}

/// Exploration finds the Kubernetes deadlock at once and reports it; the fix passes 10,000
/// schedules.
pub fn kubernetes(rt: &Runtime) {
    print!("in the loop's usual order, ");
    print_failure(quietly(|| rt.run(kubernetes10182(false))));
    let failure = silenced(|| Explore::new().seeds(0..15).find(|| kubernetes10182(false)));
    match failure {
        Some(failure) => {
            println!("seed {} deadlocks:", failure.seed);
            for line in failure.message.lines() {
                println!("  | {line}");
            }
        }
        None => println!("no deadlock in 15 schedules"),
    }
    let fixed = silenced(|| {
        Explore::new()
            .seeds(0..10_000)
            .find(|| kubernetes10182(true))
    });
    match fixed {
        Some(failure) => println!(
            "the fix fails under seed {}: {}",
            failure.seed, failure.message
        ),
        None => println!("the fix passes 10,000 schedules"),
    }
}
