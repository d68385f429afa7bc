//! GoBench's blocking bugs ported to aiochan: schedule exploration finds each buggy kernel, and
//! each fixed kernel passes 10,000 schedules.
//!
//! The kernels come from GoKer, the kernel half of GoBench (Ting Yuan et al., CGO 2021,
//! <https://github.com/timmyyuan/gobench>, MIT): each is a few dozen lines of Go distilled from a
//! real blocking bug in Docker (moby), Kubernetes, etcd, gRPC or CockroachDB. Every module here
//! ports one kernel the way a Go programmer would write it with aiochan (`go_named` for a
//! goroutine, `Chan` for a channel, `select!`, `timeout` for `time.After`, `aiochan::sync` for
//! `sync.Mutex` and `sync.WaitGroup`), as `buggy()` and `fixed()`.
//!
//! GoBench's test functions start goroutines and return, and a leak detector then reports the
//! goroutines left blocked. Returning from `main` ends an aiochan loop (ready tasks get one last
//! turn), so a port's `buggy()` and `fixed()` wait for the goroutines the Go test started, as a Go
//! `main` would. A blocking bug then shows as a deadlock report (every task waits, `main` on a
//! goroutine that never ends) or, for goroutines nobody waits for, as the leak check's report once
//! `main` returns; both name the goroutines and what each waits on.

use std::future::Future;
use std::pin::Pin;

use aiochan::testing::{Explore, Failure};

/// How many schedules a fixed kernel must pass.
///
/// A buggy kernel's test explores its `SEEDS` schedules, chosen so that a bug that a share `p` of
/// schedules hits is missed with a chance below one in a million, `(1 - p)^SEEDS < 1e-6`, with `p`
/// as the stats test measures it over the first 1,000 seeds, rounded up to a multiple of 5 (and 5
/// for a kernel that every schedule breaks).
const SCHEDULES: u64 = 10_000;

/// A kernel's buggy version, boxed so that the stats table can hold every kernel.
type Body = Pin<Box<dyn Future<Output = ()>>>;

/// A kernel as the stats test runs it.
struct Kernel {
    /// The module, named after GoBench's directory (project and issue number).
    name: &'static str,
    /// Its buggy version.
    buggy: fn() -> Body,
    /// How many seeds its own test explores to find the bug.
    seeds: u64,
}

/// Declares each kernel's module and lists them all for the stats test.
macro_rules! kernels {
    ($($kernel:ident),* $(,)?) => {
        $(mod $kernel;)*

        /// Every kernel, for the stats test.
        const KERNELS: &[Kernel] = &[$(Kernel {
            name: stringify!($kernel),
            buggy: || Box::pin($kernel::buggy()),
            seeds: $kernel::SEEDS,
        }),*];
    };
}

kernels!(
    cockroach_6181,
    cockroach_10214,
    cockroach_18101,
    etcd_5509,
    etcd_6857,
    etcd_6873,
    grpc_660,
    grpc_1460,
    kubernetes_1321,
    kubernetes_6632,
    kubernetes_10182,
    kubernetes_62464,
    moby_4951,
    moby_17176,
    moby_25384,
    moby_28462,
);

/// Explores `buggy` under seeds `0..seeds` and returns the failure it must hit: a report of kind
/// `kind` (`"deadlock:"` or `"leak:"`) that names every goroutine of `roles` and what it waits on.
fn found<F, Fut>(buggy: F, seeds: u64, kind: &str, roles: &[&str]) -> Failure
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let failure = Explore::new()
        .seeds(0..seeds)
        .find(buggy)
        .unwrap_or_else(|| panic!("the bug was not found in {seeds} schedules"));
    assert!(
        failure.message.starts_with(kind),
        "expected a {kind} report:\n{}",
        failure.message
    );
    for role in roles {
        assert!(
            failure
                .message
                .contains(&format!("task '{role}': waits on")),
            "the report does not say what '{role}' waits on:\n{}",
            failure.message
        );
    }
    failure
}

/// Asserts that `fixed` passes [`SCHEDULES`] schedules: no deadlock, no leak, no panic.
fn passes<F, Fut>(fixed: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    if let Some(failure) = Explore::new().seeds(0..SCHEDULES).find(fixed) {
        panic!(
            "the fixed kernel failed under seed {} after {} passing schedules:\n{}",
            failure.seed, failure.passed, failure.message
        );
    }
}

/// Set to 1, the stats test measures over 20 starting seeds and prints its table.
const STATS_VAR: &str = "AIOCHAN_BUG_STATS";

/// How many schedules exploration needs to find each buggy kernel when it starts elsewhere than
/// seed 0: from seeds `k * 100_000` for `k` in `0..3`, each must find its bug (a deadlock or leak
/// report) within the kernel's `SEEDS`, so that the number its test explores is no lucky pick.
///
/// With `AIOCHAN_BUG_STATS=1` it starts from 20 seeds instead, lets each explore up to 100,000
/// schedules, and prints per kernel the median and maximum of the schedules needed (the failing
/// one included) and the share of the first 1,000 seeds whose schedule hits the bug.
#[test]
fn stats() {
    let table = std::env::var_os(STATS_VAR).is_some_and(|v| v == "1");
    let starts: u64 = if table { 20 } else { 3 };
    let mut rows = Vec::new();
    for kernel in KERNELS {
        let limit = if table { 100_000 } else { kernel.seeds };
        let mut needed: Vec<usize> = (0..starts)
            .map(|k| {
                let first = k * 100_000;
                let failure = Explore::new()
                    .seeds(first..first + limit)
                    .find(kernel.buggy)
                    .unwrap_or_else(|| {
                        panic!(
                            "{}: not found in seeds {first}..{}",
                            kernel.name,
                            first + limit
                        )
                    });
                assert!(
                    failure.message.starts_with("deadlock:")
                        || failure.message.starts_with("leak:"),
                    "{}: {}",
                    kernel.name,
                    failure.message
                );
                failure.passed + 1
            })
            .collect();
        if !table {
            continue;
        }
        needed.sort_unstable();
        let n = needed.len();
        let median = (needed[(n - 1) / 2] + needed[n / 2]) as f64 / 2.0;
        let failing = (0..1_000)
            .filter(|&seed| Explore::new().seeds([seed]).find(kernel.buggy).is_some())
            .count();
        // The same under PCT of depth 2 (a run is two runs there: see `Explore::pct`).
        let mut pct: Vec<usize> = (0..starts)
            .map(|k| {
                let first = k * 100_000;
                Explore::new()
                    .pct(2)
                    .seeds(first..first + 10_000)
                    .find(kernel.buggy)
                    .map_or(usize::MAX, |failure| failure.passed + 1)
            })
            .collect();
        pct.sort_unstable();
        let pct_median = (pct[(n - 1) / 2] as f64 + pct[n / 2] as f64) / 2.0;
        rows.push((
            kernel.name,
            median,
            needed[n - 1],
            failing,
            kernel.seeds,
            pct_median,
            pct[n - 1],
        ));
    }
    if table {
        println!(
            "| kernel | median | max | failing seeds of 0..1000 | SEEDS of its test | PCT(2) median | PCT(2) max |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|");
        let shown = |v: f64| {
            if v >= usize::MAX as f64 {
                "not found in 10,000".to_string()
            } else {
                v.to_string()
            }
        };
        for (name, median, max, failing, seeds, pct_median, pct_max) in rows {
            println!(
                "| {name} | {median} | {max} | {failing} | {seeds} | {} | {} |",
                shown(pct_median),
                shown(pct_max as f64)
            );
        }
    }
}
